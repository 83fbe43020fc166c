"""Great Expectations suites as Dagster asset checks, each on the asset it guards (the Data Docs
site is rebuilt once at the end of the run, with the run summary).

A failed ``error`` expectation makes the check fail with ERROR severity; the checks are
blocking, so what is downstream of the guarded asset does not run: a bad delivery stops the dbt
build, a failed reconciliation stops the marts — they are not rebuilt from bad inputs, and
yesterday's marts and exports stay as they were. Failed warnings give a WARN result and the
build goes on. Every result is stored in dq.check_results and the GX Data Docs site."""

from pathlib import Path

import dagster as dg
import duckdb

from expectations.run import Validator, files_to_judge, run_suite, suites

from ..resources import PlantrackSettings


def data_docs_folder(settings: PlantrackSettings) -> Path:
    """GX's project (and its Data Docs site) lives beside the warehouse file."""
    return Path(settings.warehouse).resolve().parent / "gx"


def suite_check(name: str, spec: dict) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(spec["guards"]), name=name, blocking=True,
                    description=spec.get("description", ""), pool="duckdb_writer")
    def _check(context: dg.AssetCheckExecutionContext, settings: PlantrackSettings) -> dg.AssetCheckResult:
        run_id = context.run.run_id
        con = duckdb.connect(str(settings.working_path))
        try:
            judged, why = None, None
            if "{new_files}" in spec["query"]:
                extract = spec["guards"][1]
                loaded_now = [r[0] for r in con.execute(
                    "SELECT file_id FROM meta.files WHERE run_id = ? AND extract = ? AND status = 'loaded'",
                    [run_id, extract]).fetchall()]
                judged, why = files_to_judge(con, name, extract, loaded_now)
                if why:
                    context.log.info(f"{name}: {why}")
            outcome = run_suite(con, Validator(data_docs_folder(settings)), name, run_id, judged)
        finally:
            con.close()
        if outcome.skipped:
            return dg.AssetCheckResult(passed=True, metadata={"skipped": outcome.skipped})
        severity = dg.AssetCheckSeverity.ERROR if outcome.verdict == "failed" else dg.AssetCheckSeverity.WARN
        if outcome.verdict != "passed":
            context.log.warning(f"{name}: {outcome.summary()}")
        return dg.AssetCheckResult(
            passed=outcome.verdict == "passed", severity=severity,
            metadata={"rows_checked": outcome.rows, "findings": outcome.summary(),
                      "errors_failed": len(outcome.failed("error")),
                      "warnings_failed": len(outcome.failed("warning")),
                      "data_docs": dg.MetadataValue.path(str(data_docs_folder(settings)))})

    return _check


suite_checks = [suite_check(name, spec) for name, spec in suites().items()]
