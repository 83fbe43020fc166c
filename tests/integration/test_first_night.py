"""A first night with little data (issue 12, kind 8), files of no extract in a nightly run
(kind 9), and the dbt test that keeps NaN and infinity out of raw (kind 6)."""

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from orchestration.core.layout import DBT_DIR, DBT_EXECUTABLE
from orchestration.cli import main
from tests.fixtures.deliveries.make_deliveries import HERE
from tests.integration.conftest import run


@pytest.fixture(scope="module")
def first_night(tmp_path_factory, dagster_storage):
    """One yearly file alone on a fresh warehouse: `plantrack run`."""
    tmp = tmp_path_factory.mktemp("first_night")
    target = tmp / "landing" / "stats_power_capacity"
    target.mkdir(parents=True)
    shutil.copy(HERE / "first_night" / "stats_power_capacity" / "2014.csv", target / "2014.csv")
    code, warehouse = run(tmp)
    return tmp, code, warehouse


def test_one_yearly_file_alone_ends_with_a_bulletin_saying_there_is_no_quarter_end_yet(first_night):
    tmp, code, warehouse = first_night
    assert code == 0
    page = (tmp / "reports" / "bulletin.html").read_text(encoding="utf-8")
    assert "尚无季末数据" in page and "No quarter-end yet" in page
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.stats_power_capacity").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM marts.target_progress").fetchall() == [(0,)]
    finally:
        con.close()
    assert main(["report", "--warehouse", str(warehouse), "--exports", str(tmp / "exports"),
                 "--out", str(tmp / "again.html")]) == 0
    assert main(["status", "--warehouse", str(warehouse)]) == 1


def test_files_of_no_extract_are_named_in_the_run_summary(first_night, capsys):
    tmp, _, warehouse = first_night
    landing = tmp / "landing"
    (landing / "loose.csv").write_text("年份,地区\n", encoding="utf-8")
    (landing / "stats_power_capacity" / "~$2015.xlsx").write_bytes(b"lock")
    (landing / "stats_power_capacity" / ".2015.csv").write_text("年份,地区\n", encoding="utf-8")
    past = os.stat(landing / "stats_power_capacity" / "2014.csv").st_mtime
    for p in (landing / "loose.csv", landing / "stats_power_capacity" / ".2015.csv"):
        os.utime(p, (past, past))
    capsys.readouterr()
    code, _ = run(tmp)
    out = capsys.readouterr().out
    assert code == 1
    assert "rejected 拒收 loose.csv: a file at the landing root" in out
    assert "rejected 拒收 stats_power_capacity/.2015.csv: a hidden file" in out
    assert "ignored 忽略 stats_power_capacity/~$2015.xlsx: an Office lock file" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT path FROM meta.files WHERE status = 'rejected' ORDER BY path").fetchall() == [
            ("loose.csv",), ("stats_power_capacity/.2015.csv",)]
    finally:
        con.close()


def test_the_finite_numbers_check_fails_on_nan_or_infinity_in_raw(first_night, tmp_path):
    """The loader never writes NaN; the dbt test guards raw whatever wrote it."""
    source, _, warehouse = first_night
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    con.execute("INSERT INTO raw.stats_power_capacity (_file_id, _row, year, region_code, thermal, wind) "
                "VALUES (99, 3, 2015, '210000', 'nan'::DOUBLE, 'inf'::DOUBLE)")
    con.close()
    target = tmp_path / "target"
    done = subprocess.run(
        [str(DBT_EXECUTABLE), "test", "--select", "source:raw.stats_power_capacity source:raw.env_boilers",
         "--vars", json.dumps({"as_of": ""}), "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--target-path", str(target)],
        env={**os.environ, "PLANTRACK_WAREHOUSE": str(copy)}, capture_output=True, text=True)
    results = {r["unique_id"].split(".")[2]: (r["status"], r["failures"])
               for r in json.loads((target / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("test.")}   # not the project's on-run-start hook
    assert results == {"source_finite_numbers_raw_stats_power_capacity_": ("fail", 2),
                       "source_finite_numbers_raw_env_boilers_": ("pass", 0)}, done.stdout[-3000:]
