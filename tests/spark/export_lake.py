"""Export a DuckDB warehouse's dbt sources (raw.*, meta.*, dq.*) to the Parquet lake the Spark
target reads (dbt_project: var lake, macro register_lake_sources): <lake>/<schema>/<table>/, the
hourly monitoring feed partitioned hive-style by month=YYYY-MM. A development stand-in for the
loader's own export (issue 19), used by tests/spark/compare.py's workflow.

Usage: python tests/spark/export_lake.py WAREHOUSE.duckdb LAKE_DIR
Every table is rewritten (the folder emptied first), so a re-export replaces the last one."""
import shutil
import sys
from pathlib import Path

import duckdb

# the hourly feed: one folder per month of measured_at, so a cluster reads a month at a time
PARTITIONED = {("raw", "env_monitoring_hourly"): "strftime(measured_at, '%Y-%m')"}


def export(warehouse: Path, lake: Path) -> list[str]:
    """Write every table and view of schemas raw, meta and dq as Parquet; returns 'schema.table'."""
    con = duckdb.connect(str(warehouse), read_only=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('raw', 'meta', 'dq') order by 1, 2").fetchall()
    written = []
    for schema, table in tables:
        folder = lake / schema / table
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        partition = PARTITIONED.get((schema, table))
        if partition:
            con.execute(f"copy (select *, {partition} as month from {schema}.{table}) to '{folder}' "
                        "(format parquet, partition_by (month))")
        else:
            folder.mkdir()
            con.execute(f"copy (select * from {schema}.{table}) to '{folder / 'part-0.parquet'}' (format parquet)")
        written.append(f"{schema}.{table}")
    return written


if __name__ == "__main__":
    print("\n".join(export(Path(sys.argv[1]), Path(sys.argv[2]))))
