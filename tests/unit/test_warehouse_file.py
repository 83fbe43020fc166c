"""The warehouse file itself: the storage format every reader opens (DuckDB 1.4's, which the 1.4
and 1.5 lines read, the 1.5.x CLI wheel included), and a file built by older code — in 2.0's
format, with TIMESTAMP times — carried over."""

import datetime as dt
import subprocess
import sys

import duckdb
import yaml

from sources import bookkeeping
from sources.load import connect

CLI = sys.executable.rsplit("/", 1)[0] + "/duckdb"  # the duckdb-cli wheel: DuckDB 1.5.x

OLD_META = """
CREATE SCHEMA meta; CREATE SCHEMA dq;
CREATE TABLE meta.files (file_id BIGINT PRIMARY KEY, extract VARCHAR NOT NULL, path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP NOT NULL, run_id VARCHAR, status VARCHAR NOT NULL, encoding VARCHAR,
    header_row INTEGER, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, error VARCHAR,
    duplicate_of BIGINT, notes VARCHAR, seconds DOUBLE);
CREATE TABLE meta.withdrawals (file_id BIGINT PRIMARY KEY, withdrawn_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL, withdrawn_by VARCHAR);
CREATE TABLE meta.build_state (name VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL);
CREATE TABLE meta.runs (run_id VARCHAR, finished_at TIMESTAMP, trigger VARCHAR, exit_code INTEGER,
    files_loaded INTEGER, files_rejected INTEGER, rows_loaded BIGINT, rows_quarantined BIGINT,
    checks_failed VARCHAR[], checks_warned VARCHAR[], failed_steps VARCHAR[], marts_rebuilt BOOLEAN,
    rejected JSON, summary VARCHAR);
CREATE TABLE dq.check_results (run_id VARCHAR, checked_at TIMESTAMP, asset VARCHAR, suite VARCHAR,
    expectation VARCHAR, column_name VARCHAR, severity VARCHAR, success BOOLEAN, observed_value VARCHAR,
    unexpected VARCHAR, message VARCHAR, extracts VARCHAR[], rows_checked BIGINT);
INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at, processed_at, status)
    VALUES (1, 'stats_city_indicators', 'a.csv', 'x', 1, TIMESTAMP '2016-01-20 09:00', TIMESTAMP '2026-01-01 02:00', 'loaded');
INSERT INTO meta.withdrawals VALUES (1, TIMESTAMP '2016-03-01 10:00', 'wrong', 'me');
INSERT INTO meta.build_state VALUES ('publication', 'run-1', TIMESTAMP '2026-01-01 02:05');
INSERT INTO dq.check_results (run_id, checked_at, suite, success) VALUES ('run-1', TIMESTAMP '2026-01-01 02:03', 's', true);
"""


def test_a_new_warehouse_is_written_in_the_format_1x_readers_open(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    connect(path).close()
    assert bookkeeping.storage_version_number(path) == bookkeeping.STORAGE_VERSION_NUMBER == 67
    # and stays in it once DuckDB 2.0 writes into it with its defaults
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE raw.t AS SELECT range AS i FROM range(200000)")
    con.execute("CHECKPOINT")
    con.close()
    assert bookkeeping.storage_version_number(path) == 67
    done = subprocess.run([CLI, "-readonly", "-csv", str(path), "-c", "SELECT count(*) FROM raw.t"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "200000"


def test_a_file_in_duckdb_2_format_is_rewritten_once_with_everything_in_it(tmp_path):
    path = tmp_path / "warehouse.build.duckdb"
    con = duckdb.connect(str(path))  # 2.0's own format, as warehouses were built before
    con.execute("CREATE SCHEMA staging; CREATE SEQUENCE seq START 5; SELECT nextval('seq')")
    con.execute("CREATE TABLE staging.t (k INTEGER PRIMARY KEY, ts TIMESTAMPTZ)")
    con.execute("INSERT INTO staging.t VALUES (1, TIMESTAMPTZ '2016-01-20 09:00+08')")
    con.execute("CREATE VIEW staging.v AS SELECT k + 1 AS k FROM staging.t")
    con.execute("CREATE MACRO staging.m(x) AS TABLE SELECT * FROM staging.t WHERE k = x")
    con.close()
    before = bookkeeping.storage_version_number(path)
    assert before > bookkeeping.STORAGE_VERSION_NUMBER
    done = subprocess.run([CLI, "-readonly", str(path), "-c", "SELECT 1"], capture_output=True, text=True)
    assert done.returncode != 0 and "version number" in done.stderr  # what analysts met

    assert bookkeeping.ensure_storage_version(path) is True
    assert bookkeeping.storage_version_number(path) == 67
    assert bookkeeping.ensure_storage_version(path) is False  # once
    done = subprocess.run([CLI, "-readonly", "-csv", str(path), "-c",
                           "SELECT (SELECT k FROM staging.v), (SELECT count(*) FROM staging.m(1)), "
                           "(SELECT count(*) FROM duckdb_sequences() WHERE sequence_name = 'seq')"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "2,1,1"
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT ts FROM staging.t").fetchone()[0] == dt.datetime(2016, 1, 20, 1, tzinfo=dt.UTC)
    con.close()
    assert not list(tmp_path.glob("*.converting"))


def test_an_old_warehouse_gets_times_with_their_zone_read_in_the_zone_they_were_written_in(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'Asia/Shanghai'")  # the machine that built it, say, ran on Beijing time
    con.execute(OLD_META)
    bookkeeping.ensure(con)
    types = dict(con.execute("""SELECT table_schema || '.' || table_name || '.' || column_name, data_type
        FROM information_schema.columns WHERE data_type LIKE 'TIMESTAMP%'""").fetchall())
    assert all(types[f"{s}.{t}.{c}"] == "TIMESTAMP WITH TIME ZONE" for s, t, c in bookkeeping.TIME_COLUMNS), types
    assert set(types.values()) == {"TIMESTAMP WITH TIME ZONE"}
    con.execute("SET TimeZone = 'UTC'")
    assert con.execute("SELECT received_at, processed_at FROM meta.files").fetchone() == (
        dt.datetime(2016, 1, 20, 1, tzinfo=dt.UTC), dt.datetime(2025, 12, 31, 18, tzinfo=dt.UTC))
    assert con.execute("SELECT withdrawn_at FROM meta.withdrawals").fetchone()[0] == \
        dt.datetime(2016, 3, 1, 2, tzinfo=dt.UTC)
    # constraints kept; the views over dq work; a second ensure changes nothing
    assert con.execute("SELECT verdict FROM dq.current_verdicts").fetchone()[0] == "passed"
    bookkeeping.ensure(con)
    con.execute("INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at, processed_at, "
                "status) VALUES (2, 'x', 'b.csv', 'y', 1, ?, now(), 'loaded')", [dt.datetime.now(dt.UTC)])
    assert con.execute("SELECT count(*) FROM meta.files").fetchone()[0] == 2
    con.close()


def test_the_build_bounds_duckdbs_memory_and_spills_beside_the_working_file(tmp_path, monkeypatch):
    """The loader's connection (and so the checks' and dbt's, through the same two names)
    caps DuckDB at 1.5 GiB and spills into <file>.tmp; PLANTRACK_DUCKDB_MEMORY moves the cap."""
    from orchestration.core.layout import Layout
    from sources.load import connect

    working = Layout(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "exports").working
    con = connect(working)
    # 1.5 GiB by default
    assert con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall() \
        == [("1.5 GiB", str(tmp_path / "warehouse.build.duckdb.tmp"))]
    con.close()
    monkeypatch.setenv("PLANTRACK_DUCKDB_MEMORY", "3GB")
    con = connect(working)
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("2.7 GiB",)]  # 3e9 bytes
    con.close()


def test_dbt_profile_has_the_loaders_memory_limit_and_spill_folder():
    """profiles.yml cannot import Python: its ceiling and folder must say what bookkeeping says."""
    from orchestration.core.layout import DBT_DIR
    from sources.bookkeeping import MEMORY_LIMIT_DEFAULT, MEMORY_LIMIT_VARIABLE

    profile = yaml.safe_load((DBT_DIR / "profiles.yml").read_text())["plantrack"]["outputs"]["warehouse"]
    settings = profile["settings"]
    assert settings["memory_limit"] == f"{{{{ env_var('{MEMORY_LIMIT_VARIABLE}', '{MEMORY_LIMIT_DEFAULT}') }}}}"
    assert "temp_directory" not in settings  # DuckDB's default: see the next test


def test_duckdbs_default_spill_folder_is_the_layouts(tmp_path):
    """dbt's DuckDB spills where the layout says because that is DuckDB's default for a file."""
    from sources.bookkeeping import spill_folder

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT current_setting('temp_directory')").fetchall() == [
            (str(spill_folder(tmp_path / "w.duckdb")),)]


def test_a_connection_after_a_spill_still_opens(tmp_path, monkeypatch):
    """Once DuckDB has spilled, SET temp_directory fails even with the same folder: the loader's
    connect must not set it again (the 100 M-row build's dbt step failed so, with the setting in
    the profile). 100 MB of memory and a sort of 5 M rows make DuckDB spill."""
    monkeypatch.setenv("PLANTRACK_DUCKDB_MEMORY", "100MB")
    first = connect(tmp_path / "w.duckdb")
    first.execute("CREATE TABLE t AS SELECT i, md5(CAST(i AS VARCHAR)) AS m FROM range(5000000) r(i) ORDER BY m")
    second = connect(tmp_path / "w.duckdb")  # the same DuckDB instance, as a second step's would be
    assert second.execute("SELECT count(*) FROM t").fetchall() == [(5000000,)]
    second.close()
    first.close()
