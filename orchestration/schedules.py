"""When the nightly job runs: at 02:00 Beijing time, and whenever new files land.

The sensor's cursor is a fingerprint of the landing folder (every file's path, size and
modification time): a new or changed file requests one run; an unchanged folder requests none.
Files an office is still writing settle first: the fingerprint only counts files untouched for
a minute, so a half-copied file does not trigger a run of its own."""

import hashlib
import time

import dagster as dg

from sources.contract import contracts
from sources.landing import scan

from .core.lock import build_lock
from .core.planning import Plan, plan_run
from .nightly import PARTIAL_NOTE, asset_selection, attach_summary, is_partial, summarize_run
from .resources import PlantrackSettings

SETTLE_SECONDS = 60

nightly_schedule_cron = "0 2 * * *"


def landing_fingerprint(settings: PlantrackSettings, now: float | None = None) -> tuple[str, int]:
    """(fingerprint, number of files) of the settled files under the landing folder."""
    now = time.time() if now is None else now
    landing = settings.layout.landing
    # every file the loader would record, rejected ones too (a hidden or stray file is recorded
    # as such, so it is worth a run); Office lock files come and go with Excel and are not
    entries = sorted(f"{e.rel}|{e.size}|{e.mtime!r}" for e in scan(landing, contracts())[0]
                     if now - e.mtime >= SETTLE_SECONDS)
    return hashlib.sha256("\n".join(entries).encode()).hexdigest(), len(entries)


def planned_request(context, settings: PlantrackSettings, **kwargs) -> dg.RunRequest:
    """A run of what the new files touch (core.planning), or of everything."""
    plan = plan_run(settings.layout, settings.as_of, settings.engine)
    if plan.changed is not None and context.repository_def is None:  # no asset graph to select from
        plan = Plan(None, plan.reason + " (no asset graph at hand: full build)")
    keys = None if plan.changed is None else asset_selection(plan, context.repository_def)
    return dg.RunRequest(asset_selection=keys, tags={"plantrack/plan": plan.reason[:200], **kwargs.pop("tags", {})},
                         **kwargs)


def build_schedule(job) -> dg.ScheduleDefinition:
    @dg.schedule(name="nightly_0200_beijing", job=job, cron_schedule=nightly_schedule_cron,
                 execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="The nightly build at 02:00 Asia/Shanghai: what the new files touch, "
                             "the marts and their publication.")
    def nightly(context: dg.ScheduleEvaluationContext, settings: PlantrackSettings):
        return planned_request(context, settings, tags={"plantrack/trigger": "schedule"})

    return nightly


def build_landing_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(name="landing_folder", job=job, minimum_interval_seconds=120,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Requests a run when files are added to or changed in the landing folder.")
    def landing_folder(context: dg.SensorEvaluationContext, settings: PlantrackSettings):
        fingerprint, files = landing_fingerprint(settings)
        if fingerprint == context.cursor:
            return dg.SkipReason(f"no change in the landing folder ({files} files)")
        context.update_cursor(fingerprint)
        return planned_request(context, settings, run_key=fingerprint,
                               tags={"plantrack/trigger": "landing_sensor"})

    return landing_folder


def build_run_summary_sensor(job) -> dg.SensorDefinition:
    """Runs the schedule, the landing sensor or the UI started: store their summary in meta.runs
    and attach it to the run in the UI (plantrack run does this itself). Every job of the code
    location is watched, the one a materialisation from the UI runs in too: a run of a few
    picked assets publishes nothing, so its summary says so and a nightly run follows (the plan
    of core.planning: what the picked assets changed, the marts, their publication)."""

    @dg.run_status_sensor(name="run_summary", run_status=dg.DagsterRunStatus.SUCCESS, request_job=job,
                          default_status=dg.DefaultSensorStatus.RUNNING)
    def on_success(context: dg.RunStatusSensorContext, settings: PlantrackSettings):
        run = context.dagster_run
        partial = is_partial(run)
        _summarize(context, settings, PARTIAL_NOTE.format(follow="a nightly run was requested") if partial else None)
        if partial:
            return planned_request(context, settings, run_key=f"after-{run.run_id}",
                                   tags={"plantrack/trigger": "after_partial_run", "plantrack/after": run.run_id})
        return None

    @dg.run_failure_sensor(name="run_failure_summary", default_status=dg.DefaultSensorStatus.RUNNING)
    def on_failure(context: dg.RunFailureSensorContext, settings: PlantrackSettings):
        _summarize(context, settings, PARTIAL_NOTE.format(follow="the next nightly run")
                   if is_partial(context.dagster_run) else None)

    return [on_success, on_failure]


def _summarize(context, settings: PlantrackSettings, note: str | None = None) -> None:
    run = context.dagster_run
    if run.tags.get("plantrack/trigger") == "cli":
        return
    with build_lock(settings.layout):
        summary = summarize_run(context.instance, run.run_id, settings.layout)
        if note:
            summary.released.append(note)
        summary.close(settings.layout, trigger=run.tags.get("plantrack/trigger", "ui" if is_partial(run) else "dagster"))
    attach_summary(context.instance, run.run_id, summary)
    context.log.info(summary.one_line())
