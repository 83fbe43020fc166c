"""Runs that died without saying so: find them, free what they held, and never wait in silence.

Dagster keeps a pool's slots (``duckdb_writer``, one slot) in its instance storage. A run killed
with kill -9, by the OOM killer or a scheduler's timeout never gives its slot back, and every
later run of the instance then waits for it forever, without a word (DESIGN.md). Each run
therefore tags itself with its process (host, pid and the pid's start time, so that a reused pid
is not mistaken for the run), and before a run needs the pool, holders whose process is gone —
or whose run already ended — are marked failed and their slots freed, with a line in the run
summary. A holder that is alive is waited for, saying so, up to a bound.

Only processes on this host can be judged; a holder tagged by another host, or not tagged at
all (a run launched before this existed), counts as alive: freeing a live run's slot would let
two writers meet in one DuckDB file."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

import dagster as dg

POOL = "duckdb_writer"
TAG_PID, TAG_START, TAG_HOST = "plantrack/pid", "plantrack/pid_start", "plantrack/host"
# the warehouse a run writes: the instance storage (PLANTRACK_DAGSTER_STORAGE) may be shared by
# several data folders, and a run waiting for another folder's says which (README, "One build
# at a time")
TAG_WAREHOUSE = "plantrack/warehouse"
TAG_RELEASED = "plantrack/released"


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22), or None
    when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name start at field 3


def process_tags(warehouse: str | os.PathLike | None = None) -> dict[str, str]:
    """Tags naming this process, for the run it executes, and the warehouse it writes (when
    given)."""
    tags = {TAG_PID: str(os.getpid()), TAG_START: _start_ticks(os.getpid()) or "",
            TAG_HOST: socket.gethostname()}
    if warehouse is not None:
        tags[TAG_WAREHOUSE] = str(warehouse)
    return tags


def _holder_line(run: dg.DagsterRun | None, run_id: str) -> str:
    """Who holds the pool, in words: the run, its process and, when it says so, the warehouse it
    writes (another data folder's run is waited for only because the Dagster instance is
    shared: the line says how to give each data folder its own)."""
    storage = os.environ.get("PLANTRACK_DAGSTER_STORAGE") or "its storage"
    shared = (f"; one Dagster instance ({storage}) serialises the builds of every data folder that "
              f"uses it: give each data folder its own PLANTRACK_DAGSTER_STORAGE to build them side by side")
    if run is None:
        return f"run {run_id}{shared}"
    who = f"run {run_id} (pid {run.tags.get(TAG_PID, '?')} on {run.tags.get(TAG_HOST, '?')}"
    who += f", building {run.tags[TAG_WAREHOUSE]})" if run.tags.get(TAG_WAREHOUSE) else ")"
    return who + shared


def holder_alive(run: dg.DagsterRun | None) -> bool:
    """Whether the run that holds a slot may still be working: not ended, and its process (if
    it is of this host) still the one that started it."""
    if run is None or run.is_finished:
        return False
    tags = run.tags
    if tags.get(TAG_HOST) != socket.gethostname() or not tags.get(TAG_PID):
        return True  # cannot tell: assume alive
    return _start_ticks(int(tags[TAG_PID])) == tags.get(TAG_START)


def release_dead_holders(instance: dg.DagsterInstance, exclude: str | None = None,
                         log: Callable[[str], None] = lambda _: None) -> list[str]:
    """Free the pool slots (and pending claims) of runs that are dead, marking a run that
    still says STARTED as failed. Returns one line per released run, for the summary."""
    storage = instance.event_log_storage
    released = []
    for key in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(key)
        holders = {s.run_id for s in info.claimed_slots} | {p.run_id for p in info.pending_steps}
        for run_id in sorted(holders - {exclude}):
            run = instance.get_run_by_id(run_id)
            if holder_alive(run):
                continue
            why = "its run no longer exists" if run is None else (
                f"its run already ended ({run.status.value})" if run.is_finished else
                f"its process (pid {run.tags.get(TAG_PID)}) is gone: killed, or out of memory")
            if run is not None and not run.is_finished:
                instance.report_run_failed(run, f"plantrack: {why}; its pool slot was released")
            storage.free_concurrency_slots_for_run(run_id)
            line = f"pool {key}: released the slot of run {run_id[:8]} — {why}"
            log(line)
            released.append(line)
    return released


class PoolBusy(Exception):
    """A live run held the pool longer than the wait allowed."""


def wait_for_pool(instance: dg.DagsterInstance, timeout: float, log: Callable[[str], None],
                  poll: float = 2.0, pool: str = POOL) -> None:
    """Return once no live run holds the pool; say what is waited for (every 30 s); raise
    PoolBusy after ``timeout`` seconds. Dead holders met meanwhile are released."""
    deadline, said = time.monotonic() + timeout, 0.0
    while True:
        release_dead_holders(instance, log=log)
        info = instance.event_log_storage.get_concurrency_info(pool)
        holders = sorted({s.run_id for s in info.claimed_slots})
        if not holders:
            return
        if time.monotonic() >= deadline:
            raise PoolBusy(f"pool {pool} still held after {timeout:.0f} s by run(s) {', '.join(holders)}")
        if time.monotonic() - said >= 30:
            who = _holder_line(instance.get_run_by_id(holders[0]), holders[0])
            log(f"waiting {deadline - time.monotonic():.0f} s more at most for the DuckDB writer pool, "
                f"held by {who}")
            said = time.monotonic()
        time.sleep(poll)
