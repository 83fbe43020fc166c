"""``plantrack explain``: where one figure of ``marts.target_progress`` comes from.

The explanation is the rows of ``marts.target_lineage`` for one target × region × as-of date
(the dbt model decides what they say: the target and its wording in the plan, why the status
and warning level, the method with the numbers filled in, each figure of the series, each
delivered input with its file, sheet, row and received time, the deliveries it superseded,
missing parts, the checks). This module only reads the published warehouse (read-only) and
lays the rows out as an indented bilingual text tree or as JSON; the bulletin's expandable
sections use the same :func:`explanations`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from .exits import EXIT_FAILED, EXIT_OK, EXIT_REJECTED

PROVINCE = "210000"  # GB/T 2260: 辽宁省
BEIJING = ZoneInfo("Asia/Shanghai")
# each kind of step of marts.target_lineage (its accepted_values test lists the same), for people
STEP_NAMES = {
    "target": "目标 target", "status": "状态 status", "projection": "预测 projection",
    "method": "方法 method", "figure": "数值 figure",
    "chain": "可比价 comparable prices", "input": "输入 input", "superseded": "被修订 superseded",
    "missing": "缺失 missing", "deliveries": "报送 deliveries", "check": "检查 check",
}
STEP_COLUMNS = ("step_no", "depth", "step", "label", "detail", "period", "value", "unit", "extract",
                "file_id", "file_path", "sheet", "source_row", "received_at")


class ExplainError(Exception):
    """An unknown target, region or date, or a warehouse without the lineage mart: the message
    says which, and what is known."""


def _as_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ExplainError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


def region_code(con: duckdb.DuckDBPyConnection, region: str) -> str:
    """The GB/T 2260 code `region` names: a code, a name of the regions seed (辽宁省, 鞍山市,
    Anshan; a city's name without 市, 鞍山) or an alias of the region_aliases seed (喀左, 辽中区).
    Returns `region` unchanged when nothing matches (resolve then says which regions apply)."""
    text = region.strip()
    found = con.execute("""
        SELECT code FROM reference.regions WHERE code = ? OR name_zh = ? OR lower(name_en) = lower(?)
            OR (level = 'city' AND regexp_replace(name_zh, '市$', '') = ?)
        UNION SELECT code FROM reference.region_aliases WHERE alias = ?""", [text] * 5).fetchall()
    return found[0][0] if len(found) == 1 else text


def resolve(con: duckdb.DuckDBPyConnection, target_id: str, region: str = PROVINCE,
            as_of: str | None = None) -> dt.date:
    """The as-of date of target_progress to explain: the latest quarter-end on or before `as_of`
    (default: the latest) at which the target has a row for the region (a code: see
    :func:`region_code` for names).

    Raises ExplainError for an unknown target, a region the target does not apply to, a date
    before the first quarter-end, or a warehouse without marts.target_lineage."""
    has_lineage = con.execute("""SELECT count(*) FROM information_schema.tables
        WHERE table_schema = 'marts' AND table_name = 'target_lineage'""").fetchall()[0][0]
    if not has_lineage:
        raise ExplainError("this warehouse has no marts.target_lineage (published before it existed): "
                           "run `plantrack run` first")
    known = [r[0] for r in con.execute("SELECT DISTINCT target_id FROM marts.target_progress ORDER BY 1").fetchall()]
    if target_id not in known:
        near = [t for t in known if target_id.lower() in t or t in target_id.lower()][:5]
        raise ExplainError(f"unknown target {target_id!r}"
                           + (f" (did you mean {', '.join(near)}?)" if near else f"; targets: {', '.join(known)}"))
    regions = [r[0] for r in con.execute(
        "SELECT DISTINCT region_code FROM marts.target_progress WHERE target_id = ? ORDER BY 1", [target_id]).fetchall()]
    if region not in regions:
        names = dict(con.execute("SELECT code, name_zh FROM reference.regions").fetchall())
        shown = ", ".join(f"{code} {names.get(code, '')}".strip() for code in regions[:20]) + (" …" if len(regions) > 20 else "")
        if region not in names:
            # not a region at all (a typo, 火星): say so, not that the target lacks its figure
            raise ExplainError(f"unknown region {region!r}: not a GB/T 2260 code, name or alias of the regions seeds "
                               f"(dbt_project/seeds: regions, region_aliases); {target_id} applies to: {shown}")
        raise ExplainError(f"target {target_id} has no figure for region {region!r}; it applies to: {shown}")
    wanted = _as_date(as_of)
    date = con.execute("""SELECT max(as_of) FROM marts.target_progress
        WHERE target_id = ? AND region_code = ? AND as_of <= coalesce(CAST(? AS DATE), as_of)""",
                       [target_id, region, wanted]).fetchall()[0][0]
    if date is None:
        first = con.execute("SELECT min(as_of) FROM marts.target_progress WHERE target_id = ? AND region_code = ?",
                            [target_id, region]).fetchall()[0][0]
        raise ExplainError(f"no as-of date of {target_id} for {region} on or before {as_of} (the first is {first})")
    return date


def explanations(con: duckdb.DuckDBPyConnection, target_ids, region: str, as_of: dt.date) -> dict[str, dict]:
    """The explanation of each target of `target_ids` for `region` at `as_of` (an as-of date of
    the marts), as a dict per target: the target_progress row's id, names, clause, 原文 wording,
    region, as-of date, status, warning level, actual and target value and unit, and ``steps``,
    the lineage rows in order (dicts of STEP_COLUMNS; received_at as text in Beijing time,
    '2016-01-20 09:37 +08:00').
    A target without a row is absent."""
    target_ids = list(target_ids)
    if not target_ids:
        return {}
    heads = con.execute(f"""
        SELECT p.target_id, t.name_zh, t.name_en, p.clause, p.target_text_zh, p.region_code, p.region_name_zh,
               p.region_name_en, p.as_of, p.status, p.warning_level, p.warning_grade_zh, p.actual_value,
               p.target_value, p.unit, p.note
        FROM marts.target_progress AS p JOIN reference.targets AS t USING (target_id)
        WHERE p.region_code = ? AND p.as_of = ? AND p.target_id IN ({', '.join('?' * len(target_ids))})""",
                        [region, as_of, *target_ids])
    names = [d[0] for d in heads.description]
    result = {r[0]: dict(zip(names, r), steps=[]) for r in heads.fetchall()}
    steps = con.execute(f"""
        SELECT target_id, {', '.join(STEP_COLUMNS)} FROM marts.target_lineage
        WHERE region_code = ? AND as_of = ? AND target_id IN ({', '.join('?' * len(target_ids))})
        ORDER BY target_id, step_no""", [region, as_of, *target_ids]).fetchall()
    for target_id, *row in steps:
        step = dict(zip(STEP_COLUMNS, row))
        if step["received_at"] is not None:
            # an instant (TIMESTAMPTZ, as meta.files): shown in Beijing time, labelled so nobody reads it as UTC
            step["received_at"] = step["received_at"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") + " +08:00"
        result[target_id]["steps"].append(step)
    for explanation in result.values():
        explanation["as_of"] = explanation["as_of"].isoformat()
    return result


def later_than_built(con: duckdb.DuckDBPyConnection, as_of: str | None) -> str | None:
    """A note when `as_of` is after the latest as-of date of this build (the date `plantrack run
    --as-of` gave, or the quarter-end of the latest data): the explanation is then for that earlier
    date, which the reader must be told. None otherwise."""
    wanted = _as_date(as_of)
    latest = con.execute("SELECT max(as_of) FROM marts.target_progress").fetchall()[0][0]
    if wanted is None or latest is None or wanted <= latest:
        return None
    return (f"注意 note: asked for {wanted.isoformat()}, but this warehouse was built as of {latest.isoformat()} "
            f"(`plantrack run --as-of`, or its latest data): the explanation is for {latest.isoformat()}; "
            f"run `plantrack run --as-of {wanted.isoformat()}` for a later date")


def explain_one(warehouse: Path, target_id: str, region: str = PROVINCE, as_of: str | None = None) -> dict:
    """The explanation of one target_progress row (see :func:`explanations`), read from the
    published warehouse (read-only); `region` a code, name or alias (:func:`region_code`). With
    ``note`` (str or None): :func:`later_than_built`. Raises ExplainError (unknown target, region
    or date) or FileNotFoundError (no warehouse)."""
    if not Path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `plantrack run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        code = region_code(con, region)
        date = resolve(con, target_id, code, as_of)
        explanation = explanations(con, [target_id], code, date)[target_id]
        explanation["note"] = later_than_built(con, as_of)
        return explanation
    finally:
        con.close()


def render_text(explanation: dict) -> str:
    """The explanation as an indented text tree, Chinese with English: a heading (target, region,
    as-of date), then each step under its parent, its kind, label and detail."""
    e = explanation
    lines = [f"{e['name_zh']} {e['name_en']} ({e['target_id']})",
             f"{e['region_name_zh']} {e['region_name_en']} ({e['region_code']}), 截至 as of {e['as_of']}"]
    if e.get("note"):
        lines.append(e["note"])
    lines.append("")
    for step in e["steps"]:
        indent = "  " * step["depth"]
        lines.append(f"{indent}{STEP_NAMES.get(step['step'], step['step'])}: {step['label']}")
        if step["detail"]:
            lines.append(f"{indent}    {step['detail']}")
    return "\n".join(lines)


def run_explain(warehouse: Path, target_id: str, region: str, as_of: str | None, as_json: bool,
                out=print, err=print) -> int:
    """``plantrack explain``: print the explanation (text tree or JSON). Exit 0 printed, 1 an
    unknown target, region or date (the message says which), 3 no warehouse."""
    try:
        explanation = explain_one(warehouse, target_id, region, as_of)
    except FileNotFoundError as e:
        err(str(e))
        return EXIT_FAILED
    except ExplainError as e:
        err(f"plantrack explain: {e}")
        return EXIT_REJECTED
    out(json.dumps(explanation, ensure_ascii=False, indent=2, default=str) if as_json else render_text(explanation))
    return EXIT_OK
