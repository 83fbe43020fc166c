"""The data-quality page (orchestration/core/report/quality.py), as `make run` leaves it beside
the bulletin: rendered in headless Chromium with the network off, nothing fetched, every suite
with the asset it guards and the run that judged it (what GX's Data Docs left as "Data asset:
None" and "Run Name: __none__"), and the bulletin's link to it. Screenshot:
test-artifacts/data_quality.png."""

import re

from expectations.run import suites
from orchestration.core.layout import PROJECT_ROOT
from orchestration.core.report.quality import write_quality_page

SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "data_quality.png"


def test_the_data_quality_page_works_offline_and_names_assets_and_runs(clean_run, browser, tmp_path):
    tmp, _, warehouse = clean_run
    # every run leaves the page beside the bulletin; other tests run quiet nights on this build
    # (their page says so), so the night that loaded the sample is rendered here again
    assert (tmp / "reports" / "data_quality.html").exists()
    [(run_id,)] = warehouse.execute("SELECT DISTINCT run_id FROM dq.check_results").fetchall()
    page_file = write_quality_page(warehouse.path, tmp_path / "data_quality.html", run_id)
    html = page_file.read_text(encoding="utf-8")
    # nothing to fetch, no outside address, no GX placeholder
    assert not re.search(r"https?://|<script|<link|<img|@import|url\(", html)
    assert "__none__" not in html and "None" not in html

    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:")) else problems.append(r.url))
    try:
        page.goto(page_file.as_uri())
        assert page.locator("#run-name").inner_text() == run_id
        rows = page.locator("#verdict-table tbody tr")
        assert rows.count() == len(suites())
        shown = {}
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td").all_inner_texts()
            shown[cells[0]] = cells
        for name, spec in suites().items():
            suite, asset, verdict, _, run, *_ = shown[name]
            assert asset == "/".join(spec["guards"])  # the data asset, named
            assert run.split()[0] == run_id[:8]        # and the run (as Dagster shortens it) …
        runs = page.locator("#verdict-table tbody td code[title]")
        assert {runs.nth(i).get_attribute("title") for i in range(runs.count())} == {run_id}  # … in full
        current = dict(warehouse.execute("SELECT suite, verdict FROM dq.current_verdicts").fetchall())
        assert {name: shown[name][2].split()[-1] for name in shown} == current
        # each suite's expectations, the warnings open
        assert page.locator("details[id^='suite-']").count() == len(suites())
        assert page.locator("#suite-completeness").get_attribute("open") is not None
        assert page.locator("#suite-completeness table tbody tr").count() >= 1
        assert page.locator("#files-table tbody tr").count() == 17  # every extract delivered on the first night
        assert page.locator("#history-table tbody tr").count() == 1
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        context.close()
    assert problems == []
    # the bulletin links to it, beside it
    bulletin = (tmp / "reports" / "bulletin.html").read_text(encoding="utf-8")
    assert 'href="data_quality.html"' in bulletin
