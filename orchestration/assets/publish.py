"""The last three assets: the published warehouse (atomic swap), the Parquet exports read from
it, and the progress bulletin. The work is in core.publish and core.report."""

from pathlib import Path

import dagster as dg

from expectations.run import suites

from ..core.manifest import MANIFEST
from ..core.publish import export_marts, publish_warehouse
from ..core.report.bulletin import write_bulletin
from ..core.report.dictionary import MARTS
from ..resources import PlantrackSettings

TAG_PUBLISH_NOTES = "plantrack/publish_notes"


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
    layout = settings.layout
    context.log.info(f"exports 导出: the marts of {layout.published.name} → {layout.exports}")
    manifest = export_marts(layout, MANIFEST, run_id=context.run.run_id)
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(layout.exports.resolve())),
        **{f"rows_{name}": t["rows"] for name, t in manifest["tables"].items()}})


@dg.asset(
    key=["warehouse", "published"],
    # after the marts, and after every asset a Great Expectations suite guards: a blocking check
    # that fails anywhere — on an extract no mart reads yet too — keeps the build unpublished
    deps=[dg.AssetKey(["marts", m]) for m in MARTS]
    + sorted({dg.AssetKey(spec["guards"]) for spec in suites().values()} - {dg.AssetKey(["marts", m]) for m in MARTS}),
    group_name="publish",
    kinds={"duckdb"},
    owners=["team:plan-office"],
    description="The analysts' warehouse file: the working file of the build, swapped in atomically "
                "(copied aside, then renamed over the published file). Sessions open on the old "
                "file keep reading it; new sessions see the new build.",
    pool="duckdb_writer",
)
def published_warehouse(context: dg.AssetExecutionContext, settings: PlantrackSettings) -> dg.MaterializeResult:
    layout = settings.layout
    context.log.info(f"publish 发布: {layout.working.name} → {layout.published}")
    notes = publish_warehouse(layout, context.run.run_id)
    for note in notes:
        context.log.warning(note)
    if notes:
        context.instance.add_run_tags(context.run.run_id, {TAG_PUBLISH_NOTES: " | ".join(notes)[:1000]})
    return dg.MaterializeResult(metadata={
        "file": dg.MetadataValue.path(str(layout.published.resolve())),
        "bytes": layout.published.stat().st_size})


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
    layout = settings.layout
    written = write_bulletin(layout.published, layout.reports, MANIFEST,
                             as_of=settings.as_of or None, log=context.log.info)
    return dg.MaterializeResult(metadata={"file": dg.MetadataValue.path(str(Path(written.path).resolve())),
                                          "as_of": written.as_of, "bytes": written.path.stat().st_size})
