"""Where a warehouse's files live — one object, from one data folder.

    <data>/landing/                       the offices' deliveries, one folder per extract
    <data>/warehouse.duckdb               published: the file analysts open (read-only, 0444)
    <data>/warehouse.duckdb.record.json   what the published file was built from (plans read it)
    <data>/warehouse.build.duckdb         working: the file the build writes
    <data>/warehouse.build.duckdb.lock    one build at a time (its holder's pid inside)
    <data>/warehouse.build.duckdb.state.json  what the working file was built from
    <data>/warehouse.build.duckdb.tmp/    DuckDB's spill folder while the build works (loader,
                                          checks, dbt: memory_limit PLANTRACK_DUCKDB_MEMORY)
    <data>/dbt-target/warehouse.build/    dbt's target folder, both build steps' (partial parsing)
    <data>/analyst-sessions/<time>/       a write session's WAL moved aside at a publication
    <data>/exports/                       Parquet, manifest.json, the data dictionary
    <data>/reports/                       the progress bulletin and the data-quality page
                                          (beside the exports folder)
    <data>/logs/run_<UTC time>.log        a `plantrack run`'s whole log (Dagster, dbt); the last 90 kept
    <data>/lake/<schema>/<table>/         on the Spark engine: every dbt source table as Parquet
                                          (raw, meta, dq; the hourly feed in month=YYYY-MM/
                                          folders), which Spark registers as the sources
    <data>/spark/                         on the Spark engine: Spark's warehouse (the tables dbt
                                          builds, warehouse/<schema>.db/<table>/) and metastore

The data folder is ``PLANTRACK_DATA`` or ``./data``; ``PLANTRACK_LANDING``,
``PLANTRACK_WAREHOUSE`` and ``PLANTRACK_EXPORTS`` (or the command's options) move one part: the
files named after the warehouse stay beside it, reports/ beside the exports folder.
``PLANTRACK_LAKE`` and ``PLANTRACK_SPARK_DIR`` move the Spark engine's folders (a cluster points
them at shared storage); by default they sit beside the warehouse, in the data folder.

Outside a warehouse: ``dbt_project/target/`` holds the manifest the Dagster definitions are
made from (written by `dbt parse`, no data in it)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sources.bookkeeping import spill_folder

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = PROJECT_ROOT / "dbt_project"
# the dbt of this environment, not whatever `dbt` the PATH finds first
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
# where dbt builds the models (issue 19): each engine has its own dbt target folder (dbt_target_for)
ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"


def data_folder() -> Path:
    """The default data folder: ``PLANTRACK_DATA``, else ``data`` under the working directory."""
    return Path(os.environ.get("PLANTRACK_DATA") or Path.cwd() / "data")


@dataclass(frozen=True)
class Layout:
    """The files of one warehouse. Paths as given (relative ones stay relative to the
    working directory)."""

    landing: Path
    published: Path
    exports: Path

    @classmethod
    def from_env(cls, landing: str | Path | None = None, warehouse: str | Path | None = None,
                 exports: str | Path | None = None) -> "Layout":
        """Explicit paths first, then PLANTRACK_LANDING / _WAREHOUSE / _EXPORTS, then the data
        folder's defaults."""
        data = data_folder()
        return cls(landing=Path(landing or os.environ.get("PLANTRACK_LANDING") or data / "landing"),
                   published=Path(warehouse or os.environ.get("PLANTRACK_WAREHOUSE") or data / "warehouse.duckdb"),
                   exports=Path(exports or os.environ.get("PLANTRACK_EXPORTS") or data / "exports"))

    def _beside(self, path: Path, suffix: str) -> Path:
        return path.with_name(path.name + suffix)

    @property
    def working(self) -> Path:
        """The file the build writes: ``<stem>.build<suffix>`` beside the published one."""
        return self.published.with_name(self.published.stem + ".build" + self.published.suffix)

    @property
    def spill(self) -> Path:
        """DuckDB's temp_directory while the build works on the working file (bookkeeping.spill_folder)."""
        return spill_folder(self.working)

    @property
    def lock(self) -> Path:
        return self._beside(self.working, ".lock")

    @property
    def state(self) -> Path:
        """JSON {"dbt_project": fingerprint | null}: what the working file was built from."""
        return self._beside(self.working, ".state.json")

    @property
    def record(self) -> Path:
        """JSON: what the published file was built from (planning.read_record's shape)."""
        return self._beside(self.published, ".record.json")

    @property
    def publishing(self) -> Path:
        """The copy of the working file on its way to being published (renamed over it)."""
        return self._beside(self.published, ".publishing")

    @property
    def published_wal(self) -> Path:
        """A write session's WAL on the published file (belongs to the path, not the file)."""
        return self._beside(self.published, ".wal")

    @property
    def analyst_sessions(self) -> Path:
        return self.published.parent / "analyst-sessions"

    @property
    def reports(self) -> Path:
        """The bulletin's folder: ``reports/`` beside the exports folder."""
        return self.exports.resolve().parent / "reports"

    @property
    def data_quality(self) -> Path:
        """The data-quality page (core.report.quality), written with each run's summary
        beside the bulletin, which links to it."""
        return self.reports / "data_quality.html"

    @property
    def logs(self) -> Path:
        """`plantrack run`'s log files, beside the warehouse."""
        return self.published.resolve().parent / "logs"

    def run_log(self, started: dt.datetime) -> Path:
        """The whole log of the run started at ``started`` (aware): ``logs/run_<UTC>.log``."""
        return self.logs / f"run_{started.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}.log"

    @property
    def lake(self) -> Path:
        """The Spark engine's copy of the dbt sources as Parquet (core.lake): ``PLANTRACK_LAKE``,
        else ``lake/`` beside the warehouse. A cluster points it at storage every executor
        reads: a shared path (NFS, or an object store mounted as a folder)."""
        return Path(os.environ.get("PLANTRACK_LAKE") or self.published.resolve().parent / "lake")

    @property
    def spark_dir(self) -> Path:
        """Spark's own folder (its warehouse of the tables dbt builds, and the Derby
        metastore): ``PLANTRACK_SPARK_DIR``, else ``spark/`` beside the warehouse."""
        return Path(os.environ.get("PLANTRACK_SPARK_DIR") or self.published.resolve().parent / "spark")

    def spark_table(self, schema: str, table: str) -> Path:
        """The Parquet folder of a table dbt built on Spark (Spark's default location of a
        managed table: ``<spark_dir>/warehouse/<schema>.db/<table>``)."""
        return self.spark_dir / "warehouse" / f"{schema}.db" / table

    def dbt_target_for(self, engine: str) -> Path:
        """dbt's target folder for one engine: each engine's profile is its own, so each keeps
        its own partial parse (switching engines never re-parses the other's)."""
        return self.dbt_target if engine == "duckdb" else self.dbt_target.with_name(f"{self.dbt_target.name}-{engine}")

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder, kept from night to night and shared by the build steps, so that
        dbt re-parses only what changed (partial_parse.msgpack): its profile (the working file's
        path) and vars are the same in every step and run of a warehouse — a folder per step
        parsed the whole project twice on a first build. One per working file, so two
        warehouses never share one."""
        working = self.working.resolve()
        return working.parent / "dbt-target" / working.stem
