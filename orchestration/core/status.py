"""``plantrack status``: the targets of one region on one as-of date, with coloured warnings."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}
# every status of marts.target_progress (its accepted_values test lists the same)
STATUS_ZH = {"achieved": "已完成", "about_met": "约数达标", "on_track": "按进度", "behind": "滞后",
             "off_track": "严重滞后", "missed": "未完成", "incomplete": "数据不完整", "no_data": "无数据"}


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"


def latest_as_of(con: duckdb.DuckDBPyConnection, as_of: str | None = None):
    """The latest as-of date of the marts on or before `as_of` (default: the latest); None if none."""
    return con.execute("SELECT max(as_of) FROM marts.target_progress WHERE as_of <= coalesce(CAST(? AS DATE), as_of)",
                       [as_of]).fetchall()[0][0]


def show_status(warehouse: Path, as_of: str | None, region: str, console: Console | None = None) -> int:
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    if not warehouse.exists():
        console.print(f"[red]no warehouse at {warehouse}: run `plantrack run` first[/red]")
        return 3
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        date = latest_as_of(con, as_of)
        rows = con.execute("""
            SELECT target_id, clause, region_name_zh, region_name_en, actual_value, target_value, unit,
                   completion_ratio, time_elapsed_ratio, status, warning_level, warning_grade_zh, is_estimate,
                   note
            FROM marts.target_progress WHERE as_of = ? AND region_code = ?
            ORDER BY clause, target_id""", [date, region]).fetchall()
    finally:
        con.close()
    if date is None:  # a first night with little data: nothing reaches a quarter-end yet
        console.print("[yellow]no quarter-end yet: the deliveries loaded so far reach none "
                      f"{f'on or before {as_of}' if as_of else ''}[/yellow]")
        return 1
    if not rows:
        console.print(f"[yellow]no targets for region {region} as of {date}[/yellow]")
        return 1
    table = Table(title=f"目标进度 Target progress — {rows[0][2]} {rows[0][3]} ({region}), as of {date}")
    for col in ("target 目标", "clause 条款", "actual 实际", "target 目标值", "unit 单位",
                "completion 完成率", "time 时间进度", "status 状态", "warning 预警"):
        table.add_column(col, justify="right" if col.split()[0] in ("actual", "completion", "time") else "left")
    notes = []
    for (target, clause, _, _, actual, goal, unit, completion, elapsed, status, level, grade, estimate, note) in rows:
        colour = COLOURS.get(level, "dim")
        table.add_row(target, clause, _fmt(actual) + (" (est.)" if estimate else ""), _fmt(goal), unit,
                      "—" if completion is None else f"{completion:.0%}",
                      "—" if elapsed is None else f"{elapsed:.0%}",
                      f"{status} {STATUS_ZH.get(status, '')}",
                      f"[{colour}]{level or '—'} {grade or ''}[/{colour}]")
        if note:
            notes.append(f"{target}: {note}")
    console.print(table)
    # what the status alone does not say (met so far, about met, estimate, incomplete, no new
    # data since …): below the table, where a long line does not squeeze the columns
    if notes:
        console.print("说明 Notes", style="bold")
        for line in notes:
            console.print(f"  {line}", highlight=False)
    return 0
