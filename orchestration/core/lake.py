"""The Spark engine's two hand-overs with the DuckDB working file (the loader, the checks, the
gate and the publication stay on DuckDB; only dbt's models build on Spark):

- **out, the lake** (``export_lake``): every table the dbt project reads as a source — raw.*,
  meta.* and dq.*, from the manifest's sources — as Parquet under ``Layout.lake``
  (``<lake>/<schema>/<table>/``; the hourly monitoring feed in hive-style ``month=YYYY-MM/``
  folders, the column ``month`` added), written by DuckDB's COPY. dbt's on-run-start hook on
  Spark registers these folders as the sources.
- **back, Spark's tables** (``copy_back``): the tables and seeds dbt built on Spark (Parquet
  under ``Layout.spark_table``) replace the same-named tables of the working file, read with
  DuckDB's read_parquet, so that everything after dbt reads them as on the DuckDB engine. A
  mart's columns get the types of its contract as the DuckDB target declares it (the manifest
  the Dagster definitions are made from, parsed with the default target).

A table of the lake is replaced whole, never edited: written beside (``.<table>.new``), then
swapped in by two renames (the old one to ``.<table>.old``, the new one into place). A process
killed at any point leaves either the previous complete copy in place or, between the two
renames, the previous copy as ``.<table>.old`` — which the next export puts back before it
writes (``_recover``); every export rewrites every table, so a cut-short export is redone by
the next run."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources import bookkeeping

from .layout import DEFAULT_ENGINE, ENGINES, Layout
from .manifest import MANIFEST


# the hourly feed, partitioned by month of measurement so that a cluster reads (and a later
# incremental export rewrites) a month at a time
PARTITIONED = {("raw", "env_monitoring_hourly"): ("month", "strftime(measured_at, '%Y-%m')")}


def engine_from_env(engine: str | None = None) -> str:
    """The engine dbt's models build on: ``engine`` (the command's --engine), else
    ``PLANTRACK_ENGINE``, else duckdb. Raises ValueError naming the unknown engine."""
    chosen = (engine or os.environ.get("PLANTRACK_ENGINE") or DEFAULT_ENGINE).strip().lower()
    if chosen not in ENGINES:
        raise ValueError(f"unknown engine {chosen!r} (PLANTRACK_ENGINE or --engine): one of {', '.join(ENGINES)}")
    return chosen


def source_tables(manifest: Path = MANIFEST) -> list[tuple[str, str]]:
    """(schema, table) of every dbt source, from the manifest: what the lake must hold."""
    sources = json.loads(manifest.read_text(encoding="utf-8"))["sources"].values()
    return sorted({(s["schema"], s["identifier"] or s["name"]) for s in sources})


def _literal(text: str | Path) -> str:
    """A SQL string literal of ``text`` (a path, a description)."""
    return "'" + str(text).replace("'", "''") + "'"


def _recover(folder: Path) -> None:
    """Put back a table whose swap was cut short between its two renames; drop a half-written
    new copy and an old copy left after a finished swap."""
    old, new = folder.with_name(f".{folder.name}.old"), folder.with_name(f".{folder.name}.new")
    if old.exists() and not folder.exists():
        old.rename(folder)
    for leftover in (old, new):
        if leftover.exists():
            shutil.rmtree(leftover)


def export_table(con: duckdb.DuckDBPyConnection, lake: Path, schema: str, table: str,
                 before_swap: Callable[[Path], None] | None = None) -> int:
    """Write ``schema.table`` of the connection's database to ``<lake>/<schema>/<table>/`` and
    swap it in (see the module's docstring). Returns the rows written. ``before_swap`` (tests:
    fault injection) is called with the finished new folder before the swap."""
    folder = lake / schema / table
    folder.parent.mkdir(parents=True, exist_ok=True)
    _recover(folder)
    new, old = folder.with_name(f".{table}.new"), folder.with_name(f".{table}.old")
    partition = PARTITIONED.get((schema, table))
    if partition:
        column, expression = partition
        # DuckDB's ORDER of a partitioned COPY is by partition; within it the table's order
        query = f"SELECT *, {expression} AS {column} FROM {schema}.{table}"
        options = f"PARTITION_BY ({column}), WRITE_PARTITION_COLUMNS false"
        target = new
    else:
        # one file per table: what Spark reads as a folder of one part
        query, options = f"SELECT * FROM {schema}.{table}", ""
        new.mkdir()
        target = new / "part-0.parquet"
    rows = con.execute(f"COPY ({query}) TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd"
                       f"{', ' + options if options else ''})").fetchone()[0]
    if partition and rows == 0:
        # no month, no folder: Spark cannot tell a table's columns from an empty folder, so an
        # empty feed is one empty file (its columns) in a month that holds no row
        empty = new / f"{partition[0]}=none"
        empty.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT * FROM {schema}.{table} LIMIT 0) TO {_literal(empty / 'part-0.parquet')} "
                    "(FORMAT parquet)")
    if before_swap:
        before_swap(new)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    if old.exists():
        shutil.rmtree(old)
    return rows


@dataclass
class LakeExport:
    """What one export wrote: {"schema.table": rows}."""
    tables: dict[str, int]

    def line(self) -> str:
        return f"lake: {len(self.tables)} table(s), {sum(self.tables.values()):,} rows"


def export_lake(layout: Layout, tables: Iterable[tuple[str, str]] | None = None,
                log: Callable[[str], None] = print) -> LakeExport:
    """Write every dbt source table of the working file (``tables``: the manifest's sources) to
    the lake as Parquet (the loader's and the checks' tables exist from the working file's
    creation on, empty until used). Raises LookupError naming a source the working file lacks;
    duckdb.Error (e.g. the disk is full): the tables already swapped stay,
    the others keep their previous copy, and the next export rewrites them all."""
    tables = list(source_tables() if tables is None else tables)
    lake = layout.lake
    written: dict[str, int] = {}
    con = duckdb.connect(str(layout.working), read_only=True)
    try:
        for schema, table in tables:
            if not bookkeeping.has_table(con, schema, table):
                raise LookupError(f"the working file {layout.working} has no {schema}.{table}, which the dbt "
                                  f"project reads as a source: the loader or the checks must create it first")
            written[f"{schema}.{table}"] = export_table(con, lake, schema, table)
    finally:
        con.close()
    result = LakeExport(written)
    log(result.line() + f" → {lake}")
    return result


# ---- back: the tables dbt built on Spark ----

def built_tables(run_results: dict, manifest: dict) -> list[dict]:
    """The manifest nodes (models that are tables or incremental, and seeds) a dbt invocation
    built successfully, from its run_results.json — what to copy back. Views are left out:
    Spark keeps no data for them (the staging views exist on Spark only)."""
    nodes = manifest["nodes"]
    built = []
    for result in run_results["results"]:
        node = nodes.get(result["unique_id"])
        if not node or result["status"] != "success" or node["resource_type"] not in ("model", "seed"):
            continue
        if node["resource_type"] == "model" and node["config"]["materialized"] not in ("table", "incremental"):
            continue
        built.append(node)
    return built


def _contract_types(node: dict) -> dict[str, str]:
    """column → DuckDB type, for a model with an enforced contract (the marts)."""
    if not node["config"].get("contract", {}).get("enforced"):
        return {}
    return {name: col["data_type"] for name, col in node["columns"].items() if col.get("data_type")}


def _comment(con: duckdb.DuckDBPyConnection, schema: str, table: str, node: dict) -> None:
    """The model's descriptions as DuckDB comments, as dbt's persist_docs writes them on the
    DuckDB engine (what `describe`, DBeaver and the BI drivers show)."""
    if node.get("description"):
        con.execute(f'COMMENT ON TABLE {schema}."{table}" IS {_literal(node["description"])}')
    present = {r[0] for r in con.execute(f'DESCRIBE {schema}."{table}"').fetchall()}
    for name, column in node["columns"].items():
        if column.get("description") and name in present:
            con.execute(f'COMMENT ON COLUMN {schema}."{table}"."{name}" IS {_literal(column["description"])}')


def copy_back(layout: Layout, nodes: list[dict], log: Callable[[str], None] = print) -> dict[str, int]:
    """Replace each node's table in the working file by the Parquet Spark wrote for it, in one
    transaction (all or none). Spark's timestamps are instants written in UTC, so the session
    reads them in UTC. Returns {"schema.table": rows}. Raises FileNotFoundError naming the
    folder when Spark left no Parquet for a node it reported built."""
    copied: dict[str, int] = {}
    if not nodes:
        return copied
    con = duckdb.connect(str(layout.working))
    try:
        bookkeeping.bound_memory(con, layout.working)
        con.execute("SET TimeZone = 'UTC'")
        con.execute("BEGIN")
        for node in nodes:
            schema, table = node["schema"], node["alias"] or node["name"]
            folder = layout.spark_table(schema, table)
            files = sorted(folder.rglob("*.parquet")) if folder.exists() else []
            if not files:
                raise FileNotFoundError(f"dbt reported {schema}.{table} built on Spark, but {folder} holds no Parquet")
            # Spark's hive-style partition folders (col=value/) become columns, as on Spark
            source = (f"read_parquet({_literal(folder)} || '/**/*.parquet', "
                      f"hive_partitioning = {'true' if any(p.parent != folder for p in files) else 'false'})")
            types = _contract_types(node)
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' if c in types else f'"{c}"' for c in columns)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            if con.execute("SELECT 1 FROM duckdb_views() WHERE schema_name = ? AND view_name = ? "
                           "AND database_name = current_database()", [schema, table]).fetchall():
                con.execute(f'DROP VIEW {schema}."{table}"')  # a DuckDB build's view of the same name
            con.execute(f'CREATE OR REPLACE TABLE {schema}."{table}" AS SELECT {select} FROM {source}')
            _comment(con, schema, table, node)
            copied[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # nothing begun, or already undone
            pass
        raise
    finally:
        con.close()
    log(f"copied back from Spark: {len(copied)} table(s), {sum(copied.values()):,} rows")
    return copied


# ---- around one dbt invocation ----

@contextmanager
def dbt_on_engine(layout: Layout, engine: str, log: Callable[[str], None] = print):
    """Around one dbt build step: yields (extra dbt arguments, extra dbt vars) for the engine.

    On DuckDB nothing (dbt writes the working file itself). On Spark: the lake is exported
    first (the sources as the working file has them now: raw and meta after ingest, dq after
    the checks); dbt runs with ``--target spark`` and the vars ``lake`` and ``spark_dir``; after
    it — also when it failed, for what it did build — the tables it built are copied back into
    the working file, read from its run_results.json (removed first, so a stale one from an
    earlier step is never taken for this one's)."""
    if engine == "duckdb":
        yield [], {}
        return
    target = layout.dbt_target_for(engine)
    export_lake(layout, log=log)
    results = target / "run_results.json"
    results.unlink(missing_ok=True)
    try:
        yield ["--target", engine], {"lake": str(layout.lake.resolve()), "spark_dir": str(layout.spark_dir.resolve())}
    finally:
        if results.exists():
            # the nodes as the DuckDB target declares them (MANIFEST, parsed with the default
            # target): their contracts' data types are DuckDB's, which the copies must have —
            # the Spark target's manifest declares Spark's (string, timestamp_ntz)
            manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
            copy_back(layout, built_tables(json.loads(results.read_text(encoding="utf-8")), manifest), log=log)
