"""The dbt project as Dagster assets: seeds, staging, indicators, marts and their tests.

dbt sources `raw.<extract>` are the ingest assets' keys (["raw", extract]), so Dagster shows one
graph from files to marts. Two steps, so that the checks between them can block: the models up
to the indicators and the reconciliation tables, checked by the Great Expectations suites; then
the progress marts. The manifest is prepared first, when the project changed or on first use
(core/manifest.py)."""

import importlib.metadata
import json
import os
from collections.abc import Iterator
from functools import cache, cached_property

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from ..core.checks import REFUSED_BY_CHECKS, blocking
from ..core.lake import dbt_on_engine
from ..core.layout import DBT_DIR, DBT_EXECUTABLE
from ..core.manifest import MANIFEST, prepare_manifest
from ..core.planning import dbt_build, refresh_args
from ..resources import PlantrackSettings



class PlantrackDbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without its fixed costs this project does not use: the
    version of the dbt it runs — this environment's dbt-core (DBT_EXECUTABLE) — comes from the
    package metadata instead of a ``dbt --version`` process (1.5 s of CPU in every run)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """No dbt adapter in Dagster's process: dagster-dbt builds one (loading dbt's project
        and profile, 1 s of CPU per step) only for ``fetch_column_metadata`` and
        ``fetch_row_counts``, which this project does not call — the marts' schemas come from
        their contracts and descriptions."""
        return None


project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
dbt_resource = PlantrackDbtResource(project_dir=project, profiles_dir=DBT_DIR, dbt_executable=str(DBT_EXECUTABLE))


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
# The marts' structural tests (not null, accepted values, relationships, keys once: about a
# hundred) still run in their `dbt build` — a failing one fails the step, so nothing is
# published — but each is an observation on the mart it tests, not a Dagster asset check: a
# check costs three events committed one by one (planned, output, evaluation; ~12 ms of CPU each),
# and the marts' tests were half of a night's events (issue 18). The checks that gate something
# — the suites and the raw sources' tests — stay checks.
MARTS_TRANSLATOR = PlantrackTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=False))

MARTS_SELECTION = "int_target_measurements path:models/marts"


def _build(context, dbt: DbtCliResource, settings: PlantrackSettings):
    layout = settings.layout
    # the warehouse file reaches dbt's profile as a var; dbt unit tests check the SQL against
    # fixed fixtures, not the data: they run in `make test` (test_dbt_unit_tests.py), not nightly.
    # Profile and vars are the same in both steps and every run of a warehouse, and so is the
    # target folder (one per engine): dbt's partial parsing reuses the last parse instead of
    # parsing the project again. Threads: one per core (independent models build side by side).
    # On Spark (core.lake.dbt_on_engine): the lake written before, Spark's tables copied back after.
    # A working file built by other code (or on the other engine): its incremental models are
    # rebuilt, not added to.
    refresh = refresh_args(layout, settings.as_of, settings.engine)
    with dbt_on_engine(layout, settings.engine, log=context.log.info) as (engine_args, engine_vars):
        dbt_vars = {"as_of": settings.as_of, "warehouse": str(layout.working.resolve()), **engine_vars}
        yield from tests_per_asset(dbt.cli(
            ["build", "--exclude", "resource_type:unit_test", "--vars", json.dumps(dbt_vars),
             "--threads", str(os.cpu_count() or 1), *refresh, *engine_args],
            context=context, target_path=layout.dbt_target_for(settings.engine)).stream())


# worst first: the status an asset's tests report together (an unknown one counts as the worst)
_TEST_STATUSES = ("error", "fail", "warn", "skipped", "pass")


def _severity_rank(status: str) -> int:
    return _TEST_STATUSES.index(status) if status in _TEST_STATUSES else 0


def tests_per_asset(events: Iterator) -> Iterator:
    """dagster-dbt's events of a `dbt build`, with the dbt tests that are not asset checks (the
    marts' structural tests, and tests dbt's indirect selection adds) folded into one
    observation per tested asset, yielded when the build ends — also when it fails, before its
    failure is raised. dagster-dbt yields one observation per test and tested asset, each an
    event committed to Dagster's storage on its own (~117 of a night's ~300 events, issue 18).

    The observation's metadata: ``status`` (the worst of its tests': error, fail, warn, skipped,
    pass), ``dbt_tests`` (how many) and ``tests`` (a table: test, status, failing rows)."""
    tested: dict[dg.AssetKey, list[tuple[str, str, object]]] = {}

    def folded() -> Iterator[dg.AssetObservation]:
        for key, results in tested.items():
            worst = min((status for _, status, _ in results), key=_severity_rank)
            rows = "\n".join(f"| {name} | {status} | {'' if failures is None else failures} |"
                             for name, status, failures in sorted(results, key=lambda r: (_severity_rank(r[1]), r[0])))
            yield dg.AssetObservation(key, description=f"dbt tests 测试: {len(results)}, {worst} at worst", metadata={
                "status": worst, "dbt_tests": len(results),
                "tests": dg.MetadataValue.md("| test | status | failing rows |\n| --- | --- | --- |\n" + rows)})

    try:
        for event in events:
            metadata = getattr(event, "metadata", None) or {}
            if isinstance(event, dg.AssetObservation) and "status" in metadata and "unique_id" in metadata:
                failures = metadata.get("dagster_dbt/failed_row_count")
                tested.setdefault(event.asset_key, []).append((
                    str(metadata["unique_id"].value).split(".")[-2], str(metadata["status"].value),
                    None if failures is None else failures.value))
                continue
            yield event
    except Exception:
        yield from folded()
        raise
    yield from folded()


@cache
def dbt_assets_defs() -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """(dbt_models, dbt_marts): the two build steps, from a manifest prepared first."""
    prepare_manifest()

    @dbt_assets(manifest=MANIFEST, project=project, name="dbt_models",
                exclude=MARTS_SELECTION, dagster_dbt_translator=TRANSLATOR, pool="duckdb_writer")
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: PlantrackSettings):
        complete = lambda: set(context.selected_asset_keys) == set(context.assets_def.keys)  # noqa: E731
        with dbt_build(settings.layout, settings.as_of, complete, settings.engine):
            yield from _build(context, dbt, settings)

    @dbt_assets(manifest=MANIFEST, project=project, name="dbt_marts",
                select=MARTS_SELECTION, dagster_dbt_translator=MARTS_TRANSLATOR, pool="duckdb_writer")
    def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: PlantrackSettings):
        refused = blocking(settings.layout)
        if refused:
            # marked as the gate's refusal (a data finding, exit 2) so that the run's summary can
            # tell it from the marts' build failing (a crash, exit 3) — nightly.run_facts
            raise dg.Failure(description=refused, allow_retries=False, metadata={REFUSED_BY_CHECKS: True})
        yield from _build(context, dbt, settings)

    return dbt_models, dbt_marts

