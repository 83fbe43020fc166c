"""The nightly job's wiring around the core: the Dagster assets a plan selects, and what a
run's event log says (for its summary) — shared by `plantrack run`, the schedule and the
sensors."""

from __future__ import annotations

import dagster as dg

from expectations.run import suites

from .assets.dbt import dbt_assets_defs
from .assets.ingest import STRAYS_KEY
from .assets.publish import TAG_PUBLISH_NOTES
from .core.checks import REFUSED_BY_CHECKS
from .core.exits import EXIT_FAILED
from .core.layout import Layout
from .core.planning import Plan
from .core.runs import RunFacts, RunSummary, summarize, unsummarized_runs
from .liveness import TAG_RELEASED, TAG_WAREHOUSE


def asset_selection(plan: Plan, defs: dg.Definitions | dg.RepositoryDefinition) -> list[dg.AssetKey] | None:
    """The assets a plan materialises (their checks come with them); None: all of them. The
    changed extracts' raw assets and what is downstream of them, the raw assets of extracts
    that only received copies of loaded deliveries (to record them), always what follows the
    progress marts — the marts themselves too unless the plan finds them current — and the
    landing folder's stray files."""
    if plan.changed is None:
        return None
    _, dbt_marts = dbt_assets_defs()
    raw = dg.AssetSelection.assets(*[dg.AssetKey(["raw", e]) for e in plan.changed])
    # copies of loaded deliveries: their raw assets record them (meta.files), nothing is rebuilt
    recorded = dg.AssetSelection.assets(*[dg.AssetKey(["raw", e]) for e in plan.recorded_only])
    marts = dg.AssetSelection.assets(*dbt_marts.keys)
    after_marts = marts.downstream() - marts if plan.marts_current else marts.downstream()
    selection = raw.downstream() | recorded | after_marts | dg.AssetSelection.assets(STRAYS_KEY)
    graph = defs.asset_graph if isinstance(defs, dg.RepositoryDefinition) else defs.resolve_asset_graph()
    return sorted(selection.resolve(graph))


def run_facts(instance: dg.DagsterInstance, run_id: str) -> RunFacts:
    """What a run's event log and tags say, in the core's terms."""
    events = [r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event]
    # a blocking check that fails with ERROR fails its own step, and the marts' gate refuses to
    # build them while one fails: those are data findings (exit 2, from dq.suite_verdicts), not
    # crashes. Any other failure of the marts step (a model's SQL, the disk) is a crash (exit 3).
    check_steps = {f"{'__'.join(spec['guards'])}_{name}" for name, spec in suites().items()}
    succeeded = {e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SUCCESS}
    failures = [e for e in events if e.event_type == dg.DagsterEventType.STEP_FAILURE
                and e.step_key not in check_steps and not _refused_by_checks(e)]
    run = instance.get_run_by_id(run_id)
    return RunFacts(
        run_id=run_id,
        failed_steps=[e.step_key for e in failures],
        skipped_steps=[e.step_key for e in events if e.event_type == dg.DagsterEventType.STEP_SKIPPED],
        published="warehouse__published" in succeeded,
        marts_built="dbt_marts" in succeeded,
        reported="reports__bulletin" in succeeded,
        errors={e.step_key: e.step_failure_data.error.message for e in failures
                if e.step_failure_data and e.step_failure_data.error},
        notes=[line for tag in (TAG_RELEASED, TAG_PUBLISH_NOTES)
               for line in (run.tags.get(tag, "") if run else "").split(" | ") if line])


def _refused_by_checks(event: dg.DagsterEvent) -> bool:
    """Whether a failed step is the marts' gate refusing to build (core.checks.blocking)."""
    user = event.step_failure_data.user_failure_data if event.step_failure_data else None
    return bool(user and user.metadata and REFUSED_BY_CHECKS in user.metadata)


def summarize_run(instance: dg.DagsterInstance, run_id: str, layout: Layout) -> RunSummary:
    """The run's summary (core.runs) from its event log and the warehouse, with the files of
    `plantrack run`s that loaded them and died before their own summary (dead_cli_runs)."""
    facts = run_facts(instance, run_id)
    facts.adopted = dead_cli_runs(instance, layout, run_id)
    return summarize(facts, layout)


def dead_cli_runs(instance: dg.DagsterInstance, layout: Layout, run_id: str) -> list[str]:
    """`plantrack run`s of this warehouse with no summary in meta.runs, that will never write
    one: a `plantrack run` stores its summary before it lets go of the build lock, which the
    caller holds, so one without is dead (kill -9, the OOM killer) — whether it loaded files
    (meta.files) or not (a run Dagster knows as unfinished or failed, since the working file's
    first delivery). A run the daemon launched is left to its sensor, which summarises it once
    it ended; files of a run this Dagster instance does not know (another storage, a test's
    loader) are not claimed."""
    unfinished = instance.get_run_records(filters=dg.RunsFilter(
        tags={"plantrack/trigger": "cli", TAG_WAREHOUSE: str(layout.published.resolve())},
        # NOT_STARTED: killed after Dagster created the run, before it started
        statuses=[dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.FAILURE,
                  dg.DagsterRunStatus.CANCELED]),
        limit=50)
    others = [(r.dagster_run.run_id, r.create_timestamp.timestamp()) for r in unfinished]
    return [candidate for candidate in unsummarized_runs(layout.working, run_id, others)
            if (run := instance.get_run_by_id(candidate)) is not None
            and run.tags.get("plantrack/trigger") == "cli"]


# ---- the run's summary where operators look: the run's tags, and the asset runs/summary ----

SUMMARY_KEY = dg.AssetKey(["runs", "summary"])
PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])

run_summary_asset = dg.AssetSpec(
    SUMMARY_KEY, group_name="publish", kinds={"duckdb"}, owners=["team:plan-office"],
    description="运行摘要 — the summary of each run (plantrack run, the schedule, the landing sensor, a "
                "materialisation from the UI), recorded when the run ends: exit code, files loaded and "
                "rejected with the reasons, rows quarantined, checks failed and warned, whether the marts "
                "were published, the data-quality page and the bulletin; a link to the run. Also in "
                "meta.runs and the run's tags (plantrack/exit_code, plantrack/summary).")


def is_partial(run: dg.DagsterRun | None) -> bool:
    """A run of a few assets picked in the UI (or the launchpad): it does not publish."""
    return run is not None and run.asset_selection is not None and PUBLISHED_KEY not in run.asset_selection


PARTIAL_NOTE = ("partial run: only the assets picked were materialised, nothing was published — the "
                "nightly job publishes them ({follow})")


def summary_markdown(summary: RunSummary) -> str:
    """The summary for the UI (markdown)."""
    lines = [f"**{summary.one_line()}**", ""]
    if summary.rejected:
        lines += ["**Rejected files 拒收**", *[f"- `{path}`: {error}" for path, error in summary.rejected], ""]
    if summary.quarantine_reasons:
        lines += ["**Quarantined rows 隔离**", *[f"- {x}: {n} row(s) — {reason}"
                                              for x, reason, n in summary.quarantine_reasons], ""]
    bad = [(s, v, f) for s, v, f in summary.checks if v != "passed"]
    bad += [(s, "still failing", f) for s, f in summary.still_failing]
    if bad:
        lines += ["**Checks 检查**", *[f"- {s}: {v} — {f}" for s, v, f in bad], ""]
    if summary.failed_steps:
        lines += ["**Failed steps 失败步骤**", *[f"- {s}" for s in summary.failed_steps], ""]
    lines += [f"- {line}" for line in summary.released + summary.problems]
    lines.append("marts not rebuilt: the previous marts and exports stay as they were" if not summary.published
                 else "marts rebuilt and published" if summary.marts_built
                 else "marts current (nothing new reached them): not rebuilt, republished")
    return "\n".join(lines)


def attach_summary(instance: dg.DagsterInstance, run_id: str, summary: RunSummary) -> None:
    """Show the summary with the run: its tags, and a materialisation of runs/summary (the
    asset's page shows the latest, with a link to the run)."""
    instance.add_run_tags(run_id, {"plantrack/exit_code": str(summary.exit_code),
                                   "plantrack/summary": summary.one_line()[:1000]})
    for dead in summary.adopted:  # killed before its own summary: the UI shows how it ended
        instance.add_run_tags(dead, {"plantrack/exit_code": str(EXIT_FAILED),
                                     "plantrack/summary": f"exit {EXIT_FAILED}: did not finish (killed); its files "
                                                          f"are in the summary of run {run_id}"})
        run = instance.get_run_by_id(dead)
        if run is not None and not run.is_finished:  # killed before it started, or before its slot
            instance.report_run_failed(run, f"plantrack: did not finish (killed); recorded by run {run_id}")
    metadata = {
        "run": dg.MetadataValue.dagster_run(run_id), "exit_code": summary.exit_code,
        "summary": dg.MetadataValue.md(summary_markdown(summary)),
        "files_loaded": sum(r[1] for r in summary.per_extract), "files_rejected": len(summary.rejected),
        "rows_quarantined": sum(r[5] for r in summary.per_extract),
        "checks_failed": sum(1 for c in summary.checks if c[1] == "failed") + len(summary.still_failing),
        "checks_warned": sum(1 for c in summary.checks if c[1] == "warning"),
        "marts_published": summary.published, "marts_rebuilt": summary.published and summary.marts_built}
    if summary.data_quality:
        metadata["data_quality_page"] = dg.MetadataValue.path(summary.data_quality)
    if summary.bulletin:
        metadata["bulletin"] = dg.MetadataValue.path(summary.bulletin)
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=SUMMARY_KEY, description=summary.one_line()[:1000], metadata=metadata,
        tags={"plantrack/run_id": run_id}))
