"""Publishing the marts for BI tools: one Parquet file per mart plus manifest.json.

Each file is written by DuckDB (COPY … FORMAT parquet) into a staging folder inside the exports
folder and then renamed into place (a rename is atomic on one file system), the manifest last:
a reader never sees half a file, and the manifest only lists files that are complete."""

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from ..resources import PlantrackSettings
from .dbt import project

MARTS = ("target_progress", "indicator_values", "city_scorecard", "early_warning")


def _descriptions() -> dict[str, dict]:
    """Table and column descriptions from the dbt manifest: one source for docs and exports."""
    manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in MARTS:
            out[node["name"]] = {"description": node["description"],
                                 "columns": {c: v.get("description", "") for c, v in node["columns"].items()}}
    return out


def publish_marts(warehouse: Path, exports: Path, run_id: str, data_quality: str) -> dict:
    exports.mkdir(parents=True, exist_ok=True)
    staging = exports / f".staging-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    docs = _descriptions()
    tables = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for mart in MARTS:
            target = staging / f"{mart}.parquet"
            con.execute(f"COPY marts.{mart} TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            rows = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchall()[0][0]
            columns = [{"name": name, "type": typ,
                        "description": docs.get(mart, {}).get("columns", {}).get(name, "")}
                       for name, typ, *_ in con.execute(f"DESCRIBE marts.{mart}").fetchall()]
            tables[mart] = {"file": f"{mart}.parquet", "rows": rows,
                            "description": docs.get(mart, {}).get("description", ""), "columns": columns}
    finally:
        con.close()
    manifest = {"built_at": dt.datetime.now().isoformat(timespec="seconds"), "run_id": run_id,
                "data_quality": data_quality, "tables": tables}
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for mart in MARTS:
        os.replace(staging / f"{mart}.parquet", exports / f"{mart}.parquet")
    os.replace(staging / "manifest.json", exports / "manifest.json")
    staging.rmdir()
    return manifest


def _data_quality(warehouse: Path) -> str:
    """One line for the manifest: the newest verdict of every suite (the marts are only
    published when no critical check fails)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""
            WITH latest AS (SELECT * FROM dq.check_results
                QUALIFY row_number() OVER (PARTITION BY suite, expectation, coalesce(column_name, '')
                                           ORDER BY checked_at DESC) = 1)
            SELECT suite FROM latest GROUP BY suite HAVING bool_or(NOT success)""").fetchall()
    finally:
        con.close()
    warned = sorted(r[0] for r in rows)
    return ("dbt tests and critical checks passed; "
            + (f"warnings: {', '.join(warned)}" if warned else "no warnings"))


@dg.asset(
    key=["exports", "parquet"],
    deps=[dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="publish",
    kinds={"parquet"},
    owners=["team:plan-office"],
    description="The marts as Parquet files for BI tools, with manifest.json (rows, columns with "
                "types and descriptions, build time, data-quality status).",
    pool="duckdb_writer",
)
def parquet_exports(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    manifest = publish_marts(settings.working_path, Path(settings.exports), context.run.run_id,
                             data_quality=_data_quality(settings.working_path))
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(Path(settings.exports).resolve())),
        **{f"rows_{name}": t["rows"] for name, t in manifest["tables"].items()}})


@dg.asset(
    key=["warehouse", "published"],
    deps=[dg.AssetKey(["exports", "parquet"])],
    group_name="publish",
    kinds={"duckdb"},
    owners=["team:plan-office"],
    description="The analysts' warehouse file: the working file of the build, swapped in atomically "
                "(copied aside, then renamed over the published file). Sessions open on the old "
                "file keep reading it; new sessions see the new build.",
    pool="duckdb_writer",
)
def published_warehouse(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    settings.publish_warehouse()
    return dg.MaterializeResult(metadata={
        "file": dg.MetadataValue.path(str(settings.published_path.resolve())),
        "bytes": settings.published_path.stat().st_size})
