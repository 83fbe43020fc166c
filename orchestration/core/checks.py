"""The Great Expectations suites against the working file: one evaluation per suite and run,
and the gate that keeps the marts from being rebuilt while a blocking check fails.

Each suite is a check on the asset it guards (``guards`` in the suite file); what a verdict
means is ``dq.suite_verdicts`` (sources/bookkeeping.py)."""

from __future__ import annotations

from functools import cache

import duckdb

from expectations.run import SuiteOutcome, Validator, files_to_judge, run_suite, suites
from sources import bookkeeping

from .layout import Layout


def judge(layout: Layout, name: str, run_id: str, log=lambda _: None) -> SuiteOutcome:
    """Evaluate suite ``name`` on the working file and record it in dq.check_results. A suite
    of new deliveries (``{new_files}`` in its query) judges the extract's deliveries that no
    verdict judged yet, or re-judges after a withdrawal (expectations.run.files_to_judge);
    ``outcome.skipped`` says why when there was nothing to judge."""
    spec = suites()[name]
    with duckdb.connect(str(layout.working)) as con:
        bookkeeping.bound_memory(con, layout.working)  # the bulk suite's key aggregate spills
        judged = None
        if "{new_files}" in spec["query"]:
            extract = spec["guards"][1]
            loaded_now = [r[0] for r in con.execute(
                "SELECT file_id FROM meta.files WHERE run_id = ? AND extract = ? AND status = 'loaded'",
                [run_id, extract]).fetchall()]
            judged, why = files_to_judge(con, name, extract, loaded_now)
            if why:
                log(f"{name}: {why}")
        return run_suite(con, _validator(), name, run_id, judged)


@cache
def _validator() -> Validator:
    """One Great Expectations context for every suite a process validates (a night validates
    up to eight, one step each, in the run's one process): a context per suite cost its set-up
    each time. Suites and batch definitions are added to it by name, replaced on the next use."""
    return Validator()


# the metadata key of the marts step's failure when the gate below refused to build them
REFUSED_BY_CHECKS = "refused_by_blocking_checks"


def blocking(layout: Layout) -> str | None:
    """Why the marts must not be rebuilt now — the suites whose newest verdict failed, with
    their findings — or None. Dagster's blocking checks stop the marts in the run that finds
    the problem; this stops them on later nights too, while the bad delivery is the newest."""
    with duckdb.connect(str(layout.working)) as con:
        bookkeeping.ensure(con)  # the marts read dq.*, even before any check has run
        failing = bookkeeping.failing_now(con)
    if not failing:
        return None
    return "marts not rebuilt: blocking data-quality checks fail: " + " | ".join(
        f"{suite}: {findings}" for suite, findings in failing)
