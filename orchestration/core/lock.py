"""One build of a warehouse at a time.

Two warehouse files. Analysts keep DuckDB sessions open all day on the *published* file, and a
read-only session is enough to stop any writer from opening it. So the build writes a *working*
file beside it (never opened by analysts), and the last step publishes it by an atomic swap
(``publish``). One build at a time holds the working file's lock (``Layout.lock``); another one
waits for it instead of failing on DuckDB's lock."""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .layout import Layout

DEFAULT_WAIT_SECONDS = 3600  # how long a run waits for another build before it gives up

_held: dict[str, tuple[object, int]] = {}  # lock file → (open file, depth): re-entrant per process


class BuildBusy(Exception):
    """Another build held the warehouse longer than the wait allowed."""


@contextmanager
def build_lock(layout: Layout, log=None, timeout: float | None = DEFAULT_WAIT_SECONDS):
    """Hold the build lock of a warehouse: wait while another process builds it, saying which
    one (its pid is in the lock file), and raise BuildBusy after ``timeout`` seconds (None: wait
    for ever). Re-entrant within a process. The kernel releases the lock of a killed process."""
    key = str(layout.lock.resolve())
    if key in _held:
        handle, depth = _held[key]
        _held[key] = (handle, depth + 1)
    else:
        layout.lock.parent.mkdir(parents=True, exist_ok=True)
        # "a+", not "w": opening must not wipe the holder's record before the lock is ours
        handle = open(layout.lock, "a+")
        deadline, said = None if timeout is None else time.monotonic() + timeout, -60.0
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    handle.close()
                    raise BuildBusy(f"another build held {layout.working.name} for more than {timeout:.0f} s "
                                    f"({_holder(layout)})") from None
                if log and time.monotonic() - said >= 60:
                    log(f"another build holds the warehouse ({_holder(layout)}): waiting for it to finish")
                    said = time.monotonic()
                time.sleep(0.5)
        try:
            _wait_for_leftover_writers(layout, deadline, log)
        except BaseException:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        _held[key] = (handle, 1)
    try:
        yield
    finally:
        handle, depth = _held[key]
        if depth > 1:
            _held[key] = (handle, depth - 1)
        else:
            del _held[key]
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def _wait_for_leftover_writers(layout: Layout, deadline: float | None, log) -> None:
    """Wait while a process that outlived its build still writes what the next build writes.

    The build lock dies with the build's process, but not with its children: a ``dbt`` that a
    killed run started keeps building until its next line to the dead parent's pipe ends it —
    on DuckDB writing the working file, on Spark (issue 19) Spark's tables, with the Derby
    metastore of ``Layout.spark_dir`` booted in its JVM. The next build must not start beside it
    (two dbt writing the same tables; DuckDB's lock, Derby's "Another instance of Derby may
    have already booted the database"), so it waits for that writer, within the same wait.
    Raises BuildBusy, naming the process, when the deadline passes first."""
    said = -60.0
    while True:
        busy = _working_file_writer(layout) or _metastore_writer(layout)
        if busy is None:
            return
        if deadline is not None and time.monotonic() >= deadline:
            raise BuildBusy(f"{busy}, left over from an earlier build") from None
        if log and time.monotonic() - said >= 60:
            log(f"{busy}, left over from an earlier build: waiting for it to finish")
            said = time.monotonic()
        time.sleep(0.5)


def _working_file_writer(layout: Layout) -> str | None:
    """'pid N still has <working file> open' while another process holds DuckDB's lock on it
    (DuckDB's error names the pid), else None."""
    if not layout.working.exists():
        return None
    try:
        duckdb.connect(str(layout.working), read_only=True).close()
        return None
    except duckdb.IOException as e:
        if "lock" not in str(e).lower():
            raise
        held_by = _LOCK_HOLDER.search(str(e))
        who = f"pid {held_by.group(1)}" if held_by else "another process"
        return f"{who} still has {layout.working.name} open"


def _metastore_writer(layout: Layout) -> str | None:
    """'pid N still has Spark's metastore … open' while a JVM has booted the Derby metastore of
    ``Layout.spark_dir`` (Derby holds an fcntl lock on ``metastore_db/dbex.lck`` while booted;
    the file itself stays after a crash, the lock does not), else None."""
    lock_file = layout.spark_dir / "metastore_db" / "dbex.lck"
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except OSError:
        return None   # never booted, or not the Spark engine
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return None
    except OSError:
        pids = _pids_with_argument(f"-Dderby.system.home={layout.spark_dir.resolve()}")
        who = ", ".join(f"pid {p}" for p in pids) or "another process"
        return f"{who} still has Spark's metastore {lock_file.parent} open"
    finally:
        os.close(fd)   # closing releases the lock if it was taken


def _pids_with_argument(argument: str) -> list[int]:
    """Pids of the processes whose command line has ``argument`` (Linux /proc; [] elsewhere)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return pids


_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def _holder(layout: Layout) -> str:
    try:
        return layout.lock.read_text(encoding="utf-8").strip() or "holder unknown"
    except OSError:
        return "holder unknown"
