"""The same deliveries give the same marts however they arrive: all at once (the sample's full
build, ``clean_run``) or night by night, each night planned incrementally (core/planning.py:
only what the new files touch is rebuilt, a night with nothing new keeps the marts) — compared
cell by cell, every mart, floats to 1e-9 relative."""

import ast
import math
import os
import re
import shutil
from pathlib import Path

import duckdb

from tests.integration.conftest import run

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# What depends on the order a warehouse loaded the deliveries, not on what they say:
# - meta.files.file_id numbers deliveries in loading order: the same files loaded over several
#   nights get other numbers. A mart carrying one names the file beside it
#   (target_lineage.file_path), and that is compared;
# - target_lineage.step_no numbers a target's lineage rows, extracts tied on the rest in file-id
#   order (every other column of those rows is compared);
# - a check's findings name its first unexpected examples in the order its query returned them
#   (expectations/run.py: "e.g. [...]"), which follows the loading order: compared as a set.
# - a lineage check is one line per evaluation that judged the target's files: how many
#   evaluations, their times, files and verdicts depend on which night the files came: those
#   lines are left out.
SURROGATES = {"file_id", "step_no"}
EXAMPLES = re.compile(r"e\.g\. (\[[^\]]*\])")
EVALUATION = "本目标的输入文件 the target's files it judged: "


def _sorted_examples(match: re.Match) -> str:
    try:
        return "e.g. " + str(sorted(ast.literal_eval(match.group(1)), key=str))
    except (ValueError, SyntaxError):
        return match.group(0)


def _canonical(value):
    return EXAMPLES.sub(_sorted_examples, value) if isinstance(value, str) and "e.g. [" in value else value


def mart_rows(path: Path) -> dict[str, tuple[list[tuple[str, str]], list[tuple]]]:
    """{mart: (columns with their types, rows)}, what follows the loading order left out or made
    canonical (above): rows ordered by the columns that are not floats first, so that two
    builds list them alike even when a float differs in its last bit."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'marts' ORDER BY 1").fetchall():
            cols = [c for c in con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                                           "table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                                           [table]).fetchall() if c[0] not in SURROGATES]
            select = ", ".join(f'"{c}"' for c, _ in cols)
            rows = con.execute(f"SELECT {select} FROM marts.{table}").fetchall()
            rows = [tuple(_canonical(v) for v in row) for row in rows
                    if not any(isinstance(v, str) and v.startswith(EVALUATION) for v in row)]
            floats = [i for i, (_, t) in enumerate(cols) if t in FLOAT_TYPES]
            out[table] = (cols, sorted(rows, key=lambda r: [(i in floats, r[i] is None, str(r[i]))
                                                            for i in sorted(range(len(r)), key=lambda i: i in floats)]))
        return out
    finally:
        con.close()


def differences(a: dict, b: dict) -> list[str]:
    """Where two builds' marts differ: a mart, a column or a row count, else cell by cell."""
    if a.keys() != b.keys():
        return [f"marts differ: {sorted(a.keys() ^ b.keys())}"]
    found = []
    for table, (cols, rows) in a.items():
        other_cols, other_rows = b[table]
        if cols != other_cols or len(rows) != len(other_rows):
            found.append(f"{table}: columns or row count differ ({len(rows)} vs {len(other_rows)})")
            continue
        for i, (x, y) in enumerate(zip(rows, other_rows)):
            for (name, _), u, v in zip(cols, x, y):
                same = u == v or (isinstance(u, float) and isinstance(v, float)
                                  and math.isclose(u, v, rel_tol=1e-9, abs_tol=0.0))
                if not same:
                    found.append(f"{table} row {i} {name}: {u!r} vs {v!r}")
    return found


def test_differences_are_found_cell_by_cell():
    cols = [("region", "VARCHAR"), ("cut", "DOUBLE")]
    a = {"m": (cols, [("210000", 3.0)])}
    assert differences(a, {"m": (cols, [("210000", 3.0 * (1 + 1e-12))])}) == []
    assert differences(a, {"m": (cols, [("210000", 3.0 * (1 + 1e-8))])}) == \
        [f"m row 0 cut: 3.0 vs {3.0 * (1 + 1e-8)!r}"]
    assert differences(a, {"m": (cols, [("210100", 3.0)])}) == ["m row 0 region: '210000' vs '210100'"]
    assert differences(a, {"m": (cols, [])}) == ["m: columns or row count differ (1 vs 0)"]


def test_night_by_night_builds_the_marts_of_the_full_build(clean_run, tmp_path, capsys):
    source, code, full = clean_run
    assert code == 0
    # the sample's files in the order they were received (their times are kept), over two
    # nights: the hourly feed's 2014 months on the first, 2015's and the files after them (the
    # disclosure, sewer, transport and plan extracts) on the second
    files = sorted((p for p in (source / "landing").rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime)
    cut = [i for i, p in enumerate(files) if p.name.startswith("hourly_2015")][0]
    nights = [files[:cut], files[cut:]]
    plans = []
    for night in nights:
        for path in night:
            target = tmp_path / "landing" / path.relative_to(source / "landing")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)  # with its modification time: when it was received
        code, warehouse = run(tmp_path)
        assert code in (0, 1, 2), f"night exit {code}"
        plans += [line for line in capsys.readouterr().out.splitlines() if line.startswith("plan")]
    assert code == 0
    assert plans[0].startswith("plan 计划: first build") and all("incremental" in p for p in plans[1:]), plans
    assert differences(mart_rows(full.path), mart_rows(warehouse)) == []
    # a night with nothing new keeps them
    assert run(tmp_path)[0] == 0
    out = capsys.readouterr().out
    assert "plan 计划: no new files: the marts are current" in out
    # and its summary says so: no checks ran, nothing was rebuilt (not "rebuilt and published")
    assert "checks 数据质量检查: none ran in this run" in out and "marts current 无需重建" in out, out[-2000:]
    assert "rebuilt and published" not in out and "0 passed" not in out
    assert differences(mart_rows(full.path), mart_rows(warehouse)) == []
    assert os.path.exists(tmp_path / "exports" / "target_progress.parquet")
