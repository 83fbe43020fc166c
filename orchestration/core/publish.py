"""Publishing: the working file swapped in as the analysts' warehouse, the findings of a run
whose marts were not published, and the marts as Parquet for BI tools.

The swap copies the working file aside and renames it over the published file (atomic): a
session that was open keeps reading the version it opened; the next one sees the new build.
Parquet files are written by DuckDB (COPY … FORMAT parquet) into a staging folder inside the
exports folder and renamed into place, the manifest last: a reader never sees half a file, and
the manifest only lists files that are complete."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from sources import bookkeeping

from .layout import Layout

# The exports' codec: Snappy, which every Parquet reader reads (Power BI, Tableau, Superset and
# Metabase drivers, Spark, pandas/pyarrow; some older ones know no ZSTD). On the sample's eight
# marts it costs 12 % more bytes than ZSTD (153 KB against 136 KB): nothing worth the risk.
PARQUET_COMPRESSION = "snappy"
from .planning import read_record, write_record
from .report.dictionary import data_dictionary, write_dictionary


def ensure_working_file(layout: Layout) -> None:
    """With the build lock held: a working file to write into, carrying on from what was
    published when there is none."""
    if not layout.working.exists() and layout.published.exists():
        shutil.copyfile(layout.published, layout.working)
        layout.state.unlink(missing_ok=True)  # the copy carries the published build's own record


def publish_warehouse(layout: Layout, run_id: str) -> list[str]:
    """Record the publishing run in the working file (the exports' manifest names the same
    one), swap it in, then write the published file's record. Returns notes for the run
    summary (a write session's WAL moved aside).

    The file is published in DuckDB 1.4's storage format (``bookkeeping.STORAGE_VERSION``),
    which the 1.4 and 1.5 CLIs and BI drivers open as well as 2.x: a working file in a newer
    format (a warehouse built before that was set) is rewritten in it first, once — it keeps it
    after."""
    bookkeeping.ensure_storage_version(layout.working)
    with duckdb.connect(str(layout.working)) as con:
        bookkeeping.ensure(con)
        con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('publication', ?, now())", [run_id])
        record = read_record(con)
    try:
        shutil.copyfile(layout.working, layout.publishing)
        notes = _swap_in(layout)
    finally:
        layout.publishing.unlink(missing_ok=True)  # a copy cut short by a full disk must not linger
    write_record(layout, record)  # after the swap: a stale record only makes a plan rebuild more
    return notes


def publish_findings(layout: Layout) -> list[str]:
    """After a run whose marts were not published (a blocking check, a failed step): the
    published warehouse still answers what arrived, what was rejected or quarantined and which
    check blocked — ``meta.*`` and ``dq.*`` as the build has them — while its raw tables,
    models and marts stay at the last good build (none after a first build that was blocked).
    ``meta.build_state`` stays too: it says what the models were built from. Returns notes for
    the run summary."""
    staged = layout.publishing
    try:
        staged.unlink(missing_ok=True)
        if layout.published.exists():
            shutil.copyfile(layout.published, staged)
            os.chmod(staged, 0o644)
            bookkeeping.ensure_storage_version(staged)
        bookkeeping.create_file(staged)
        con = duckdb.connect(str(staged))
        try:
            working = str(layout.working).replace("'", "''")
            con.execute(f"ATTACH '{working}' AS build (READ_ONLY)")
            tables = con.execute("""SELECT table_schema, table_name FROM information_schema.tables
                WHERE table_catalog = 'build' AND table_schema IN ('meta', 'dq') AND table_type = 'BASE TABLE'
                  AND NOT (table_schema = 'meta' AND table_name = 'build_state')""").fetchall()
            for schema, table in tables:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT * FROM build.{schema}.{table}")
            con.execute("DETACH build")
            bookkeeping.ensure(con)  # the views over what was copied
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return _swap_in(layout)
    finally:
        staged.unlink(missing_ok=True)


def _swap_in(layout: Layout) -> list[str]:
    """Rename ``layout.publishing`` over the published file (atomic), read-only (mode 0444).

    Analysts open the published file read-only, and keep their own tables in a scratch
    database (README). A write session that still got in (root ignores file modes) leaves
    ``<published>.wal``, which belongs to the *path*: a new file renamed in beside it could
    not be opened at all, read-only included. So that WAL is moved aside first, together
    with the version it belongs to (a hard link), into ``analyst-sessions/<time>/`` — where
    the analyst's tables can still be recovered — and the session, which keeps its open
    handles, writes on there."""
    published, wal = layout.published, layout.published_wal
    os.chmod(layout.publishing, 0o444)
    notes = []
    if wal.exists():
        aside = layout.analyst_sessions / time.strftime("%Y%m%d-%H%M%S")
        aside.mkdir(parents=True, exist_ok=True)
        if published.exists():
            try:
                os.link(published, aside / published.name)
            except OSError:
                shutil.copyfile(published, aside / published.name)
        os.replace(wal, aside / wal.name)
        notes.append(f"a write session had left {wal.name} on the published warehouse: moved, with "
                     f"the version it belongs to, to {aside} (its tables can be recovered there); "
                     "open the warehouse read-only, and keep your own tables in a scratch database")
    os.replace(layout.publishing, published)
    return notes


def export_marts(layout: Layout, dbt_manifest: Path, run_id: str) -> dict:
    """Every documented mart of the published warehouse as ``<exports>/<mart>.parquet``, the
    data dictionary, and ``manifest.json`` ({built_at, run_id, engine, data_quality, parquet:
    {compression}, tables: {mart: {file, rows, description, columns: [{name, type, unit,
    description}]}}, data_dictionary}). ``built_at`` is ISO 8601 in Beijing time with its
    offset (``2016-01-20T09:00:00+08:00``).
    The manifest names the run that published the warehouse (``run_id`` when the file does not
    say: one published before it recorded its run), and ``engine`` the dbt engine that built the
    models (duckdb or spark; null for a file built before that was recorded). Returns the manifest."""
    warehouse, exports = layout.published, layout.exports
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published_by = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'publication'").fetchall()
        engine = con.execute("SELECT json_extract_string(fingerprint, '$.\"the engine\"') FROM meta.build_state "
                             "WHERE name = 'dbt_project_parts'").fetchall()
        # the newest verdict of every suite: the marts are only published when no critical
        # check fails, so what is left to say is which ones warned
        warned = [r[0] for r in con.execute(
            "SELECT suite FROM dq.current_verdicts WHERE verdict <> 'passed' ORDER BY suite").fetchall()]
    run_id = published_by[0][0] if published_by else run_id
    data_quality = ("dbt tests and critical checks passed; "
                    + (f"warnings: {', '.join(warned)}" if warned else "no warnings"))
    exports.mkdir(parents=True, exist_ok=True)
    staging = exports / f".staging-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    dictionary = data_dictionary(dbt_manifest)
    tables = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in dictionary:
            target = staging / table.file
            # rows in a fixed order: the same marts give the same bytes, so a reader that
            # watches checksums sees a change only when there is one
            con.execute(f"COPY (SELECT * FROM marts.{table.name} ORDER BY ALL) TO '{target}' "
                        f"(FORMAT parquet, COMPRESSION {PARQUET_COMPRESSION})")
            rows = con.execute(f"SELECT count(*) FROM marts.{table.name}").fetchall()[0][0]
            documented = {c.name: c for c in table.columns}
            columns = [{"name": name, "type": typ,
                        "unit": documented[name].unit if name in documented else "",
                        "description": documented[name].description if name in documented else ""}
                       for name, typ, *_ in con.execute(f"DESCRIBE marts.{table.name}").fetchall()]
            tables[table.name] = {"file": table.file, "rows": rows, "description": table.description,
                                  "columns": columns}
    finally:
        con.close()
    dictionary_files = [f.name for f in write_dictionary(dictionary, staging)]
    manifest = {"built_at": dt.datetime.now(ZoneInfo(bookkeeping.ZONE)).isoformat(timespec="seconds"),
                "run_id": run_id, "engine": engine[0][0] if engine else None, "data_quality": data_quality,
                "parquet": {"compression": PARQUET_COMPRESSION}, "tables": tables,
                "data_dictionary": dictionary_files}
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in [t.file for t in dictionary] + dictionary_files:
        os.replace(staging / name, exports / name)
    os.replace(staging / "manifest.json", exports / "manifest.json")
    staging.rmdir()
    return manifest
