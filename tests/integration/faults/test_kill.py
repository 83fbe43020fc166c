"""Fault injection: `plantrack run` killed with SIGKILL (kill -9, the OOM killer, a
scheduler's timeout) at a step, then run again. The rerun must finish by itself — no waiting on
the dead run's pool slot — and leave exactly what a clean build of the same deliveries leaves:
nothing lost, nothing loaded twice.

Each test has its own Dagster storage (the dead run stays in it) and its own folder."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.core.layout import PROJECT_ROOT

from ..conftest import run

COUNTS = """SELECT '{x}', count(*), count(DISTINCT _file_id) FROM raw.{x}"""


def _counts(warehouse: Path) -> dict:
    from sources.contract import contracts
    con = duckdb.connect(str(warehouse), read_only=True)  # the published file opens read-only
    try:
        out = {x: con.execute(COUNTS.format(x=x)).fetchall()[0][1:] for x in contracts()}
        out["files"] = con.execute("SELECT status, count(*) FROM meta.files GROUP BY ALL ORDER BY ALL").fetchall()
        out["quarantine"] = con.execute("SELECT count(*) FROM meta.quarantine").fetchall()[0][0]
        # every suite judged every delivery, whichever run loaded it: the same verdicts
        out["verdicts"] = con.execute("SELECT suite, bool_and(success) FROM dq.latest_results "
                                      "GROUP BY suite ORDER BY suite").fetchall()
        out["marts"] = con.execute("SELECT count(*), sum(hash(target_id, region_code, as_of, status, "
                                   "round(actual_value, 6))) FROM marts.target_progress").fetchall()[0]
        return out
    finally:
        con.close()


def _kill_at(tmp: Path, storage: Path, marker: str, timeout: float = 300) -> str:
    """Start `plantrack run` in its own process, SIGKILL it once its log shows ``marker``;
    returns the log up to then."""
    log = tmp / "killed.log"
    env = {**os.environ, "DAGSTER_HOME": str(PROJECT_ROOT), "PLANTRACK_DAGSTER_STORAGE": str(storage)}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run", "--landing", str(tmp / "landing"),
                                 "--warehouse", str(tmp / "warehouse.duckdb"), "--exports", str(tmp / "exports"),
                                 "--verbose"],  # the markers are Dagster's and dbt's lines
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
    deadline = time.monotonic() + timeout
    try:
        while marker not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"the run ended before '{marker}':\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no '{marker}' in {timeout} s"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return log.read_text(errors="replace")


@pytest.fixture
def fresh(clean_run, tmp_path, monkeypatch):
    """The sample deliveries in a new folder, and a Dagster storage of this test's own."""
    source, code, _ = clean_run
    assert code == 0
    shutil.copytree(source / "landing", tmp_path / "landing")
    storage = tmp_path / "dagster"
    storage.mkdir()
    monkeypatch.setenv("PLANTRACK_DAGSTER_STORAGE", str(storage))
    return tmp_path, storage, _counts(source / "warehouse.duckdb")


@pytest.mark.parametrize("step, marker", [
    ("ingest of the hourly feed", "env_monitoring_hourly/hourly_2015"),
    ("dbt build", "START sql table model intermediate."),
    ("publication", "publish 发布:"),
    ("exports", "exports 导出:"),
])
def test_killed_run_then_rerun_equals_a_clean_build(fresh, capsys, step, marker):
    tmp, storage, clean = fresh
    _kill_at(tmp, storage, marker)
    capsys.readouterr()
    code, warehouse = run(tmp, "--wait", "120")
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    if step in ("ingest of the hourly feed", "dbt build"):  # long steps: the kill lands inside
        assert "released 释放" in out and "is gone" in out   # the dead run's slot, said so
    # (publication and exports take a fraction of a second: the kill may land inside or just
    # after them; either way the rerun must leave what a clean build leaves)
    assert _counts(warehouse) == clean                       # nothing lost, nothing twice
    # the killed run loaded files and never said so: the rerun reports them, and records the
    # killed run as failed (meta.runs of the working file: published with the next build)
    assert "did not finish (killed)" in out, out[-3000:]
    with duckdb.connect(str(tmp / "warehouse.build.duckdb"), read_only=True) as con:
        assert con.execute("SELECT exit_code, failed_steps FROM meta.runs WHERE trigger = 'cli' "
                           "AND failed_steps = ['(killed)']").fetchall() == [(3, ["(killed)"])]
        reported = con.execute("SELECT files_loaded, summary, run_id FROM meta.runs WHERE failed_steps IS DISTINCT FROM "
                               "['(killed)'] ORDER BY finished_at DESC LIMIT 1").fetchall()
        killed, recorded = con.execute("""SELECT run_id, files_loaded FROM meta.runs
                                          WHERE failed_steps = ['(killed)']""").fetchall()[0]
        killed_files = con.execute("""SELECT count(*) FROM meta.files WHERE status = 'loaded' AND run_id = ?""",
                                   [killed]).fetchall()
        own_files = con.execute("""SELECT count(*) FROM meta.files WHERE status = 'loaded' AND run_id = ?""",
                                [reported[0][2]]).fetchall()
    # each row counts its own run's files (a sum over meta.runs counts each file once)
    assert killed_files[0][0] == recorded > 0 and reported[0][0] == own_files[0][0]
    assert "includes the files of 1 run(s)" in reported[0][1]
    with dg.DagsterInstance.get() as instance:  # and the UI shows how the killed run ended
        assert instance.get_run_by_id(killed).tags.get("plantrack/exit_code") == "3"
    # the exports come from the published build, whatever step the kill hit
    con = duckdb.connect(str(warehouse), read_only=True)
    published_by = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'publication'").fetchall()[0][0]
    con.close()
    assert json.loads((tmp / "exports" / "manifest.json").read_text(encoding="utf-8"))["run_id"] == published_by


def test_a_run_killed_before_loading_anything_is_recorded_as_failed(fresh, capsys):
    """A night with nothing new killed at its publication loaded no file: the next run still
    records it in meta.runs as failed (exit 3, no files), and tags its Dagster run so."""
    tmp, storage, _ = fresh
    assert run(tmp, "--wait", "120")[0] == 0
    _kill_at(tmp, storage, "publish 发布:")
    capsys.readouterr()
    code, _ = run(tmp, "--wait", "120")
    out = capsys.readouterr().out
    assert code == 0 and "did not finish (killed)" in out, out[-3000:]
    with duckdb.connect(str(tmp / "warehouse.build.duckdb"), read_only=True) as con:
        killed = con.execute("SELECT run_id, exit_code, files_loaded FROM meta.runs "
                             "WHERE failed_steps = ['(killed)']").fetchall()
    assert [(code, files) for _, code, files in killed] == [(3, 0)]
    with dg.DagsterInstance.get() as instance:
        dead = instance.get_run_by_id(killed[0][0])
        assert dead.tags.get("plantrack/exit_code") == "3" and dead.status == dg.DagsterRunStatus.FAILURE


def _descendants(pid: int) -> list[int]:
    """The live descendants of a process, from /proc (Linux)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def test_marts_build_killed_is_a_failed_run_not_ok(fresh):
    """The OOM killer takes the dbt process that builds the marts (not plantrack): the run
    must end as failed (exit 3, naming the step), not 'OK' — only the gate's refusal while a
    blocking check fails is a data finding — and the next run builds them."""
    tmp, storage, clean = fresh
    env = {**os.environ, "DAGSTER_HOME": str(PROJECT_ROOT), "PLANTRACK_DAGSTER_STORAGE": str(storage)}
    log = tmp / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run", "--landing", str(tmp / "landing"),
                                 "--warehouse", str(tmp / "warehouse.duckdb"), "--exports", str(tmp / "exports"),
                                 "--verbose"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
    killed, deadline = [], time.monotonic() + 300
    try:
        while not killed:
            assert proc.poll() is None, f"the run ended before its marts were built:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no marts build in 300 s"
            if "START sql table model marts." in log.read_text(errors="replace"):
                for pid in _descendants(proc.pid):
                    try:
                        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    except OSError:
                        continue
                    if any(part.endswith(b"/dbt") for part in cmdline) and b"build" in cmdline:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
            time.sleep(0.1)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text(errors="replace")
    assert code == 3, text[-3000:]
    assert "dbt_marts" in text.split("运行摘要 Run summary")[-1], text[-3000:]
    assert "exit 3" in text
    # the next run builds what the killed one did not
    code, warehouse = run(tmp, "--wait", "120")
    assert code == 0
    assert _counts(warehouse) == clean
