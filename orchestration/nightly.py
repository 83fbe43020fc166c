"""The nightly job's wiring around the core: the Dagster assets a plan selects, and what a
run's event log says (for its summary) — shared by `plantrack run`, the schedule and the
sensors."""

from __future__ import annotations

import dagster as dg

from expectations.run import suites

from .assets.dbt import dbt_assets_defs
from .assets.ingest import STRAYS_KEY
from .assets.publish import TAG_PUBLISH_NOTES
from .core.layout import Layout
from .core.planning import Plan
from .core.runs import RunFacts, RunSummary, summarize
from .liveness import TAG_RELEASED


def asset_selection(plan: Plan, defs: dg.Definitions | dg.RepositoryDefinition) -> list[dg.AssetKey] | None:
    """The assets a plan materialises (their checks come with them); None: all of them. The
    changed extracts' raw assets and what is downstream of them, always the progress marts and
    what follows them, and the landing folder's stray files."""
    if plan.changed is None:
        return None
    _, dbt_marts = dbt_assets_defs()
    raw = dg.AssetSelection.assets(*[dg.AssetKey(["raw", e]) for e in plan.changed])
    selection = raw.downstream() | dg.AssetSelection.assets(*dbt_marts.keys).downstream() \
        | dg.AssetSelection.assets(STRAYS_KEY)
    graph = defs.asset_graph if isinstance(defs, dg.RepositoryDefinition) else defs.resolve_asset_graph()
    return sorted(selection.resolve(graph))


def run_facts(instance: dg.DagsterInstance, run_id: str) -> RunFacts:
    """What a run's event log and tags say, in the core's terms."""
    events = [r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event]
    # a blocking check that fails with ERROR fails its own step, and the marts refuse to build
    # while one fails: those are data findings (exit 2, from dq.suite_verdicts), not crashes
    check_steps = {f"{'__'.join(spec['guards'])}_{name}" for name, spec in suites().items()}
    check_steps.add("dbt_marts")
    succeeded = {e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SUCCESS}
    failures = [e for e in events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    run = instance.get_run_by_id(run_id)
    return RunFacts(
        run_id=run_id,
        failed_steps=[e.step_key for e in failures if e.step_key not in check_steps],
        skipped_steps=[e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SKIPPED],
        published="warehouse__published" in succeeded,
        reported="reports__bulletin" in succeeded,
        errors={e.step_key: e.step_failure_data.error.message for e in failures
                if e.step_failure_data and e.step_failure_data.error},
        notes=[line for tag in (TAG_RELEASED, TAG_PUBLISH_NOTES)
               for line in (run.tags.get(tag, "") if run else "").split(" | ") if line])


def summarize_run(instance: dg.DagsterInstance, run_id: str, layout: Layout) -> RunSummary:
    """The run's summary (core.runs) from its event log and the warehouse."""
    return summarize(run_facts(instance, run_id), layout)
