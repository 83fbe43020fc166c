"""The ``plantrack`` command: sample data, and the nightly job for people at a terminal.

Exit codes of ``run``: see orchestration/core/exits.py (0 OK, 1 files rejected, 2 a blocking
check failed, 3 the run failed, 4 another build held the warehouse). ``inspect``: see
sources/inspect.py (0 clean, 1 rows would be quarantined, 2 the file would be rejected).
"""
# Each command imports what it needs inside its function: `plantrack status` should not pay
# for Dagster, dbt and Great Expectations.

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .core import exits
from .core.exits import EXIT_BUSY, EXIT_FAILED, EXIT_OK, EXIT_REJECTED
from .core.layout import ENGINES, PROJECT_ROOT, Layout
from .core.lock import DEFAULT_WAIT_SECONDS, BuildBusy, build_lock


def _dagster_home() -> None:
    """Use the project's dagster.yaml and keep Dagster's storage under the project."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    storage = Path(os.environ.setdefault("PLANTRACK_DAGSTER_STORAGE", str(PROJECT_ROOT / ".dagster")))
    storage.mkdir(parents=True, exist_ok=True)


def cmd_sample(args) -> int:
    from .core.progress import RunProgress

    progress = RunProgress()
    progress.stage("sample 样例: loading")
    from sources.sample.generate import generate

    landing = Layout.from_env(landing=args.landing).landing
    written = {"files": 0, "bytes": 0}

    def on_file(path: Path) -> None:  # a counter: how many files there will be is the generator's
        written["files"] += 1
        written["bytes"] += path.stat().st_size
        progress.count("sample", "sample 样例", written["files"], "files",
                       f"{written['bytes'] / 1e6:,.1f} MB · {path.parent.name}/{path.name}")

    try:
        files = generate(landing, seed=args.seed, faults=args.faults, outlets=args.outlets, on_file=on_file)
        progress.count("sample", "sample 样例", written["files"], "files", f"{written['bytes'] / 1e6:,.1f} MB",
                       final=True)
    finally:
        progress.close()
    print(f"wrote {len(files)} files under {landing}" + (" (with faults)" if args.faults else ""))
    return EXIT_OK


def cmd_run(args) -> int:
    import datetime as dt

    from .core.progress import RunProgress

    # on a terminal a progress display, else a few plain lines; --verbose: Dagster's and dbt's
    # own lines instead, as before. The whole log goes to a file either way (named in the summary).
    progress = RunProgress(quiet=args.verbose)
    progress.stage("starting 启动: loading Dagster, dbt and Great Expectations")
    try:
        return _run(args, progress, dt.datetime.now(dt.timezone.utc))
    finally:
        progress.close()


def _run(args, progress, started_at) -> int:
    _dagster_home()
    import dagster as dg

    from sources.contract import contracts

    from .core.planning import plan_run
    from .definitions import build_definitions
    from .liveness import TAG_WAREHOUSE, PoolBusy, release_dead_holders, wait_for_pool
    from .logs import run_loggers, run_output
    from .nightly import asset_selection, attach_summary, summarize_run
    from .resources import PlantrackSettings

    layout = Layout.from_env(landing=args.landing, warehouse=args.warehouse, exports=args.exports)
    try:
        settings = PlantrackSettings.from_layout(layout, as_of=args.as_of, engine=args.engine)
    except ValueError as unknown:  # PLANTRACK_ENGINE names no engine
        progress.close()
        print(f"not run 未运行: {unknown}", file=sys.stderr)
        return EXIT_FAILED
    progress.stage("starting 启动: reading the dbt project and the checks")
    defs = build_definitions(settings)
    job = defs.resolve_job_def("nightly")
    progress.extracts = set(contracts())
    started = time.monotonic()
    try:
        with build_lock(layout, log=progress.say, timeout=args.wait):  # the job's resource re-enters it
            with dg.DagsterInstance.get() as instance:
                # runs of this instance that died holding the DuckDB pool would stall this one
                released = release_dead_holders(instance, log=lambda line: progress.say(f"released 释放: {line}"))
                wait_for_pool(instance, max(0.0, args.wait - (time.monotonic() - started)), log=progress.say)
                progress.stage("planning 计划: comparing the landing folder with the published warehouse")
                plan = plan_run(layout, settings.as_of, settings.engine)
                progress.say(f"plan 计划: {plan.reason}"
                             + (f" · engine 引擎: {settings.engine}" if settings.engine != "duckdb" else ""))
                log_file = layout.run_log(started_at)
                progress.stage("starting the run 启动运行")
                with run_output(progress, log_file, verbose=args.verbose):
                    result = job.execute_in_process(
                        instance=instance, raise_on_error=False, asset_selection=asset_selection(plan, defs),
                        # the warehouse from the start (the run's resource adds its process): a run
                        # killed before its first step is still known as this warehouse's (nightly.dead_cli_runs)
                        tags={"plantrack/trigger": "cli", "plantrack/plan": plan.reason[:200],
                              TAG_WAREHOUSE: str(layout.published.resolve()),
                              "plantrack/engine": settings.engine},
                        run_config={"loggers": run_loggers(log_file, verbose=args.verbose)})
                progress.stage("summary 摘要: reading what the run left")
                summary = summarize_run(instance, result.run_id, layout)
                summary.released = released + summary.released
                summary.log = str(log_file)
                summary.close(layout, trigger="cli")
                progress.close()
                summary.print()
                attach_summary(instance, result.run_id, summary)
                _prune_logs(layout)
    except (BuildBusy, PoolBusy) as busy:
        progress.close()
        print(f"not run 未运行: {busy} — nothing was changed; retry later (exit {EXIT_BUSY})", file=sys.stderr)
        return EXIT_BUSY
    return summary.exit_code


KEEP_LOGS = 90  # run logs kept beside the warehouse


def _prune_logs(layout: Layout, keep: int = KEEP_LOGS) -> None:
    logs = sorted(layout.logs.glob("run_*.log"))
    for old in logs[:max(0, len(logs) - keep)]:
        old.unlink(missing_ok=True)


def cmd_withdraw(args) -> int:
    """Withdraw one delivery; the next run rebuilds what depended on it."""
    import getpass

    from sources.load import WithdrawError, connect, withdraw

    from .core.publish import ensure_working_file

    layout = Layout.from_env(landing=args.landing, warehouse=args.warehouse)
    if not layout.published.exists() and not layout.working.exists():
        print(f"no warehouse at {layout.published}: nothing was delivered yet", file=sys.stderr)
        return EXIT_FAILED
    # the build's working file, not the analysts' published one: the withdrawal is data the next
    # build publishes, like a delivery
    with build_lock(layout, log=print):
        ensure_working_file(layout)
        con = connect(layout.working)
        try:
            file_id, extract, path = withdraw(con, args.file, args.reason, layout.landing,
                                              by=getpass.getuser())
        except WithdrawError as e:
            print(f"not withdrawn 未撤回: {e}", file=sys.stderr)
            return EXIT_REJECTED
        finally:
            con.close()
    print(f"withdrawn 已撤回: {path} (file {file_id}, {extract}) — {args.reason}\n"
          f"The next `plantrack run` rebuilds {extract} and what depends on it without this "
          f"delivery: the deliveries before it count again. Its rows stay in raw.{extract} "
          "(meta.withdrawals says why).")
    return EXIT_OK


def cmd_report(args) -> int:
    from .core.manifest import MANIFEST, prepare_manifest
    from .core.report.bulletin import write_bulletin

    layout = Layout.from_env(warehouse=args.warehouse, exports=args.exports)
    if not layout.published.exists():
        print(f"no published warehouse at {layout.published}: run `plantrack run` first", file=sys.stderr)
        return EXIT_FAILED
    prepare_manifest()  # the data dictionary's column descriptions
    write_bulletin(layout.published, layout.reports, MANIFEST, as_of=args.as_of,
                   out=Path(args.out) if args.out else None)
    return EXIT_OK


def cmd_status(args) -> int:
    from .core.status import show_status

    return show_status(Layout.from_env(warehouse=args.warehouse).published, args.as_of, args.region)


def cmd_explain(args) -> int:
    from .core.explain import run_explain

    try:
        code = run_explain(Layout.from_env(warehouse=args.warehouse).published, args.target, args.region,
                           args.as_of, args.json, err=lambda message: print(message, file=sys.stderr))
        sys.stdout.flush()  # a closed pipe raises here, not at exit
        return code
    except BrokenPipeError:
        # the reader closed the pipe (`plantrack explain … | head`): stop quietly. Python's
        # recipe (docs: signal, "Note on SIGPIPE"): point stdout at devnull so the flush at exit
        # does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def cmd_inspect(args) -> int:
    from sources import inspect as inspection  # its own exit codes: 2 is "would be rejected"

    try:
        result = inspection.inspect_file(Path(args.file), args.extract, limit=args.rows)
    except (inspection.UnknownExtract, FileNotFoundError) as e:
        print(str(e).strip("'\""), file=sys.stderr)
        return inspection.EXIT_REJECTED
    print(result.to_json() if args.json else inspection.render(result))
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plantrack", description=__doc__.splitlines()[0] + "\n\n" + exits.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a deterministic set of synthetic deliveries")
    p.add_argument("--landing", help="the landing folder (default: PLANTRACK_LANDING, or landing/ in the data folder)")
    p.add_argument("--seed", type=int, default=2014)
    p.add_argument("--outlets", type=int, default=24, help="monitoring outlets (more: a larger hourly feed)")
    p.add_argument("--faults", action="store_true",
                   help="add a rejected file of each kind, a duplicate delivery and a revision")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("run", help="run the nightly job in-process and print its summary")
    p.add_argument("--landing")
    p.add_argument("--warehouse")
    p.add_argument("--exports")
    p.add_argument("--as-of", help="the as-of date of the progress marts (YYYY-MM-DD)")
    p.add_argument("--engine", choices=ENGINES,
                   help="where dbt builds the models: duckdb (embedded, one machine) or spark (dbt-spark: "
                        "`make spark`; PLANTRACK_SPARK_MASTER, PLANTRACK_LAKE) — default PLANTRACK_ENGINE, else duckdb")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="show Dagster's and dbt's log lines instead of the progress display "
                        "(they always go to the run's log file, which the summary names)")
    p.add_argument("--wait", type=float, default=float(os.environ.get("PLANTRACK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)),
                   help="seconds to wait for another build of the warehouse before giving up with exit 4 "
                        f"(default {DEFAULT_WAIT_SECONDS}, or PLANTRACK_WAIT_SECONDS)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("withdraw", help="withdraw a loaded delivery: its values stop counting from the next run")
    p.add_argument("file", help="the delivery: its path under the landing folder "
                                "(stats_city_indicators/x.csv) or its meta.files file_id")
    p.add_argument("--reason", required=True, help="why (kept in meta.withdrawals)")
    p.add_argument("--landing")
    p.add_argument("--warehouse")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("report", help="write the progress bulletin (self-contained HTML) from the published warehouse")
    p.add_argument("--warehouse")
    p.add_argument("--exports", help="the exports folder; the bulletin goes to reports/ beside it")
    p.add_argument("--as-of", help="the latest as-of date on or before this one (default: the latest)")
    p.add_argument("--out", help="write to this file instead of reports/bulletin_<as-of>.html and reports/bulletin.html")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("status", help="targets of one region on one as-of date, with warning levels")
    p.add_argument("--warehouse")
    p.add_argument("--as-of", help="the latest as-of date on or before this one (default: the latest)")
    p.add_argument("--region", default="210000", help="GB/T 2260 code (default: the province)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("explain", help="where one figure of target_progress comes from: the method with its numbers, "
                                       "every input with file, sheet, row and received time, revisions, missing parts, "
                                       "checks and why the status; exit 0, 1 unknown target, region or date")
    p.add_argument("target", help="the target's id (seed targets, e.g. energy_intensity_cut)")
    p.add_argument("--region", default="210000",
                   help="GB/T 2260 code, region name or alias (鞍山市, Anshan, 喀左; default: the province)")
    p.add_argument("--as-of", help="the latest as-of date on or before this one (default: the latest); "
                                   "a date after the build's latest as-of date is answered for that date, with a note")
    p.add_argument("--warehouse")
    p.add_argument("--json", action="store_true", help="the explanation as JSON")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("inspect", help="read one file exactly as the loader would (no warehouse touched) "
                                       "and show what becomes of it; exit 0 clean, 1 rows quarantined, 2 rejected")
    p.add_argument("file")
    p.add_argument("--extract", help="the extract the file is for (default: its folder's name)")
    p.add_argument("--json", action="store_true", help="the result as JSON")
    p.add_argument("--rows", type=int, default=10, help="typed rows to show (default 10)")
    p.set_defaults(func=cmd_inspect)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception:  # a crash must not look like "files rejected" (exit 1) to a scheduler
        import traceback
        traceback.print_exc()
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
