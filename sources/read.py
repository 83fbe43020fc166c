"""File → typed table.

Two steps, whatever the office sent:

1. ``read_grid``: bytes → rows of text cells with their row number in the file. It sniffs the
   file type (CSV or XLSX), the encoding (UTF-8, UTF-8 with BOM, GB18030/GBK), picks the sheet
   (the contract's, else the first visible one with a header), finds the header among the
   title rows (one row, or two or three read as one: merged group titles, a unit row), maps
   header cells to contract columns with the scale their unit implies (in the header, a title
   line or a unit row; ``sources/units.py``) and drops footnote rows. An XLSX cell is read with
   its type and number format (``sources/xlsx.py``) and becomes the text the office meant for
   its column (0.853 shown as 85.3% → ``85.3``); one that cannot be meant at all (an Excel
   error, a formula never calculated, a code stored as a number) carries its reason in a column
   ``p<i>`` beside its text ``c<i>``. Anything that makes the file as a whole unreadable raises
   ``FileRejected`` with a reason that names the file, sheet, row and column.
2. ``type_rows``: one DuckDB statement turns the text cells into typed values in canonical units
   and lists, per row, the problems found (unknown region, unparsable number, …). The SQL
   helpers it uses are the ``pt_*`` macros below: one definition of what "missing", "a number",
   "a period" or "a date" means, for every extract.

The large monitoring feed (contracts with ``bulk: true``) is never held in Python: DuckDB's own
CSV reader parses it straight into the typing statement.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from . import units, xlsx
from .contract import Column, Contract, UnknownUnit, column_scale, header_unit
from .headers import normalize_header
from .reference import period_types, region_aliases, target_ids

HEADER_SEARCH_ROWS = 10  # title rows above the header: the offices' spec allows 1–3 (docs/FORMATS.md)
FOOTNOTE = re.compile(r"^\s*(注|说明|资料来源|数据来源|note|source)", re.IGNORECASE)
# "nan" is how pandas and numpy write a missing float (and DuckDB would read it as NaN)
MISSING_MARKERS = ("", "-", "--", "—", "——", "…", "……", "...", "/", "－", "nan")
# Excel's error values, as a text export writes them: a formula that failed, never a figure
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA")
PEEK_BYTES = 1 << 16
_MISSING_RE = "|".join(re.escape(m) for m in MISSING_MARKERS)
_EXCEL_ERRORS_RE = "|".join(re.sub(r"([?!./])", r"\\\1", e) for e in EXCEL_ERRORS)


class FileRejected(Exception):
    """The file as a whole cannot be loaded; none of its rows reach raw."""


class NoHeader(FileRejected):
    """No row that the contract recognises as a header (another sheet may have one)."""


@dataclass
class MappedColumn:
    index: int          # cell position in the row
    column: Column
    scale: float        # multiply by this to reach the canonical unit
    header: str         # the header cell as delivered


@dataclass
class Grid:
    """A file's data rows as text cells, before typing."""
    encoding: str
    header_row: int                      # 1-based row of the header in the file
    mapped: list[MappedColumn]
    ignored_headers: list[str]
    width: int                           # cells in the header row
    rows: pa.Table | None = None         # _row, _extra, c0..c{width-1}
    csv_path: Path | None = None         # bulk: a UTF-8 CSV whose data start after header_row
    skipped: list[str] = field(default_factory=list)   # title/footnote rows, for the record
    sheet: str | None = None             # XLSX: the sheet read (quarantine reasons name it)
    sheet_notes: str | None = None       # XLSX: which sheet was read, which were skipped and why
    header_end: int = 0                  # last row of the header (a sub-header or unit row)
    delimiter: str = ","                 # text files: the cell separator found
    notes: list[str] = field(default_factory=list)     # how the file was read, when worth saying
    _tmp: Path | None = None

    @property
    def data_after(self) -> int:
        """The last row of the header (data start below it): a sub-header or unit row counts."""
        return max(self.header_row, self.header_end)

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Step 1: bytes → grid

def read_grid(path: Path, contract: Contract) -> Grid:
    """The file's data rows as text cells, with how they were read (encoding, header row,
    delimiter) in the grid. Raises ``FileRejected`` when the file as a whole cannot be read."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("empty file (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(PEEK_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, contract)
    if path.suffix.lower() == ".xlsx":
        raise FileRejected("not an XLSX workbook: the file is not a zip archive")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("not a table: binary content (an OLE/.xls container)")
    if contract.bulk:
        return _read_csv_bulk(path, contract, head)
    return _read_csv(path, contract)


# --------------------------------------------------------------------------------------------
# Text files: the encoding is decided on the whole file, never on its first block

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}
_CHUNK = 1 << 22


@dataclass
class TextEncoding:
    """How a text file's bytes become text: ``codec`` for Python, ``bom`` bytes to skip first,
    ``name`` as recorded in meta.files, ``note`` when the choice needs saying."""
    codec: str
    bom: int = 0
    name: str = ""
    note: str | None = None


def _row_of(data: bytes, offset: int, rows_before: int = 0) -> int:
    return rows_before + data[:offset].count(b"\n") + 1


def _nul_rejection(row: int) -> FileRejected:
    return FileRejected(f"not a table: binary content (NUL bytes at row {row})")


def _encoding_rejection(row: int, byte: int, offset: int) -> FileRejected:
    return FileRejected(f"unknown encoding: row {row} is neither UTF-8 nor GB18030/GBK "
                        f"(byte 0x{byte:02x} at offset {offset})")


def _decide_encoding(data: bytes) -> tuple[str, TextEncoding]:
    """The whole file's text and how it was decoded.

    UTF-16 with a byte-order mark (Excel's "Unicode text"); otherwise UTF-8 if the whole file
    is UTF-8, else GB18030 (a superset of GBK) if the whole file is that — after a UTF-8
    byte-order mark too, which Windows tools put before GBK bytes. NUL bytes anywhere reject
    the file; an encoding error names the row of the first byte the closest encoding failed on."""
    if data.startswith(UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise FileRejected(f"unknown encoding: UTF-16 byte-order mark, but row "
                               f"{data[:e.start].decode('utf-16', 'replace').count(chr(10)) + 1} "
                               f"is not UTF-16 (offset {e.start})") from None
        if "\x00" in text:
            raise _nul_rejection(text[:text.index("\x00")].count("\n") + 1)
        return text, TextEncoding("utf-16", 0, "utf-16", "UTF-16 (Excel Unicode text)")
    if b"\x00" in data:
        raise _nul_rejection(_row_of(data, data.index(b"\x00")))
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = memoryview(data)[bom:]
    errors = []
    for codec in ("utf-8", "gb18030"):
        try:
            text = str(body, codec)
        except UnicodeDecodeError as e:
            errors.append(e)
            continue
        if codec == "utf-8":
            return text, TextEncoding("utf-8", bom, "utf-8-sig" if bom else "utf-8")
        note = "a UTF-8 byte-order mark followed by GBK bytes: read as GB18030" if bom else None
        return text, TextEncoding("gb18030", bom, "gb18030", note)
    # the encoding that read furthest is the file's; its first bad byte is the true culprit
    e = max(errors, key=lambda err: err.start)
    raise _encoding_rejection(_row_of(data, bom + e.start), data[bom + e.start], bom + e.start)


def _parse_csv_text(text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Rows with the file row (line) each starts on. Blank lines keep their numbers."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise FileRejected(f"malformed CSV at row {start}: {e}") from None
    return rows


def _detect_delimiter(text: str, contract: Contract) -> str:
    """The delimiter under which the first rows name the most contract columns (comma, tab,
    semicolon or vertical bar); a comma when none does, so that the rejection says what a
    comma-separated reading found."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS + 5]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        if not any(delimiter in line for line in lines):
            continue
        score = 0
        try:
            for cells in csv.reader(lines, delimiter=delimiter):
                hits = 0
                for cell in cells:
                    try:
                        hits += contract.match_header(cell) is not None
                    except UnknownUnit:  # still a header cell of this column: it counts
                        hits += 1
                score = max(score, hits)
        except csv.Error:  # the parse proper says what is malformed, with its row
            pass
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _reader_notes(encoding: TextEncoding, delimiter: str) -> list[str]:
    notes = [encoding.note] if encoding.note else []
    if delimiter != ",":
        notes.append(f"{DELIMITERS[delimiter]}-separated")
    return notes


def _read_csv(path: Path, contract: Contract) -> Grid:
    text, encoding = _decide_encoding(path.read_bytes())
    delimiter = _detect_delimiter(text[:PEEK_BYTES], contract)
    rows = _parse_csv_text(text, delimiter)
    grid = _grid_from_rows(rows, contract, encoding.name)
    grid.delimiter = delimiter
    grid.notes = _reader_notes(encoding, delimiter) + grid.notes
    last_row, last = rows[-1]
    if not text.endswith(("\n", "\r")) and 0 < len([c for c in last if c.strip()]) \
            and len(last) < grid.width and last_row > grid.header_row:
        raise FileRejected(f"truncated: the last row (row {last_row}) stops after "
                           f"{len(last)} of {grid.width} cells and has no line end — "
                           "the file may still be being written")
    return grid


def _bad_workbook(e: Exception) -> FileRejected:
    # a refused zip bomb is not "corrupt": say what it is
    what = "refused" if "zip bomb" in str(e) else "not a readable XLSX workbook (truncated or corrupt)"
    return FileRejected(f"{what}: {e}")


def _read_xlsx(path: Path, contract: Contract) -> Grid:
    try:
        workbook = xlsx.Workbook(path)
    except xlsx.BadWorkbook as e:
        raise _bad_workbook(e) from None
    try:
        return _read_workbook(workbook, contract)
    except xlsx.BadWorkbook as e:
        raise _bad_workbook(e) from None
    finally:
        workbook.close()


def _read_workbook(workbook: xlsx.Workbook, contract: Contract) -> Grid:
    """The sheet the contract names, else the first visible sheet whose header the contract
    recognises (a cover sheet such as 填报说明 often comes first). Hidden sheets are never read:
    an office hides what it does not mean to send."""
    hidden = [f"'{s.name}' ({'very hidden' if s.state == 'veryHidden' else 'hidden'}, not read)"
              for s in workbook.sheets if s.state != "visible"]
    found = "; ".join(f"'{s.name}'" + ("" if s.state == "visible" else f" ({s.state})")
                      for s in workbook.sheets)
    if contract.sheet:
        named = [s for s in workbook.sheets if s.name.strip() == contract.sheet]
        if not named:
            raise FileRejected(f"no sheet named '{contract.sheet}' (the sheet the contract reads); "
                               f"sheets found: {found}")
        if named[0].state != "visible":
            raise FileRejected(f"sheet '{contract.sheet}' (the sheet the contract reads) is hidden; "
                               f"sheets found: {found}")
        order = named
    else:
        order = [s for s in workbook.sheets if s.state == "visible"]
    tried: list[str] = []
    for k, sheet in enumerate(order):
        cells = _SheetCells(workbook, workbook.read(sheet))
        rows = cells.text_rows()
        if not rows:
            tried.append(f"'{sheet.name}' (empty)")
            continue
        try:
            grid = _grid_from_rows(rows, contract, "xlsx", convert=cells.convert)
        except NoHeader as e:
            tried.append(f"'{sheet.name}' ({e})")
            continue
        except FileRejected as e:
            others = f" (sheets found: {found})" if len(workbook.sheets) > 1 else ""
            raise FileRejected(f"sheet '{sheet.name}': {e}{others}") from None
        later = [f"'{s.name}' (not read: the data were found first on '{sheet.name}')"
                 for s in order[k + 1:]]
        grid.sheet = sheet.name
        skipped = tried + hidden + later
        grid.sheet_notes = f"sheet '{sheet.name}' read" + \
            (f"; sheets skipped: {', '.join(skipped)}" if skipped else "")
        return grid
    if not any(s.state == "visible" for s in workbook.sheets):
        raise FileRejected(f"no visible sheet (hidden sheets are never read); sheets found: {found}")
    raise FileRejected("no sheet with a recognisable header: " + "; ".join(tried + hidden))


_ERROR_REASON = "Excel error {value} in the cell ({meaning})"
_FORMULA_REASON = ("a formula with no saved value (the workbook was written by a program and never "
                   "calculated in Excel): open and save it in Excel, or deliver the values")


class _SheetCells:
    """One sheet's cells with merged ranges filled, as text for the header search and, once the
    header is known, as the text each mapped column needs (``convert``)."""

    def __init__(self, workbook: xlsx.Workbook, sheet: xlsx.SheetCells):
        self.date1904 = workbook.date1904
        self.rows = sheet.rows
        self.merged: dict[tuple[int, int], tuple[str, bool]] = {}  # cell → (range, spans columns)
        if not self.rows:
            return
        last_row = max(self.rows)
        last_col = max(max(r) for r in self.rows.values())
        for r1, c1, r2, c2 in sheet.merges:
            # a merge may claim a whole row or column: only cells that can hold data count
            r2, c2 = min(r2, last_row), min(c2, last_col)
            top = self.rows.get(r1, {}).get(c1)
            ref = f"{xlsx.column_letter(c1)}{r1}:{xlsx.column_letter(c2)}{r2}"
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) == (r1, c1):
                        continue
                    # a merged range shows its first cell's value in every cell it covers
                    self.merged[(r, c)] = (ref, c2 > c1)
                    if top is not None:
                        self.rows.setdefault(r, {})[c] = top

    def text_rows(self) -> list[tuple[int, list[str]]]:
        out, date1904 = [], self.date1904
        for r in sorted(self.rows):
            cells = self.rows[r]
            text = [""] * (max(cells) + 1)
            for c, cell in cells.items():
                text[c] = cell.value if cell.kind == "s" else _xcell_text(cell, date1904)
            out.append((r, text))
        return out

    def convert(self, row: int, index: int, column: Column) -> tuple[str, str | None]:
        """The text of a data cell under ``column`` as the office meant it, and why it cannot
        load (None when it can)."""
        cell = self.rows.get(row, {}).get(index)
        text, problem = _xcell_typed(cell, column, self.date1904)
        merged = self.merged.get((row, index))
        if merged and cell is not None and problem is None and \
                (merged[1] or column.type in ("number", "integer")):
            # a year or region merged down over several rows belongs to each of them; a figure
            # merged over rows, or anything merged across columns, belongs to one cell only
            problem = (f"part of a merged range ({merged[0]}): its first cell's value cannot be "
                       f"meant for this {'column' if merged[1] else 'row'} too")
        return text, problem


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _date_text(cell: xlsx.XCell, date1904: bool) -> str:
    when = xlsx.serial_to_datetime(cell.value, date1904)
    parts = xlsx.date_parts(cell.fmt)
    if parts == "y":
        return when.strftime("%Y")
    if parts == "ym":
        return when.strftime("%Y-%m")
    if parts == "ymdhms" and when.time() != dt.time():
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.strftime("%Y-%m-%d")


def _xcell_text(cell: xlsx.XCell | None, date1904: bool) -> str:
    """A cell as the text an office would have typed (header search, columns not loaded)."""
    if cell is None or cell.kind == "f":
        return ""
    if cell.kind == "b":
        return "是" if cell.value else "否"
    if cell.kind == "n":
        return _date_text(cell, date1904) if xlsx.is_date(cell.fmt) else _number_text(cell.value)
    if cell.kind == "d":  # an ISO 8601 date cell (t="d"), written by some programs
        try:
            when = dt.datetime.fromisoformat(str(cell.value).rstrip("Z"))
        except ValueError:
            return str(cell.value)
        return when.strftime("%Y-%m-%d %H:%M:%S") if when.time() != dt.time() else when.strftime("%Y-%m-%d")
    return str(cell.value)


def _xcell_typed(cell: xlsx.XCell | None, column: Column, date1904: bool) -> tuple[str, str | None]:
    if cell is None:
        return "", None
    if cell.kind == "e":
        return str(cell.value), _ERROR_REASON.format(
            value=cell.value, meaning=xlsx.ERRORS.get(str(cell.value), "an error value"))
    if cell.kind == "f":
        return f"={cell.formula or '(a shared formula)'}", _FORMULA_REASON
    if cell.kind != "n":
        return _xcell_text(cell, date1904), None
    value, fmt, t = cell.value, cell.fmt, column.type
    if xlsx.is_date(fmt):
        return _date_text(cell, date1904), None
    if t in ("number", "integer"):
        if xlsx.is_percent(fmt):
            # 0.853 shown as 85.3%: the office meant 85.3 (percent), in a column of percent
            shown = float(f"{value * 100:.15g}")
            if column.unit and units.quantity(column.unit) != "percent":
                return _number_text(shown) + "%", f"shown as a percentage in a column measured in {column.unit}"
            return _number_text(shown), None
        return _number_text(value), None
    if t == "code":
        shown = f"{value:.6G}" if abs(value) >= 1e11 else _number_text(value)
        return shown, ("a number, not text: Excel keeps only 15 digits of a code stored as a number, "
                       "so digits are lost; format the column as text and type the code again")
    if t == "period":
        places = xlsx.decimals(fmt)
        # 2014.10 typed in a cell shown with two decimals is what the office saw: October.
        # Shown as General it reads 2014.1, which the typing step finds ambiguous.
        return (f"{value:.{places}f}" if places else _number_text(value)), None
    if t == "text" and abs(value) >= 1e15:
        return _number_text(value), ("a number of more than 15 digits: Excel keeps only 15, so "
                                     "digits are lost; format the column as text and type it again")
    return _number_text(value), None


def _column_named(contract: Contract, cell: str) -> Column | None:
    """The column a header cell names, None also when its unit is wrong for the column (a
    combination of header rows that makes a wrong unit is not the header)."""
    try:
        hit = contract.match_header(cell)
    except UnknownUnit:
        return None
    return hit[0] if hit else None


def _combine(top: list[str], below: list[str], contract: Contract) -> tuple[list[str] | None, bool]:
    """Two header rows read as one: (the combined header cells, whether ``below`` is a unit
    row), or (None, False) when ``below`` adds nothing to ``top``.

    - a unit row (every cell a unit of ``sources/units.py``, e.g. 千瓦 under each type): each
      unit joins the header above it, ``火电`` + ``千瓦`` → ``火电(千瓦)``;
    - a sub-header under a group title merged across columns (``发电装机容量(万千瓦)`` over
      ``火电``, ``水电`` …; in a CSV the title stands over the first column only and blanks
      follow): the sub-header names the column and takes the title's unit, unless it has its own;
    - a cell merged down over both rows (``年份``) is the same in both, or blank below.
    Counted only when it names more contract columns than either row alone (a title row over
    the header adds nothing), or when ``below`` is a unit row."""
    width = max(len(top), len(below))
    t = [c.strip() for c in top] + [""] * (width - len(top))
    b = [c.strip() for c in below] + [""] * (width - len(below))
    new = [i for i in range(width) if b[i] and b[i] != t[i]]
    if not new:
        return None, False
    if all(units.is_unit(b[i]) for i in new):
        out = list(t)
        for i in new:
            if t[i]:
                out[i] = f"{t[i]}({b[i].strip('()（）')})"
        return out, True
    out, group = [], ""
    # a title line above the header is one cell; a header row with a group title has others
    spreads = sum(1 for x in t if x) > 1
    for i in range(width):
        if t[i]:
            group = "" if _column_named(contract, t[i]) or not spreads else t[i]
        above = t[i] or (group if b[i] else "")
        if not b[i] or b[i] == t[i] or not above:
            out.append(t[i] or b[i])
            continue
        cell, unit = b[i], header_unit(above)
        named = _column_named(contract, b[i])
        if unit and header_unit(b[i]) is None and named is not None and named.unit \
                and units.quantity(unit) == units.quantity(named.unit):
            cell = f"{b[i]}({unit})"  # the group title's unit, for the columns it can measure
        elif named is None and _column_named(contract, above + b[i]):
            cell = above + b[i]  # 其中 over 新能源汽车
        out.append(cell)
    count = lambda cells: sum(1 for c in cells if c and _column_named(contract, c))
    # a title over the header adds nothing to it; a group title adds its unit, a row of names
    # under cells merged down adds the names
    if out == b or count(out) <= count(t) or count(out) < count(b):
        return None, False
    return out, False


def _header_candidates(rows: list[tuple[int, list[str]]], contract: Contract):
    """(first row, last row, header cells, unit row or None) for each of the first non-blank
    rows, alone and combined with the one or two rows below it (two-row headers, unit rows)."""
    candidates = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    for k, (n, cells) in enumerate(candidates[:HEADER_SEARCH_ROWS]):
        yield n, n, cells, None
        combined, unit_row = cells, None
        for m, below in candidates[k + 1:k + 3]:
            combined, is_unit_row = _combine(combined, below, contract)
            if combined is None:
                break
            unit_row = m if is_unit_row else unit_row
            yield n, m, combined, unit_row


def _find_header(rows: list[tuple[int, list[str]]], contract: Contract):
    """The row (among the first non-blank ones), or two or three rows read as one, that names
    the most contract columns; a unit row under the header wins over the header alone."""
    best = None
    for n, last, cells, unit_row in _header_candidates(rows, contract):
        mapped, ignored = [], []
        for i, cell in enumerate(cells):
            try:
                hit = contract.match_header(cell)
            except UnknownUnit as e:
                where = f"unit row {unit_row}" if unit_row else f"header row {n}"
                raise FileRejected(f"{where}, column {i + 1}: {e}") from None
            if hit:
                mapped.append(MappedColumn(i, hit[0], hit[1], cell.strip()))
            elif cell.strip():
                ignored.append(cell.strip())
        score = len(mapped) + (0.5 if unit_row else 0)
        if len(mapped) >= 2 and (best is None or score > best[5]):
            best = (n, mapped, ignored, len(cells), last, score)
    if best is None:
        expected = ", ".join(c.headers[0] for c in contract.required_columns)
        raise NoHeader(f"no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
                       f"(expected columns such as {expected})")
    n, mapped, ignored, width, last, _ = best
    seen: dict[str, MappedColumn] = {}
    for m in mapped:
        if m.column.name in seen:
            raise FileRejected(f"header row {n}: columns {seen[m.column.name].index + 1} and "
                               f"{m.index + 1} both name {m.column.label}")
        seen[m.column.name] = m
    # a file may carry any subset of the measures (a revision of one figure): what it lacks is
    # not delivered, and erases nothing
    why = contract.missing_columns(set(seen))
    if why:
        raise FileRejected(f"header row {n}: {why}")
    return n, mapped, ignored, width, last


def _grid_from_rows(rows, contract: Contract, encoding: str, convert=None) -> Grid:
    """Header, data rows and footnotes of a table of text cells. ``convert(row, index, column)``
    (XLSX) gives a mapped data cell's text and the reason it cannot load, from its cell type and
    number format; the reasons become columns ``p<index>`` beside ``c<index>``."""
    header_row, mapped, ignored, width, header_end = _find_header(rows, contract)
    skipped = [f"row {n}: title" for n, c in rows if n < header_row and any(x.strip() for x in c)]
    if header_end > header_row:
        skipped.append(f"rows {header_row}-{header_end}: header")
    lines = [(n, "title", " ".join(x.strip() for x in c if x.strip()))
             for n, c in rows if n < header_row and any(x.strip() for x in c)]
    data_rows, extra, numbers = [], [], []
    in_footnotes = False
    for n, cells in rows:
        if n <= header_end or not any(c.strip() for c in cells):
            continue
        first = next(c for c in cells if c.strip())
        if in_footnotes or (FOOTNOTE.match(first) and sum(1 for c in cells if c.strip()) == 1):
            in_footnotes = True
            skipped.append(f"row {n}: footnote")
            lines.append((n, "footnote", first.strip()))
            continue
        numbers.append(n)
        data_rows.append((cells + [""] * width)[:width])
        extra.append("|".join(c for c in cells[width:] if c.strip()) or None)
    skipped += _apply_unit_lines(lines, mapped)
    columns = {"_row": pa.array(numbers, pa.int64()), "_extra": pa.array(extra, pa.string())}
    if convert is not None:
        for m in mapped:
            problems = []
            for n, r in zip(numbers, data_rows):
                r[m.index], problem = convert(n, m.index, m.column)
                problems.append(problem)
            if any(problems):
                columns[f"p{m.index}"] = pa.array(problems, pa.string())
    for i in range(width):
        columns[f"c{i}"] = pa.array([r[i] for r in data_rows], pa.string())
    return Grid(encoding, header_row, mapped, ignored, width, rows=pa.table(columns),
                skipped=skipped, header_end=header_end)


def _apply_unit_lines(lines: list[tuple[int, str, str]], mapped: list[MappedColumn]) -> list[str]:
    """Units stated in a title line (``单位：万元、吨标准煤``, ``发电装机容量（千瓦）``) or a note
    (``说明：单位为吨``) set the scale of the columns measured in that quantity whose header
    states no unit. A unit that no column takes, an unknown unit, or one that contradicts a
    header's own unit rejects the file naming the line: ignoring it would load the columns
    10,000 times too large or small. Returns notes for meta.files."""
    stated: dict[str, tuple[str, int]] = {}
    notes = []
    for n, kind, text in lines:
        found = units.units_in_line(text, note=kind == "footnote")
        if found is None:
            continue
        if not found:
            raise FileRejected(f"{kind} row {n} '{text}': a unit line that names no unit")
        applied = []
        for unit in found:
            quantity = units.quantity(unit)
            if quantity is None:
                raise FileRejected(f"{kind} row {n} '{text}': '{unit}' is not a known unit "
                                   "(sources/units.py): the columns it applies to cannot be scaled")
            targets = [m for m in mapped if units.quantity(m.column.unit) == quantity]
            if not targets:
                measured = ", ".join(sorted({m.column.unit for m in mapped if m.column.unit})) or "none"
                raise FileRejected(f"{kind} row {n} '{text}': no column of this file is measured "
                                   f"in {unit} (units of its columns: {measured})")
            for m in targets:
                own = header_unit(m.header)
                if own is not None:
                    if units.lookup(own) != units.lookup(unit):
                        raise FileRejected(f"{kind} row {n} '{text}' says {unit}, but the header "
                                           f"'{m.header}' says {own}")
                    continue
                if m.column.name in stated and units.lookup(stated[m.column.name][0]) != units.lookup(unit):
                    earlier, row = stated[m.column.name]
                    raise FileRejected(f"{kind} row {n} '{text}' says {unit} for {m.column.label}, "
                                       f"but row {row} says {earlier}")
                stated[m.column.name] = (unit, n)
                m.scale = column_scale(m.column, unit)
                applied.append(f"{m.header} in {unit}")
        notes.append(f"row {n}: unit line ({', '.join(applied) if applied else 'as the headers say'})")
    return notes


_ASCII = bytes(range(128))


def _scan_utf8(path: Path) -> int | None:
    """One streaming pass over a large file: None when all of it is UTF-8 without NUL bytes,
    else the offset of the block where UTF-8 stops (GB18030 is tried from the start then).
    An ASCII block costs a memchr and an isascii(); in others only the non-ASCII bytes are
    decoded (a third of the cost of decoding the block). GBK text never survives that; a UTF-8
    sequence broken by an ASCII byte could, and DuckDB's reader then quarantines its line
    ("invalid encoding")."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            if b"\x00" in block:
                raise _nul_rejection(_row_at(path, offset + block.index(b"\x00")))
            if not block.isascii():
                try:
                    decoder.decode(block.translate(None, _ASCII))
                except UnicodeDecodeError:
                    return offset
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _row_at(path: Path, offset: int) -> int:
    """The row (line) of a byte of a large file, counted only when a rejection must name it."""
    rows, done = 1, 0
    with open(path, "rb") as f:
        while done < offset and (block := f.read(min(_CHUNK, offset - done))):
            rows += block.count(b"\n")
            done += len(block)
    return rows


def _transcode(path: Path, codec: str, skip: int, target: Path) -> None:
    """Copy a GB18030 (or UTF-16) file to UTF-8 in one streaming pass, blocks cut at line ends
    so that an error names its true row; NUL bytes reject the file."""
    if codec == "utf-16":
        with open(path, encoding="utf-16", newline="") as src, \
                open(target, "w", encoding="utf-8", newline="") as dst:
            rows_before = 0
            try:
                while block := src.read(_CHUNK):
                    if "\x00" in block:
                        raise _nul_rejection(rows_before + block[:block.index("\x00")].count("\n") + 1)
                    dst.write(block)
                    rows_before += block.count("\n")
            except UnicodeDecodeError as e:
                raise FileRejected(f"unknown encoding: UTF-16 byte-order mark, but after row "
                                   f"{rows_before} the file is not UTF-16 ({e.reason})") from None
        return
    rows_before, offset, carry = 0, skip, b""
    with open(path, "rb") as src, open(target, "wb") as dst:
        src.seek(skip)
        while True:
            block = src.read(_CHUNK)
            data = carry + block
            if not data:
                break
            cut = (data.rfind(b"\n") + 1 or len(data)) if block else len(data)
            piece, carry = data[:cut], data[cut:]
            if b"\x00" in piece:
                raise _nul_rejection(_row_of(piece, piece.index(b"\x00"), rows_before))
            try:
                dst.write(piece.decode(codec).encode("utf-8"))
            except UnicodeDecodeError as e:
                raise _encoding_rejection(_row_of(piece, e.start, rows_before),
                                          piece[e.start], offset + e.start) from None
            rows_before += piece.count(b"\n")
            offset += cut


def _read_csv_bulk(path: Path, contract: Contract, head: bytes) -> Grid:
    """Find the header in the first 64 KiB; DuckDB reads the rest. The encoding is decided on
    the whole file (one streaming pass); GB18030/GBK and UTF-16 are transcoded to a UTF-8 copy
    in a second one (DuckDB's reader knows no GBK)."""
    if head.startswith(UTF16_BOMS):
        encoding = TextEncoding("utf-16", 0, "utf-16", "UTF-16 (Excel Unicode text)")
    else:
        bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        bad = _scan_utf8(path)
        if bad is None:
            encoding = TextEncoding("utf-8", bom, "utf-8-sig" if bom else "utf-8")
        else:
            encoding = TextEncoding("gb18030", bom, "gb18030",
                                    "a UTF-8 byte-order mark followed by GBK bytes: read as GB18030"
                                    if bom else None)
    tmp = None
    if encoding.codec == "utf-8":
        csv_path = path
    else:
        tmp = Path(tempfile.mkdtemp(prefix="plantrack-"))
        csv_path = tmp / "utf8.csv"
        try:
            _transcode(path, encoding.codec, encoding.bom, csv_path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        with open(csv_path, "rb") as f:
            text = codecs.getincrementaldecoder("utf-8-sig")("replace").decode(f.read(PEEK_BYTES))
        lines = text.splitlines(keepends=True)
        if len(lines) > 1:
            lines = lines[:-1]  # the last one may be cut by the peek
        first = "".join(lines[:HEADER_SEARCH_ROWS + 5])
        delimiter = _detect_delimiter(first, contract)
        grid = _grid_from_rows(_parse_csv_text(first, delimiter), contract, encoding.name)
        grid.rows, grid.csv_path, grid._tmp, grid.delimiter = None, csv_path, tmp, delimiter
        grid.notes = _reader_notes(encoding, delimiter) + grid.notes
        _check_tail(csv_path, grid)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return grid


def _check_tail(path: Path, grid: Grid) -> None:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 4096))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = tail.splitlines()[-1].decode("utf-8", "replace") if tail.splitlines() else ""
    cells = next(csv.reader([last], delimiter=grid.delimiter), [])
    if len(cells) < grid.width:
        raise FileRejected(f"truncated: the last row stops after {len(cells)} of {grid.width} "
                           "cells and has no line end — the file may still be being written")


# --------------------------------------------------------------------------------------------
# Step 2: grid → typed rows (DuckDB SQL)

_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


_GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_GB32100_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The SQL vocabulary of typing: one definition each of missing, number, period, date…"""
    regions = "MAP {" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in region_aliases().items()) + "}"
    type_of = " ".join(f"WHEN regexp_full_match(p, {_lit(t['pattern'])}) THEN {_lit(t['period_type'])}"
                       for t in period_types())
    said_as = " ".join(f"WHEN {_lit(t['period_type'])} THEN {_lit(t['said_as'])}" for t in period_types())
    con.execute(f"""
    -- translate() rebuilds its map on every call: only pay for it where full-width text is
    CREATE OR REPLACE TEMP MACRO pt_norm(s) AS trim(CASE WHEN regexp_matches(s, '[\uff01-\uff5e\u3000]')
        THEN translate(s, {_lit(_FULL)}, {_lit(_HALF)}) ELSE s END);
    CREATE OR REPLACE TEMP MACRO pt_key(s) AS lower(regexp_replace(pt_norm(s), '\\s+', '', 'g'));
    -- a regex, not IN (…) or list_contains: DuckDB plans those as a join, evaluated on every
    -- row even inside a CASE branch that few rows reach
    CREATE OR REPLACE TEMP MACRO pt_missing(s) AS s IS NULL OR regexp_full_match(pt_key(s), {_lit(_MISSING_RE)});
    -- DuckDB's cast reads nan, inf and infinity: a number is finite or it is not one. Commas
    -- are thousands separators only in groups of three (1,5 is not fifteen).
    CREATE OR REPLACE TEMP MACRO pt_finite(x) AS CASE WHEN isfinite(x) THEN x END;
    -- a delivered figure times a power of ten (a header's 万元 into a column in 亿元) is exact in
    -- decimal but not in binary (152000 × 0.0001 = 15.200000000000001): a double holds 15
    -- significant digits, scaling adds none, so the product rounded to 15 of them is the exact
    -- decimal (15.2). Only scaled cells pay for it.
    CREATE OR REPLACE TEMP MACRO pt_scaled(x, factor) AS CASE WHEN x * factor = 0 OR NOT isfinite(x * factor)
        THEN x * factor ELSE round(x * factor, CAST(14 - floor(log10(abs(x * factor))) AS INTEGER)) END;
    CREATE OR REPLACE TEMP MACRO pt_number_text(s) AS
        CASE WHEN regexp_full_match(pt_key(s), '[+-]?(\\d{{1,3}}(,\\d{{3}})+|\\d*)(\\.\\d+)?%?')
             THEN try_cast(regexp_replace(pt_key(s), '[,%]', '', 'g') AS DOUBLE) END;
    -- a CASE, not coalesce(): DuckDB then evaluates the slow branch only on the few cells
    -- that need it (with coalesce it cost the bulk feed a fifth more)
    CREATE OR REPLACE TEMP MACRO pt_number(s) AS CASE
        WHEN try_cast(s AS DOUBLE) IS NOT NULL THEN pt_finite(try_cast(s AS DOUBLE))
        ELSE pt_finite(pt_number_text(s)) END;
    -- why a cell is not a number, where it is not: said precisely for the forms offices send
    CREATE OR REPLACE TEMP MACRO pt_not_number(s) AS CASE
        WHEN regexp_full_match(pt_key(s), '[+-]?(inf|infinity)') THEN 'not a finite number (infinity)'
        WHEN regexp_full_match(pt_key(s), '[+-]?[0-9.e+-]+') AND try_cast(pt_key(s) AS DOUBLE) IS NOT NULL
             THEN 'not a finite number (too large)'
        ELSE 'not a number' END;
    CREATE OR REPLACE TEMP MACRO pt_excel_error(s) AS
        CASE WHEN prefix(pt_norm(s), '#') AND regexp_full_match(upper(pt_norm(s)), {_lit(_EXCEL_ERRORS_RE)})
             THEN 'an Excel error value (' || upper(pt_norm(s)) || '), not a figure' END;
    -- no missing marker is longer than three characters: most cells skip the test
    CREATE OR REPLACE TEMP MACRO pt_text(s) AS
        CASE WHEN length(s) > 3 AND NOT prefix(s, ' ') AND NOT suffix(s, ' ') THEN s
             WHEN pt_missing(s) THEN NULL ELSE trim(s) END;
    CREATE OR REPLACE TEMP MACRO pt_region(s) AS {regions}[pt_key(regexp_replace(s, '\\.0+$', ''))];
    CREATE OR REPLACE TEMP MACRO pt_year(s) AS
        CASE WHEN regexp_full_match(pt_key(s), '(19|20)\\d\\d(年|年度|\\.0+)?')
             THEN CAST(left(pt_key(s), 4) AS INTEGER) END;
    CREATE OR REPLACE TEMP MACRO pt_date(s) AS coalesce(
        CAST(try_strptime(pt_key(s), ['%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日', '%Y%m%d', '%Y.%m.%d',
                                      '%Y-%m-%d%H:%M:%S', '%Y/%m/%d%H:%M:%S']) AS DATE),
        CASE WHEN regexp_full_match(pt_key(s), '[2-6]\\d{{4}}(\\.0+)?')   -- Excel serial date
             THEN DATE '1899-12-30' + CAST(floor(CAST(pt_key(s) AS DOUBLE)) AS INTEGER) END);
    CREATE OR REPLACE TEMP MACRO pt_timestamp(s) AS coalesce(
        try_cast(s AS TIMESTAMP),
        try_strptime(pt_norm(s), ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d %H:%M',
                                  '%Y/%m/%d %H:%M', '%Y%m%d%H%M%S', '%Y年%m月%d日 %H:%M:%S',
                                  '%Y年%m月%d日%H时']));
    -- Periods, canonical: 2014 (year) · 2014Q3 (January to the end of Q3, cumulative) ·
    -- 2014-Q3 (the third quarter alone, July–September) · 2014-07 (month) · 2014-07-31 (a date,
    -- for milestone reports) · 2014-H2 (July–December: no extract takes it today, so it is always said).
    -- pt_period_key folds the notations first: any dash or 至/到 between two months becomes '-',
    -- Chinese numerals digits. In Chinese statistics 三季度 / 第三季度 alone is the single third
    -- quarter; 前三季度, 1-9月 and 2014Q3 run from January.
    -- 2014.1 is what Excel keeps of a month typed 2014.10 (October) as well as of 2014.1
    -- (January): it is no period at all, and pt_period_ambiguous says why
    CREATE OR REPLACE TEMP MACRO pt_period_ambiguous(k) AS regexp_full_match(k, '\\d{{4}}\\.1');
    CREATE OR REPLACE TEMP MACRO pt_period_key(s) AS
        translate(regexp_replace(pt_key(s), '[–—~〜―‐‑−至到]', '-', 'g'), '一二两三四', '12234');
    CREATE OR REPLACE TEMP MACRO pt_period_parts(k) AS CASE
        WHEN regexp_full_match(k, '(\\d{{4}})(年|年度|\\.0+)?')
          OR regexp_full_match(k, '(\\d{{4}})年?(全年|1-12月份?|1月-12月份?|(前|1-)4季度?)') THEN [left(k, 4)]
        WHEN pt_period_ambiguous(k) THEN NULL
        WHEN regexp_full_match(k, '(\\d{{4}})年?q([1-4])') THEN [left(k, 4), 'Q', right(k, 1)]
        WHEN regexp_full_match(k, '(\\d{{4}})年?(前|1-)([1-3])季度?') THEN
             [left(k, 4), 'Q', regexp_extract(k, '([1-3])季', 1)]
        WHEN regexp_full_match(k, '(\\d{{4}})年?第?([1-4])季度?') THEN
             [left(k, 4), CASE WHEN regexp_extract(k, '([1-4])季', 1) = '1' THEN 'Q' ELSE 'S' END,
              regexp_extract(k, '([1-4])季', 1)]
        WHEN regexp_full_match(k, '(\\d{{4}})年?上半年') THEN [left(k, 4), 'Q', '2']
        WHEN regexp_full_match(k, '(\\d{{4}})年?下半年') THEN [left(k, 4), 'H', '2']
        WHEN regexp_full_match(k, '(\\d{{4}})年?([0-9]{{1,2}})月?-([0-9]{{1,2}})月份?') THEN
             -- first and last month as one number: 109 is January to September
             CASE 100 * TRY_CAST(regexp_extract(k, '^\\d{{4}}年?([0-9]{{1,2}})月?-', 1) AS INTEGER)
                  + TRY_CAST(regexp_extract(k, '-([0-9]{{1,2}})月', 1) AS INTEGER)
                  WHEN 103 THEN [left(k, 4), 'Q', '1'] WHEN 106 THEN [left(k, 4), 'Q', '2']
                  WHEN 109 THEN [left(k, 4), 'Q', '3'] WHEN 406 THEN [left(k, 4), 'S', '2']
                  WHEN 709 THEN [left(k, 4), 'S', '3'] WHEN 1012 THEN [left(k, 4), 'S', '4'] END
        WHEN regexp_full_match(k, '(\\d{{4}})[-/.]([0-9]{{1,2}})')
          OR regexp_full_match(k, '(\\d{{4}})年([0-9]{{1,2}})月份?')
          OR regexp_full_match(k, '(\\d{{4}})(0[1-9]|1[0-2])') THEN
             [left(k, 4), '-', regexp_extract(k, '^\\d{{4}}[-/.年]?([0-9]{{1,2}})', 1)]
        END;
    CREATE OR REPLACE TEMP MACRO pt_period_of(parts, s) AS CASE
        WHEN parts IS NOT NULL THEN
            CASE len(parts)
                WHEN 1 THEN parts[1]
                WHEN 3 THEN CASE parts[2]
                    WHEN 'Q' THEN parts[1] || 'Q' || parts[3]
                    WHEN 'S' THEN parts[1] || '-Q' || parts[3]
                    WHEN 'H' THEN parts[1] || '-H' || parts[3]
                    ELSE CASE WHEN try_cast(parts[3] AS INTEGER) BETWEEN 1 AND 12
                              THEN parts[1] || '-' || lpad(parts[3], 2, '0') END END END
        ELSE strftime(pt_date(s), '%Y-%m-%d') END;
    -- GB 32100: the 18th character of a unified social credit code checks the first 17
    CREATE OR REPLACE TEMP MACRO pt_gb32100_check(s) AS substr({_lit(_GB32100)},
        CAST((31 - list_sum(list_transform(range(17), lambda i: (strpos({_lit(_GB32100)}, substr(s, i + 1, 1)) - 1)
                                                          * {_GB32100_WEIGHTS}[i + 1])) % 31) % 31 + 1 AS BIGINT), 1);
    CREATE OR REPLACE TEMP MACRO pt_period(s) AS pt_period_of(pt_period_parts(pt_period_key(s)), s);
    -- the type of a canonical period, and how a quarantine reason names it: the seed period_types
    CREATE OR REPLACE TEMP MACRO pt_period_type(p) AS CASE {type_of} END;
    CREATE OR REPLACE TEMP MACRO pt_period_label(t) AS coalesce(CASE t {said_as} END, 'an unknown period form');
    """)


def _value_sql(col: Column, r: str, scale: float, bulk: bool) -> str:
    """The typed value of cell expression ``r``, NULL when missing or unparsable."""
    t = col.type
    number = f"pt_number({r})" if scale == 1 else f"pt_scaled(pt_number({r}), {scale!r})"
    if t == "text":
        return f"pt_text({r})"
    if t == "number" and col.unit and col.unit != "%":
        # '5%' under a column measured in 亿元 is no 5 亿元: a percentage where an amount belongs
        return f"CASE WHEN contains({r}, '%') THEN NULL ELSE {number} END"
    if t == "number":
        return number
    if t == "integer":
        return f"CASE WHEN {number} = round({number}) THEN CAST({number} AS BIGINT) END"
    if t == "region":
        return f"pt_region({r})"
    if t == "year":
        return f"pt_year({r})"
    if t == "period" and col.cumulative_quarters:
        # January to Q4 is the whole year: one period, so a year and its Q4 cannot both count
        return f"regexp_replace(pt_period({r}), '^(\\d{{4}})Q4$', '\\1')"
    if t == "period":
        return f"pt_period({r})"
    if t == "date":
        return f"pt_date({r})"
    if t == "timestamp":
        return f"pt_timestamp({r})"
    if t == "enum":
        values = _list(col.values)
        slow = (f"{values}[list_position(list_transform({values}, lambda x: lower(x)), pt_key({r}))]")
        # the bulk feed's cells are almost always exact: test that first, fold only the rest
        exact = " ".join(f"WHEN {_lit(v)} THEN {_lit(v)}" for v in col.values)
        return f"CASE {r} {exact} ELSE {slow} END" if bulk else slow
    if t == "boolean":
        whens = " ".join(f"WHEN {_lit(normalize_header(k))} THEN {str(v).upper()}"
                         for k, v in col.values.items())
        return f"CASE pt_key({r}) {whens} END"
    if t == "code":
        return (f"CASE WHEN regexp_full_match(upper(pt_key({r})), {_lit(col.pattern)}) "
                f"THEN upper(pt_key({r})) END")
    if t == "target":
        return f"CASE WHEN list_position({_list(target_ids())}, pt_key({r})) > 0 THEN pt_key({r}) END"
    raise ValueError(t)


_PARSE_ERRORS = {
    "number": "not a number", "integer": "not a whole number", "region": "unknown region",
    "year": "not a year", "period": "not a period", "date": "not a date",
    "timestamp": "not a date and time", "code": "malformed code", "target": "unknown target_id",
}


def _reason_sql(col: Column, r: str, v: str) -> str:
    """Why the cell cannot load, or NULL when it can."""
    if col.type in ("enum", "boolean"):
        allowed = list(col.values) if col.type == "enum" else list(col.values.keys())
        parse_error = _lit(f"not one of {' / '.join(allowed)}")
    elif col.type == "number" and col.unit and col.unit != "%":
        parse_error = (f"CASE WHEN contains({r}, '%') THEN "
                       f"{_lit('a percentage in a column measured in ' + col.unit)} ELSE pt_not_number({r}) END")
    elif col.type == "number":
        parse_error = f"pt_not_number({r})"
    elif col.type == "integer":  # a count: 34.5 is a number but not a whole one; 十二 is no number
        parse_error = (f"CASE WHEN pt_not_number({r}) = 'not a finite number (too large)' "
                       f"AND abs(try_cast(pt_key({r}) AS DOUBLE)) < 9.2e18 THEN 'not a whole number' "
                       f"ELSE pt_not_number({r}) END")
    else:
        parse_error = _lit(_PARSE_ERRORS.get(col.type, "unreadable"))
    if col.type == "period":
        parse_error = (f"CASE WHEN pt_period_ambiguous(pt_key({r})) THEN 'ambiguous month: Excel keeps "
                       f"a month typed 2014.10 (October) as the number 2014.1, which reads as January too; "
                       f"type the period as text (2014-10 or 2014-01)' ELSE {parse_error} END")
    if col.type in ("code", "text"):
        # 9.12101E+17: a long code that Excel turned into a number before it was exported
        # Tested first, so that nearly every cell of a required text column is spared three
        # regular expressions (on the hourly feed a third of its typing): a cell that starts with
        # an ASCII letter keeps it first in pt_key, where a digit must be ((code | 32) is in
        # 97–122 for A–Z and a–z only); and pt_key has an 'e' only where the cell has e, E or
        # their full-width forms
        scientific = (f"CASE WHEN (ascii({r}) | 32) BETWEEN 97 AND 122 THEN NULL "
                      f"WHEN contains({r}, 'e') OR contains({r}, 'E') OR contains({r}, 'ｅ') "
                      f"OR contains({r}, 'Ｅ') THEN "
                      f"CASE WHEN regexp_full_match(pt_key({r}), '[0-9](\\.[0-9]+)?e\\+?[0-9]+') THEN "
                      f"'a number in scientific notation: Excel stored the code as a number and its "
                      f"digits are lost; deliver it as text' END END")
    # an Excel error value (#N/A, #DIV/0!, …) exported as text is said as such, in any column
    parse_error = f"coalesce(pt_excel_error({r}), {parse_error})"
    present = []
    if col.type == "text":  # a text column would otherwise take '#N/A' as a name
        present.append(f"WHEN prefix({v}, '#') AND pt_excel_error({r}) IS NOT NULL THEN pt_excel_error({r})")
    if col.min is not None:
        present.append(f"WHEN {v} < {col.min} THEN "
                       + _lit("impossible negative value" if col.min == 0 else f"below {col.min}"))
    if col.type == "period" and col.periods:
        present.append(f"WHEN coalesce(list_position({_list(col.periods)}, pt_period_type({v})), 0) = 0 THEN "
                       f"pt_period_label(pt_period_type({v})) || ' is not a period of this extract "
                       f"(expects {' or '.join(col.periods)})'")
    if col.check == "gb32100":
        present.append(f"WHEN right({v}, 1) <> pt_gb32100_check({v}) THEN 'wrong check character: "
                       f"the last character does not check the first 17 (GB 32100): a mistyped code'")
    if col.type == "code":
        parse_error = f"coalesce({scientific}, {parse_error})"
    on_present = f"CASE {' '.join(present)} END" if present else "NULL"
    if col.type == "text" and col.not_null:
        on_present = f"coalesce({scientific}, {on_present})"
    on_missing = _lit("missing required value") if col.not_null else "NULL"
    return (f"CASE WHEN {v} IS NOT NULL THEN {on_present} "
            f"WHEN pt_missing({r}) THEN {on_missing} ELSE {parse_error} END")


def typing_sql(contract: Contract, grid: Grid, source: str) -> str:
    """SELECT over ``source`` (columns _row, _extra, c0…): _row, each contract column typed,
    _key_hash (for the duplicate-key check), _problems (NULL, or a list of {column, header, value, reason}) and _cells (the delivered
    cells of a row with problems, as JSON, so a quarantined row is never lost)."""
    by_name = {m.column.name: m for m in grid.mapped}
    given = set(grid.rows.column_names) if grid.rows is not None else set()
    inner, outer, problems, cells = ["_row", "_extra"], ["_row"], [], []
    for col in contract.columns:
        m = by_name.get(col.name)
        if m is None:  # not delivered by this file: NULL here, and meta.files.columns says so
            outer.append(f"CAST(NULL AS {col.sql_type}) AS {col.name}")
            continue
        r = f'"c{m.index}"'
        inner += [f"{r} AS r_{col.name}",
                  f"CAST({_value_sql(col, r, m.scale, contract.bulk)} AS {col.sql_type}) AS v_{col.name}"]
        reason = _reason_sql(col, 'r_' + col.name, 'v_' + col.name)
        if f"p{m.index}" in given:  # what the reader found in the cell (an Excel error, …) comes first
            inner.append(f'"p{m.index}" AS q_{col.name}')
            reason = f"coalesce(q_{col.name}, {reason})"
        inner.append(f"{reason} AS e_{col.name}")
        outer.append(f"v_{col.name} AS {col.name}")
        where = _lit(f" (sheet '{grid.sheet}', cell {xlsx.column_letter(m.index)}") + " || _row || ')'" \
            if grid.sheet else None
        problems.append(f"{{'column': {_lit(col.name)}, 'header': {_lit(m.header)}, "
                        f"'value': r_{col.name}, 'reason': e_{col.name}"
                        + (f" || {where}" if where else "") + "}")
        cells.append(f"{_lit(m.header)}, r_{col.name}")
    extra = "'more cells than the header has'" + (
        f" || {_lit(f' (sheet {chr(39)}{grid.sheet}{chr(39)}, row ')} || _row || ')'" if grid.sheet else "")
    problems.append("{'column': '(extra cells)', 'header': NULL, 'value': _extra, "
                    f"'reason': CASE WHEN _extra IS NOT NULL THEN {extra} END}}")
    any_problem = " OR ".join([f"e_{c.name} IS NOT NULL" for c in contract.columns
                               if c.name in by_name] + ["_extra IS NOT NULL"])
    # the reasons are CASEs evaluated only where a value is NULL or out of range, so a clean
    # row costs one test per column
    return f"""
    WITH cells AS (SELECT {', '.join(i for i in inner if ' AS e_' not in i)} FROM {source}),
    checked AS (SELECT *, {', '.join(i for i in inner if ' AS e_' in i)} FROM cells)
    SELECT {', '.join(outer)}, hash({', '.join('v_' + k for k in contract.key)}) AS _key_hash,
           CASE WHEN {any_problem} THEN list_filter([{', '.join(problems)}], lambda p: p.reason IS NOT NULL) END AS _problems,
           CASE WHEN {any_problem} THEN json_object({', '.join(cells)}) END AS _cells
    FROM checked"""
