"""Two builds of the same deliveries hold the same marts, cell by cell.

    python -m tests.bench.compare_marts BEFORE.duckdb AFTER.duckdb [--schemas marts,intermediate]

ATTACHes both files read-only and, for every table and view of the schemas (default: marts,
intermediate, staging, quality), compares the rows as multisets of whole rows (EXCEPT ALL both
ways: every cell equal, NULL equal to NULL, floats bit for bit) and the column names and types.
Prints one line per table and exits 1 on any difference."""

from __future__ import annotations

import argparse
import sys

import duckdb


def differences(before: str, after: str, schemas: list[str], float_digits: int | None = None) -> list[str]:
    """Tables that differ, one line each. ``float_digits``: DOUBLE columns compared to that many
    significant digits (a sum of doubles in DuckDB depends on the order threads hand it rows:
    the same SQL on the same file can differ in the last bits from one run to the next)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS a (READ_ONLY)")
    problems = []
    for schema in schemas:
        names = {db: {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ?",
            [db, schema]).fetchall()} for db in ("b", "a")}
        for missing in sorted(names["b"] ^ names["a"]):
            problems.append(f"{schema}.{missing}: only in {'before' if missing in names['b'] else 'after'}")
        for name in sorted(names["b"] & names["a"]):
            t = f"{schema}.{name}"
            cols = {db: con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                    f"WHERE table_catalog = '{db}' AND table_schema = '{schema}' "
                                    f"AND table_name = '{name}' ORDER BY ordinal_position").fetchall()
                    for db in ("b", "a")}
            if cols["b"] != cols["a"]:
                problems.append(f"{t}: columns differ {cols['b']} vs {cols['a']}")
                continue
            rows = con.execute(f"SELECT count(*) FROM b.{t}").fetchall()[0][0]
            select = ", ".join(f"printf('%.{float_digits}g', \"{c}\")" if float_digits and typ == "DOUBLE"
                               else f'"{c}"' for c, typ in cols["b"])
            only_b = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM b.{t} EXCEPT ALL "
                                 f"SELECT {select} FROM a.{t})").fetchall()[0][0]
            only_a = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM a.{t} EXCEPT ALL "
                                 f"SELECT {select} FROM b.{t})").fetchall()[0][0]
            line = f"{t}: {rows} rows, {only_b} only before, {only_a} only after"
            print(line)
            if only_b or only_a:
                problems.append(line)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schemas", default="marts,intermediate,staging,quality")
    parser.add_argument("--float-digits", type=int, help="compare DOUBLE columns to this many significant digits")
    args = parser.parse_args()
    problems = differences(args.before, args.after, args.schemas.split(","), args.float_digits)
    print("identical" if not problems else "DIFFERENT:\n  " + "\n  ".join(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
