"""One Dagster asset per extract: raw.<extract>, loaded from landing/<extract>/.

The logic lives in sources/ (contracts, reader, loader) and core/ingest.py; an asset only wires
one contract to the warehouse and reports what it loaded. A rejected file does not fail the asset — the other
files of the extract still load and the run summary names it — but a crash does, and then
only that extract (and what depends on it) stops.

What operators look at in the UI says what happened to this run's files: two asset checks on
each raw asset, evaluated by the asset itself — ``rejected_files`` fails (ERROR) when a file of
the extract was rejected, ``quarantined_rows`` warns (WARN) when rows went to quarantine; both
name the files and reasons. They do not block: the other files loaded, and the models build on
them. The table's column schema (from the contract) and row count use Dagster's standard
metadata keys (``dagster/column_schema``, ``dagster/row_count``)."""

import dagster as dg

from sources.contract import OFFICES, Contract, contracts

from ..core.ingest import ingest, record_strays
from ..resources import PlantrackSettings

REJECTED_FILES = "rejected_files"
QUARANTINED_ROWS = "quarantined_rows"


def column_schema(contract: Contract) -> dg.TableSchema:
    """raw.<extract>'s columns as Dagster shows them: type, the Chinese header, the meaning
    and canonical unit, and whether a delivered cell may be blank."""
    return dg.TableSchema(columns=[
        dg.TableColumn("_file_id", "BIGINT", description="meta.files.file_id of the delivery the row came from",
                       constraints=dg.TableColumnConstraints(nullable=False)),
        dg.TableColumn("_row", "BIGINT", description="row in that file (1 = first line / first sheet row)",
                       constraints=dg.TableColumnConstraints(nullable=False)),
        *[dg.TableColumn(c.name, c.sql_type, description=c.meaning,
                         constraints=dg.TableColumnConstraints(nullable=not (c.not_null or c.name in contract.key)))
          for c in contract.columns]])


def _markdown_list(lines: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none")


def file_checks(key: dg.AssetKey, rejected: list[str], quarantined: list[str] | None = None,
                rows_quarantined: int = 0) -> list[dg.AssetCheckResult]:
    """This run's files as check results: rejected files fail, quarantined rows warn."""
    results = [dg.AssetCheckResult(
        asset_key=key, check_name=REJECTED_FILES, passed=not rejected, severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(rejected)} file(s) rejected in this run" if rejected else "no file rejected in this run",
        metadata={"files_rejected": len(rejected), "rejected": _markdown_list(rejected)})]
    if quarantined is not None:
        results.append(dg.AssetCheckResult(
            asset_key=key, check_name=QUARANTINED_ROWS, passed=rows_quarantined == 0,
            severity=dg.AssetCheckSeverity.WARN,
            description=(f"{rows_quarantined} row(s) quarantined in this run (meta.quarantine)"
                         if rows_quarantined else "no row quarantined in this run"),
            metadata={"rows_quarantined": rows_quarantined, "reasons": _markdown_list(quarantined)}))
    return results


def _check_specs(key: dg.AssetKey, quarantine: bool = True) -> list[dg.AssetCheckSpec]:
    specs = [dg.AssetCheckSpec(REJECTED_FILES, asset=key,
                               description="Fails when a file delivered for this asset in the run was rejected "
                                           "(meta.files.error says why); the other files still load.")]
    if quarantine:
        specs.append(dg.AssetCheckSpec(QUARANTINED_ROWS, asset=key,
                                       description="Warns when rows of this run's deliveries went to quarantine "
                                                   "(meta.quarantine: file, row, column, cell, reason)."))
    return specs

OWNERS = {"stats": "team:statistics-bureau", "env": "team:environment-office",
          "transport": "team:transport-office", "plan": "team:plan-office"}


def ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    office_zh, office_en = OFFICES[contract.office]
    key = dg.AssetKey(["raw", contract.extract])

    @dg.asset(
        name=contract.extract,
        key_prefix=["raw"],
        group_name=f"raw_{contract.office}",
        description=(f"{contract.name_zh} — {contract.name_en}. {office_zh} ({office_en}). "
                     f"Grain: {contract.grain}. Key: {', '.join(contract.key)}. "
                     f"Contract: sources/contracts/{contract.extract}.yaml"),
        owners=[OWNERS[contract.office]],
        kinds={"duckdb", "csv", "xlsx"},
        pool="duckdb_writer",  # DuckDB allows one writer process at a time
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
        tags={"office": contract.office},
        metadata={"dagster/column_schema": column_schema(contract), "dagster/table_name": f"raw.{contract.extract}"},
        check_specs=_check_specs(key),
    )
    def _ingest(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
        done = ingest(settings.layout, contract, context.run.run_id, log=context.log.info)
        outcome, total, rejected = done.outcome, done.rows_in_table, done.rejected
        for line in rejected:
            context.log.warning(f"rejected {line}")
        for f in outcome.files:
            if f.status == "changed":
                context.log.warning(f"not loaded {f.path}: {f.error}")
        return dg.MaterializeResult(metadata={
            "files_loaded": outcome.count("loaded"),
            "files_rejected": outcome.count("rejected"),
            "files_duplicate": outcome.count("duplicate"),
            "files_changed_while_read": outcome.count("changed"),
            "rows_loaded": outcome.rows_loaded,
            "rows_quarantined": outcome.rows_quarantined,
            "rows_in_table": total,
            "dagster/row_count": dg.MetadataValue.int(total),
            "rejected": _markdown_list(rejected),
        }, check_results=file_checks(key, rejected, [f"{n} row(s): {reason}" for reason, n in done.quarantine_reasons],
                                     outcome.rows_quarantined))

    return _ingest


STRAYS_KEY = dg.AssetKey(["landing", "stray_files"])


@dg.asset(
    key=STRAYS_KEY,
    group_name="raw_landing",
    description="Files in the landing folder that belong to no extract — at the landing root, in a "
                "folder that is not a known extract, in a hidden folder — recorded in meta.files as "
                "rejected with the reason (never read, never skipped in silence). Every run.",
    owners=["team:plan-office"],
    kinds={"duckdb"},
    pool="duckdb_writer",
    check_specs=_check_specs(STRAYS_KEY, quarantine=False),
)
def stray_files(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    outcomes = record_strays(settings.layout, context.run.run_id, log=context.log.warning)
    rejected = [f"{f.path}: {f.error}" for f in outcomes]
    return dg.MaterializeResult(metadata={"files_rejected": len(outcomes), "rejected": _markdown_list(rejected)},
                                check_results=file_checks(STRAYS_KEY, rejected))


ingest_assets = [ingest_asset(c) for c in contracts().values()] + [stray_files]
