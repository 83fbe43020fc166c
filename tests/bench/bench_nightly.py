"""``make bench``, part 2: what a night costs next to the full build of the same deliveries.

    python -m tests.bench.bench_nightly [--outlets N ...]

For each number of monitoring outlets (default: the sample's 24, about a million hourly rows,
and 600, about 25 million): writes the sample from scratch and builds it (the full build, from
empty); drops one new day of the hourly feed into the landing folder and runs the night (it loads
the one file and rebuilds what depends on the feed: core/planning.py); then runs a night with
nothing new. Each run is `plantrack run` in a process of its own, measured as a whole: CPU is
user + system time of that process and every child it waited for (dbt), so other work on a
shared machine barely moves it; wall time is shown beside it. Prints the nightly runs as ratios
of the full build (issue 18: one new day ≤ 15 % in CPU, nothing new < 10 s CPU)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources.sample.generate import Sample, hourly_generator, write_hourly

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cost:
    cpu: float   # s, user + system of the process and its children
    wall: float  # s
    code: int


def plantrack(folder: Path, *args: str) -> Cost:
    """`plantrack <args>` on the folder's landing, warehouse and exports, in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PLANTRACK_DATA": str(folder), "PLANTRACK_DAGSTER_STORAGE": str(folder / "dagster")}
    code = subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Cost(cpu, wall, code)


def bench(outlets: int) -> dict:
    folder = ROOT / "bench-data" / f"nightly-{outlets}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    plantrack(folder, "sample", "--outlets", str(outlets))
    full = plantrack(folder, "run")
    assert full.code == 0, f"full build exit {full.code}"
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    history = con.execute("SELECT count(*) FROM raw.env_monitoring_hourly").fetchall()[0][0]
    con.close()

    # one more day of the same outlets, as the environment office's nightly file
    sample = Sample(folder / "landing", 2014, outlets)
    day = folder / "landing" / "env_monitoring_hourly" / "hourly_20160101.csv"
    write_hourly(hourly_generator(sample.outlets()), dt.datetime(2016, 1, 1), dt.datetime(2016, 1, 2), day, 2014)
    nightly = plantrack(folder, "run")
    assert nightly.code in (0, 2), f"nightly run exit {nightly.code}"
    quiet = plantrack(folder, "run")
    assert quiet.code in (0, 2), f"quiet-night run exit {quiet.code}"
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    new_rows = con.execute("SELECT rows_loaded FROM meta.files WHERE path LIKE '%hourly_20160101.csv'").fetchall()[0][0]
    con.close()
    return {"outlets": outlets, "history": history, "new_rows": new_rows, "full": full, "nightly": nightly,
            "quiet": quiet}


def report(r: dict) -> None:
    full = r["full"]
    print(f"\n{r['outlets']} outlets: monitoring history {r['history']:,} rows; new day {r['new_rows']:,} rows")
    print(f"  {'run':<28} {'CPU s':>8} {'wall s':>8} {'CPU / full':>11}")
    for name, key in (("full build (from empty)", "full"), ("nightly (one new day)", "nightly"),
                      ("nightly (nothing new)", "quiet")):
        c = r[key]
        print(f"  {name:<28} {c.cpu:8.1f} {c.wall:8.1f} {c.cpu / full.cpu:11.1%}")
    print(f"  one new day / full build, CPU: {r['nightly'].cpu / full.cpu:.1%} (issue 18: ≤ 15 %); "
          f"nothing new: {r['quiet'].cpu:.1f} s CPU (< 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outlets", type=int, nargs="+", default=[24, 600])
    args = parser.parse_args()
    for outlets in args.outlets:
        report(bench(outlets))


if __name__ == "__main__":
    main()
