"""The dbt project as Dagster assets: seeds, staging, indicators, marts and their tests.

dbt sources `raw.<extract>` are the ingest assets' keys (["raw", extract]), so Dagster shows one
graph from files to marts. The manifest is parsed when the project changed (or on first use);
a fresh clone needs no separate step."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from expectations.run import DQ_DDL, failing_now

from ..incremental import begin_dbt_build, end_dbt_build
from ..resources import PROJECT_ROOT, PlantrackSettings

DBT_DIR = PROJECT_ROOT / "dbt_project"
# the dbt of this environment, not whatever `dbt` the PATH finds first
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def _manifest_is_stale() -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml",
               *[p for d in ("models", "seeds", "macros", "tests") for p in (DBT_DIR / d).rglob("*")]]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


if _manifest_is_stale():
    # `dbt parse` writes target/manifest.json; it needs a profile path but opens no database
    subprocess.run([str(DBT_EXECUTABLE), "parse", "--quiet", "--project-dir", str(DBT_DIR),
                    "--profiles-dir", str(DBT_DIR)], check=True,
                   env={"PLANTRACK_WAREHOUSE": str(PROJECT_ROOT / "data" / "warehouse.duckdb"),
                        **os.environ})


class PlantrackTranslator(DagsterDbtTranslator):
    """Groups by dbt layer; meta.files (a loader table, not an asset) stays an external source."""

    def get_group_name(self, dbt_resource_props) -> str:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_owners(self, dbt_resource_props):
        return ["team:plan-office"]


# The tests on the raw sources (finite_numbers: no NaN or infinity in raw) are checks on the
# raw assets, so that a run selecting a raw asset runs them with it.
TRANSLATOR = PlantrackTranslator(DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


# Two steps, so that the checks between them can block: models up to the indicators and the
# reconciliation tables, checked by the Great Expectations suites; then the progress marts.
MARTS_SELECTION = "int_target_measurements path:models/marts"


def _build(context, dbt: DbtCliResource, settings: PlantrackSettings):
    # dbt runs in a subprocess: it finds the warehouse through the profile's env_var
    working = str(settings.working_path.resolve())
    os.environ["PLANTRACK_WAREHOUSE"] = working
    # One target folder per step, beside the warehouse and kept from night to night: dbt then
    # re-parses only what changed (partial parsing), seconds saved on every run. Builds of one
    # warehouse never overlap (build lock); builds of two never share a folder (one per file).
    working_path = settings.working_path.resolve()
    target = working_path.parent / "dbt-target" / working_path.stem / context.op_def.name
    # dbt unit tests check the SQL against fixed fixtures, not the data: they run in `make test`
    # (tests/integration/test_dbt_unit_tests.py), not every night, as dbt's documentation advises
    yield from dbt.cli(["build", "--exclude", "resource_type:unit_test",
                        "--vars", json.dumps({"as_of": settings.as_of})], context=context,
                       target_path=target).stream()


@dbt_assets(manifest=project.manifest_path, project=project, name="dbt_models",
            exclude=MARTS_SELECTION, dagster_dbt_translator=TRANSLATOR, pool="duckdb_writer")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: PlantrackSettings):
    # what the working file is built from, so that the next run may rebuild only what new files
    # touch (orchestration/incremental.py)
    with duckdb.connect(str(settings.working_path)) as con:
        before = begin_dbt_build(con, settings)
    yield from _build(context, dbt, settings)
    with duckdb.connect(str(settings.working_path)) as con:
        end_dbt_build(con, settings, before, complete=set(context.selected_asset_keys) == set(context.assets_def.keys))


@dbt_assets(manifest=project.manifest_path, project=project, name="dbt_marts",
            select=MARTS_SELECTION, dagster_dbt_translator=TRANSLATOR, pool="duckdb_writer")
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: PlantrackSettings):
    con = duckdb.connect(str(settings.working_path))
    try:
        con.execute(DQ_DDL)  # the marts read dq.check_results, even before any check has run
        blocking = failing_now(con)
    finally:
        con.close()
    if blocking:
        # Dagster's blocking checks stop this step in the run that finds the problem; this stops
        # it on later nights too, while the bad delivery is still the newest one
        raise dg.Failure(description="marts not rebuilt: blocking data-quality checks fail: "
                         + " | ".join(f"{suite}: {findings}" for suite, findings in blocking),
                         allow_retries=False)
    yield from _build(context, dbt, settings)


dbt_resource = DbtCliResource(project_dir=project, profiles_dir=DBT_DIR,
                              dbt_executable=str(DBT_EXECUTABLE))
