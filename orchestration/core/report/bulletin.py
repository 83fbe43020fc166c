"""进展公报 — the progress bulletin: one self-contained HTML file read from the published
warehouse, in Chinese with English subtitles, that opens offline (plotly.js is inlined, no CDN).

Sections: the six headline targets of the plan (工作目标), each with an expandable section
saying where its figure comes from (marts.target_lineage, as `plantrack explain`), the city
table in the form of the statistics bureau's bulletins (marts.city_bulletin), charts of progress
against schedule, of each city's cut against its allocation and of the headline indicators'
trend, the early warnings, the data-quality findings, and the data dictionary as an appendix.
Every figure is read from the marts; nothing is computed here but formatting."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape
from plotly.offline import get_plotlyjs

from sources.units import unit_names

from sources.bookkeeping import ZONE

from ..explain import PROVINCE, STEP_NAMES, explanations
from ..status import latest_as_of
from .dictionary import data_dictionary

# the plan's 工作目标 (marts.bulletin_headline holds them), in its order: cards, table, charts
HEADLINE = ("energy_intensity_cut", "cod_cut", "so2_cut", "nh3n_cut", "nox_cut", "co2_intensity_cut")
HEADLINE_NAMES = {
    "energy_intensity_cut": ("单位地区生产总值能耗降低", "Energy intensity cut"),
    "cod_cut": ("化学需氧量排放量减少", "COD emissions cut"),
    "so2_cut": ("二氧化硫排放量减少", "SO2 emissions cut"),
    "nh3n_cut": ("氨氮排放量减少", "Ammonia-nitrogen emissions cut"),
    "nox_cut": ("氮氧化物排放量减少", "NOx emissions cut"),
    "co2_intensity_cut": ("单位地区生产总值二氧化碳排放降低", "CO2 intensity cut"),
}
# every status of marts.target_progress (its accepted_values test lists the same)
STATUS = {"achieved": ("已完成", "achieved"), "about_met": ("约数达标", "about met"),
          "on_track": ("进度正常", "on track"), "behind": ("进度滞后", "behind"),
          "off_track": ("严重滞后", "off track"), "missed": ("未完成", "missed"),
          "incomplete": ("数据不完整", "incomplete"), "no_data": ("无数据", "no data")}
WARNING_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", None: "#9e9e9e"}
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
TEMPLATES = Path(__file__).parent
# the dated bulletins kept in reports/ (the README promises the last 90); older ones are pruned
# when a new one is written. bulletin.html and --out files are never pruned.
KEEP_DATED = 90
DATED = re.compile(r"bulletin_(\d{4}-\d{2}-\d{2})\.html")


@dataclass
class Written:
    path: Path
    as_of: str


def _rows(con, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def gather(warehouse: Path, as_of: str | None = None) -> dict:
    """Everything the bulletin shows, read from the published warehouse (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # None on a first night with little data (one yearly file, say): no period delivered
        # reaches a quarter-end yet. The bulletin then says so instead of failing the run.
        date = latest_as_of(con, as_of)
        is_latest = date == latest_as_of(con)
        # the marts made for the bulletin (models/marts/bulletin_*.sql) decide what it shows
        headline = _rows(con, "SELECT * FROM marts.bulletin_headline WHERE as_of = ?", [date])
        headline.sort(key=lambda r: HEADLINE.index(r["target_id"]))
        trend = _rows(con, """
            SELECT target_id, as_of, actual_value, target_value, is_estimate FROM marts.bulletin_headline
            WHERE as_of <= ? ORDER BY as_of""", [date])
        cities = _rows(con, """
            SELECT region_code, region_name_zh AS name_zh, region_name_en AS name_en, region_level AS level,
                period, energy_intensity_cut, energy_consumption_growth, electricity_intensity_cut,
                cumulative_energy_intensity_cut, allocated_cut, allocation_illustrative, status, warning_level
            FROM marts.bulletin_cities WHERE as_of = ? ORDER BY level <> 'province', region_code""", [date])
        city_period = cities[0]["period"] if cities else None
        warnings = _rows(con, """
            SELECT * FROM marts.bulletin_warnings WHERE as_of = ?
            ORDER BY warned_by = 'projection', warning_level = 'yellow', clause, target_id, region_code""", [date])
        checks = _rows(con, """
            SELECT suite, severity, expectation, column_name, unexpected, checked_at
            FROM dq.latest_results WHERE NOT success ORDER BY severity, suite""")
        suites = con.execute("SELECT count(DISTINCT suite) FROM dq.check_results").fetchall()[0][0]
        files = _rows(con, """
            SELECT status, count(*) AS files, coalesce(sum(rows_loaded), 0) AS rows_loaded,
                coalesce(sum(rows_quarantined), 0) AS rows_quarantined
            FROM meta.files GROUP BY status ORDER BY status""")
        rejected = _rows(con, """SELECT path, error, processed_at FROM meta.files
            WHERE status = 'rejected' ORDER BY processed_at DESC LIMIT 20""")
        quarantine = _rows(con, """
            SELECT extract, reason, sum(rows)::BIGINT AS rows
            FROM meta.quarantine_reasons GROUP BY ALL ORDER BY rows DESC, extract LIMIT 20""")
        # the targets' short names (seed targets); none in a warehouse published before them
        named = con.execute("""SELECT count(*) FROM information_schema.columns WHERE table_schema = 'reference'
            AND table_name = 'targets' AND column_name IN ('name_zh', 'name_en')""").fetchall()[0][0] == 2
        target_names = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT target_id, name_zh, name_en FROM reference.targets").fetchall()} if named else {}
        # where each headline figure comes from (marts.target_lineage, as `plantrack explain`
        # prints it); none in a warehouse published before the lineage mart
        has_lineage = con.execute("""SELECT count(*) FROM information_schema.tables
            WHERE table_schema = 'marts' AND table_name = 'target_lineage'""").fetchall()[0][0]
        explained = explanations(con, HEADLINE, PROVINCE, date) if has_lineage and date is not None else {}
    finally:
        con.close()
    return dict(as_of=date, is_latest=is_latest, city_period=city_period, headline=headline,
                trend=trend, cities=cities, warnings=warnings,
                checks=checks, suites=suites, files=files, rejected=rejected, quarantine=quarantine,
                target_names=target_names, explanations=explained)


# ---- charts (plotly figures; plotly.js is inlined once in the page) ----

def _layout(fig: go.Figure, height: int, title: str | None = None, top: int = 10) -> go.Figure:
    """A chart that follows its container's width (the page is read on phones too): no fixed
    width, margins that grow to fit the labels, the legend below. A chart's heading is HTML in
    the page, where it wraps; only a small multiple carries its own short title."""
    fig.update_layout(title=dict(text=title, font=dict(size=13), x=0.02, xanchor="left") if title else None,
                      height=height, autosize=True, font=dict(family=FONT, size=12),
                      margin=dict(l=10, r=10, t=top, b=10, autoexpand=True), paper_bgcolor="white",
                      plot_bgcolor="white", legend=dict(orientation="h", y=-0.12, x=0))
    fig.update_xaxes(gridcolor="#eee", zerolinecolor="#999")
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#999")
    return fig


def _wrap(name: str, width: int = 8) -> str:
    """A long Chinese axis label in lines of `width` characters, so that the plot keeps its
    width on a phone."""
    return "<br>".join(name[i:i + width] for i in range(0, len(name), width))


def progress_chart(headline: list[dict]) -> go.Figure:
    names = [_wrap(HEADLINE_NAMES[r["target_id"]][0]) for r in headline]
    done = [None if r["completion_ratio"] is None else 100 * r["completion_ratio"] for r in headline]
    elapsed = [None if r["time_elapsed_ratio"] is None else 100 * r["time_elapsed_ratio"] for r in headline]
    fig = go.Figure([
        go.Bar(name="完成进度 completion (%)", y=names, x=done, orientation="h",
               marker_color=[WARNING_COLOURS[r["warning_level"]] for r in headline],
               text=[f"{v:.0f}%" if v is not None else "—" for v in done], textposition="outside",
               cliponaxis=False),
        go.Bar(name="时间进度 time elapsed (%)", y=names, x=elapsed, orientation="h", marker_color="#90a4ae"),
    ])
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed", automargin=True))
    return _layout(fig, 460).update_layout(margin=dict(r=44))  # room for the last bar's label


def city_chart(cities: list[dict]) -> go.Figure:
    rows = [c for c in cities if c["level"] == "city"]
    names = [c["name_zh"] for c in rows]
    fig = go.Figure([
        go.Bar(name="累计降低率 cut since 2013 (%)", x=names, y=[c["cumulative_energy_intensity_cut"] for c in rows],
               marker_color=[WARNING_COLOURS[c["warning_level"]] for c in rows]),
        go.Scatter(name="下达目标 allocated cut (%)", x=names, y=[c["allocated_cut"] for c in rows],
                   mode="markers", marker=dict(symbol="line-ew", size=26, line=dict(width=3, color="#212121"))),
    ])
    fig.update_xaxes(automargin=True)
    return _layout(fig, 420)


def trend_charts(trend: list[dict]) -> list[go.Figure]:
    """The headline cuts' trend as six small charts, one per target: the page lays them out
    three abreast on a screen and one under another on a phone (one figure of 2 × 3 subplots
    squeezed their titles into each other at phone width)."""
    figures = []
    for i, target in enumerate(HEADLINE):
        rows = [r for r in trend if r["target_id"] == target]
        fig = go.Figure(go.Scatter(x=[r["as_of"] for r in rows], y=[r["actual_value"] for r in rows],
                                   mode="lines+markers", name="实际 actual (%)", line=dict(color="#1565c0")))
        if rows and rows[-1]["target_value"] is not None:
            fig.add_trace(go.Scatter(x=[rows[0]["as_of"], rows[-1]["as_of"]], y=[rows[-1]["target_value"]] * 2,
                                     mode="lines", name="目标 target (%)", line=dict(color="#c62828", dash="dash")))
        fig.update_layout(showlegend=i == 0)
        fig.update_xaxes(automargin=True, nticks=4)
        figures.append(_layout(fig, 260, title=HEADLINE_NAMES[target][0], top=36))
    return figures


def _chart_html(fig: go.Figure, div_id: str) -> str:
    # responsive: the chart follows its container when the window (or a phone) turns
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, default_width="100%",
                       config={"displaylogo": False, "responsive": True})


# ---- page ----

def _number(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def render(data: dict, dictionary_tables) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["num"] = _number
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.0f}%"
    env.filters["unit_names"] = unit_names  # 10k_kw → (万千瓦, 10,000 kW): sources/units.py
    template = env.get_template("bulletin.html.j2")
    return template.render(
        **data, headline_names=HEADLINE_NAMES, status=STATUS, colours=WARNING_COLOURS, step_names=STEP_NAMES,
        generated_at=dt.datetime.now(ZoneInfo(ZONE)).isoformat(timespec="minutes").replace("T", " "),
        plotly_js=get_plotlyjs(), font=FONT, dictionary=dictionary_tables,
        charts={"progress": _chart_html(progress_chart(data["headline"]), "chart-progress"),
                "cities": _chart_html(city_chart(data["cities"]), "chart-cities"),
                "trend": [_chart_html(fig, f"chart-trend-{target}")
                          for fig, target in zip(trend_charts(data["trend"]), HEADLINE)]})


def write_bulletin(warehouse: Path, folder: Path, dbt_manifest: Path, as_of: str | None = None,
                   out: Path | None = None, log=print) -> Written:
    """Write the bulletin: `out`, or `<folder>/bulletin_<as-of>.html`, copied to
    `<folder>/bulletin.html` when it is the latest as-of date. Written aside and renamed: never
    half a file. While the marts hold no quarter-end yet, the bulletin says so, as
    `<folder>/bulletin.html` only (``Written.as_of`` is then '')."""
    data = gather(Path(warehouse), as_of)
    page = render(data, data_dictionary(dbt_manifest))  # the column descriptions
    if data["as_of"] is None:
        target = Path(out) if out else Path(folder) / "bulletin.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".part")
        staged.write_text(page, encoding="utf-8")
        staged.replace(target)
        log(f"bulletin 公报: {target} (no quarter-end yet{f' on or before {as_of}' if as_of else ''})")
        return Written(target, "")
    target = Path(out) if out else Path(folder) / f"bulletin_{data['as_of']:%Y-%m-%d}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".part")
    staged.write_text(page, encoding="utf-8")
    staged.replace(target)
    if out is None and data["is_latest"]:  # bulletin.html is the latest date's, never an earlier one
        latest = target.with_name("bulletin.html.part")
        shutil.copyfile(target, latest)
        latest.replace(target.with_name("bulletin.html"))
    pruned = prune_dated(target.parent) if out is None else []
    log(f"bulletin 公报: {target} (as of {data['as_of']}, {len(page) / 1e6:.1f} MB)"
        + (f"; {len(pruned)} older dated bulletin(s) removed, the last {KEEP_DATED} kept" if pruned else ""))
    return Written(target, str(data["as_of"]))


def prune_dated(folder: Path, keep: int = KEEP_DATED) -> list[Path]:
    """Remove all but the `keep` latest dated bulletins (``bulletin_<YYYY-MM-DD>.html``, by the
    date in the name) of `folder`; every other file stays. Returns what was removed."""
    dated = sorted((m.group(1), p) for p in Path(folder).iterdir() if (m := DATED.fullmatch(p.name)))
    removed = [p for _, p in dated[:max(0, len(dated) - keep)]]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed
