"""The Dagster code location: `dagster dev` loads ``defs`` (see the Makefile); the plantrack
command builds the same definitions with the paths it was given."""

import dagster as dg

from .assets.checks import suite_checks
from .assets.dbt import dbt_marts, dbt_models, dbt_resource
from .assets.ingest import ingest_assets
from .assets.publish import parquet_exports
from .resources import PlantrackSettings

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all(),
    description="Load every new delivery, build the warehouse, check it and publish it.")


def build_definitions(settings: PlantrackSettings) -> dg.Definitions:
    return dg.Definitions(assets=[*ingest_assets, dbt_models, dbt_marts, parquet_exports],
                          asset_checks=suite_checks, jobs=[nightly_job],
                          resources={"settings": settings, "dbt": dbt_resource})


defs = build_definitions(PlantrackSettings.from_env())
