"""Compare the Spark build's tables with the DuckDB warehouse's, row for row (issue 19).

Spark writes every model as Parquet under <spark_dir>/warehouse/<schema>.db/<table>/ (profiles.yml,
target spark); DuckDB reads them and compares each with the same table of the DuckDB warehouse:
the same columns (by name: a partitioned Spark table puts its partition column last), the same
number of rows, and every row matched — floats within 1e-9 relative (absolute below 1e-12), lists
and structs compared as their text. Prints one line per table; exit status 1 when any differs.

Usage: python tests/spark/compare.py WAREHOUSE.duckdb SPARK_DIR [schema ...]   (default: marts)"""
import sys
from pathlib import Path

import duckdb

FLOATS = {"DOUBLE", "FLOAT", "REAL"}


def compare_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, folder: Path) -> str:
    """'' when equal, else what differs (columns, row counts, the first differing rows)."""
    con.execute(f"create or replace view spark_side as select * from read_parquet('{folder}/**/*.parquet', "
                "hive_partitioning = true)")
    duck_cols = con.execute(f"select column_name, data_type from information_schema.columns "
                            f"where table_catalog = 'wh' and table_schema = '{schema}' and table_name = '{table}' order by ordinal_position").fetchall()
    spark_cols = {c: t for c, t in con.execute("select column_name, data_type from information_schema.columns "
                                               "where table_catalog = 'memory' and table_name = 'spark_side'").fetchall()}
    missing = [c for c, _ in duck_cols if c not in spark_cols]
    extra = [c for c in spark_cols if c not in dict(duck_cols)]
    if missing or extra:
        return f"columns differ: missing on Spark {missing}, extra on Spark {extra}"
    # one text key per row for the exact columns; floats compared apart, within tolerance
    exact = [c for c, t in duck_cols if t not in FLOATS]
    floats = [c for c, t in duck_cols if t in FLOATS]

    def keyed(source: str) -> str:
        cols = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in exact)
        fl = ", ".join(f'cast("{c}" as double) as "f_{c}"' for c in floats)
        order = ", ".join(f'"{c}"' for c, _ in duck_cols)
        return (f"select {cols}{', ' if cols and fl else ''}{fl}, "
                f"row_number() over (partition by {', '.join(f'cast({chr(34)}{c}{chr(34)} as varchar)' for c in exact) or '1'} "
                f"order by {order}) as _n from {source}")

    n_duck = con.execute(f"select count(*) from wh.{schema}.{table}").fetchone()[0]
    n_spark = con.execute("select count(*) from spark_side").fetchone()[0]
    if n_duck != n_spark:
        return f"rows differ: DuckDB {n_duck}, Spark {n_spark}"
    on = " and ".join([f'd."{c}" is not distinct from s."{c}"' for c in exact] + ["d._n = s._n"])
    close = " and ".join(
        f'(d."f_{c}" is not distinct from s."f_{c}" or abs(d."f_{c}" - s."f_{c}") '
        f'<= greatest(1e-12, 1e-9 * greatest(abs(d."f_{c}"), abs(s."f_{c}"))))' for c in floats) or "true"
    unmatched = con.execute(
        f"select count(*) from ({keyed(f'wh.{schema}.{table}')}) as d "
        f"left join ({keyed('spark_side')}) as s on {on} where s._n is null or not ({close})").fetchone()[0]
    if unmatched:
        sample = con.execute(
            f"select * from ({keyed(f'wh.{schema}.{table}')}) except select * from ({keyed('spark_side')}) limit 3").fetchall()
        return f"{unmatched} of {n_duck} rows differ; e.g. DuckDB rows without a match: {sample}"
    largest = 0.0
    for c in floats:
        r = con.execute(
            f"select max(abs(d.\"f_{c}\" - s.\"f_{c}\") / nullif(greatest(abs(d.\"f_{c}\"), abs(s.\"f_{c}\")), 0)) "
            f"from ({keyed(f'wh.{schema}.{table}')}) as d join ({keyed('spark_side')}) as s on {on}").fetchone()[0]
        largest = max(largest, r or 0.0)
    return f"= ({n_duck} rows, largest relative float difference {largest:.1e})"


def main(warehouse: str, spark_dir: str, schemas: list[str]) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    differs = 0
    for schema in schemas:
        tables = [t for (t,) in con.execute(
            f"select table_name from information_schema.tables where table_catalog = 'wh' and table_schema = '{schema}' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        for table in tables:
            folder = Path(spark_dir) / "warehouse" / f"{schema}.db" / table
            if not folder.exists():
                print(f"{schema}.{table}: not built on Spark"); differs += 1
                continue
            result = compare_table(con, schema, table, folder)
            print(f"{schema}.{table}: {result}")
            differs += not result.startswith("=")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:] or ["marts"]))
