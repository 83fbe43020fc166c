"""Fault injection: a first build blocked by a check, and a disk that fills during a run.

After any run, the published warehouse answers what arrived, what was rejected or quarantined
and which check blocked, while its marts stay at the last good build; a full disk ends the run
with its summary (naming the full disk), not a traceback, and the next run on a freed disk
finishes with a clean build's rows."""

import os
import shutil
import subprocess

import duckdb
import pytest

from ..conftest import run

BAD_INDEX = ("统计期,地区,地区生产总值指数(上年=100)\n2015,沈阳市,310\n")


def _read_only(path):
    return duckdb.connect(str(path), read_only=True)


def test_a_first_build_blocked_by_a_check_still_publishes_what_it_found(clean_run, tmp_path, capsys):
    source, code, _ = clean_run
    shutil.copytree(source / "landing", tmp_path / "landing")
    (tmp_path / "landing" / "stats_city_indicators" / "指数.csv").write_text(BAD_INDEX, encoding="utf-8")
    code, warehouse = run(tmp_path)
    out = capsys.readouterr().out
    assert code == 2, out[-2000:]
    con = _read_only(warehouse)
    try:
        # the README's questions: what arrived, what was rejected and why, what blocked
        assert con.execute("SELECT count(*) FROM meta.files WHERE status = 'loaded'").fetchall()[0][0] >= 44
        con.execute("SELECT path, error FROM meta.files WHERE status = 'rejected'").fetchall()
        assert con.execute("SELECT count(*) FROM meta.quarantine").fetchall()[0][0] > 0
        assert ("raw_stats_city_indicators",) in con.execute(
            "SELECT DISTINCT suite FROM dq.latest_results WHERE NOT success AND severity = 'error'").fetchall()
        assert con.execute("SELECT exit_code FROM meta.runs").fetchall() == [(2,)]
        # no marts from a blocked build
        assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'"
                           ).fetchall() == [(0,)]
    finally:
        con.close()
    # withdrawn, the next run builds everything
    from orchestration.cli import main
    assert main(["withdraw", "stats_city_indicators/指数.csv", "--reason", "310 应为 103.1",
                 "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse)]) == 0
    assert run(tmp_path)[0] == 0
    con = _read_only(warehouse)
    assert con.execute("SELECT count(*) FROM marts.target_progress").fetchall()[0][0] > 0
    con.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 160 MB tmpfs (CI runs as root); skipped where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_ends_with_a_summary_and_the_next_run_recovers(clean_run, small_disk, tmp_path, capsys):
    source, code, clean = clean_run
    shutil.copytree(source / "landing", tmp_path / "landing")
    for name in ("warehouse.duckdb", "warehouse.duckdb.record.json", "warehouse.build.duckdb",
                 "warehouse.build.duckdb.state.json"):
        shutil.copy2(source / name, small_disk / name)
    before = _read_only(small_disk / "warehouse.duckdb").execute(
        "SELECT count(*), sum(hash(target_id, region_code, as_of, status)) FROM marts.target_progress").fetchall()
    # a new delivery, and the disk all but full
    (tmp_path / "landing" / "transport_freight" / "2015修订.csv").write_text(
        "年份,地区,货物周转量(亿吨公里)\n2015,沈阳市,1234.5\n", encoding="utf-8")
    free = shutil.disk_usage(small_disk).free
    with open(small_disk / "filler", "wb") as f:
        f.truncate(0)
        f.write(b"\0" * (free - 2 * 1024 * 1024))
    capsys.readouterr()
    code = run_on(tmp_path, small_disk)
    out = capsys.readouterr().out
    assert code == 3, out[-3000:]
    assert "运行摘要 Run summary" in out and "disk full 磁盘已满" in out and "No space left on device" in out
    con = _read_only(small_disk / "warehouse.duckdb")   # the published warehouse is untouched
    assert con.execute("SELECT count(*), sum(hash(target_id, region_code, as_of, status)) "
                       "FROM marts.target_progress").fetchall() == before
    con.close()
    assert not (small_disk / "warehouse.duckdb.publishing").exists()
    # space freed: the next run finishes, with the new delivery once
    (small_disk / "filler").unlink()
    assert run_on(tmp_path, small_disk) == 0, capsys.readouterr().out[-3000:]
    con = _read_only(small_disk / "warehouse.duckdb")
    assert con.execute("SELECT count(*) FROM raw.transport_freight").fetchall()[0][0] == \
        clean.execute("SELECT count(*) FROM raw.transport_freight").fetchall()[0][0] + 1
    assert con.execute("SELECT count(*) FROM meta.files WHERE path LIKE '%2015修订%'").fetchall() == [(1,)]
    con.close()


def run_on(tmp, disk) -> int:
    from orchestration.cli import main
    return main(["run", "--landing", str(tmp / "landing"), "--warehouse", str(disk / "warehouse.duckdb"),
                 "--exports", str(disk / "exports")])
