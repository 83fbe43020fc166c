"""The warehouse's own tables — every ``meta.*`` and ``dq.*`` table and view, defined here once
and created by ``ensure`` (``sources.load.connect`` calls it; so does anything that opens a
warehouse file to write).

meta.files          one row per delivery seen: loaded, rejected or duplicate, and why
meta.withdrawals    deliveries taken back (`plantrack withdraw`)
meta.quarantine     rows that did not load, cell by cell, with the reason
meta.quarantine_reasons  the roll-up people read: one row per file and kind of problem
meta.build_state    what the working file was built from (dbt project fingerprint), and the run
                    that published it
meta.runs           one row per run: its summary and exit code
dq.check_results    every expectation of every Great Expectations evaluation
dq.latest_results   each suite's newest evaluation, expectation by expectation
dq.suite_verdicts   the verdict of each evaluation: passed / warning / failed, and its findings
dq.current_verdicts the newest of those per suite

Every time is a TIMESTAMPTZ — an instant (DuckDB stores it in UTC), shown in the reader's
session time zone with its offset; the people reading are in Beijing (``ZONE``), and
``SET TimeZone = 'Asia/Shanghai'`` shows their clock. Where a model needs a plain TIMESTAMP
(the marts' ``last_delivery_at``), it converts explicitly to Beijing time (dbt macro
``beijing_time``), never through the session's zone.

The verdict rule (an ``error`` expectation failed → failed; only ``warning`` ones → warning) is
``dq.suite_verdicts``; everything that reports a verdict selects from it."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import duckdb

# The storage format every warehouse file is written in: DuckDB 1.4's (storage version number
# 67), which DuckDB 1.4.x (the LTS line), 1.5.x (the `duckdb-cli` wheel) and 2.x all open — and
# so the BI drivers still on 1.x. DuckDB 2.0 writes a format by default that no 1.x reader opens
# ("can only read versions between 64 and 68"); 1.5's (68) would shut out 1.4. Same size and
# speed on the sample. A file keeps the format it was created in, so only creating one needs it.
# DuckDB's memory ceiling in the build — the loader, the checks and dbt's models (profiles.yml
# reads the same variable with the same default: tests/unit/test_warehouse_file.py holds them
# together). Above it DuckDB spills to ``spill_folder`` instead of failing; without it DuckDB
# takes 80 % of the machine's memory, and the hourly feed's full build grew without bound.
MEMORY_LIMIT_VARIABLE, MEMORY_LIMIT_DEFAULT = "PLANTRACK_DUCKDB_MEMORY", "1.5GiB"


def memory_limit() -> str:
    """DuckDB's memory_limit for the build: ``PLANTRACK_DUCKDB_MEMORY`` (e.g. ``4GB``), else 1.5 GiB."""
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or MEMORY_LIMIT_DEFAULT


def spill_folder(database: Path) -> Path:
    """Where DuckDB spills what exceeds its memory limit while it works on ``database``:
    ``<file>.tmp`` beside it — DuckDB's own default for a database file, which dbt's profile
    relies on (tests/unit/test_warehouse_file.py checks the two agree); emptied by DuckDB when
    the database closes."""
    return database.with_name(database.name + ".tmp")


def bound_memory(con: duckdb.DuckDBPyConnection, database: Path) -> None:
    """Cap ``con``'s DuckDB at ``memory_limit()`` with ``spill_folder(database)`` for the rest.
    (SET, not connect's config: a second connection with another configuration is refused.)
    temp_directory is set only where it differs: once DuckDB has spilled, setting it again —
    even to the same folder — fails ("Cannot switch temporary directory after the current one
    has been used"); that is also why dbt's profile leaves it at DuckDB's default."""
    con.execute(f"SET memory_limit = '{memory_limit()}'")
    wanted = spill_folder(database).resolve()
    if Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]).resolve() != wanted:
        con.execute("SET temp_directory = '" + str(wanted).replace("'", "''") + "'")


STORAGE_VERSION = "v1.4.0"
STORAGE_VERSION_NUMBER = 67

# the plan's time zone: where times are shown to people (stored as instants, in UTC)
ZONE = "Asia/Shanghai"
# every time column of meta.* and dq.*: TIMESTAMPTZ (files built before were TIMESTAMP)
TIME_COLUMNS = [("meta", "files", "received_at"), ("meta", "files", "processed_at"),
                ("meta", "withdrawals", "withdrawn_at"), ("meta", "build_state", "built_at"),
                ("meta", "runs", "finished_at"), ("dq", "check_results", "checked_at")]

META = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SEQUENCE IF NOT EXISTS meta.file_id_seq START 1;
CREATE TABLE IF NOT EXISTS meta.files (
    file_id          BIGINT PRIMARY KEY,   -- delivery order: a higher id is a later delivery
    extract          VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,     -- relative to the landing folder
    sha256           VARCHAR NOT NULL,
    size_bytes       BIGINT NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL, -- when the file landed (its modification time)
    processed_at     TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR,
    status           VARCHAR NOT NULL CHECK (status IN ('loaded', 'rejected', 'duplicate')),
    encoding         VARCHAR,
    header_row       INTEGER,
    rows_read        BIGINT,               -- data rows below the header (title, blank, footnote rows excluded)
    rows_loaded      BIGINT,
    rows_quarantined BIGINT,
    error            VARCHAR,              -- why a file was rejected
    duplicate_of     BIGINT,               -- same bytes as this earlier file
    notes            VARCHAR,              -- columns ignored, title and footnote rows skipped
    seconds          DOUBLE,
    columns_delivered VARCHAR[]            -- the contract columns the file carried; the others
                                           -- were not delivered (NULL in raw, and erase nothing)
);
-- warehouses built before columns_delivered existed: their files carried every column they held
ALTER TABLE meta.files ADD COLUMN IF NOT EXISTS columns_delivered VARCHAR[];
-- deliveries an office or the plan office took back (`plantrack withdraw`): their values no
-- longer count, the earlier deliveries count again; the rows stay in raw as history
CREATE TABLE IF NOT EXISTS meta.withdrawals (
    file_id      BIGINT PRIMARY KEY,
    withdrawn_at TIMESTAMPTZ NOT NULL,
    reason       VARCHAR NOT NULL,
    withdrawn_by VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.quarantine (
    file_id     BIGINT NOT NULL,
    extract     VARCHAR NOT NULL,
    row_number  BIGINT NOT NULL,           -- row in the file (1 = first line / first sheet row)
    column_name VARCHAR,                   -- contract column, '(key)' or '(row)'
    header      VARCHAR,                   -- the header cell as delivered
    value       VARCHAR,                   -- the cell as delivered
    reason      VARCHAR NOT NULL,
    cells       JSON                       -- the whole delivered row, so nothing is lost
);
-- one line per kind of problem and file: a reason without the rows of a duplicate key and
-- without the sheet and cell a workbook's reason ends with; rows counted once however many of
-- their cells were wrong in that way
CREATE OR REPLACE VIEW meta.quarantine_reasons AS
SELECT file_id, extract,
       regexp_replace(regexp_replace(reason, ': rows .*', ''),
                      ' \\(sheet ''[^'']*''(, (cell|row) [^)]*)?\\)$', '') AS reason,
       count(DISTINCT row_number) AS rows
FROM meta.quarantine
GROUP BY ALL;
CREATE TABLE IF NOT EXISTS meta.build_state (
    name        VARCHAR PRIMARY KEY,  -- 'dbt_project': what the models were built from;
                                      -- 'publication': the run that published the file;
                                      -- 'dbt_project_parts': that fingerprint's inputs
    fingerprint VARCHAR NOT NULL,     -- hash of the project files, the as-of date and the engine,
                                      -- a run id, or (parts) JSON {input: value or hash}
    built_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.runs (
    run_id VARCHAR, finished_at TIMESTAMPTZ, trigger VARCHAR, exit_code INTEGER,
    files_loaded INTEGER, files_rejected INTEGER, rows_loaded BIGINT, rows_quarantined BIGINT,
    checks_failed VARCHAR[], checks_warned VARCHAR[], failed_steps VARCHAR[],
    marts_rebuilt BOOLEAN, rejected JSON, summary VARCHAR
);
"""

DQ = """
CREATE SCHEMA IF NOT EXISTS dq;
CREATE TABLE IF NOT EXISTS dq.check_results (
    run_id         VARCHAR,
    checked_at     TIMESTAMPTZ,
    asset          VARCHAR,      -- the asset the suite guards, e.g. raw/env_boilers
    suite          VARCHAR,
    expectation    VARCHAR,      -- GX expectation type
    column_name    VARCHAR,
    severity       VARCHAR,      -- error (blocking) or warning
    success        BOOLEAN,
    observed_value VARCHAR,
    unexpected     VARCHAR,      -- a few unexpected values, JSON
    message        VARCHAR,      -- the exception, when a metric raised one
    extracts       VARCHAR[],    -- the extracts whose figures the suite judges
    rows_checked   BIGINT,
    judged_files   BIGINT[]      -- the deliveries a suite of new deliveries judged (else NULL)
);
ALTER TABLE dq.check_results ADD COLUMN IF NOT EXISTS judged_files BIGINT[];
-- the current verdict: every expectation of each suite's newest evaluation (a suite records all
-- its expectations at once; one that had nothing new to check keeps its previous verdict)
CREATE OR REPLACE VIEW dq.latest_results AS
SELECT * FROM dq.check_results
QUALIFY checked_at = max(checked_at) OVER (PARTITION BY suite);
-- the verdict of each evaluation of a suite: failed when an error expectation failed (it
-- blocks what is downstream), warning when only warnings did, else passed
CREATE OR REPLACE VIEW dq.suite_verdicts AS
SELECT run_id, suite, checked_at, any_value(extracts) AS extracts, any_value(judged_files) AS judged_files,
       CASE WHEN bool_or(NOT success AND severity = 'error') THEN 'failed'
            WHEN bool_or(NOT success) THEN 'warning' ELSE 'passed' END AS verdict,
       -- every failed expectation, for people
       string_agg(CASE WHEN NOT success THEN severity || ': ' || expectation
                       || coalesce('(' || column_name || ')', '')
                       -- examples cut to a line's length say so (the data-quality page has them whole)
                       || coalesce(' e.g. ' || CASE WHEN length(unexpected) > 160 THEN left(unexpected, 159) || '…'
                                                    ELSE unexpected END, '')
                       || coalesce(' — ' || message, '') END, '; ') AS findings,
       -- the failed error expectations only: what blocks
       string_agg(CASE WHEN NOT success AND severity = 'error' THEN expectation
                       || coalesce('(' || column_name || ')', '')
                       || coalesce(' e.g. ' || CASE WHEN length(unexpected) > 120 THEN left(unexpected, 119) || '…'
                                                    ELSE unexpected END, '')
                  END, '; ') AS blocking_findings
FROM dq.check_results
GROUP BY run_id, suite, checked_at;
CREATE OR REPLACE VIEW dq.current_verdicts AS
SELECT * FROM dq.suite_verdicts
QUALIFY checked_at = max(checked_at) OVER (PARTITION BY suite);
"""


# what analysts see in duckdb_tables() / duckdb_views() and DBeaver (the module docstring's list)
COMMENTS = {
    ("TABLE", "meta.files"): "每个已接收文件 Every delivery seen: loaded, rejected (error says why) or duplicate; times in UTC",
    ("TABLE", "meta.withdrawals"): "撤回的报送 Deliveries taken back with plantrack withdraw, and why",
    ("TABLE", "meta.quarantine"): "隔离行 Rows that did not load: file, row, column, the cell as delivered, the reason",
    ("VIEW", "meta.quarantine_reasons"): "隔离原因汇总 Quarantined rows per file and kind of problem",
    ("TABLE", "meta.build_state"): "构建状态 What the models were built from (dbt_project) and the run that published the file",
    ("TABLE", "meta.runs"): "运行记录 One row per run: exit code, counts, checks, summary",
    ("TABLE", "dq.check_results"): "数据质量检查结果 Every expectation of every Great Expectations evaluation",
    ("VIEW", "dq.latest_results"): "Each suite's newest evaluation, expectation by expectation",
    ("VIEW", "dq.suite_verdicts"): "检查结论 The verdict of each evaluation of a suite: passed, warning or failed",
    ("VIEW", "dq.current_verdicts"): "当前检查结论 Each suite's newest verdict",
}


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever of the bookkeeping schema a warehouse file lacks (idempotent; views are
    redefined, so a file built by older code gets today's), with its comments."""
    con.execute(META)
    con.execute(DQ)
    if _times_with_zone(con):
        con.execute(META)  # the views again, over the new types
        con.execute(DQ)
    for (kind, name), comment in COMMENTS.items():
        con.execute(f"COMMENT ON {kind} {name} IS '{comment.replace(chr(39), chr(39) * 2)}'")


def _times_with_zone(con: duckdb.DuckDBPyConnection) -> bool:
    """A file built before the times carried their zone has TIMESTAMP columns (``CREATE …
    IF NOT EXISTS`` leaves them so), written in the local time of the machine that built it
    (Python's local ``datetime.now()``/``fromtimestamp``; DuckDB's ``now()`` cast through the
    session zone, which is the machine's): they become TIMESTAMPTZ, read in that zone — the
    session's, which DuckDB takes from the machine. True when it changed any."""
    old = con.execute(f"""SELECT table_schema, table_name, column_name FROM information_schema.columns
        WHERE data_type = 'TIMESTAMP' AND table_catalog = current_database()
          AND (table_schema, table_name, column_name) IN ({', '.join(f"('{s}', '{t}', '{c}')"
                                                                   for s, t, c in TIME_COLUMNS)})""").fetchall()
    if not old:
        return False
    local = con.execute("SELECT current_setting('TimeZone')").fetchone()[0].replace("'", "''")
    for schema, table, column in old:
        con.execute(f"ALTER TABLE {schema}.{table} ALTER {column} SET DATA TYPE TIMESTAMPTZ "
                    f"USING timezone('{local}', {column})")
    return True


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether a file (one that may predate ``ensure``, or be read-only) has a table or view."""
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, table]).fetchall())


def failing_now(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """[(suite, findings)] of the suites whose newest verdict is failed and still stands. A raw
    suite judges each night's new deliveries, so a bad delivery keeps blocking the marts on later
    nights until a corrected delivery passes — or until it is withdrawn: a verdict on deliveries
    one of which was withdrawn after it no longer stands (the suite re-judges the rest when it
    next runs, which may come after the marts' gate in the same run)."""
    return con.execute("""
        SELECT verdicts.suite, verdicts.blocking_findings FROM dq.current_verdicts AS verdicts
        WHERE verdicts.verdict = 'failed'
          AND NOT EXISTS (SELECT 1 FROM meta.withdrawals AS withdrawals
                          WHERE list_contains(verdicts.judged_files, withdrawals.file_id)
                            AND withdrawals.withdrawn_at > verdicts.checked_at)
        ORDER BY verdicts.suite""").fetchall()


def create_file(path: Path) -> None:
    """An empty warehouse file in ``STORAGE_VERSION`` where there is none yet (opened and
    closed on its own: a second connection with another configuration would be refused)."""
    if not path.exists():
        duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION}).close()


def storage_version_number(path: Path) -> int | None:
    """The storage version number in a DuckDB file's header (8-byte checksum, ``DUCK``, then a
    little-endian uint64: 64–68 for the formats of 1.0–1.5; 2.0's own format puts 999 there),
    None when the file is no DuckDB file."""
    with open(path, "rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[8:12] != b"DUCK":
        return None
    return struct.unpack("<Q", head[12:20])[0]


def ensure_storage_version(path: Path) -> bool:
    """Rewrite ``path`` in ``STORAGE_VERSION`` when it is in a newer format (a warehouse built
    before the format was set, or a file dbt created): every table, view, macro and sequence
    copied (``COPY FROM DATABASE``) into a new file that is renamed over it. True when it did.
    Only with no other connection open on ``path``."""
    number = storage_version_number(path)
    if number is None or number <= STORAGE_VERSION_NUMBER:
        return False
    converted = path.with_name(path.name + ".converting")
    leftovers = (converted, converted.with_name(converted.name + ".wal"))
    for p in leftovers:
        p.unlink(missing_ok=True)
    # a WAL belongs to the path: fold it into the file first, so none is left to meet the new one
    duckdb.connect(str(path)).close()
    con = duckdb.connect()
    try:
        src, dst = (str(p).replace("'", "''") for p in (path, converted))
        con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{dst}' AS dst (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
        os.replace(converted, path)
    finally:
        con.close()
        for p in leftovers:
            p.unlink(missing_ok=True)
    return True
