"""File → typed table.

Two steps, whatever the office sent:

1. ``read_grid``: bytes → rows of text cells with their row number in the file. It sniffs the
   file type (CSV or XLSX), the encoding (UTF-8, UTF-8 with BOM, GB18030/GBK), finds the header
   among the title rows, maps header cells to contract columns (with the scale their unit
   implies) and drops footnote rows. Anything that makes the file as a whole unreadable raises
   ``FileRejected`` with a reason that names the file, row and column.
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

from .contract import Column, Contract, UnknownUnit, normalize_header
from .reference import region_aliases, target_ids

HEADER_SEARCH_ROWS = 10  # title rows above the header: FORMATS.md allows 1–3
FOOTNOTE = re.compile(r"^\s*(注|说明|资料来源|数据来源|note|source)", re.IGNORECASE)
MISSING_MARKERS = ("", "-", "--", "—", "——", "…", "……", "...", "/", "－")
PEEK_BYTES = 1 << 16
_MISSING_RE = "|".join(re.escape(m) for m in MISSING_MARKERS)


class FileRejected(Exception):
    """The file as a whole cannot be loaded; none of its rows reach raw."""


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
    _tmp: Path | None = None

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Step 1: bytes → grid

def read_grid(path: Path, contract: Contract) -> Grid:
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("empty file (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(PEEK_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, contract)
    if path.suffix.lower() == ".xlsx":
        raise FileRejected("not an XLSX workbook: the file is not a zip archive")
    if head.startswith(b"\xd0\xcf\x11\xe0") or b"\x00" in head:
        raise FileRejected("not a table: binary content (NUL bytes or an OLE/.xls container)")
    encoding = _sniff_encoding(head, size <= PEEK_BYTES)
    if contract.bulk:
        return _read_csv_bulk(path, contract, encoding, head)
    return _read_csv(path, contract, encoding)


def _sniff_encoding(head: bytes, whole: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    errors = []
    for enc in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(enc)().decode(head, final=whole)
            return enc
        except UnicodeDecodeError as e:
            errors.append((enc, e))
    line = head[: errors[0][1].start].count(b"\n") + 1
    raise FileRejected(f"unknown encoding: row {line} is neither UTF-8 nor GB18030/GBK "
                       f"(byte 0x{head[errors[0][1].start]:02x} at offset {errors[0][1].start})")


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    """Decode a whole small file; a UTF-8 guess from the first 64 KiB may still meet GBK later."""
    for enc in dict.fromkeys([encoding, "gb18030"]):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:
            err = e
    line = data[: err.start].count(b"\n") + 1
    raise FileRejected(f"unknown encoding: row {line} is neither UTF-8 nor GB18030/GBK "
                       f"(byte 0x{data[err.start]:02x} at offset {err.start})")


def _parse_csv_text(text: str) -> list[tuple[int, list[str]]]:
    """Rows with the file row (line) each starts on. Blank lines keep their numbers."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise FileRejected(f"malformed CSV at row {start}: {e}") from None
    return rows


def _read_csv(path: Path, contract: Contract, encoding: str) -> Grid:
    text, encoding = _decode(path.read_bytes(), encoding)
    rows = _parse_csv_text(text)
    grid = _grid_from_rows(rows, contract, encoding)
    last_row, last = rows[-1]
    if not text.endswith(("\n", "\r")) and 0 < len([c for c in last if c.strip()]) \
            and len(last) < grid.width and last_row > grid.header_row:
        raise FileRejected(f"truncated: the last row (row {last_row}) stops after "
                           f"{len(last)} of {grid.width} cells and has no line end — "
                           "the file may still be being written")
    return grid


def _cell_text(value) -> str:
    """An XLSX cell as the text an office would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, contract: Contract) -> Grid:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for every kind of damage
        raise FileRejected(f"not a readable XLSX workbook (truncated or corrupt): {e}") from None
    rows = [(i + 1, [_cell_text(v) for v in row]) for i, row in enumerate(cells)]
    if not rows:
        raise FileRejected("empty workbook: the first sheet has no cells")
    return _grid_from_rows(rows, contract, "xlsx")


def _find_header(rows: list[tuple[int, list[str]]], contract: Contract):
    """The row (among the first non-blank ones) that names the most contract columns."""
    best = None
    candidates = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    for n, cells in candidates[:HEADER_SEARCH_ROWS]:
        mapped, ignored = [], []
        for i, cell in enumerate(cells):
            try:
                hit = contract.match_header(cell)
            except UnknownUnit as e:
                raise FileRejected(f"header row {n}, column {i + 1}: {e}") from None
            if hit:
                mapped.append(MappedColumn(i, hit[0], hit[1], cell.strip()))
            elif cell.strip():
                ignored.append(cell.strip())
        if len(mapped) >= 2 and (best is None or len(mapped) > len(best[1])):
            best = (n, mapped, ignored, len(cells))
    if best is None:
        expected = ", ".join(c.headers[0] for c in contract.required_columns)
        raise FileRejected(f"no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
                           f"(expected columns such as {expected})")
    n, mapped, ignored, width = best
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
    return n, mapped, ignored, width


def _grid_from_rows(rows, contract: Contract, encoding: str) -> Grid:
    header_row, mapped, ignored, width = _find_header(rows, contract)
    skipped = [f"row {n}: title" for n, c in rows if n < header_row and any(x.strip() for x in c)]
    data_rows, extra, numbers = [], [], []
    in_footnotes = False
    for n, cells in rows:
        if n <= header_row or not any(c.strip() for c in cells):
            continue
        first = next(c for c in cells if c.strip())
        if in_footnotes or (FOOTNOTE.match(first) and sum(1 for c in cells if c.strip()) == 1):
            in_footnotes = True
            skipped.append(f"row {n}: footnote")
            continue
        numbers.append(n)
        data_rows.append((cells + [""] * width)[:width])
        extra.append("|".join(c for c in cells[width:] if c.strip()) or None)
    columns = {"_row": pa.array(numbers, pa.int64()), "_extra": pa.array(extra, pa.string())}
    for i in range(width):
        columns[f"c{i}"] = pa.array([r[i] for r in data_rows], pa.string())
    return Grid(encoding, header_row, mapped, ignored, width, rows=pa.table(columns),
                skipped=skipped)


def _read_csv_bulk(path: Path, contract: Contract, encoding: str, head: bytes) -> Grid:
    """Find the header in the first 64 KiB; DuckDB reads the rest. GBK is transcoded to a
    UTF-8 copy in one streaming pass (DuckDB's reader knows no GBK)."""
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut by the peek
    grid = _grid_from_rows(_parse_csv_text("".join(lines[:HEADER_SEARCH_ROWS + 5])),
                           contract, encoding)
    grid.rows = None
    _check_tail(path, grid)
    if encoding == "utf-8-sig" or encoding == "utf-8":
        grid.csv_path = path
    else:
        grid._tmp = Path(tempfile.mkdtemp(prefix="plantrack-"))
        grid.csv_path = grid._tmp / "utf8.csv"
        try:
            with open(path, encoding=encoding, newline="") as src, \
                    open(grid.csv_path, "w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
        except UnicodeDecodeError as e:
            grid.close()
            raise FileRejected(f"unknown encoding: not valid {encoding} ({e.reason})") from None
    return grid


def _check_tail(path: Path, grid: Grid) -> None:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 4096))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = tail.splitlines()[-1].decode("utf-8", "replace") if tail.splitlines() else ""
    cells = next(csv.reader([last]), [])
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


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The SQL vocabulary of typing: one definition each of missing, number, period, date…"""
    regions = "MAP {" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in region_aliases().items()) + "}"
    con.execute(f"""
    -- translate() rebuilds its map on every call: only pay for it where full-width text is
    CREATE OR REPLACE TEMP MACRO pt_norm(s) AS trim(CASE WHEN regexp_matches(s, '[\uff01-\uff5e\u3000]')
        THEN translate(s, {_lit(_FULL)}, {_lit(_HALF)}) ELSE s END);
    CREATE OR REPLACE TEMP MACRO pt_key(s) AS lower(regexp_replace(pt_norm(s), '\\s+', '', 'g'));
    -- a regex, not IN (…) or list_contains: DuckDB plans those as a join, evaluated on every
    -- row even inside a CASE branch that few rows reach
    CREATE OR REPLACE TEMP MACRO pt_missing(s) AS s IS NULL OR regexp_full_match(pt_key(s), {_lit(_MISSING_RE)});
    CREATE OR REPLACE TEMP MACRO pt_number(s) AS coalesce(
        try_cast(s AS DOUBLE),
        try_cast(regexp_replace(pt_key(s), '[,%]', '', 'g') AS DOUBLE));
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
    -- Periods, canonical: 2014 (year) · 2014Q3 (January to the end of Q3) · 2014-07 (month) ·
    -- 2014-07-31 (a date, for milestone reports). 2014年1-12月 is the whole year.
    CREATE OR REPLACE TEMP MACRO pt_period_parts(k) AS CASE
        WHEN regexp_full_match(k, '(\\d{{4}})(年|年度|\\.0+)?') THEN [left(k, 4)]
        WHEN regexp_full_match(k, '(\\d{{4}})年?q([1-4])') THEN [left(k, 4), 'Q', right(k, 1)]
        WHEN regexp_full_match(k, '(\\d{{4}})年(第)?([1-4一二三四])季度?') THEN
             [left(k, 4), 'Q', CAST(coalesce(list_position(['一','二','三','四'], regexp_extract(k, '年第?([1-4一二三四])', 1)), 0)
                                    + coalesce(try_cast(regexp_extract(k, '年第?([1-4])', 1) AS INTEGER), 0) AS VARCHAR)]
        WHEN regexp_full_match(k, '(\\d{{4}})年1[-~至到—]([0-9]{{1,2}})月') THEN
             CASE try_cast(regexp_extract(k, '[-~至到—]([0-9]{{1,2}})月', 1) AS INTEGER)
                  WHEN 12 THEN [left(k, 4)]
                  WHEN 3 THEN [left(k, 4), 'Q', '1'] WHEN 6 THEN [left(k, 4), 'Q', '2']
                  WHEN 9 THEN [left(k, 4), 'Q', '3'] END
        WHEN regexp_full_match(k, '(\\d{{4}})[-/.]([0-9]{{1,2}})')
          OR regexp_full_match(k, '(\\d{{4}})年([0-9]{{1,2}})月')
          OR regexp_full_match(k, '(\\d{{4}})(0[1-9]|1[0-2])') THEN
             [left(k, 4), '-', regexp_extract(k, '^\\d{{4}}[-/.年]?([0-9]{{1,2}})', 1)]
        END;
    CREATE OR REPLACE TEMP MACRO pt_period(s) AS CASE
        WHEN pt_period_parts(pt_key(s)) IS NOT NULL THEN
            CASE len(pt_period_parts(pt_key(s)))
                WHEN 1 THEN pt_period_parts(pt_key(s))[1]
                WHEN 3 THEN CASE WHEN pt_period_parts(pt_key(s))[2] = 'Q'
                                 THEN pt_period_parts(pt_key(s))[1] || 'Q' || pt_period_parts(pt_key(s))[3]
                                 WHEN try_cast(pt_period_parts(pt_key(s))[3] AS INTEGER) BETWEEN 1 AND 12
                                 THEN pt_period_parts(pt_key(s))[1] || '-' || lpad(pt_period_parts(pt_key(s))[3], 2, '0')
                                 END END
        ELSE strftime(pt_date(s), '%Y-%m-%d') END;
    CREATE OR REPLACE TEMP MACRO pt_period_type(p) AS CASE
        WHEN p IS NULL THEN NULL WHEN length(p) = 4 THEN 'year' WHEN p LIKE '%Q%' THEN 'quarter'
        WHEN length(p) = 7 THEN 'month' ELSE 'date' END;
    """)


def _value_sql(col: Column, r: str, scale: float, bulk: bool) -> str:
    """The typed value of cell expression ``r``, NULL when missing or unparsable."""
    scaled = "" if scale == 1 else f" * {scale!r}"
    t = col.type
    if t == "text":
        return f"pt_text({r})"
    if t == "number":
        return f"pt_number({r}){scaled}"
    if t == "integer":
        return (f"CASE WHEN pt_number({r}){scaled} = round(pt_number({r}){scaled}) "
                f"THEN CAST(pt_number({r}){scaled} AS BIGINT) END")
    if t == "region":
        return f"pt_region({r})"
    if t == "year":
        return f"pt_year({r})"
    if t == "period" and col.cumulative_quarters:
        # January to Q4 is the whole year: one period, so a year and its Q4 cannot both count
        return f"regexp_replace(pt_period({r}), 'Q4$', '')"
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
        parse_error = f"not one of {' / '.join(allowed)}"
    else:
        parse_error = _PARSE_ERRORS.get(col.type, "unreadable")
    present = []
    if col.min is not None:
        present.append(f"WHEN {v} < {col.min} THEN "
                       + _lit("impossible negative value" if col.min == 0 else f"below {col.min}"))
    if col.type == "period" and col.periods:
        present.append(f"WHEN coalesce(list_position({_list(col.periods)}, pt_period_type({v})), 0) = 0 THEN "
                       f"'a ' || pt_period_type({v}) || ' is not a period of this extract "
                       f"(expects {' or '.join(col.periods)})'")
    on_present = f"CASE {' '.join(present)} END" if present else "NULL"
    on_missing = _lit("missing required value") if col.not_null else "NULL"
    return (f"CASE WHEN {v} IS NOT NULL THEN {on_present} "
            f"WHEN pt_missing({r}) THEN {on_missing} ELSE {_lit(parse_error)} END")


def typing_sql(contract: Contract, grid: Grid, source: str) -> str:
    """SELECT over ``source`` (columns _row, _extra, c0…): _row, each contract column typed,
    _key_hash (for the duplicate-key check), _problems (NULL, or a list of {column, header, value, reason}) and _cells (the delivered
    cells of a row with problems, as JSON, so a quarantined row is never lost)."""
    by_name = {m.column.name: m for m in grid.mapped}
    inner, outer, problems, cells = ["_row", "_extra"], ["_row"], [], []
    for col in contract.columns:
        m = by_name.get(col.name)
        if m is None:  # not delivered by this file: NULL here, and meta.files.columns says so
            outer.append(f"CAST(NULL AS {col.sql_type}) AS {col.name}")
            continue
        r = f'"c{m.index}"'
        inner += [f"{r} AS r_{col.name}",
                  f"CAST({_value_sql(col, r, m.scale, contract.bulk)} AS {col.sql_type}) AS v_{col.name}"]
        inner.append(f"{_reason_sql(col, 'r_' + col.name, 'v_' + col.name)} AS e_{col.name}")
        outer.append(f"v_{col.name} AS {col.name}")
        problems.append(f"{{'column': {_lit(col.name)}, 'header': {_lit(m.header)}, "
                        f"'value': r_{col.name}, 'reason': e_{col.name}}}")
        cells.append(f"{_lit(m.header)}, r_{col.name}")
    problems.append("{'column': '(extra cells)', 'header': NULL, 'value': _extra, "
                    "'reason': CASE WHEN _extra IS NOT NULL THEN 'more cells than the header has' END}")
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
