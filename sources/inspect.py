"""``plantrack inspect FILE``: one file read exactly as the loader reads it, into an in-memory
warehouse (no warehouse file is touched), and what became of every cell.

The same ``load_file`` as the nightly run: sniffing, header, typing, quarantine and rejection
are the loader's own, so what ``inspect`` shows is what the night will do with the file.
Offices run it before they send a file; support uses it to show what a file becomes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .contract import contracts
from .load import connect, load_file
from .read import DELIMITERS, Grid

EXIT_CLEAN, EXIT_QUARANTINED, EXIT_REJECTED = 0, 1, 2


class UnknownExtract(Exception):
    """Neither --extract nor the file's folder names an extract."""


@dataclass
class Inspection:
    """What the loader made of one file. ``mapping``: per mapped column, its file column
    (1-based), the header as delivered, the contract column, type, canonical unit and the
    factor that brings the delivered unit to it. ``rows``: the first typed rows as raw would
    hold them (values in canonical units). ``quarantine``: every problem, with file row and
    column. ``rejection``: why the whole file cannot load, or None."""
    file: str
    extract: str
    extract_from: str                      # "--extract" or "folder name"
    status: str                            # loaded, rejected
    encoding: str | None = None
    header_row: int | None = None
    delimiter: str | None = None
    notes: str | None = None
    mapping: list[dict] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    optional_absent: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    rejection: str | None = None

    @property
    def exit_code(self) -> int:
        if self.status == "rejected":
            return EXIT_REJECTED
        return EXIT_QUARANTINED if self.rows_quarantined else EXIT_CLEAN

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "exit_code": self.exit_code}, ensure_ascii=False, indent=2,
                          default=_plain)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def guess_extract(path: Path) -> str:
    """The extract a file belongs to: the name of its folder (landing/<extract>/…, or any
    folder above it with an extract's name)."""
    for folder in path.resolve().parents:
        if folder.name in contracts():
            return folder.name
    raise UnknownExtract(
        f"cannot tell which extract {path.name} is: no folder above it is named after an extract. "
        f"Give --extract NAME, one of: {', '.join(contracts())}")


def inspect_file(path: Path, extract: str | None = None, limit: int = 10) -> Inspection:
    """Load ``path`` into an in-memory warehouse as the nightly run would, and say what
    became of it. Raises ``UnknownExtract`` when the extract is neither given nor guessable,
    ``FileNotFoundError`` when there is no such file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if extract is None:
        extract, source = guess_extract(path), "folder name"
    elif extract not in contracts():
        raise UnknownExtract(f"unknown extract {extract!r}; one of: {', '.join(contracts())}")
    else:
        source = "--extract"
    contract = contracts()[extract]
    seen: list[Grid] = []
    con = connect(None)
    try:
        outcome = load_file(con, contract, path, path.name, on_grid=seen.append)
        result = Inspection(str(path), extract, source, outcome.status)
        (encoding, header_row, notes, error, read, loaded, bad), = con.execute(
            "SELECT encoding, header_row, notes, error, rows_read, rows_loaded, rows_quarantined "
            "FROM meta.files").fetchall()
        result.encoding, result.header_row, result.notes = encoding, header_row, notes
        result.rows_read, result.rows_loaded, result.rows_quarantined = read or 0, loaded or 0, bad or 0
        if outcome.status == "rejected":
            result.rejection = outcome.error
        if seen:
            grid = seen[0]
            result.encoding = result.encoding or grid.encoding
            result.header_row = result.header_row or grid.header_row
            result.delimiter = DELIMITERS.get(grid.delimiter, grid.delimiter) if grid.encoding != "xlsx" else None
            result.mapping = [{
                "file_column": m.index + 1, "header": m.header, "column": m.column.name,
                "type": m.column.type, "unit": m.column.unit, "scale": m.scale} for m in grid.mapped]
            result.ignored_headers = list(grid.ignored_headers)
            mapped = {m.column.name for m in grid.mapped}
            result.optional_absent = [c.name for c in contract.columns if c.name not in mapped]
        if outcome.status == "loaded":
            cursor = con.execute(f"SELECT * EXCLUDE (_file_id) FROM raw.{extract} ORDER BY _row LIMIT {int(limit)}")
            names = [d[0] for d in cursor.description]
            result.rows = [dict(zip(names, r)) for r in cursor.fetchall()]
            result.quarantine = [dict(zip(("row", "column", "header", "value", "reason"), r)) for r in con.execute(
                "SELECT row_number, column_name, header, value, reason FROM meta.quarantine "
                "ORDER BY row_number, column_name").fetchall()]
    finally:
        con.close()
    return result


def render(r: Inspection) -> str:
    """The inspection as text for a terminal."""
    out = [f"file 文件: {r.file}",
           f"extract 数据: {r.extract} {contracts()[r.extract].name_zh} (from the {r.extract_from})"]
    if r.encoding:
        out.append(f"read as 读取: {'XLSX workbook' if r.encoding == 'xlsx' else r.encoding}"
                   + (f", {r.delimiter}-separated" if r.delimiter else ""))
    if r.header_row:
        out.append(f"header row 表头行: {r.header_row}")
    if r.notes:
        out.append(f"notes 说明: {r.notes}")
    if r.mapping:
        out.append("columns 列:")
        for m in r.mapping:
            unit = f" [{m['unit']}]" if m["unit"] else ""
            scale = f" × {m['scale']:g}" if m["scale"] != 1 else ""
            out.append(f"  {m['file_column']:>3}  {m['header']}  →  {m['column']} ({m['type']}){unit}{scale}")
        if r.ignored_headers:
            out.append(f"  ignored 未用: {', '.join(r.ignored_headers)}")
        if r.optional_absent:
            out.append(f"  absent 缺少 (optional): {', '.join(r.optional_absent)}")
    if r.rejection:
        out.append(f"REJECTED 拒收: {r.rejection}")
        return "\n".join(out)
    out.append(f"rows 行: {r.rows_read} read, {r.rows_loaded} would load, {r.rows_quarantined} quarantined")
    if r.rows:
        out.append(f"first typed rows 前{len(r.rows)}行 (canonical units):")
        names = list(r.rows[0])
        out.append("  " + " | ".join(names))
        for row in r.rows:
            out.append("  " + " | ".join("—" if row[n] is None else str(row[n]) for n in names))
    if r.quarantine:
        out.append("quarantined 隔离:")
        for q in r.quarantine:
            where = f"row {q['row']}, column {q['column']}" + (f" ({q['header']})" if q["header"] and q["header"] != q["column"] else "")
            out.append(f"  {where}: {q['value']!r} — {q['reason']}")
    return "\n".join(out)
