"""数据质量 — the data-quality page: one self-contained HTML file (no script, no style sheet, no
font or image fetched: it opens on a closed network) rendered from ``dq.check_results`` and
``meta.files`` of the warehouse, written with each run's summary beside the bulletin.

It replaces Great Expectations' Data Docs site, which loads its styles and scripts from outside
addresses, shows "Data asset: None" and "Run Name: __none__" for our DataFrame validations and
carries the data context's id in its links. Here every evaluation is named by what we know: the
suite, the asset it guards (``raw/<extract>``, the indicators …), the Dagster run that judged it,
its verdict and each expectation's observed value and examples.

Sections: the run (its files: loaded, rejected with the reason, rows quarantined by reason); the
current verdict of every suite (the newest evaluation: what blocks the marts now); each suite's
expectations in that evaluation; the evaluations of the last 30 days, run by run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sources.bookkeeping import has_table

TEMPLATES = Path(__file__).parent
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
VERDICTS = {"passed": ("通过", "passed"), "warning": ("警告", "warning"), "failed": ("未通过", "failed")}
HISTORY_DAYS = 30


def _rows(con, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _examples(text: str | None) -> str:
    """The unexpected values stored as JSON, for people."""
    if not text:
        return ""
    try:
        values = json.loads(text)
    except ValueError:
        return text
    return ", ".join(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in values)


def gather(warehouse: Path, run_id: str | None = None) -> dict:
    """What the page shows, read from ``warehouse`` (read-only); ``run_id``: the run the page is
    written for (its files), else the newest run that judged anything."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not has_table(con, "dq", "check_results"):
            return dict(run_id=run_id, suites=[], history=[], files=[], rejected=[], quarantine=[], earlier_rejected=[])
        if run_id is None:
            newest = con.execute("SELECT run_id FROM dq.check_results ORDER BY checked_at DESC LIMIT 1").fetchall()
            run_id = newest[0][0] if newest else None
        suites = _rows(con, """
            SELECT v.suite, r.asset, v.verdict, v.run_id, v.checked_at, r.rows_checked, v.findings,
                   v.extracts, v.run_id = ? AS this_run
            FROM dq.current_verdicts AS v
            JOIN (SELECT suite, checked_at, any_value(asset) AS asset, any_value(rows_checked) AS rows_checked
                  FROM dq.check_results GROUP BY ALL) AS r USING (suite, checked_at)
            ORDER BY CASE v.verdict WHEN 'failed' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, r.asset, v.suite""",
                       [run_id])
        expectations = _rows(con, """
            SELECT suite, expectation, column_name, severity, success, observed_value, unexpected, message
            FROM dq.latest_results ORDER BY suite, success, severity, expectation, column_name""")
        for s in suites:
            s["expectations"] = [dict(e, examples=_examples(e["unexpected"])) for e in expectations
                                 if e["suite"] == s["suite"]]
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=HISTORY_DAYS)
        history = _rows(con, """
            SELECT run_id, min(checked_at) AS checked_at, count(*) AS suites,
                   count(*) FILTER (verdict = 'failed') AS failed,
                   count(*) FILTER (verdict = 'warning') AS warned,
                   string_agg(CASE WHEN verdict <> 'passed' THEN suite END, ', ' ORDER BY suite) AS not_passed
            FROM dq.suite_verdicts WHERE checked_at >= ? GROUP BY run_id ORDER BY 2 DESC""", [since])
        files = _rows(con, """
            SELECT extract, count(*) FILTER (status = 'loaded') AS loaded,
                   count(*) FILTER (status = 'rejected') AS rejected,
                   count(*) FILTER (status = 'duplicate') AS duplicate,
                   coalesce(sum(rows_loaded), 0) AS rows_loaded, coalesce(sum(rows_quarantined), 0) AS rows_quarantined
            FROM meta.files WHERE run_id = ? GROUP BY extract ORDER BY extract""", [run_id])
        rejected = _rows(con, """SELECT extract, path, error FROM meta.files
            WHERE run_id = ? AND status = 'rejected' ORDER BY file_id""", [run_id])
        # a bad night must not vanish from the page with the next run: the rejections of the
        # last days stay listed until they age out
        earlier_rejected = _rows(con, """SELECT extract, path, error, processed_at, run_id FROM meta.files
            WHERE status = 'rejected' AND run_id IS DISTINCT FROM ? AND processed_at >= ?
            ORDER BY processed_at DESC, file_id LIMIT 100""", [run_id, since])
        quarantine = _rows(con, """
            SELECT reasons.extract, reasons.reason, sum(reasons.rows)::BIGINT AS rows
            FROM meta.quarantine_reasons AS reasons JOIN meta.files AS files USING (file_id)
            WHERE files.run_id = ? GROUP BY ALL ORDER BY 1, 3 DESC""", [run_id])
    finally:
        con.close()
    return dict(run_id=run_id, suites=suites, history=history, files=files, rejected=rejected,
                quarantine=quarantine, earlier_rejected=earlier_rejected)


def render(data: dict) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["when"] = _beijing
    return env.get_template("quality.html.j2").render(
        **data, verdicts=VERDICTS, font=FONT, history_days=HISTORY_DAYS,
        generated_at=_beijing(dt.datetime.now(dt.timezone.utc), seconds=False))


BEIJING = ZoneInfo("Asia/Shanghai")


def _beijing(t: dt.datetime | None, seconds: bool = True) -> str:
    """A time as people here read it: Beijing time, with its offset (stored as UTC)."""
    if t is None:
        return "—"
    if t.tzinfo is None:  # a warehouse from before times carried their zone: UTC as stored
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S+08:00" if seconds else "%Y-%m-%d %H:%M+08:00")


def write_quality_page(warehouse: Path, out: Path, run_id: str | None = None) -> Path:
    """Write the page to ``out`` (aside, then renamed: never half a file); returns ``out``."""
    page = render(gather(Path(warehouse), run_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(out.name + ".part")
    staged.write_text(page, encoding="utf-8")
    staged.replace(out)
    return out
