"""Where the warehouse's files are: landing, warehouse, exports. One resource, so that the job
the schedule runs and the job `plantrack run` runs read the same settings.

Two warehouse files. Analysts keep DuckDB sessions open all day on the *published* file
(``warehouse``), and a read-only session is enough to stop any writer from opening it. So the
build writes a *working* file beside it (``<name>.build.duckdb``, never opened by analysts) and
the last step publishes it by copying it aside and renaming it over the published file: an
atomic swap. A session that was open keeps reading the version it opened; the next one sees the
new build. One build at a time holds the working file's lock (``<working>.lock``); another one
waits for it instead of failing on DuckDB's lock."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

PROJECT_ROOT = Path(__file__).resolve().parent.parent


_held: dict[str, tuple[object, int]] = {}  # lock file → (open file, depth): re-entrant per process

DEFAULT_WAIT_SECONDS = 3600  # how long a run waits for another build before it gives up


class BuildBusy(Exception):
    """Another build held the warehouse longer than the wait allowed."""


@contextmanager
def build_lock(working: Path, log=None, timeout: float | None = DEFAULT_WAIT_SECONDS):
    """Hold the build lock of a working file: wait while another process builds into it,
    saying which one (its pid is in the lock file), and raise BuildBusy after ``timeout``
    seconds (None: wait for ever). The kernel releases the lock of a killed process."""
    key = str(working.resolve())
    if key in _held:
        handle, depth = _held[key]
        _held[key] = (handle, depth + 1)
    else:
        working.parent.mkdir(parents=True, exist_ok=True)
        # "a+", not "w": opening must not wipe the holder's record before the lock is ours
        handle = open(working.with_name(working.name + ".lock"), "a+")
        deadline, said = None if timeout is None else time.monotonic() + timeout, -60.0
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    handle.close()
                    raise BuildBusy(f"another build held {working.name} for more than {timeout:.0f} s "
                                    f"({_holder(working)})") from None
                if log and time.monotonic() - said >= 60:
                    log(f"another build holds the warehouse ({_holder(working)}): waiting for it to finish")
                    said = time.monotonic()
                time.sleep(0.5)
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


def _holder(working: Path) -> str:
    try:
        return working.with_name(working.name + ".lock").read_text(encoding="utf-8").strip() or "holder unknown"
    except OSError:
        return "holder unknown"


def default_path(env: str, fallback: str) -> str:
    return os.environ.get(env) or str(Path.cwd() / "data" / fallback)


class PlantrackSettings(dg.ConfigurableResource):
    """Landing folder (offices' deliveries), DuckDB warehouse file, exports folder, and the
    as-of date of the progress marts (empty: today)."""

    landing: str
    warehouse: str
    exports: str
    as_of: str = ""
    _lock: object = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, **overrides) -> "PlantrackSettings":
        settings = dict(landing=default_path("PLANTRACK_LANDING", "landing"),
                        warehouse=default_path("PLANTRACK_WAREHOUSE", "warehouse.duckdb"),
                        exports=default_path("PLANTRACK_EXPORTS", "exports"))
        settings.update({k: str(v) for k, v in overrides.items() if v is not None})
        return cls(**settings)

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

    @property
    def reports_path(self) -> Path:
        """The bulletin's folder: `reports/` beside the exports folder."""
        return Path(self.exports).resolve().parent / "reports"

    @property
    def published_path(self) -> Path:
        """The file analysts open (read-only)."""
        return Path(self.warehouse)

    @property
    def working_path(self) -> Path:
        """The file the build writes."""
        published = self.published_path
        return published.with_name(published.stem + ".build" + published.suffix)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """For the whole run: wait for any other build, then hold the working file."""
        from .liveness import TAG_RELEASED, process_tags, release_dead_holders

        log = context.log.info if context.log else None
        self._lock = build_lock(self.working_path, log=log)
        self._lock.__enter__()
        # this run's process, so that a later run can tell if it died holding the pool; then
        # free what dead runs hold, or this run's first step would wait for them for ever
        if context.instance is not None and context.run_id:
            context.instance.add_run_tags(context.run_id, process_tags())
            released = release_dead_holders(context.instance, exclude=context.run_id,
                                            log=context.log.warning if context.log else (lambda _: None))
            if released:
                context.instance.add_run_tags(context.run_id, {TAG_RELEASED: " | ".join(released)[:1000]})
        self.ensure_working_file()

    def ensure_working_file(self) -> None:
        """With the build lock held: a working file to write into, carrying on from what was
        published when there is none."""
        if not self.working_path.exists() and self.published_path.exists():
            shutil.copyfile(self.published_path, self.working_path)
            state = self.working_path.with_name(self.working_path.name + ".state.json")
            state.unlink(missing_ok=True)  # the copy carries the published build's own record

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def publish_warehouse(self) -> list[str]:
        """Copy the working file aside, then rename it over the published file (atomic).
        Returns notes for the run summary."""
        published = self.published_path
        staged = published.with_name(published.name + ".publishing")
        try:
            shutil.copyfile(self.working_path, staged)
            return self._swap_in(staged)
        finally:
            staged.unlink(missing_ok=True)  # a copy cut short by a full disk must not linger

    def publish_findings(self) -> list[str]:
        """After a run whose marts were not published (a blocking check, a failed step): the
        published warehouse still answers what arrived, what was rejected or quarantined and
        which check blocked — ``meta.*`` and ``dq.*`` as the build has them — while its raw
        tables, models and marts stay at the last good build (none after a first build that
        was blocked). ``meta.build_state`` stays too: it says what the models were built from.
        Returns notes for the run summary."""
        published = self.published_path
        staged = published.with_name(published.name + ".publishing")
        try:
            return self._findings_into(staged)
        finally:
            staged.unlink(missing_ok=True)

    def _findings_into(self, staged: Path) -> list[str]:
        import duckdb

        from expectations.run import DQ_DDL

        published = self.published_path
        staged.unlink(missing_ok=True)
        if published.exists():
            shutil.copyfile(published, staged)
            os.chmod(staged, 0o644)
        con = duckdb.connect(str(staged))
        try:
            working = str(self.working_path).replace("'", "''")
            con.execute(f"ATTACH '{working}' AS build (READ_ONLY)")
            tables = con.execute("""SELECT table_schema, table_name FROM information_schema.tables
                WHERE table_catalog = 'build' AND table_schema IN ('meta', 'dq') AND table_type = 'BASE TABLE'
                  AND NOT (table_schema = 'meta' AND table_name = 'build_state')""").fetchall()
            for schema, table in tables:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT * FROM build.{schema}.{table}")
            con.execute("DETACH build")
            if ("dq", "check_results") in tables:
                con.execute(DQ_DDL)  # its view of the current verdicts
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return self._swap_in(staged)

    def _swap_in(self, staged: Path) -> list[str]:
        """Rename ``staged`` over the published file (atomic), read-only (mode 0444).

        Analysts open the published file read-only, and keep their own tables in a scratch
        database (README). A write session that still got in (root ignores file modes) leaves
        ``<published>.wal``, which belongs to the *path*: a new file renamed in beside it could
        not be opened at all, read-only included. So that WAL is moved aside first, together
        with the version it belongs to (a hard link), into ``analyst-sessions/<time>/`` — where
        the analyst's tables can still be recovered — and the session, which keeps its open
        handles, writes on there."""
        published = self.published_path
        os.chmod(staged, 0o444)
        notes = []
        wal = published.with_name(published.name + ".wal")
        if wal.exists():
            aside = published.parent / "analyst-sessions" / time.strftime("%Y%m%d-%H%M%S")
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
        os.replace(staged, published)
        return notes
