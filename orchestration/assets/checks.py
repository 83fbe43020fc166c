"""Great Expectations suites as Dagster asset checks, each on the asset it guards (the
data-quality page is written once at the end of the run, with the run summary).

A failed ``error`` expectation makes the check fail with ERROR severity; the checks are
blocking, so what is downstream of the guarded asset does not run: a bad delivery stops the dbt
build, a failed reconciliation stops the marts — they are not rebuilt from bad inputs, and
yesterday's marts and exports stay as they were. Failed warnings give a WARN result and the
build goes on. Every result is stored in dq.check_results, which the data-quality page shows."""

import dagster as dg

from expectations.run import suites

from ..core.checks import judge
from ..resources import PlantrackSettings


def suite_check(name: str, spec: dict) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(spec["guards"]), name=name, blocking=True,
                    description=spec.get("description", ""), pool="duckdb_writer")
    def _check(context: dg.AssetCheckExecutionContext, settings: PlantrackSettings) -> dg.AssetCheckResult:
        outcome = judge(settings.layout, name, context.run.run_id, log=context.log.info)
        if outcome.skipped:
            return dg.AssetCheckResult(passed=True, metadata={"skipped": outcome.skipped})
        if outcome.verdict != "passed":
            context.log.warning(f"{name}: {outcome.summary()}")
        return dg.AssetCheckResult(
            passed=outcome.verdict == "passed",
            severity=dg.AssetCheckSeverity.ERROR if outcome.verdict == "failed" else dg.AssetCheckSeverity.WARN,
            metadata={"rows_checked": outcome.rows, "findings": outcome.summary(),
                      "errors_failed": len(outcome.failed("error")),
                      "warnings_failed": len(outcome.failed("warning")),
                      "data_quality_page": dg.MetadataValue.path(str(settings.layout.data_quality))})

    return _check


suite_checks = [suite_check(name, spec) for name, spec in suites().items()]
