"""One Dagster asset per extract: raw.<extract>, loaded from landing/<extract>/.

The logic lives in sources/ (contracts, reader, loader); an asset only wires one contract to
the warehouse and reports what it loaded. A rejected file does not fail the asset — the other
files of the extract still load and the run summary names it — but a crash does, and then
only that extract (and what depends on it) stops."""

import dagster as dg

from sources.contract import OFFICES, Contract, contracts
from sources.load import connect, ingest_extract, ingest_strays

from ..resources import PlantrackSettings

OWNERS = {"stats": "team:statistics-bureau", "env": "team:environment-office",
          "transport": "team:transport-office", "plan": "team:plan-office"}


def ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    office_zh, office_en = OFFICES[contract.office]

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
    )
    def _ingest(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
        con = connect(settings.layout.working)
        try:
            outcome = ingest_extract(con, contract, settings.layout.landing, context.run.run_id,
                                     log=context.log.info)
            total = con.execute(f"SELECT count(*) FROM raw.{contract.extract}").fetchall()[0][0]
        finally:
            con.close()
        rejected = [f"{f.path}: {f.error}" for f in outcome.files if f.status == "rejected"]
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
            "rejected": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected) or "none"),
        })

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
)
def stray_files(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    con = connect(settings.layout.working)
    try:
        outcomes = ingest_strays(con, settings.layout.landing, context.run.run_id, log=context.log.warning)
    finally:
        con.close()
    return dg.MaterializeResult(metadata={
        "files_rejected": len(outcomes),
        "rejected": dg.MetadataValue.md("\n".join(f"- {f.path}: {f.error}" for f in outcomes) or "none")})


ingest_assets = [ingest_asset(c) for c in contracts().values()] + [stray_files]
