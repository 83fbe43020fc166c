"""The build lock (orchestration/core/lock.py) waits for a process that outlived its build —
a dbt left running by a killed run — before the next build touches the working file."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.core.layout import Layout
from orchestration.core.lock import BuildBusy, build_lock

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])          # a writer, as dbt is
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _leftover_writer(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


@pytest.fixture
def layout(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANTRACK_DATA", str(tmp_path))
    layout = Layout.from_env()
    duckdb.connect(str(layout.working)).close()
    return layout


def test_the_next_build_waits_for_a_leftover_writer_of_the_working_file(layout):
    writer = _leftover_writer(layout.working, 3)
    said, started = [], time.monotonic()
    with build_lock(layout, log=said.append, timeout=60):
        waited = time.monotonic() - started
        duckdb.connect(str(layout.working)).close()   # the file is the build's now
    writer.wait()
    assert waited >= 2, waited
    assert len(said) == 1 and f"pid {writer.pid}" in said[0] and "left over" in said[0]


def test_a_leftover_writer_past_the_wait_is_busy_naming_it(layout):
    writer = _leftover_writer(layout.working, 30)
    try:
        with pytest.raises(BuildBusy, match=f"pid {writer.pid}"):
            with build_lock(layout, timeout=1):
                pass
        # and the build lock itself was let go: a later build can take it
        writer.kill()
        writer.wait()
        with build_lock(layout, timeout=5):
            pass
    finally:
        writer.kill()


# Derby, booted in a Spark JVM, holds an fcntl lock on metastore_db/dbex.lck (checked against a
# real PySpark session); the JVM's command line carries -Dderby.system.home=<spark_dir>
METASTORE = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _leftover_spark(layout: Layout, seconds: float) -> subprocess.Popen:
    lock_file = layout.spark_dir / "metastore_db" / "dbex.lck"
    lock_file.parent.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", METASTORE, str(lock_file), str(seconds),
                             f"-Dderby.system.home={layout.spark_dir.resolve()}"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_the_next_build_waits_for_a_leftover_spark_build(layout):
    """A killed Spark run's dbt keeps its JVM (and the Derby metastore) going: the next build
    waits for it, naming it, instead of booting the metastore beside it."""
    jvm = _leftover_spark(layout, 3)
    said, started = [], time.monotonic()
    with build_lock(layout, log=said.append, timeout=60):
        waited = time.monotonic() - started
    jvm.wait()
    assert waited >= 2, waited
    assert len(said) == 1 and f"pid {jvm.pid}" in said[0] and "metastore" in said[0], said


def test_a_metastore_left_from_a_crash_does_not_hold_the_build(layout):
    """Derby's lock file stays after a crash; the lock on it does not."""
    jvm = _leftover_spark(layout, 30)
    jvm.kill()
    jvm.wait()
    assert (layout.spark_dir / "metastore_db" / "dbex.lck").exists()
    started = time.monotonic()
    with build_lock(layout, timeout=5):
        assert time.monotonic() - started < 2


def test_a_leftover_spark_build_past_the_wait_is_busy_naming_it(layout):
    jvm = _leftover_spark(layout, 30)
    try:
        with pytest.raises(BuildBusy, match=f"pid {jvm.pid} still has Spark's metastore"):
            with build_lock(layout, timeout=1):
                pass
    finally:
        jvm.kill()
        jvm.wait()
