"""``make bench``: the monitoring feed's ingest rate against a bare DuckDB read_csv.

Generates an hourly monitoring file of at least 20 million rows (once; kept under
bench-data/), then times, each in a fresh warehouse file:
  - bare:     CREATE TABLE t AS SELECT * FROM read_csv(file)   (DuckDB's own reader, no checks)
  - plantrack: sources.load.load_file — encoding sniff, header match, typing, quarantine,
               duplicate-key check, provenance, one transaction.
and prints both rates and their ratio (the issue asks for ≥ 50%).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import duckdb

from sources.contract import contracts
from sources.load import connect, load_file

ROOT = Path(__file__).resolve().parents[2]


def make_feed(path: Path, rows: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    outlets = 400
    con = duckdb.connect()
    # outlet × hour × 5 factors; a few bad values and flags as in the real feed
    con.execute(f"""
        COPY (SELECT 'MO' || lpad(CAST((i // 5) % {outlets} AS VARCHAR), 4, '0') AS 点位编号,
                     strftime(TIMESTAMP '2014-01-01' + INTERVAL 1 HOUR * (i // (5 * {outlets})), '%Y-%m-%d %H:00:00') AS 监测时间,
                     ['SO2', 'NOx', '烟尘', 'COD', '氨氮'][(i % 5) + 1] AS 监测因子,
                     CASE WHEN i % 1000003 = 7 THEN 'n/a' ELSE CAST(round((hash(i) % 10000) / 100.0, 2) AS VARCHAR) END AS 监测值,
                     CASE WHEN hash(i) % 50 = 0 THEN 'F' ELSE 'N' END AS 数据标记
              FROM range({rows}) t(i))
        TO '{path}' (HEADER)""")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # every thread: DuckDB's and the hashing one
    return r.ru_utime + r.ru_stime


CPU: dict[str, float] = {}


def timed(fn, name: str = "") -> float:
    """Wall seconds of fn(); its CPU seconds (user + system, all threads) go to CPU[name]."""
    start, cpu = time.perf_counter(), _cpu()
    fn()
    CPU[name] = _cpu() - cpu
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000_000)
    args = parser.parse_args()
    work = ROOT / "bench-data"
    feed = work / f"hourly_{args.rows}.csv"
    print(f"feed: {feed} ({args.rows:,} rows)", flush=True)
    make_feed(feed, args.rows)
    size_mb = feed.stat().st_size / 1e6

    bare_db = work / "bare.duckdb"
    bare_db.unlink(missing_ok=True)
    con = duckdb.connect(str(bare_db))
    bare = timed(lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{feed}')"), "bare")
    con.close()

    plan_db = work / "plantrack.duckdb"
    plan_db.unlink(missing_ok=True)
    con = connect(plan_db)
    result = {}
    ours = timed(lambda: result.setdefault("r", load_file(
        con, contracts()["env_monitoring_hourly"], feed, feed.name)), "plantrack")
    r = result["r"]
    con.close()
    for f in (bare_db, plan_db):
        f.unlink(missing_ok=True)

    print(f"file: {size_mb:,.0f} MB, rows loaded {r.rows_loaded:,}, quarantined {r.rows_quarantined:,}")
    print(f"bare DuckDB read_csv : {bare:6.2f} s  {args.rows / bare / 1e6:6.2f} M rows/s")
    print(f"plantrack ingest     : {ours:6.2f} s  {args.rows / ours / 1e6:6.2f} M rows/s")
    print(f"ratio (plantrack / bare speed): {bare / ours:.0%}  (target ≥ 50%)")
    print(f"CPU: bare {CPU['bare']:.2f} s, plantrack {CPU['plantrack']:.2f} s, "
          f"ratio {CPU['bare'] / CPU['plantrack']:.0%}  (issue 18: ≥ 80%)")


if __name__ == "__main__":
    main()
