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
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

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


@dbt_assets(manifest=project.manifest_path, project=project,
            dagster_dbt_translator=PlantrackTranslator(), pool="duckdb_writer")
def plantrack_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: PlantrackSettings):
    # dbt runs in a subprocess: it finds the warehouse through the profile's env_var
    os.environ["PLANTRACK_WAREHOUSE"] = str(Path(settings.warehouse).resolve())
    args = ["build", "--vars", json.dumps({"as_of": settings.as_of})]
    yield from dbt.cli(args, context=context).stream()


dbt_resource = DbtCliResource(project_dir=project, profiles_dir=DBT_DIR,
                              dbt_executable=str(DBT_EXECUTABLE))
