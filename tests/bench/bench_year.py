"""``make bench-year``: a province's year of hourly monitoring, end to end, in bounded memory.

For each outlet count (default 2400: about 100 M hourly rows over 2014–2015, the sample's
years), in a fresh data folder (``bench-data/year-<outlets>/``): ``plantrack sample --outlets N``
then ``plantrack run`` (ingest → checks → transmission rate → marts → Parquet → bulletin), each
measured as a whole process tree (tests/bench/tree.py: wall, CPU, peak RSS — dbt's process
included). Prints one line per size and the seconds per million rows, so that several sizes
show whether the time grows linearly::

    python -m tests.bench.bench_year --outlets 240 720 2400

The issue's bound: peak RSS under 4 GB at 100 M rows (DuckDB's memory limit,
PLANTRACK_DUCKDB_MEMORY, default 1.5 GiB, is what spills instead)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.bench.tree import Measured, measure

ROOT = Path(__file__).resolve().parents[2]
PLANTRACK = str(Path(sys.executable).parent / "plantrack")


def build(outlets: int, keep: bool, reuse_sample: bool = False) -> tuple[int, Measured | None, Measured]:
    data = ROOT / "bench-data" / f"year-{outlets}"
    reuse = reuse_sample and (data / "landing").is_dir()
    for path in (data.iterdir() if data.is_dir() else ()):
        if not (reuse and path.name == "landing"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    env = {**os.environ, "PLANTRACK_DATA": str(data), "PLANTRACK_DAGSTER_STORAGE": str(data / "dagster"),
           "DAGSTER_HOME": str(ROOT)}
    for name in ("PLANTRACK_LANDING", "PLANTRACK_WAREHOUSE", "PLANTRACK_EXPORTS"):
        env.pop(name, None)
    data.parent.mkdir(parents=True, exist_ok=True)
    log = data.parent / f"year-{outlets}.log"  # the commands' own output
    with open(log, "w") as out:
        sample = None if reuse else measure([PLANTRACK, "sample", "--outlets", str(outlets)], env=env, stdout=out, stderr=subprocess.STDOUT)
        run = measure([PLANTRACK, "run"], env=env, stdout=out, stderr=subprocess.STDOUT)
    if run.returncode not in (0, 1):  # 1: the sample's planted rejections are not its failures
        raise SystemExit(f"plantrack run exited {run.returncode}: see {log}")
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT count(*) FROM raw.env_monitoring_hourly").fetchall()[0][0]
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
    return rows, sample, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outlets", type=int, nargs="+", default=[2400])
    parser.add_argument("--keep", action="store_true", help="keep each size's data folder")
    parser.add_argument("--reuse-sample", action="store_true",
                        help="build on a kept data folder's landing instead of writing the sample again")
    args = parser.parse_args()
    print(f"{'outlets':>7} {'hourly rows':>12} | {'sample wall':>11} {'peak RSS':>9} | "
          f"{'run wall':>9} {'run CPU':>8} {'peak RSS':>9} | per M rows: wall, CPU", flush=True)
    for outlets in args.outlets:
        rows, sample, run = build(outlets, args.keep, args.reuse_sample)
        made = f"{sample.wall:>9.0f} s {sample.peak_rss / 2**30:>5.2f} GiB" if sample else f"{'(kept)':>21}"
        print(f"{outlets:>7} {rows:>12,} | {made} | "
              f"{run.wall:>7.0f} s {run.cpu:>6.0f} s {run.peak_rss / 2**30:>5.2f} GiB | "
              f"{run.wall / (rows / 1e6):>5.1f} s {run.cpu / (rows / 1e6):>5.1f} s", flush=True)


if __name__ == "__main__":
    main()
