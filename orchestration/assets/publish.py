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

from ..incremental import BUILD_STATE_DDL, read_record, write_record
from ..resources import PlantrackSettings

TAG_PUBLISH_NOTES = "plantrack/publish_notes"
from ..report.bulletin import write_bulletin
from ..report.dictionary import MARTS, data_dictionary, write_dictionary
from .dbt import project

def publish_marts(warehouse: Path, exports: Path, run_id: str, data_quality: str) -> dict:
    exports.mkdir(parents=True, exist_ok=True)
    staging = exports / f".staging-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    dictionary = data_dictionary(project.manifest_path)
    tables = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in dictionary:
            target = staging / table.file
            con.execute(f"COPY marts.{table.name} TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            rows = con.execute(f"SELECT count(*) FROM marts.{table.name}").fetchall()[0][0]
            documented = {c.name: c for c in table.columns}
            columns = [{"name": name, "type": typ,
                        "unit": documented[name].unit if name in documented else "",
                        "description": documented[name].description if name in documented else ""}
                       for name, typ, *_ in con.execute(f"DESCRIBE marts.{table.name}").fetchall()]
            tables[table.name] = {"file": table.file, "rows": rows, "description": table.description,
                                  "columns": columns}
    finally:
        con.close()
    dictionary_files = [f.name for f in write_dictionary(dictionary, staging)]
    manifest = {"built_at": dt.datetime.now().isoformat(timespec="seconds"), "run_id": run_id,
                "data_quality": data_quality, "tables": tables, "data_dictionary": dictionary_files}
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in [t.file for t in dictionary] + dictionary_files:
        os.replace(staging / name, exports / name)
    os.replace(staging / "manifest.json", exports / "manifest.json")
    staging.rmdir()
    return manifest


def _data_quality(warehouse: Path) -> str:
    """One line for the manifest: the newest verdict of every suite (the marts are only
    published when no critical check fails)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT suite FROM dq.latest_results GROUP BY suite HAVING bool_or(NOT success)").fetchall()
    finally:
        con.close()
    warned = sorted(r[0] for r in rows)
    return ("dbt tests and critical checks passed; "
            + (f"warnings: {', '.join(warned)}" if warned else "no warnings"))


@dg.asset(
    key=["exports", "parquet"],
    # after the warehouse: a crash between the two must never leave exports from a build that
    # was not published (they are read from the published file, and name its run)
    deps=[dg.AssetKey(["warehouse", "published"])],
    group_name="publish",
    kinds={"parquet"},
    owners=["team:plan-office"],
    description="The marts as Parquet files for BI tools, with manifest.json (rows, columns with "
                "types, units and descriptions, build time, data-quality status) and the data "
                "dictionary (data_dictionary.md, data_dictionary.csv).",
    pool="duckdb_writer",
)
def parquet_exports(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    context.log.info(f"exports 导出: the marts of {settings.published_path.name} → {settings.exports}")
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        published_by = con.execute("SELECT fingerprint FROM meta.build_state WHERE name = 'publication'").fetchall()
    manifest = publish_marts(settings.published_path, Path(settings.exports),
                             published_by[0][0] if published_by else context.run.run_id,
                             data_quality=_data_quality(settings.published_path))
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(Path(settings.exports).resolve())),
        **{f"rows_{name}": t["rows"] for name, t in manifest["tables"].items()}})


@dg.asset(
    key=["warehouse", "published"],
    deps=[dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="publish",
    kinds={"duckdb"},
    owners=["team:plan-office"],
    description="The analysts' warehouse file: the working file of the build, swapped in atomically "
                "(copied aside, then renamed over the published file). Sessions open on the old "
                "file keep reading it; new sessions see the new build.",
    pool="duckdb_writer",
)
def published_warehouse(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    context.log.info(f"publish 发布: {settings.working_path.name} → {settings.published_path}")
    with duckdb.connect(str(settings.working_path)) as con:
        # the run that published this file: the exports' manifest names the same one
        con.execute(BUILD_STATE_DDL)
        con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('publication', ?, now())", [context.run.run_id])
        record = read_record(con)
    notes = settings.publish_warehouse()
    write_record(settings, record)  # after the swap: a stale record only makes a plan rebuild more
    for note in notes:
        context.log.warning(note)
    if notes:
        context.instance.add_run_tags(context.run.run_id, {TAG_PUBLISH_NOTES: " | ".join(notes)[:1000]})
    return dg.MaterializeResult(metadata={
        "file": dg.MetadataValue.path(str(settings.published_path.resolve())),
        "bytes": settings.published_path.stat().st_size})


@dg.asset(
    key=["reports", "bulletin"],
    deps=[dg.AssetKey(["exports", "parquet"])],
    group_name="publish",
    kinds={"html"},
    owners=["team:plan-office"],
    description="进展公报 — the progress bulletin: one self-contained HTML file (Chinese with English "
                "subtitles, works offline) read from the published warehouse: headline targets, the "
                "city table, charts, early warnings, data-quality findings and the data dictionary. "
                "Also `plantrack report`.",
)
def bulletin(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    written = write_bulletin(settings.published_path, settings.reports_path, project.manifest_path,
                             as_of=settings.as_of or None, log=context.log.info)
    return dg.MaterializeResult(metadata={"file": dg.MetadataValue.path(str(written.path.resolve())),
                                          "as_of": written.as_of, "bytes": written.path.stat().st_size})
