"""Where the warehouse's files are: landing, warehouse, exports. One resource, so that the job
the schedule runs and the job `plantrack run` runs read the same settings."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_path(env: str, fallback: str) -> str:
    return os.environ.get(env) or str(Path.cwd() / "data" / fallback)


class PlantrackSettings(dg.ConfigurableResource):
    """Landing folder (offices' deliveries), DuckDB warehouse file, exports folder, and the
    as-of date of the progress marts (empty: today)."""

    landing: str
    warehouse: str
    exports: str
    as_of: str = ""

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
    def warehouse_path(self) -> Path:
        return Path(self.warehouse)
