"""The one resource every asset, check, schedule and sensor reads: where the warehouse's files
are (``core.layout.Layout``) and the as-of date — so that the job the schedule runs and the job
`plantrack run` runs read the same settings. For the whole run it holds the build lock."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from .core.lake import engine_from_env
from .core.layout import Layout
from .core.lock import build_lock
from .core.publish import ensure_working_file
from .liveness import TAG_RELEASED, process_tags, release_dead_holders


class PlantrackSettings(dg.ConfigurableResource):
    """Landing folder (offices' deliveries), published DuckDB warehouse file, exports folder,
    the as-of date of the progress marts (empty: today), and the engine dbt's models build on
    (duckdb, or spark: core.lake)."""

    landing: str
    warehouse: str
    exports: str
    as_of: str = ""
    engine: str = "duckdb"
    _lock: object = PrivateAttr(default=None)

    @classmethod
    def from_layout(cls, layout: Layout, as_of: str | None = None, engine: str | None = None) -> "PlantrackSettings":
        """``engine``: the command's --engine, else PLANTRACK_ENGINE, else duckdb."""
        return cls(landing=str(layout.landing), warehouse=str(layout.published), exports=str(layout.exports),
                   as_of=as_of or "", engine=engine_from_env(engine))

    @classmethod
    def from_env(cls, **overrides) -> "PlantrackSettings":
        """Paths from ``overrides`` (landing, warehouse, exports), the environment or the data
        folder (core.layout); ``as_of`` and ``engine`` from ``overrides`` (the engine else
        PLANTRACK_ENGINE)."""
        as_of = overrides.pop("as_of", None)
        engine = overrides.pop("engine", None)
        return cls.from_layout(Layout.from_env(**overrides), as_of, engine)

    @property
    def layout(self) -> Layout:
        return Layout.from_env(self.landing, self.warehouse, self.exports)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """For the whole run: wait for any other build, then hold the working file."""
        log = context.log.info if context.log else None
        self._lock = build_lock(self.layout, log=log)
        self._lock.__enter__()
        # this run's process, so that a later run can tell if it died holding the pool; then
        # free what dead runs hold, or this run's first step would wait for them for ever
        if context.instance is not None and context.run_id:
            context.instance.add_run_tags(context.run_id, process_tags(self.layout.published.resolve()))
            released = release_dead_holders(context.instance, exclude=context.run_id,
                                            log=context.log.warning if context.log else (lambda _: None))
            if released:
                context.instance.add_run_tags(context.run_id, {TAG_RELEASED: " | ".join(released)[:1000]})
        ensure_working_file(self.layout)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None
