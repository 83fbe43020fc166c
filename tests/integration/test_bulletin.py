"""The progress bulletin and the data dictionary, as `make run` leaves them: rendered in a real
headless browser (Debian's chromium, installed by `make test`), offline, with its tables and
charts, no console error, and the figures of the marts; on a screen (1280 px) and on a phone
(390 px) alike. The screenshots are written to test-artifacts/ (bulletin.png, bulletin-1280px.png,
bulletin-390px.png)."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.core.report.dictionary import MARTS
from orchestration.core.layout import PROJECT_ROOT

SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "bulletin.png"


def open_offline(browser, path: Path, width: int = 1200, height: int = 900):
    """The page, offline, with every console error, page error and non-local request."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:", "about:"))
            else problems.append(f"request: {r.url}"))
    page.goto(path.as_uri())
    return context, page, problems


def rendering_fonts(context, page, selector: str) -> set[str]:
    """The fonts Chromium actually drew an element's text with (DevTools protocol)."""
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}


def test_make_run_leaves_the_bulletin_and_the_dictionary_beside_the_exports(clean_run):
    tmp, code, _ = clean_run
    assert code == 0
    assert (tmp / "reports" / "bulletin.html").read_bytes() == (tmp / "reports" / "bulletin_2015-12-31.html").read_bytes()
    manifest = json.loads((tmp / "exports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_dictionary"] == ["data_dictionary.md", "data_dictionary.csv"]
    with open(tmp / "exports" / "data_dictionary.csv", encoding="utf-8-sig", newline="") as f:
        documented = list(csv.DictReader(f))
    # every column of every exported mart, with its meaning; numbers with their unit
    for name, table in manifest["tables"].items():
        rows = {r["column"]: r for r in documented if r["table"] == name}
        assert set(rows) == {c["name"] for c in table["columns"]}, name
        assert all(r["description"] for r in rows.values()), name
        assert all(rows[c["name"]]["unit"] for c in table["columns"] if c["type"] == "DOUBLE"), name
    assert {r["table"] for r in documented} == set(MARTS)
    markdown = (tmp / "exports" / "data_dictionary.md").read_text(encoding="utf-8")
    assert "| `energy_consumption_growth` | double | % | Energy consumption growth" in markdown


def test_the_bulletin_renders_offline_with_its_tables_and_charts(clean_run, browser):
    tmp, _, warehouse = clean_run
    html = (tmp / "reports" / "bulletin.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "<link" not in html  # self-contained: nothing to fetch
    context, page, problems = open_offline(browser, tmp / "reports" / "bulletin.html")
    try:
        for chart in ("chart-progress", "chart-cities", "chart-trend"):
            page.wait_for_selector(f"#{chart} .main-svg", timeout=20_000)
        assert page.locator("#chart-progress .bars .point").count() == 12    # 6 targets × 2 bars
        assert page.locator("#chart-cities .bars .point").count() == 14      # one bar per city
        assert page.locator("#chart-trend .scatterlayer .trace").count() >= 6
        assert page.locator("#headline-table tbody tr").count() == 6
        assert page.locator("#city-table tbody tr").count() == 15           # the province and 14 cities
        # Chinese text is drawn with a CJK font, not empty boxes: ask Chromium which font it used
        assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert rendering_fonts(context, page, "h1") == {"Noto Sans CJK SC"}

        # the figures are the marts' figures
        shenyang = page.locator("#city-table tbody tr", has_text="沈阳市").locator("td").all_inner_texts()
        expected = warehouse.execute("""SELECT energy_intensity_cut, energy_consumption_growth,
            electricity_intensity_cut, cumulative_energy_intensity_cut FROM marts.city_bulletin
            WHERE region_code = '210100' AND period = '2015'""").fetchall()[0]
        assert [float(t) for t in shenyang[1:5]] == [round(v, 2) for v in expected]
        nox = page.locator("#headline-table tbody tr", has_text="NOx").locator("td").all_inner_texts()
        actual, target, status = warehouse.execute("""SELECT actual_value, target_value, status
            FROM marts.target_progress WHERE target_id = 'nox_cut' AND region_code = '210000'
            AND as_of = DATE '2015-12-31'""").fetchall()[0]
        assert (float(nox[1]), float(nox[2])) == (round(actual, 2), round(target, 1))
        red = warehouse.execute("""SELECT count(*) FROM marts.target_progress
            WHERE as_of = DATE '2015-12-31' AND warning_level IN ('red', 'yellow')""").fetchall()[0][0]
        shown = page.locator("#warning-table tbody tr").count() + page.locator("#warning-table-counties tbody tr").count()
        assert shown == red > 0
        assert page.locator("#quality-table tbody tr").count() >= 3       # the sample's three warnings

        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert SCREENSHOT.stat().st_size > 50_000
    finally:
        context.close()
    assert problems == []


def test_plantrack_report_writes_the_bulletin_of_an_earlier_date(clean_run, tmp_path, browser):
    source, _, _ = clean_run
    shutil.copy(source / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    out = tmp_path / "mid-2015.html"
    assert main(["report", "--warehouse", str(tmp_path / "warehouse.duckdb"), "--as-of", "2015-08-15",
                 "--out", str(out)]) == 0
    context, page, problems = open_offline(browser, out)
    try:
        page.wait_for_selector("#chart-trend .main-svg", timeout=20_000)
        assert page.locator("#as-of").inner_text() == "2015-06-30"  # the last quarter-end before it
        assert "2015Q2" in page.locator("#cities h2").inner_text()
    finally:
        context.close()
    assert problems == []
    # without --out: a dated file in reports/ beside the exports; bulletin.html stays the latest's
    assert main(["report", "--warehouse", str(tmp_path / "warehouse.duckdb"), "--exports",
                 str(tmp_path / "exports"), "--as-of", "2015-08-15"]) == 0
    assert (tmp_path / "reports" / "bulletin_2015-06-30.html").exists()
    assert not (tmp_path / "reports" / "bulletin.html").exists()
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb")]) == 3


def _boxes(page, selector: str) -> list[dict]:
    return page.evaluate("""s => [...document.querySelectorAll(s)].map(e => {
        const r = e.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; })""", selector)


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_the_bulletin_fits_a_screen_and_a_phone(clean_run, browser, width, height):
    """At 1280 px and at 390 px (a phone) the page is no wider than the screen: a wide table
    scrolls inside its own box, every chart is as wide as its container and no wider than the
    screen, the six trend charts' titles neither overlap nor leave their chart, and the headline
    cards stack on a phone. Before: 1021 px wide at 390, tables overflowing, titles overlapping."""
    tmp, _, _ = clean_run
    context, page, problems = open_offline(browser, tmp / "reports" / "bulletin.html", width, height)
    try:
        for chart in ("chart-progress", "chart-cities", "chart-trend"):
            page.wait_for_selector(f"#{chart} .main-svg", timeout=20_000)
        page.wait_for_timeout(300)  # plotly's responsive resize
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # every table sits in a box no wider than the screen (it may scroll inside it)
        wraps = _boxes(page, ".table-wrap")
        assert len(wraps) >= 6 and all(w["left"] >= 0 and w["right"] <= width for w in wraps)
        assert page.locator("table").count() == page.locator(".table-wrap > table").count()
        # charts: plotly's responsive layout fills the container, within the screen
        plots = _boxes(page, ".js-plotly-plot")
        assert len(plots) == 8  # progress, cities, six trend charts
        assert all(0 <= p["left"] and p["right"] <= width and p["width"] > 0.5 * min(width, 360) for p in plots)
        main_svgs = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot')].map(e =>
            [e.getBoundingClientRect().width, e.querySelector('.main-svg').getBoundingClientRect().width])""")
        assert all(abs(box - svg) <= 2 for box, svg in main_svgs), main_svgs
        titles = _boxes(page, "#chart-trend .gtitle")
        assert len(titles) == 6
        trend = _boxes(page, "#chart-trend .js-plotly-plot")
        for title, plot in zip(titles, trend):
            assert plot["left"] <= title["left"] and title["right"] <= plot["right"], (title, plot)
        assert not any(_overlap(a, b) for i, a in enumerate(titles) for b in titles[i + 1:])
        # the chart headings are page text, which wraps: none wider than the screen
        assert all(h["right"] <= width for h in _boxes(page, ".chart-title"))
        cards = _boxes(page, "#headline .card")
        columns = len({round(c["left"]) for c in cards})
        assert columns == (3 if width >= 1000 else 1)
        # the trend charts: three abreast on a screen, one under another on a phone
        assert len({round(p["left"]) for p in trend}) == (3 if width >= 1000 else 1)
        shot = PROJECT_ROOT / "test-artifacts" / f"bulletin-{width}px.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
    finally:
        context.close()
    assert problems == []


def test_the_bulletin_shows_units_and_names_in_words(clean_run):
    """Unit codes of the marts (10k_kw, 100m_yuan) appear as 万千瓦 / 亿元 with the English beside."""
    tmp, _, warehouse = clean_run
    html = (tmp / "reports" / "bulletin.html").read_text(encoding="utf-8")
    units = {u for (u,) in warehouse.execute("SELECT DISTINCT unit FROM marts.bulletin_warnings "
                                             "WHERE as_of = DATE '2015-12-31'").fetchall()}
    assert "10k_kw" in units  # the sample's warnings include a capacity target (nonfossil_capacity_added)
    assert "万千瓦<span class=\"en\">10,000 kW</span>" in html
    for code in units:
        assert f'<td class="c">{code}' not in html


def test_writing_a_bulletin_keeps_the_last_90_dated_ones(clean_run, tmp_path):
    """95 dated bulletins from earlier nights are there; writing the 2015-12-31 one leaves the 90
    latest by date (the new one among them): the 6 oldest go, other files stay."""
    import datetime as dt

    source, _, _ = clean_run
    shutil.copy(source / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    reports = tmp_path / "reports"
    reports.mkdir()
    old = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(95)]  # 2015-01-01 … 2015-04-05
    for day in old:
        (reports / f"bulletin_{day:%Y-%m-%d}.html").write_text("old", encoding="utf-8")
    (reports / "notes.txt").write_text("keep", encoding="utf-8")
    (reports / "bulletin_draft.html").write_text("keep", encoding="utf-8")
    assert main(["report", "--warehouse", str(tmp_path / "warehouse.duckdb"), "--exports",
                 str(tmp_path / "exports")]) == 0
    dated = sorted(p.name for p in reports.glob("bulletin_????-??-??.html"))
    assert len(dated) == 90
    assert dated[-1] == "bulletin_2015-12-31.html"
    assert dated[0] == "bulletin_2015-01-07.html"  # 01-01 … 01-06 removed: 96 − 90 = 6
    assert {"notes.txt", "bulletin_draft.html", "bulletin.html"} <= {p.name for p in reports.iterdir()}


@pytest.mark.parametrize("width", [1200, 390])
def test_the_headline_explanations_open_offline(clean_run, browser, width):
    """Each headline target has an expandable section (issue 17: explain a figure) — closed at
    first, opened by a click, offline (no script of ours, nothing fetched) — listing the same
    steps as marts.target_lineage: the energy-intensity cut's inputs with their files and rows.
    Opened on a phone the page stays within the screen."""
    tmp, _, warehouse = clean_run
    context, page, problems = open_offline(browser, tmp / "reports" / "bulletin.html", width, 900)
    try:
        sections = page.locator("details.explain")
        assert sections.count() == 6
        assert page.locator("#explain-energy_intensity_cut ul.lineage li").first.is_visible() is False
        for i in range(6):
            sections.nth(i).locator("summary").click()
        assert all(page.evaluate("[...document.querySelectorAll('details.explain')].map(d => d.open)"))
        ei = page.locator("#explain-energy_intensity_cut")
        expected = warehouse.execute("""SELECT step, label, detail FROM marts.target_lineage
            WHERE target_id = 'energy_intensity_cut' AND region_code = '210000' AND as_of = DATE '2015-12-31'
            ORDER BY step_no""").fetchall()
        items = ei.locator("ul.lineage li")
        assert items.count() == len(expected)
        inputs = ei.locator("li.s-input")
        assert inputs.count() == sum(1 for step, _, _ in expected if step == "input") == 6
        # (2013: energy, GDP; 2015: energy, the 2013 GDP and the 2014 and 2015 indices)
        assert inputs.first.is_visible()
        text = ei.inner_text()
        for _, label, detail in expected:
            assert label in text and (detail or "") in text
        assert "stats_city_indicators/" in text and " row " in text
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
    assert problems == []
