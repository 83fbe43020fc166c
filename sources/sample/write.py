"""Writing delivery files the way the offices do: CSV in UTF-8, UTF-8 with BOM or GBK; XLSX
with title rows above the header and 注 rows below the data. Byte-for-byte deterministic
(fixed zip timestamps and document properties), so the same seed gives the same hashes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

# Every file gets a fixed modification time, in delivery order: the loader loads the oldest
# first, and a later delivery of the same keys supersedes an earlier one. Beijing time, whatever
# the machine's zone: the offices deliver on the plan's clock.
DELIVERY_START = dt.datetime(2016, 1, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Landing:
    def __init__(self, root: Path, on_file=None):
        self.root = root
        self.written: list[Path] = []
        self.on_file = on_file  # called with each file written (the command's progress)

    def _path(self, extract: str, name: str) -> Path:
        folder = self.root / extract
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def _stamp(self, path: Path) -> Path:
        when = DELIVERY_START + dt.timedelta(minutes=len(self.written))
        os.utime(path, (when.timestamp(), when.timestamp()))
        self.written.append(path)
        if self.on_file is not None:
            self.on_file(path)
        return path

    def csv(self, extract: str, name: str, header: list[str], rows: list[list],
            encoding: str = "utf-8", title: list[str] = (), notes: list[str] = ()) -> Path:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for t in title:
            w.writerow([t])
        w.writerow(header)
        w.writerows([["" if v is None else v for v in row] for row in rows])
        for n in notes:
            w.writerow([n])
        path = self._path(extract, name)
        path.write_bytes(buf.getvalue().encode(encoding))
        return self._stamp(path)

    def xlsx(self, extract: str, name: str, header: list[str], rows: list[list],
             title: list[str] = (), notes: list[str] = ()) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "Sheet1"
        for t in title:
            ws.append([t])
        ws.append(header)
        for row in rows:
            ws.append(row)
        for n in notes:
            ws.append([n])
        fixed = dt.datetime(2016, 1, 1)
        wb.properties.created = wb.properties.modified = fixed
        buf = io.BytesIO()
        wb.save(buf)
        path = self._path(extract, name)
        path.write_bytes(_fixed_zip(buf.getvalue()))
        return self._stamp(path)

    def raw(self, extract: str, name: str, data: bytes) -> Path:
        path = self._path(extract, name)
        path.write_bytes(data)
        return self._stamp(path)

    def adopt(self, path: Path) -> Path:
        """Stamp a file written by someone else (DuckDB's COPY) into the delivery order."""
        return self._stamp(path)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a workbook with fixed timestamps: openpyxl stamps the current time on every zip
    entry and in docProps/core.xml's modified date, whatever the properties say."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2016, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2016-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()
