"""One dbt project, two engines: the sample deliveries built by the nightly job on DuckDB (the
default, ``clean_run``) and by the same job on Apache Spark (`plantrack run --engine spark`, its
own data folder: lake, Spark warehouse and metastore beside its warehouse) give the same marts
and the same published Parquet exports — row by row, every column, floats within 1e-9
relative; a difference is named by its table, row and column.

Needs the Spark engine: `make spark` (Java 17, and the lock's group spark); `make test` and
`make test-spark` install it first."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import json
import math
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import run

pytestmark = pytest.mark.spark

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# What depends on when a build ran, not on the engine: a lineage row of a check names the time
# of the evaluation (the checks ran at another minute in each build)
WHEN_EVALUATED = re.compile(r"evaluation of \d{4}-\d{2}-\d{2} \d{2}:\d{2} \+08:00")
# besides the marts, what the checks and the gate read from the models: their values (their
# types are not declared by a contract: a DuckDB sum of integers is a HUGEINT, Spark's a BIGINT)
ALSO_COMPARED = ("quality", "intermediate")


def _table_rows(con: duckdb.DuckDBPyConnection, relation: str,
                by_name: bool = False) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(columns with their DuckDB types, rows sorted by the columns that are not floats first,
    so that two builds list their rows alike even when a float differs in its last bits).
    ``by_name``: the columns in the order of their names (a table without a contract: Spark puts
    a partition column last)."""
    cols = [(c[0], c[1]) for c in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    if by_name:
        cols = sorted(cols)
    select = ", ".join(f'"{c}"' for c, _ in cols)
    rows = [tuple(WHEN_EVALUATED.sub("evaluation of <time>", v) if isinstance(v, str) else v for v in row)
            for row in con.execute(f"SELECT {select} FROM {relation}").fetchall()]
    order = sorted(range(len(cols)), key=lambda i: cols[i][1] in FLOAT_TYPES)
    return cols, sorted(rows, key=lambda r: [(r[i] is None, str(r[i])) for i in order])


def _same(u, v) -> bool:
    if isinstance(u, (list, tuple)) and isinstance(v, (list, tuple)):
        return len(u) == len(v) and all(_same(a, b) for a, b in zip(u, v))
    if isinstance(u, dict) and isinstance(v, dict):
        return u.keys() == v.keys() and all(_same(u[k], v[k]) for k in u)
    numbers = (int, float, decimal.Decimal)
    if isinstance(u, numbers) and isinstance(v, numbers) and not isinstance(u, bool) and not isinstance(v, bool):
        if isinstance(u, float) or isinstance(v, float):
            u, v = float(u), float(v)
            return u == v or (math.isnan(u) and math.isnan(v)) or math.isclose(u, v, rel_tol=1e-9, abs_tol=0.0)
    return u == v


def first_difference(name: str, a: tuple[list, list], b: tuple[list, list], types: bool = True) -> str | None:
    """None when two tables hold the same rows; else the first difference: the columns (and,
    with ``types``, their types), the row count, or the first row and column that differ, with
    the row's leading cells to find it by."""
    (cols_a, rows_a), (cols_b, rows_b) = a, b
    names_a, names_b = [c for c, _ in cols_a], [c for c, _ in cols_b]
    if names_a != names_b:
        return f"{name}: columns differ: {names_a} vs {names_b}"
    if types and cols_a != cols_b:
        wrong = [(c, t, u) for (c, t), (_, u) in zip(cols_a, cols_b) if t != u]
        return f"{name}: column types differ (column, DuckDB, Spark): {wrong}"
    if len(rows_a) != len(rows_b):
        return f"{name}: {len(rows_a)} rows vs {len(rows_b)}"
    for i, (x, y) in enumerate(zip(rows_a, rows_b)):
        for column, u, v in zip(names_a, x, y):
            if not _same(u, v):
                where = ", ".join(f"{c}={w!r}" for c, w in list(zip(names_a, x))[:3])
                return f"{name} row {i} ({where}) column {column}: {u!r} vs {v!r}"
    return None


def schema_differences(one: Path, other: Path, schemas: tuple[str, ...], types: bool) -> list[str]:
    """Every table of the schemas in two warehouse files, compared; one line per difference."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{one}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{other}' AS b (READ_ONLY)")
        found = []
        for schema in schemas:
            names = {db: {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
                "AND table_type = 'BASE TABLE'", [db, schema]).fetchall()} for db in ("a", "b")}
            if names["a"] != names["b"]:
                found.append(f"{schema}: tables only on DuckDB {sorted(names['a'] - names['b'])}, "
                             f"only on Spark {sorted(names['b'] - names['a'])}")
            for table in sorted(names["a"] & names["b"]):
                line = first_difference(f"{schema}.{table}", _table_rows(con, f'a.{schema}."{table}"', not types),
                                        _table_rows(con, f'b.{schema}."{table}"', not types), types)
                if line:
                    found.append(line)
        return found
    finally:
        con.close()


def export_differences(one: Path, other: Path) -> list[str]:
    """The Parquet files of two exports folders, compared (the manifest names its build's run
    and time, so it is left out)."""
    files = {folder: sorted(p.name for p in folder.glob("*.parquet")) for folder in (one, other)}
    if files[one] != files[other]:
        return [f"exports differ: {files[one]} vs {files[other]}"]
    con = duckdb.connect()
    try:
        return [line for name in files[one] if (line := first_difference(
            f"exports/{name}", _table_rows(con, f"read_parquet('{one / name}')"),
            _table_rows(con, f"read_parquet('{other / name}')")))]
    finally:
        con.close()


def test_the_comparison_names_the_first_difference():
    cols = [("region", "VARCHAR"), ("cut", "DOUBLE")]
    a = (cols, [("210000", 3.0), ("210100", 1.0)])
    assert first_difference("m", a, (cols, [("210000", 3.0 * (1 + 1e-12)), ("210100", 1.0)])) is None
    assert first_difference("m", a, (cols, [("210000", 3.0 * (1 + 1e-8)), ("210100", 1.0)])) == \
        f"m row 0 (region='210000', cut=3.0) column cut: 3.0 vs {3.0 * (1 + 1e-8)!r}"
    assert first_difference("m", a, (cols, [("210000", 3.0), ("210200", 1.0)])) == \
        "m row 1 (region='210100', cut=1.0) column region: '210100' vs '210200'"
    assert first_difference("m", a, ([("region", "VARCHAR"), ("cut", "DECIMAL(38,18)")], a[1])) == \
        "m: column types differ (column, DuckDB, Spark): [('cut', 'DOUBLE', 'DECIMAL(38,18)')]"
    assert first_difference("m", a, ([("region", "VARCHAR"), ("cut", "DECIMAL(38,18)")],
                                     [("210000", decimal.Decimal("3.0")), ("210100", decimal.Decimal(1))]),
                            types=False) is None
    assert first_difference("m", a, (cols, a[1][:1])) == "m: 2 rows vs 1"
    assert first_difference("m", (cols, [("x", [1.0, None])]), (cols, [("x", [1.0, 2.0])])) is not None


def test_spark_builds_the_marts_duckdb_builds(clean_run, tmp_path_factory, capsys):
    assert importlib.util.find_spec("pyspark") and importlib.util.find_spec("dbt.adapters.spark"), \
        "the Spark engine is not installed: `make spark` (make test and make test-spark install it)"
    assert shutil.which("java"), "no Java runtime: `make spark` installs Debian's openjdk-17-jre-headless"
    source, code, duck = clean_run
    assert code == 0
    spark = tmp_path_factory.mktemp("spark")
    shutil.copytree(source / "landing", spark / "landing")  # copy2: with the times the files were received
    started = time.monotonic()
    code, warehouse = run(spark, "--engine", "spark")
    seconds = time.monotonic() - started
    out = capsys.readouterr().out
    print(f"sample build on Spark: {seconds:.0f} s (wall, {dt.date.today()})")
    assert code == 0, out[-3000:]
    # Spark's own folders, beside its warehouse: the lake it read and the tables it built
    assert (spark / "lake" / "raw" / "env_monitoring_hourly").is_dir()
    assert list((spark / "spark" / "warehouse" / "marts.db" / "target_progress").glob("*.parquet"))
    assert schema_differences(duck.path, warehouse, ("marts",), types=True) == []
    assert export_differences(source / "exports", spark / "exports") == []
    # the exports say which engine built them
    engines = [json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["engine"]
               for folder in (source / "exports", spark / "exports")]
    assert engines == ["duckdb", "spark"]
    assert schema_differences(duck.path, warehouse, ALSO_COMPARED, types=False) == []
