"""What a run did, for people and schedulers: files loaded and rejected (with reasons), rows
quarantined, checks, steps that failed — read back from meta.files / meta.quarantine_reasons /
dq.suite_verdicts, so the summary says what the warehouse holds, not what the code believes it
did — and the exit code (core.exits)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from sources.bookkeeping import failing_now, has_table
from sources.contract import contracts
from sources.landing import scan
from sources.load import absent_deliveries

from .exits import EXIT_CHECKS, EXIT_FAILED, EXIT_OK, EXIT_REJECTED
from .layout import Layout
from .publish import publish_findings
from .report.quality import write_quality_page


@dataclass
class RunFacts:
    """What the orchestrator knows of a run, from its event log: the steps that crashed (data
    findings — a failed blocking check, the marts refused while one fails — are not crashes),
    those skipped, whether the marts were built, the warehouse published and the bulletin
    written, each crashed step's error message, and notes the steps left (pool slots released,
    a WAL moved aside)."""
    run_id: str
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    published: bool = False
    marts_built: bool = False  # the marts' dbt step ran and succeeded (not so when they were current)
    reported: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # runs that loaded files and died before their summary (kill -9 of `plantrack run`): this
    # run reports their files, and records them in meta.runs as failed
    adopted: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: str
    per_extract: list[tuple] = field(default_factory=list)  # extract, loaded, rejected, dup, rows, quarantined
    rejected: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # path, "same bytes as …"
    unused_columns: list[tuple[str, str]] = field(default_factory=list)  # path, its columns no contract reads
    quarantine_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # suite, verdict, findings
    still_failing: list[tuple[str, str]] = field(default_factory=list)  # blocking, from earlier runs
    published: bool = False  # the working file was published (marts, meta.*, exports)
    marts_built: bool = False  # … with marts this run rebuilt; published without: they were current
    data_quality: str | None = None  # the data-quality page (core.report.quality)
    bulletin: str | None = None
    absent: list[tuple[str, str]] = field(default_factory=list)  # loaded files gone from landing
    released: list[str] = field(default_factory=list)  # dead runs' pool slots freed, a stray WAL moved
    problems: list[str] = field(default_factory=list)  # what went wrong around the steps (a full disk …)
    ignored: list[str] = field(default_factory=list)  # Office lock files in the landing folder
    log: str | None = None  # the run's whole log (Dagster, dbt), when it went to a file
    adopted: list[str] = field(default_factory=list)  # dead runs whose files this summary reports

    @classmethod
    def collect(cls, warehouse: Path, run_id: str, failed_steps: list[str],
                skipped_steps: list[str] = (), published: bool = False, marts_built: bool = False,
                data_quality: Path | None = None, bulletin: Path | None = None,
                landing: Path | None = None, ignored: list[str] = (),
                adopted: list[str] = ()) -> "RunSummary":
        """``adopted``: runs that died before their summary, whose files this one reports."""
        s = cls(run_id, failed_steps=failed_steps, skipped_steps=list(skipped_steps),
                published=published, marts_built=marts_built, bulletin=str(bulletin) if bulletin else None,
                data_quality=str(data_quality) if data_quality and data_quality.exists() else None,
                ignored=list(ignored), adopted=list(adopted))
        if not warehouse.exists():
            return s
        runs = [run_id, *s.adopted]
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            s.per_extract = con.execute("""
                SELECT extract, count(*) FILTER (status = 'loaded'), count(*) FILTER (status = 'rejected'),
                       count(*) FILTER (status = 'duplicate'), coalesce(sum(rows_loaded), 0),
                       coalesce(sum(rows_quarantined), 0)
                FROM meta.files WHERE list_contains(?, run_id) GROUP BY ALL ORDER BY extract""", [runs]).fetchall()
            s.rejected = con.execute("""SELECT path, error FROM meta.files
                WHERE list_contains(?, run_id) AND status = 'rejected' ORDER BY file_id""", [runs]).fetchall()
            s.duplicates = con.execute("""SELECT path, error FROM meta.files
                WHERE list_contains(?, run_id) AND status = 'duplicate' ORDER BY file_id""", [runs]).fetchall()
            s.unused_columns = con.execute("""
                SELECT path, regexp_extract(notes, 'ignored columns: ([^;]*)', 1) FROM meta.files
                WHERE list_contains(?, run_id) AND status = 'loaded' AND notes LIKE '%ignored columns: %'
                ORDER BY file_id""", [runs]).fetchall()
            s.quarantine_reasons = con.execute("""
                SELECT reasons.extract, reasons.reason, sum(reasons.rows)::BIGINT
                FROM meta.quarantine_reasons AS reasons JOIN meta.files AS files USING (file_id)
                WHERE list_contains(?, files.run_id) GROUP BY ALL ORDER BY 1, 3 DESC, 2""", [runs]).fetchall()
            if has_table(con, "dq", "suite_verdicts"):
                s.checks = con.execute("""
                    SELECT suite, verdict, findings FROM dq.suite_verdicts
                    WHERE run_id = ? ORDER BY suite""", [run_id]).fetchall()
                this_run = {suite for suite, _, _ in s.checks}
                s.still_failing = [f for f in failing_now(con) if f[0] not in this_run]
            if landing is not None and landing.is_dir():
                s.absent = absent_deliveries(con, landing)
        finally:
            con.close()
        return s

    @property
    def exit_code(self) -> int:
        if self.failed_steps or self.problems:
            return EXIT_FAILED
        if any(verdict == "failed" for _, verdict, _ in self.checks) or self.still_failing:
            return EXIT_CHECKS
        if self.rejected:
            return EXIT_REJECTED
        return EXIT_OK

    @property
    def marts_state(self) -> str:
        """What became of the marts, in the one-line summary's words."""
        if not self.published:
            return "not rebuilt"
        return "rebuilt" if self.marts_built else "current (nothing new for them), republished"

    @property
    def file_checks(self) -> tuple[int, int]:
        """(failed, warned) of the raw assets' own checks as Dagster shows them: rejected_files
        fails on each extract with a file rejected in this run, quarantined_rows warns on each
        with rows quarantined (files of no extract count under the folder they were found in)."""
        return sum(1 for r in self.per_extract if r[2]), sum(1 for r in self.per_extract if r[5])

    def one_line(self) -> str:
        rows = sum(r[4] for r in self.per_extract)
        return (f"exit {self.exit_code}: {sum(r[1] for r in self.per_extract)} files loaded, "
                f"{len(self.rejected)} rejected, {rows:,} rows, "
                f"{sum(r[5] for r in self.per_extract)} rows quarantined; data-quality suites "
                + (f"{sum(1 for c in self.checks if c[1] == 'failed') + len(self.still_failing)} failed, "
                   f"{sum(1 for c in self.checks if c[1] == 'warning')} warned" if self.checks or self.still_failing
                   else "none ran") + "; file checks "
                f"{self.file_checks[0]} failed, {self.file_checks[1]} warned; "
                f"marts {self.marts_state}"
                + (f"; {len(self.absent)} delivered file(s) no longer in the landing folder, data kept"
                   if self.absent else "")
                + (f"; includes the files of {len(self.adopted)} run(s) that did not finish" if self.adopted else "")
                + "".join(f"; {line}" for line in self.released))

    def close(self, layout: Layout, trigger: str) -> None:
        """The run's last words: store the summary in meta.runs and, when the marts were not
        published, publish the findings (meta.*, dq.*) so that the published warehouse answers
        what arrived and what blocked. Never raises: a full disk is said in the summary, not
        crashed on."""
        try:
            self.store(layout.working, trigger)
        except (OSError, duckdb.Error) as e:
            self.problems.append(f"summary not stored in meta.runs: {_plain_error(e)}")
        if not self.published:
            try:
                self.released += publish_findings(layout)
            except (OSError, duckdb.Error) as e:
                self.problems.append(f"what this run found was not published: {_plain_error(e)}")

    def store(self, working: Path, trigger: str) -> None:
        """One row in meta.runs (of the working file: analysts see it once it is published), and
        one for each adopted run: it failed (exit 3), with the counts of its own files."""
        con = duckdb.connect(str(working))
        try:
            for dead in self.adopted:  # its own figures, from what it left in meta.files
                con.execute("""INSERT INTO meta.runs (run_id, finished_at, trigger, exit_code, files_loaded,
                                   files_rejected, rows_loaded, rows_quarantined, failed_steps, marts_rebuilt, summary)
                               SELECT ?, now(), 'cli', ?, count(*) FILTER (status = 'loaded'),
                                   count(*) FILTER (status = 'rejected'), coalesce(sum(rows_loaded), 0),
                                   coalesce(sum(rows_quarantined), 0), ['(killed)'], false,
                                   ? || count(*) FILTER (status = 'loaded') || ' file(s) loaded before it died; '
                                     || 'reported by run ' || ? || ' (finished_at: when that run found it dead)'
                               FROM meta.files WHERE run_id = ?""",
                            [dead, EXIT_FAILED, f"exit {EXIT_FAILED}: did not finish (killed): ", self.run_id, dead])
            # the counts are this run's own files (an adopted run's are in its own row, so that
            # sums over meta.runs count each file once); the summary text tells of both
            own = con.execute("""SELECT count(*) FILTER (status = 'loaded'), count(*) FILTER (status = 'rejected'),
                                        coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
                                 FROM meta.files WHERE run_id = ?""", [self.run_id]).fetchone()
            con.execute("INSERT INTO meta.runs VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                self.run_id, trigger, self.exit_code, *own,
                [c[0] for c in self.checks if c[1] == "failed"] + [f[0] for f in self.still_failing],
                [c[0] for c in self.checks if c[1] == "warning"], self.failed_steps, self.published and self.marts_built,
                json.dumps([{"path": p, "error": e} for p, e in self.rejected], ensure_ascii=False),
                self.one_line()])
        finally:
            con.close()

    def print(self, console: Console | None = None) -> None:
        # not a terminal (a scheduler's log, a pipe to grep): tables 140 wide, lines never
        # wrapped — a wrapped line cuts a file name or a finding in two
        tty = sys.stdout.isatty()
        console = console or Console(width=None if tty else 140, soft_wrap=not tty)
        names = {c.extract: c.name_zh for c in contracts().values()}
        table = Table(title=f"运行摘要 Run summary — {self.run_id}")
        for col in ("extract 数据", "files loaded 已加载", "rejected 拒收", "duplicate 重复",
                    "rows loaded 行", "quarantined 隔离行"):
            table.add_column(col, justify="left" if col.startswith("extract") else "right")
        for x, loaded, rejected, dup, rows, bad in self.per_extract:
            table.add_row(f"{x} {names.get(x, '')}", str(loaded),
                          f"[red]{rejected}[/red]" if rejected else "0", str(dup), f"{rows:,}",
                          f"[yellow]{bad}[/yellow]" if bad else "0")
        if not self.per_extract:
            table.add_row("(no new files)", "0", "0", "0", "0", "0")
        console.print(table)
        for path, error in self.rejected:
            console.print(f"[red]rejected 拒收[/red] {error}")
        for path, why in self.duplicates:
            console.print(f"duplicate 重复 {path}: {why}", highlight=False)
        for path, columns in self.unused_columns:
            console.print(f"ignored 未用 {path}: column(s) {columns} — not in the extract's contract, not loaded "
                          "(a renamed column? see `plantrack inspect`)", highlight=False)
        for path in self.ignored:
            console.print(f"[yellow]ignored 忽略[/yellow] {path}: an Office lock file (the workbook is open "
                          "in Excel): not a delivery — close the workbook if its file has not arrived")
        for x, reason, n in self.quarantine_reasons:
            console.print(f"[yellow]quarantined 隔离[/yellow] {x}: {n} row(s) — {reason}")
        for suite, verdict, findings in self.checks:
            if verdict == "failed":
                console.print(f"[red bold]check failed 检查未通过[/red bold] {suite}: {findings}")
            elif verdict == "warning":
                console.print(f"[yellow]check warning 检查警告[/yellow] {suite}: {findings}")
        for suite, findings in self.still_failing:
            console.print(f"[red bold]check still failing 检查仍未通过[/red bold] {suite} (an earlier "
                          f"delivery, not yet corrected): {findings}")
        passed = sum(1 for _, verdict, _ in self.checks if verdict == "passed")
        page = f" — data-quality page 数据质量: {self.data_quality}" if self.data_quality else ""
        if self.checks:
            console.print(f"checks 数据质量检查: {passed} passed, "
                          f"{sum(1 for c in self.checks if c[1] == 'warning')} warned, "
                          f"{sum(1 for c in self.checks if c[1] == 'failed')} failed" + page)
        else:  # "0 passed, 0 failed" would read as checks that ran and found nothing
            console.print("checks 数据质量检查: none ran in this run (nothing new to check); the latest "
                          "verdicts stand" + page)
        failed_files, warned_files = self.file_checks
        if failed_files or warned_files:  # the raw assets' own checks, as the Dagster UI shows them
            console.print(f"file checks 文件检查 (Dagster: rejected_files, quarantined_rows): "
                          f"{failed_files} failed — an extract with a rejected file, "
                          f"{warned_files} warned — an extract with quarantined rows")
        for dead in self.adopted:
            console.print(f"[yellow]attention 注意[/yellow] run {dead[:8]} did not finish (killed): the files it "
                          "loaded, if any, are counted above; meta.runs records that run as failed (exit 3)")
        for line in self.released:  # dead runs' pool slots freed, a stray WAL moved aside
            console.print(f"[yellow]{'released 释放' if line.startswith('pool ') else 'attention 注意'}[/yellow] {line}")
        if self.absent:
            shown = ", ".join(p for _, p in self.absent[:5]) + (" …" if len(self.absent) > 5 else "")
            console.print(f"kept 保留: {len(self.absent)} delivered file(s) no longer in the landing "
                          f"folder ({shown}) — their data stay in the warehouse; to take a delivery "
                          "back, `plantrack withdraw FILE --reason …`")
        for step in self.failed_steps:
            console.print(f"[red bold]failed step 失败步骤[/red bold] {step}")
        for problem in self.problems:
            console.print(f"[red bold]{'disk full 磁盘已满' if _disk_full(problem) else 'problem 问题'}[/red bold] "
                          f"{problem}")
        if self.published:
            console.print("[green]marts rebuilt and published 已更新[/green] (marts.*, exports)" if self.marts_built
                          else "marts current 无需重建: nothing new reached them — not rebuilt; the "
                               "warehouse was republished with this run's records (meta.*)")
            if self.bulletin:
                console.print(f"bulletin 公报: {self.bulletin}")
        else:
            console.print("[red]marts not rebuilt 未更新[/red]: "
                          + (", ".join(self.skipped_steps) or "see the failures above")
                          + " — the previous marts and exports stay as they were")
        if self.log:
            console.print(f"log 日志: {self.log}", highlight=False)
        verdict = {EXIT_OK: "[green]OK[/green]", EXIT_REJECTED: "[red]files rejected[/red]",
                   EXIT_CHECKS: "[red]blocking check failed[/red]", EXIT_FAILED: "[red]run failed[/red]"
                   }.get(self.exit_code, "")
        console.print(f"exit {self.exit_code}: {verdict}  (details: meta.files, meta.quarantine)")


def unsummarized_runs(warehouse: Path, run_id: str, others: list[tuple[str, float]] = ()) -> list[str]:
    """The runs other than ``run_id`` without a row in meta.runs of the working file: those that
    loaded files (meta.files), in delivery order, then those of ``others`` ((run id, created at,
    epoch seconds): runs the caller knows of that may have loaded nothing) created since the
    file's first delivery (an older one belongs to an earlier warehouse). A run that died
    before its summary, or one whose summary is still to come (a run the daemon launched,
    summarised by its sensor): the caller tells them apart."""
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not (has_table(con, "meta", "files") and has_table(con, "meta", "runs")):
            return []
        summarized = {r[0] for r in con.execute("SELECT run_id FROM meta.runs WHERE run_id IS NOT NULL").fetchall()}
        loaded = [r[0] for r in con.execute("""
            SELECT run_id FROM meta.files WHERE run_id IS NOT NULL GROUP BY run_id ORDER BY min(file_id)""").fetchall()]
        since = con.execute("SELECT epoch(min(processed_at)) FROM meta.files").fetchone()[0]
    finally:
        con.close()
    later = [r for r, created in sorted(others, key=lambda o: o[1]) if since is not None and created >= since]
    return [r for r in dict.fromkeys([*loaded, *later]) if r != run_id and r not in summarized]


def summarize(facts: RunFacts, layout: Layout) -> RunSummary:
    """The run's summary from what the orchestrator saw (``facts``) and what the working file
    holds; writes the data-quality page (core.report.quality) on the way."""
    # why steps failed: a full disk is named, so the operator frees space rather than re-runs
    problems = [f"{step}: {_plain_error(message)}" for step, message in facts.errors.items()
                if step in facts.failed_steps and _disk_full(message)]
    docs = None
    try:
        docs = write_quality_page(layout.working, layout.data_quality, facts.run_id) \
            if layout.working.exists() else None
    except Exception as e:  # the page is a convenience: never lose the summary over it
        problems.append(f"data-quality page not written: {_plain_error(e)}")
    summary = RunSummary.collect(layout.working, facts.run_id, facts.failed_steps, facts.skipped_steps,
                                 published=facts.published, marts_built=facts.marts_built, data_quality=docs, landing=layout.landing,
                                 bulletin=layout.reports / "bulletin.html" if facts.reported else None,
                                 ignored=scan(layout.landing, contracts())[1], adopted=facts.adopted)
    summary.released = list(facts.notes)
    summary.problems = problems
    return summary


def _disk_full(message: str) -> bool:
    return "No space left on device" in message or "[Errno 28]" in message or "ENOSPC" in message


def _plain_error(error) -> str:
    text = str(error).strip().splitlines()
    text = text[0] if text else repr(error)
    if _disk_full(str(error)):
        text += " — the disk is full: free space (df -h) and run again; the published warehouse is unchanged"
    return text[:500]
