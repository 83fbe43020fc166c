"""The Dagster code location: `dagster dev` loads ``defs`` (see the Makefile); the plantrack
command builds the same definitions with the paths it was given."""

import dagster as dg

from .assets.checks import suite_checks
from .assets.dbt import dbt_assets_defs, dbt_resource
from .assets.ingest import ingest_assets
from .assets.publish import bulletin, parquet_exports, published_warehouse
from .logs import LOGGERS
from .nightly import run_summary_asset
from .resources import PlantrackSettings
from .schedules import build_landing_sensor, build_run_summary_sensor, build_schedule

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all(),
    # one process: DuckDB has one writer, and the settings resource holds the build lock for
    # the whole run
    executor_def=dg.in_process_executor,
    description="Load every new delivery, build the warehouse, check it and publish it.")


def build_definitions(settings: PlantrackSettings) -> dg.Definitions:
    return dg.Definitions(assets=[*ingest_assets, *dbt_assets_defs(), parquet_exports, published_warehouse,
                                  bulletin, run_summary_asset],
                          asset_checks=suite_checks, jobs=[nightly_job],
                          schedules=[build_schedule(nightly_job)],
                          sensors=[build_landing_sensor(nightly_job), *build_run_summary_sensor(nightly_job)],
                          resources={"settings": settings, "dbt": dbt_resource},
                          # console by default; `plantrack run` picks file and progress (logs.py)
                          loggers=LOGGERS)


defs = build_definitions(PlantrackSettings.from_env())
