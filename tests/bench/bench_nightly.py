"""``make bench``, part 2: the nightly run with one new day of monitoring data, next to the full
build on the same data.

Builds the sample (with --outlets more monitoring outlets than the default, for a feed of
several million rows) from scratch and times it; then drops one new day of the hourly feed into
the landing folder and times the nightly run again; then a night with nothing new. The
incremental run materialises only what the new file touches (orchestration/incremental.py): it
loads the one file, int_monitoring_outlet_days recomputes only its days, and the rest of the
dbt graph upstream of the marts is left as it was."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import duckdb

from orchestration.cli import main as plantrack
from sources.sample.generate import hourly_generator, write_hourly

ROOT = Path(__file__).resolve().parents[2]


def timed_run(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    code = plantrack(["run", "--landing", str(folder / "landing"), "--warehouse", str(folder / "warehouse.duckdb"),
                      "--exports", str(folder / "exports")])
    return time.perf_counter() - start, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outlets", type=int, default=600)
    args = parser.parse_args()
    folder = ROOT / "bench-data" / "nightly"
    shutil.rmtree(folder, ignore_errors=True)
    os.environ["PLANTRACK_DAGSTER_STORAGE"] = str(folder / "dagster")
    plantrack(["sample", "--landing", str(folder / "landing"), "--outlets", str(args.outlets)])

    full, code = timed_run(folder)
    assert code == 0, f"full build exit {code}"
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    history = con.execute("SELECT count(*) FROM raw.env_monitoring_hourly").fetchall()[0][0]
    con.close()

    outlets = [(f"MO{i + 1:04d}", None, None, "废气" if i % 24 < 14 else "废水", dt.date(2013, 1, 1),
                dt.date(2015, 6, 30) if i in (5, 19) else None) for i in range(args.outlets)]
    day = folder / "landing" / "env_monitoring_hourly" / "hourly_20160101.csv"
    write_hourly(hourly_generator(outlets), dt.datetime(2016, 1, 1), dt.datetime(2016, 1, 2), day, 2014)
    nightly, code = timed_run(folder)
    assert code in (0, 2), f"nightly run exit {code}"
    quiet, code = timed_run(folder)  # a night with nothing new: the marts and their publication only
    assert code in (0, 2), f"quiet-night run exit {code}"
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    new_rows = con.execute("SELECT rows_loaded FROM meta.files WHERE path LIKE '%hourly_20160101.csv'").fetchall()[0][0]
    con.close()

    print(f"\nmonitoring history: {history:,} rows ({args.outlets} outlets, 2014–2015); new day: {new_rows:,} rows")
    print(f"full build (everything, from empty) : {full:7.1f} s")
    print(f"nightly run (one new day)           : {nightly:7.1f} s  ({nightly / full:.0%} of the full build)")
    print(f"nightly run (nothing new)           : {quiet:7.1f} s  ({quiet / full:.0%} of the full build)")


if __name__ == "__main__":
    main()
