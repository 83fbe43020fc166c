"""What the sample build publishes, read with the readers analysts and BI tools have: the DuckDB
1.x CLI (the `duckdb-cli` wheel) on the warehouse, pyarrow on the Parquet footers, and the
times of the manifest and of meta.* / dq.* with their zone."""

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from orchestration.core.publish import PARQUET_COMPRESSION
from sources import bookkeeping

from .test_readme_queries import sql_blocks, statements

CLI = Path(sys.executable).parent / "duckdb"  # the duckdb-cli wheel (dev dependency), DuckDB 1.5.x


def cli(warehouse: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "-readonly", "-csv", str(warehouse), "-c", sql],
                          capture_output=True, text=True, timeout=120)


def test_the_1x_cli_runs_every_readme_query_on_the_published_warehouse(clean_run):
    tmp, code, _ = clean_run
    assert code == 0
    version = subprocess.run([str(CLI), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1."), version  # a 1.x reader, which cannot read 2.0's own format
    warehouse = tmp / "warehouse.duckdb"
    # DuckDB 1.4's format: the 1.4 (LTS) line reads it too (it reads 64–67), as 1.5 (64–68) and 2.x
    assert bookkeeping.storage_version_number(warehouse) == bookkeeping.STORAGE_VERSION_NUMBER == 67
    for block in sql_blocks():
        numbered = re.match(r"-- [1-6]\. ", block)
        for i, statement in enumerate(statements(block.replace("'data/exports/", f"'{tmp / 'exports'}/"))):
            done = cli(warehouse, statement)
            assert done.returncode == 0 and not done.stderr, f"{statement}\n{done.stderr}"
            if numbered and i == 0:
                assert len(done.stdout.splitlines()) > 1, f"no rows through the 1.x CLI:\n{statement}"


def test_the_as_known_on_macros_do_not_depend_on_the_name_the_file_is_opened_under(clean_run, tmp_path):
    tmp, _, _ = clean_run
    copy = tmp_path / "a copy.duckdb"
    copy.write_bytes((tmp / "warehouse.duckdb").read_bytes())
    done = cli(copy, "SELECT count(*) FROM staging.stats_city_indicators_as_known_on(DATE '2016-03-01')")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.splitlines()[1]) > 0


def test_the_manifest_and_the_bookkeeping_times_carry_their_zone(clean_run):
    tmp, _, wh = clean_run
    manifest = json.loads((tmp / "exports" / "manifest.json").read_text(encoding="utf-8"))
    built = dt.datetime.fromisoformat(manifest["built_at"])
    assert built.utcoffset() == dt.timedelta(hours=8), manifest["built_at"]  # Beijing, said so
    assert manifest["built_at"].endswith("+08:00")
    assert abs(built - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)
    # every time of meta.* and dq.* is a TIMESTAMPTZ: none without its zone
    types = wh.execute("""SELECT table_schema || '.' || table_name || '.' || column_name, data_type
        FROM information_schema.columns WHERE table_schema IN ('meta', 'dq') AND data_type LIKE 'TIMESTAMP%'""")
    assert {c for c, _ in types} >= {f"{s}.{t}.{c}" for s, t, c in bookkeeping.TIME_COLUMNS}
    assert all(t == "TIMESTAMP WITH TIME ZONE" for _, t in types), types
    received, processed = wh.execute("SELECT min(received_at), max(processed_at) FROM meta.files")[0]
    finished, = wh.execute("SELECT max(finished_at) FROM meta.runs")[0] or (None,)
    checked, = wh.execute("SELECT max(checked_at) FROM dq.check_results")[0]
    for t in (received, processed, checked) + ((finished,) if finished else ()):
        assert t.tzinfo is not None and t.utcoffset() is not None
    # the sample delivers at 09:00 Beijing time, whatever the machine's zone
    assert received == dt.datetime(2016, 1, 20, 1, 0, tzinfo=dt.UTC)
    assert abs(processed - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)


def test_delivery_times_in_the_models_are_beijing_time_whatever_the_session_zone(clean_run):
    tmp, _, _ = clean_run
    seen = set()
    for zone in ("UTC", "America/New_York", "Asia/Shanghai"):
        con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
        try:
            con.execute(f"SET TimeZone = '{zone}'")
            seen.add(tuple(con.execute("""
                SELECT min(_delivered_at), max(_delivered_at) FROM staging.stg_stats_city_indicators""").fetchone()))
            as_known = con.execute("""SELECT count(*) FROM
                staging.stats_city_indicators_as_known_on(DATE '2016-01-20')""").fetchone()[0]
            assert as_known > 0  # delivered 2016-01-20 in Beijing: known that day, in any zone
        finally:
            con.close()
    assert len(seen) == 1
    assert min(seen)[0].hour == 9  # the sample's deliveries start at 09:00 Beijing time


def test_every_export_is_snappy_and_the_manifest_says_so(clean_run):
    tmp, _, _ = clean_run
    exports = tmp / "exports"
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parquet"]["compression"] == PARQUET_COMPRESSION == "snappy"
    for table in manifest["tables"].values():
        meta = pq.ParquetFile(exports / table["file"]).metadata
        codecs = {meta.row_group(g).column(c).compression
                  for g in range(meta.num_row_groups) for c in range(meta.num_columns)}
        # (an empty mart — the projection once every deadline has passed — has no row group)
        assert codecs == ({"SNAPPY"} if meta.num_rows else set()), (table["file"], codecs)
        assert meta.num_rows == table["rows"]
