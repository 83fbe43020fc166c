"""``plantrack status``: the targets of one region on one as-of date, with coloured warnings."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from sources.units import unit_names

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
        # the targets' short names (seed targets: name_zh, name_en); a warehouse published
        # before they existed shows the plan's wording instead
        named = con.execute("""SELECT count(*) FROM information_schema.columns WHERE table_schema = 'reference'
            AND table_name = 'targets' AND column_name IN ('name_zh', 'name_en')""").fetchall()[0][0] == 2
        names = "targets.name_zh, targets.name_en" if named else "progress.target_text_zh, ''"
        rows = con.execute(f"""
            SELECT progress.target_id, {names}, progress.clause, region_name_zh, region_name_en, actual_value,
                   target_value, progress.unit, completion_ratio, time_elapsed_ratio, status, warning_level,
                   warning_grade_zh, is_estimate, progress.note
            FROM marts.target_progress AS progress
            LEFT JOIN reference.targets AS targets USING (target_id)
            WHERE as_of = ? AND region_code = ?
            ORDER BY progress.clause, progress.target_id""", [date, region]).fetchall()
    finally:
        con.close()
    if date is None:  # a first night with little data: nothing reaches a quarter-end yet
        console.print("[yellow]no quarter-end yet: the deliveries loaded so far reach none "
                      f"{f'on or before {as_of}' if as_of else ''}[/yellow]")
        return 1
    if not rows:
        console.print(f"[yellow]no targets for region {region} as of {date}[/yellow]")
        return 1
    table = Table(title=f"目标进度 Target progress — {rows[0][4]} {rows[0][5]} ({region}), as of {date}")
    # the name column takes what width is left and wraps (never narrower than an id); numbers
    # keep their width; headers and units in two lines, Chinese over English
    table.add_column("目标\ntarget", min_width=max(len(r[0]) for r in rows), ratio=1, overflow="fold")
    table.add_column("条款\nclause", no_wrap=True)
    for col in ("实际\nactual", "目标值\ntarget", "单位\nunit", "完成率\ncompletion", "时间进度\ntime"):
        table.add_column(col, justify="left" if "unit" in col else "right", no_wrap=True)
    table.add_column("状态\nstatus")
    table.add_column("预警\nwarning", no_wrap=True)
    notes = []
    for (target, name_zh, name_en, clause, _, _, actual, goal, unit, completion, elapsed, status, level, grade,
         estimate, note) in rows:
        colour = COLOURS.get(level, "dim")
        # the names tell apart what the ids do not (nonfossil_capacity_added / _total / _share);
        # the id stays, dim, for whoever queries the marts
        label = "\n".join(part for part in (name_zh, name_en) if part) + f"\n[dim]{target}[/dim]"
        table.add_row(label, clause, _fmt(actual) + (" (est.)" if estimate else ""), _fmt(goal), "\n".join(unit_names(unit)),
                      "—" if completion is None else f"{completion:.0%}",
                      "—" if elapsed is None else f"{elapsed:.0%}",
                      f"{STATUS_ZH.get(status, '')}\n{status}",
                      f"[{colour}]{level or '—'} {grade or ''}[/{colour}]")
        if note:
            notes.append(f"{name_zh or target} ({target}): {note}")
    console.print(table)
    # what the status alone does not say (met so far, about met, estimate, incomplete, no new
    # data since …): below the table, where a long line does not squeeze the columns
    if notes:
        console.print("说明 Notes", style="bold")
        for line in notes:
            console.print(f"  {line}", highlight=False)
    return 0
