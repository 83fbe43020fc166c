"""Typed rows → raw.<extract>, and the record of every file in meta.files / meta.quarantine.

One transaction per file: a crash mid-file leaves nothing of it, and the next run loads it.
A file is known by its content hash: the same bytes load once, a run loads only what it has
not seen, and a corrected file (new bytes, same keys) is simply a later delivery — raw keeps
every delivery, and the models downstream read, for each key and each measure, the newest
delivered figure (a file may carry any subset of the measures). A withdrawn delivery
(``withdraw``) stays in raw as history but no longer counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import bookkeeping
from .contract import Contract, contracts
from .landing import Entry, scan
from .read import FileRejected, Grid, _lit, define_macros, read_grid, typing_sql

# .txt and .tsv: what Excel's "Unicode text" and "Text (tab delimited)" save as
ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")



def raw_ddl(contract: Contract) -> str:
    cols = ",\n    ".join(f"{c.name} {c.sql_type}" for c in contract.columns)
    return (f"CREATE TABLE IF NOT EXISTS raw.{contract.extract} (\n"
            f"    _file_id BIGINT NOT NULL,\n    _row BIGINT NOT NULL,\n    {cols}\n)")


def connect(warehouse: Path | None) -> duckdb.DuckDBPyConnection:
    """The warehouse file with the loader's tables and macros; None: an in-memory one (for
    ``plantrack inspect``, which must touch no warehouse)."""
    if warehouse is None:
        con = duckdb.connect(":memory:")
    else:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        bookkeeping.create_file(warehouse)
        con = duckdb.connect(str(warehouse))
        # the hourly feed spills instead of failing; insertion order stays preserved: a bulk
        # file's row numbers are its rows' order in the table (_number_bulk_rows)
        bookkeeping.bound_memory(con, warehouse)
    bookkeeping.ensure(con)
    described = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' "
                                           "AND database_name = current_database() AND comment IS NOT NULL").fetchall()}
    for contract in contracts().values():
        con.execute(raw_ddl(contract))
        if warehouse is not None:
            drop_marked_rows(con, contract)  # left by a load that stopped between its two statements
        if contract.extract not in described:
            describe_raw_table(con, contract)
    define_macros(con)
    return con


def describe_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """DuckDB's own comments on raw.<extract> and its columns, from the contract (what the
    DuckDB CLI's ``describe``, duckdb_tables()/duckdb_columns() and DBeaver show)."""
    def quote(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"
    con.execute(f"COMMENT ON TABLE raw.{contract.extract} IS " + quote(
        f"{contract.name_zh} — {contract.name_en}: every delivered row, typed, in canonical units "
        f"(grain: {contract.grain}; key: {', '.join(contract.key)}; contract: "
        f"sources/contracts/{contract.extract}.yaml)"))
    con.execute(f"COMMENT ON COLUMN raw.{contract.extract}._file_id IS "
                "'meta.files.file_id of the delivery the row came from'")
    con.execute(f"COMMENT ON COLUMN raw.{contract.extract}._row IS 'row in that file (1 = first line / first sheet row)'")
    for c in contract.columns:
        con.execute(f"COMMENT ON COLUMN raw.{contract.extract}.{c.name} IS " + quote(c.meaning))


@dataclass
class FileOutcome:
    path: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    file_id: int | None = None


@dataclass
class ExtractOutcome:
    extract: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def seen_files(con: duckdb.DuckDBPyConnection, extract: str | None = None) -> set[tuple[str, int, int]]:
    """(path, size, modification time in ms) of every file meta.files records (of one extract)."""
    # received_at is the file's modification time (an instant, to the microsecond): in ms
    return {(path, size, round(received.timestamp() * 1000)) for path, size, received in con.execute(
        "SELECT path, size_bytes, received_at FROM meta.files WHERE ? IS NULL OR extract = ?",
        [extract, extract]).fetchall()}


def _unseen(known: set, entries: list[Entry], extracts: set[str]) -> list[Entry]:
    return [e for e in entries if e.extract in extracts and (e.rel, e.size, e.received_ms) not in known]


def unseen_files(con: duckdb.DuckDBPyConnection | set, extract: str, landing: Path) -> list[Entry]:
    """The files of one extract that meta.files does not record with the same path, size and
    modification time, oldest first — those that cannot be deliveries too (``Entry.problem``),
    so that they are recorded once. A file seen on an earlier run is not even hashed again.
    ``con`` may also be the ``seen_files`` set itself."""
    known = con if isinstance(con, set) else seen_files(con, extract)
    return _unseen(known, scan(landing, contracts())[0], {extract})


def unseen_entries(seen: dict[str, set], landing: Path) -> list[Entry]:
    """Every file under the landing folder not recorded yet, of any extract or of none.
    ``seen``: extract → its ``seen_files`` set (what a warehouse's record says it loaded)."""
    return [e for e in scan(landing, contracts())[0]
            if (e.rel, e.size, e.received_ms) not in seen.get(e.extract, set())]


def unseen_strays(con: duckdb.DuckDBPyConnection, landing: Path) -> list[Entry]:
    """Files of no extract (at the landing root, in an unknown or hidden folder) not recorded yet."""
    entries = scan(landing, contracts())[0]
    return _unseen(seen_files(con), entries, {e.extract for e in entries} - set(contracts()))


def ingest_extract(con: duckdb.DuckDBPyConnection, contract: Contract, landing: Path,
                   run_id: str | None = None,
                   log: Callable[[str], None] = lambda _: None) -> ExtractOutcome:
    """Load every file of one extract that the warehouse has not seen; record the ones that
    cannot be deliveries (hidden, oddly named, a link out of the landing folder) as rejected."""
    outcome = ExtractOutcome(contract.extract)
    files = unseen_files(con, contract.extract, landing)
    for i, entry in enumerate(files, 1):
        log(f"{contract.extract}: {entry.rel} ({i}/{len(files)}, {entry.size / 1e6:.1f} MB)")
        if entry.problem:
            result = reject_unread(con, entry, run_id)
        else:
            result = load_file(con, contract, entry.path, entry.rel, run_id=run_id)
        if result is not None:
            outcome.files.append(result)
            log(f"{contract.extract}: {entry.rel} → {result.status}"
                + (f": {result.error}" if result.error else
                   f", {result.rows_loaded} rows loaded, {result.rows_quarantined} quarantined"))
    return outcome


def ingest_strays(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str | None = None,
                  log: Callable[[str], None] = lambda _: None) -> list[FileOutcome]:
    """Record every new file of no extract as rejected, with the reason (never read)."""
    outcomes = []
    for entry in unseen_strays(con, landing):
        outcomes.append(reject_unread(con, entry, run_id))
        log(f"rejected {entry.rel}: {entry.problem}")
    return outcomes


def reject_unread(con: duckdb.DuckDBPyConnection, entry: Entry, run_id: str | None = None) -> FileOutcome:
    """meta.files row for a file that cannot be a delivery: status rejected, the reason."""
    started = time.monotonic()
    record = dict(extract=entry.extract, path=entry.rel, sha256=entry.fingerprint(),
                  size_bytes=entry.size, received_at=dt.datetime.fromtimestamp(entry.mtime, dt.UTC),
                  processed_at=dt.datetime.now(dt.UTC), run_id=run_id)
    return _reject(con, record, entry.rel, started, entry.problem)


class _ChangedWhileRead(Exception):
    """The file's size or modification time moved between the start and the end of the read."""


def _same_file(path: Path, before) -> bool:
    try:
        now = path.stat()
    except OSError:
        return False
    return (now.st_size, now.st_mtime_ns, now.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


class _AlreadyDelivered(Exception):
    """These bytes were loaded before (found once the hash is known)."""

    def __init__(self, file_id: int, path: str):
        super().__init__(path)
        self.file_id, self.path = file_id, path


def load_file(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, rel: str,
              run_id: str | None = None,
              on_grid: Callable[[Grid], None] | None = None) -> FileOutcome | None:
    """Load one file in one transaction. Returns None when the same bytes at the same path
    were already processed (nothing new to record). ``on_grid`` sees how the file was read
    (encoding, header, column mapping) before it is typed: ``plantrack inspect`` shows it.

    The content hash is computed in a second thread while DuckDB parses the file (both release
    the GIL): on the large feed that hides the hashing entirely. Small files are hashed first,
    so a re-delivered file is not even parsed."""
    started = time.monotonic()
    stat = path.stat()
    record = dict(extract=contract.extract, path=rel, sha256=None, size_bytes=stat.st_size,
                  received_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
                  processed_at=dt.datetime.now(dt.UTC), run_id=run_id)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_of, path)
        try:
            if not contract.bulk:
                _raise_if_delivered(con, digest.result())
            if path.suffix.lower() not in ACCEPTED_SUFFIXES:
                raise FileRejected(f"not a CSV or XLSX file (suffix '{path.suffix}')")
            grid = read_grid(path, contract)
            if on_grid is not None:
                on_grid(grid)
            try:
                return _load_grid(con, contract, grid, record, rel, started, digest,
                                  unchanged=lambda: _same_file(path, stat))
            finally:
                grid.close()
        except _ChangedWhileRead:
            # an office still writing (or appending to) the file: what was read is not what the
            # file now holds — record nothing, and take the whole file on a later run
            return FileOutcome(rel, "changed", error="the file changed while it was read "
                               "(still being written?): not loaded, taken on a later run")
        except FileRejected as e:
            _raise_if_delivered(con, digest.result())  # a rejected copy is still a copy
            record["sha256"] = digest.result()
            return _reject(con, record, rel, started, str(e))
        except _AlreadyDelivered as earlier:
            record["sha256"] = digest.result()
            if earlier.path == rel:
                # same file, touched: remember its new time so it is not hashed again
                con.execute("UPDATE meta.files SET received_at = ? WHERE file_id = ?",
                            [record["received_at"], earlier.file_id])
                return None
            recorded = con.execute("""SELECT file_id FROM meta.files WHERE path = ? AND sha256 = ?
                                      AND status = 'duplicate' ORDER BY file_id DESC LIMIT 1""",
                                   [rel, record["sha256"]]).fetchall()
            if recorded:  # a copy recorded on an earlier night, touched: the same, re-dated
                con.execute("UPDATE meta.files SET received_at = ? WHERE file_id = ?",
                            [record["received_at"], recorded[0][0]])
                return None
            file_id = _next_id(con)
            _record_file(con, file_id, **record, status="duplicate", duplicate_of=earlier.file_id,
                         error=f"same bytes as {earlier.path} (file {earlier.file_id}): not loaded again",
                         seconds=time.monotonic() - started)
            return FileOutcome(rel, "duplicate", error=f"same bytes as {earlier.path}", file_id=file_id)


def _raise_if_delivered(con, digest: str) -> None:
    # the bytes of a withdrawn delivery, sent again, are a new delivery: the office means them now
    found = con.execute(
        # only a loaded delivery makes a copy a duplicate: bytes rejected once (at the landing
        # root, in a misspelt folder) must load when the office puts them where they belong
        "SELECT file_id, path FROM meta.files WHERE sha256 = ? AND status = 'loaded' "
        "AND file_id NOT IN (SELECT file_id FROM meta.withdrawals) "
        "ORDER BY file_id LIMIT 1", [digest]).fetchall()
    if found:
        raise _AlreadyDelivered(*found[0])


def _scalar(con, sql: str, params=None):
    """One value; the result is drained so the connection is free for the next call."""
    return con.execute(sql, params or []).fetchall()[0][0]


def _next_id(con) -> int:
    return _scalar(con, "SELECT nextval('meta.file_id_seq')")


def _reject(con, record: dict, rel: str, started: float, reason: str) -> FileOutcome:
    file_id = _next_id(con)
    _record_file(con, file_id, **record, status="rejected", error=f"{rel}: {reason}",
                 seconds=time.monotonic() - started)
    return FileOutcome(rel, "rejected", error=reason, file_id=file_id)


def _record_file(con, file_id: int, *, extract, path, sha256, size_bytes, received_at,
                 processed_at, run_id, status, encoding=None, header_row=None, rows_read=None,
                 rows_loaded=None, rows_quarantined=None, error=None, duplicate_of=None,
                 notes=None, seconds=None, columns_delivered=None) -> None:
    con.execute(
        "INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at, "
        "processed_at, run_id, status, encoding, header_row, rows_read, rows_loaded, "
        "rows_quarantined, error, duplicate_of, notes, seconds, columns_delivered) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_id, extract, path, sha256, size_bytes, received_at, processed_at, run_id, status,
         encoding, header_row, rows_read, rows_loaded, rows_quarantined, error, duplicate_of,
         notes, seconds, columns_delivered])


def _quarantine_reader_rejects(con, file_id: int, extract: str) -> int:
    """Quarantine the lines DuckDB's CSV reader set aside and return how many they are.
    ``grid_rejects`` has a row per error — a line cut short one per missing cell ("Found: 1",
    "Found: 2" …) — so each line is quarantined once, with its first error."""
    return _scalar(con, f"""
        INSERT INTO meta.quarantine
        SELECT {file_id}, '{extract}', line, '(row)', column_name, csv_line,
               lower(CAST(error_type AS VARCHAR)) || ': ' || error_message, NULL
        FROM grid_rejects
        QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx, byte_position) = 1""")


def _grid_source(con, grid: Grid) -> str:
    """The grid's cells as a relation with columns _row, _extra, c0…: a registered Arrow table,
    or, for the bulk feed, DuckDB's CSV reader itself (its malformed lines go to
    ``grid_rejects``)."""
    if grid.rows is not None:
        con.register("grid_cells", grid.rows)
        return "grid_cells"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(grid.width)) + "}"
    path = str(grid.csv_path).replace("'", "''")
    # _row is filled in later from the typed table's rowid: row_number() here would make the
    # scan single-threaded and halve its speed.
    return f"""(SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS _extra, *
        FROM read_csv('{path}', auto_detect = false, header = false, skip = {grid.data_after},
                      delim = {_sql_text(grid.delimiter)}, quote = '"', escape = '"', columns = {columns},
                      store_rejects = true, rejects_table = 'grid_rejects',
                      rejects_scan = 'grid_rejects_scan'))"""


def _load_grid(con, contract: Contract, grid: Grid, record: dict, rel: str,
               started: float, digest: Future, unchanged: Callable[[], bool] = lambda: True) -> FileOutcome:
    x = contract.extract
    if grid.rows is None and _pack_column(contract) is not None:
        return _load_bulk(con, contract, grid, record, rel, started, digest, unchanged)
    # Parsing and typing happen before the transaction: they write only temporary tables.
    source = _grid_source(con, grid)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE typed_cells AS {typing_sql(contract, grid, source)}")
        _number_bulk_rows(con, grid)
        _raise_if_delivered(con, digest.result())  # hashed meanwhile in the other thread
    except BaseException:
        _drop_scratch(con, grid)
        raise
    record["sha256"] = digest.result()
    con.execute("BEGIN TRANSACTION")
    try:
        file_id = _next_id(con)
        # Keys delivered twice in one file: neither copy can be trusted over the other.
        key = ", ".join(contract.key)
        key_text = " || ' / ' || ".join(f"CAST({k} AS VARCHAR)" for k in contract.key)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE duplicate_keys AS
            WITH same_hash AS (   -- sorting one integer beats a 20-million-group aggregate
                SELECT DISTINCT _key_hash FROM (
                    SELECT _key_hash, lag(_key_hash) OVER (ORDER BY _key_hash) AS previous
                    FROM typed WHERE _problems IS NULL)
                WHERE _key_hash = previous)
            SELECT unnest(rows) AS _row, key_text, copies,
                   -- name at most ten of the rows: a key repeated 20,000 times must not write
                   -- 20,000 rows × 20,000 row numbers (the quarantine grows with the input)
                   array_to_string(rows[1:10], ', ') || CASE WHEN copies > 10 THEN ', …' ELSE '' END AS some_rows
            FROM (
                SELECT {key_text} AS key_text, list(_row ORDER BY _row) AS rows, count(*) AS copies
                FROM typed JOIN same_hash USING (_key_hash) WHERE _problems IS NULL
                GROUP BY {key} HAVING count(*) > 1)""")
        columns = ", ".join(c.name for c in contract.columns)
        # the anti-join costs as much as the insert on the big feed: only when needed
        no_duplicates = "" if _scalar(con, "SELECT count(*) FROM duplicate_keys") == 0 else \
            "AND NOT EXISTS (SELECT 1 FROM duplicate_keys d WHERE d._row = t._row)"
        loaded = _scalar(con, f"""
            INSERT INTO raw.{x} (_file_id, _row, {columns})
            SELECT {file_id}, _row, {columns} FROM typed t WHERE _problems IS NULL {no_duplicates}""")
        con.execute(f"""
            INSERT INTO meta.quarantine
            SELECT {file_id}, '{x}', _row, p.column, p.header, p.value, p.reason, _cells
            FROM (SELECT _row, _cells, unnest(_problems) AS p FROM typed WHERE _problems IS NOT NULL)
            UNION ALL
            SELECT {file_id}, '{x}', d._row, '(key)', {_lit_key(contract)}, d.key_text,
                   'duplicate key in this file: rows ' || d.some_rows
                   || CASE WHEN d.copies > 10 THEN ' (' || d.copies || ' rows in all)' ELSE '' END
                   || {_lit(f" (sheet '{grid.sheet}')") if grid.sheet else "''"},
                   to_json(t) FROM duplicate_keys d JOIN typed t USING (_row)""")
        read = _scalar(con, "SELECT count(*) FROM typed")
        if grid.rows is None:
            read += _quarantine_reader_rejects(con, file_id, x)
        bad = _scalar(con, "SELECT count(DISTINCT row_number) FROM meta.quarantine WHERE file_id = ?",
                      [file_id])
        _finish(con, contract, grid, record, rel, started, digest, unchanged,
                file_id, read, loaded, bad)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _drop_scratch(con, grid)
    return FileOutcome(rel, "loaded", read, loaded, bad, file_id=file_id)


def _finish(con, contract: Contract, grid: Grid, record: dict, rel: str, started: float,
            digest: Future, unchanged: Callable[[], bool], file_id: int, read: int, loaded: int,
            bad: int) -> None:
    """Record the loaded file, check that nothing vanished, and commit."""
    carried = {m.column.name for m in grid.mapped}
    not_carried = [c.label for c in contract.columns if c.name not in carried]
    notes = "; ".join(filter(None, [
        grid.sheet_notes,
        *grid.notes,
        "not delivered (earlier figures stand): " + ", ".join(not_carried) if not_carried else "",
        "ignored columns: " + ", ".join(grid.ignored_headers) if grid.ignored_headers else "",
        "skipped " + ", ".join(grid.skipped) if grid.skipped else ""]))
    _record_file(con, file_id, **record, status="loaded", encoding=grid.encoding,
                 header_row=grid.header_row, rows_read=read, rows_loaded=loaded,
                 rows_quarantined=bad, notes=notes or None,
                 seconds=time.monotonic() - started,
                 columns_delivered=[c.name for c in contract.columns if c.name in carried])
    if loaded + bad != read:  # the accounting invariant: nothing vanishes
        raise RuntimeError(f"{rel}: rows read {read} != loaded {loaded} + quarantined {bad}")
    digest.result()
    if not unchanged():  # checked last: the hash and the rows must be of the same bytes
        raise _ChangedWhileRead(rel)
    con.execute("COMMIT")


# Marks (file ids are positive) of a bulk file's rows that do not load: with problems (their
# reasons and cells packed in one text column), or a copy of a key delivered twice
_PROBLEM, _DUPLICATE = -2, -3


def _pack_column(contract: Contract) -> str | None:
    """The first text column of the raw table: it carries a problem row's reasons and cells
    until they move to meta.quarantine. None: the contract has none (the scratch-table path)."""
    return next((c.name for c in contract.columns if c.sql_type == "VARCHAR"), None)


def _load_bulk(con, contract: Contract, grid: Grid, record: dict, rel: str, started: float,
               digest: Future, unchanged: Callable[[], bool]) -> FileOutcome:
    """The bulk feed typed straight into its raw table in one scan of the file (no scratch
    table and no copy: on 5 M rows the copy cost two thirds of DuckDB's whole read).

    Every row DuckDB's reader gives is typed by the same SQL as every other file
    (``typing_sql``) and appended in file order with its file id, or marked ``_PROBLEM``; a problem
    row carries its reasons and delivered cells as JSON in the first text column. In the same
    transaction the rows get their line (the append order: rowid, shifted past the lines the
    reader set aside), and the problem rows and the rows of a key delivered twice go to
    meta.quarantine exactly as on the scratch-table path; marked, they are deleted just after
    COMMIT (``drop_marked_rows`` says why)."""
    x = contract.extract
    pack = _pack_column(contract)
    columns = [c.name for c in contract.columns]
    names = ", ".join(columns)
    source = _grid_source(con, grid)
    packed = [f"CASE WHEN _problems IS NULL THEN {c} ELSE "
              f"CAST(json_object('p', _problems, 'c', _cells) AS VARCHAR) END" if c == pack else c
              for c in columns]
    # hashed in the other thread while the encoding was scanned: a copy is not even parsed, and
    # the rows are appended with their file id (a sequence value is not given back on ROLLBACK)
    _raise_if_delivered(con, digest.result())
    record["sha256"] = digest.result()
    con.execute("BEGIN TRANSACTION")
    try:
        file_id = _next_id(con)
        read = _scalar(con, f"""
            INSERT INTO raw.{x} (_file_id, _row, {names})
            SELECT CASE WHEN _problems IS NULL THEN {file_id} ELSE {_PROBLEM} END, 0, {', '.join(packed)}
            FROM ({typing_sql(contract, grid, source)})""")
        _number_new_rows(con, x, grid, file_id, read)
        key = ", ".join(contract.key)
        key_text = " || ' / ' || ".join(f"CAST({k} AS VARCHAR)" for k in contract.key)
        mine = f"(SELECT * FROM raw.{x} WHERE _file_id = {file_id})"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE duplicate_keys AS
            WITH hashed AS (SELECT hash({key}) AS _key_hash FROM {mine}),
            same_hash AS (
                SELECT DISTINCT _key_hash FROM (
                    SELECT _key_hash, lag(_key_hash) OVER (ORDER BY _key_hash) AS previous FROM hashed)
                WHERE _key_hash = previous)
            SELECT unnest(rows) AS _row, key_text, copies,
                   array_to_string(rows[1:10], ', ') || CASE WHEN copies > 10 THEN ', …' ELSE '' END AS some_rows
            FROM (
                SELECT {key_text} AS key_text, list(_row ORDER BY _row) AS rows, count(*) AS copies
                FROM {mine} WHERE hash({key}) IN (SELECT _key_hash FROM same_hash)
                GROUP BY {key} HAVING count(*) > 1)""")
        # the row as the scratch-table path quarantined it: to_json of its typed row
        typed_row = ("{'_row': t._row, " + ", ".join(f"{_lit(c)}: t.{c}" for c in columns)
                     + f", '_key_hash': hash({', '.join('t.' + k for k in contract.key)}), "
                     "'_problems': NULL, '_cells': NULL}")
        problem_type = "'[{\"column\": \"VARCHAR\", \"header\": \"VARCHAR\", \"value\": \"VARCHAR\", \"reason\": \"VARCHAR\"}]'"
        con.execute(f"""
            INSERT INTO meta.quarantine
            SELECT {file_id}, '{x}', _row, p.column, p.header, p.value, p.reason, _cells
            FROM (SELECT _row, CAST(json_extract({pack}, '$.c') AS JSON) AS _cells,
                         unnest(from_json(json_extract({pack}, '$.p'), {problem_type})) AS p
                  FROM raw.{x} WHERE _file_id = {_PROBLEM} ORDER BY _row)
            UNION ALL
            SELECT {file_id}, '{x}', d._row, '(key)', {_lit_key(contract)}, d.key_text,
                   'duplicate key in this file: rows ' || d.some_rows
                   || CASE WHEN d.copies > 10 THEN ' (' || d.copies || ' rows in all)' ELSE '' END,
                   to_json({typed_row}) FROM duplicate_keys d JOIN {mine} t USING (_row)""")
        if _scalar(con, "SELECT count(*) FROM duplicate_keys"):
            con.execute(f"UPDATE raw.{x} SET _file_id = {_DUPLICATE} WHERE _file_id = {file_id} "
                        "AND _row IN (SELECT _row FROM duplicate_keys)")
        loaded = _scalar(con, f"SELECT count(*) FROM raw.{x} WHERE _file_id = {file_id}")
        marked = read - loaded  # rows with problems and copies of a key: deleted after COMMIT
        read += _quarantine_reader_rejects(con, file_id, x)
        bad = _scalar(con, "SELECT count(DISTINCT row_number) FROM meta.quarantine WHERE file_id = ?",
                      [file_id])
        _finish(con, contract, grid, record, rel, started, digest, unchanged, file_id, read, loaded, bad)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _drop_scratch(con, grid)
    if marked:
        drop_marked_rows(con, contract)
    return FileOutcome(rel, "loaded", read, loaded, bad, file_id=file_id)


def drop_marked_rows(con, contract: Contract) -> None:
    """Delete the quarantined rows a bulk load left marked (file id < 0) in the raw table.

    Deleted after the load's COMMIT, not before: rows deleted inside the transaction that
    appended them make DuckDB rewrite every appended row at COMMIT (measured: +1.0 s CPU on
    5 M rows, as much as the copy this path saves); committed rows are deleted by marking them.
    Between the two statements the marked rows are committed but belong to no file in
    meta.files, so nothing reads them (the models join raw rows to their loaded file), and
    ``connect`` deletes any that a crash left behind."""
    if contract.bulk:
        con.execute(f"DELETE FROM raw.{contract.extract} WHERE _file_id < 0")


def _number_new_rows(con, x: str, grid: Grid, file_id: int, appended: int) -> None:
    """Give the rows just appended (the file's and the marked ones) their line in the file.

    The append keeps the file's order (preserve_insertion_order), so the k-th row read is
    data line k, plus one for each line DuckDB's reader set aside before it (grid_rejects knows
    their true lines) — as _number_bulk_rows does for the scratch table."""
    marked = f"_file_id IN ({file_id}, {_PROBLEM})"
    base, found, last = con.execute(f"SELECT coalesce(min(rowid), 0), count(*), max(rowid) "
                                    f"FROM raw.{x} WHERE {marked}").fetchall()[0]
    if found != appended or (found and last - base + 1 != found):
        # marks an earlier load did not delete, or an append not in one run of row ids: the
        # lines would be wrong, so nothing loads
        raise RuntimeError(f"raw.{x}: {found} rows marked for this load, {appended} appended")
    if _scalar(con, "SELECT count(*) FROM grid_rejects") == 0:
        con.execute(f"UPDATE raw.{x} SET _row = rowid - {base} + 1 + {grid.data_after} WHERE {marked}")
        return
    _reject_shift(con, grid)
    con.execute(f"""
        UPDATE raw.{x} SET _row = n.line
        FROM (SELECT t.rid, t.k + coalesce(s.shift, 0) + {grid.data_after} AS line
              FROM (SELECT rowid AS rid, rowid - {base} + 1 AS k FROM raw.{x} WHERE {marked}) t
              ASOF LEFT JOIN reject_shift s ON t.k > s.after_rows) n
        WHERE raw.{x}.rowid = n.rid""")


def _number_bulk_rows(con, grid: Grid) -> None:
    """View ``typed``: typed_cells with each row's number in the file.

    The bulk reader gives no line numbers and row_number() would make its scan single-threaded,
    so the table's own order stands in: the k-th row read (rowid order is file order) is data
    line k, plus one for each line DuckDB set aside before it (grid_rejects knows their true
    lines). DuckDB also skips blank lines without a trace: a machine feed has none, and the
    numbers are exact without them."""
    if grid.rows is not None:
        con.execute("CREATE OR REPLACE TEMP VIEW typed AS SELECT * FROM typed_cells")
        return
    base = _scalar(con, "SELECT coalesce(min(rowid), 0) FROM typed_cells")
    ordinal = f"rowid - {base} + 1"
    if _scalar(con, "SELECT count(*) FROM grid_rejects") == 0:
        con.execute(f"CREATE OR REPLACE TEMP VIEW typed AS "
                    f"SELECT * REPLACE ({ordinal} + {grid.data_after} AS _row) FROM typed_cells")
        return
    _reject_shift(con, grid)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW typed AS
        SELECT t.* REPLACE (t.k + coalesce(s.shift, 0) + {grid.data_after} AS _row)
        FROM (SELECT *, {ordinal} AS k FROM typed_cells) t
        ASOF LEFT JOIN reject_shift s ON t.k > s.after_rows""")


def _reject_shift(con, grid: Grid) -> None:
    """Temp table ``reject_shift`` (after_rows, shift): the j-th line DuckDB's reader set aside
    (data line d_j) comes after d_j - j rows that were read, so a row read after it moves down
    by j — both load paths number their rows with it."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE reject_shift AS
        SELECT line - {grid.data_after} - row_number() OVER (ORDER BY line) AS after_rows,
               row_number() OVER (ORDER BY line) AS shift
        FROM (SELECT DISTINCT line FROM grid_rejects)""")


def _drop_scratch(con, grid: Grid) -> None:
    if grid.rows is not None:
        con.unregister("grid_cells")
    con.execute("DROP VIEW IF EXISTS typed; DROP TABLE IF EXISTS typed_cells; "
                "DROP TABLE IF EXISTS duplicate_keys; DROP TABLE IF EXISTS reject_shift; "
                "DROP TABLE IF EXISTS grid_rejects")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _lit_key(contract: Contract) -> str:
    return "'" + " / ".join(contract.key) + "'"


class WithdrawError(Exception):
    """The delivery named cannot be withdrawn (unknown, ambiguous, not loaded, or already withdrawn)."""


def withdraw(con: duckdb.DuckDBPyConnection, file: str, reason: str, landing: Path,
             by: str | None = None) -> tuple[int, str, str]:
    """Mark one loaded delivery withdrawn (meta.withdrawals): its values stop counting, the
    deliveries before it count again, and its rows stay in raw as history.

    ``file`` is a meta.files.file_id, a path relative to the landing folder
    (``stats_city_indicators/x.csv``) or a path to the file under ``landing``. Returns
    (file_id, extract, path). Raises WithdrawError with the reason when it cannot."""
    if not reason.strip():
        raise WithdrawError("a withdrawal needs a reason (--reason)")
    if file.isdigit():
        found = con.execute("SELECT file_id, extract, path, status FROM meta.files WHERE file_id = ?",
                            [int(file)]).fetchall()
    else:
        rel = file
        try:
            rel = str(Path(file).resolve().relative_to(landing.resolve()))
        except ValueError:
            pass  # not a path under the landing folder: take it as the recorded relative path
        found = con.execute("""SELECT file_id, extract, path, status FROM meta.files
            WHERE path = ? AND status = 'loaded' ORDER BY file_id""", [rel]).fetchall()
        if not found:
            known = con.execute("SELECT status, error FROM meta.files WHERE path = ? ORDER BY file_id DESC",
                                [rel]).fetchall()
            raise WithdrawError(f"{rel}: no loaded delivery at this path"
                                + (f" (it was {known[0][0]}: {known[0][1]})" if known else
                                   " (paths are relative to the landing folder, e.g. "
                                   "stats_city_indicators/file.csv; `SELECT file_id, path FROM meta.files`)"))
        if len(found) > 1:
            raise WithdrawError(f"{rel}: {len(found)} deliveries were loaded at this path (file ids "
                                + ", ".join(str(f[0]) for f in found) + "): name one by its file id")
    if not found:
        raise WithdrawError(f"file id {file}: no such delivery in meta.files")
    file_id, extract, path, status = found[0]
    if status != "loaded":
        raise WithdrawError(f"{path} (file {file_id}) was {status}, not loaded: nothing to withdraw")
    earlier = con.execute("SELECT withdrawn_at, reason FROM meta.withdrawals WHERE file_id = ?",
                          [file_id]).fetchall()
    if earlier:
        raise WithdrawError(f"{path} (file {file_id}) was already withdrawn on "
                            f"{earlier[0][0]:%Y-%m-%d %H:%M}: {earlier[0][1]}")
    con.execute("INSERT INTO meta.withdrawals VALUES (?, now(), ?, ?)", [file_id, reason.strip(), by])
    return file_id, extract, path


def absent_deliveries(con: duckdb.DuckDBPyConnection, landing: Path) -> list[tuple[str, str]]:
    """Loaded, not withdrawn deliveries whose file is no longer in the landing folder:
    (extract, path). Operators may clean the folder; the data stay in the warehouse."""
    delivered = con.execute("""SELECT extract, path FROM meta.files
        WHERE status = 'loaded' AND file_id NOT IN (SELECT file_id FROM meta.withdrawals)
        ORDER BY file_id""").fetchall()
    return [(x, p) for x, p in delivered if not (landing / p).exists()]
