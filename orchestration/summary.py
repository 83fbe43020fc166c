"""What a run did, for people: files loaded and rejected (with reasons), rows quarantined,
steps that failed — read back from meta.files / meta.quarantine, so the summary says what the
warehouse holds, not what the code believes it did."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from sources.contract import contracts


@dataclass
class RunSummary:
    run_id: str
    per_extract: list[tuple] = field(default_factory=list)  # extract, loaded, rejected, dup, rows, quarantined
    rejected: list[tuple[str, str]] = field(default_factory=list)
    quarantine_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)

    @classmethod
    def collect(cls, warehouse: Path, run_id: str, failed_steps: list[str]) -> "RunSummary":
        s = cls(run_id, failed_steps=failed_steps)
        if not warehouse.exists():
            return s
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            s.per_extract = con.execute("""
                SELECT extract, count(*) FILTER (status = 'loaded'), count(*) FILTER (status = 'rejected'),
                       count(*) FILTER (status = 'duplicate'), coalesce(sum(rows_loaded), 0),
                       coalesce(sum(rows_quarantined), 0)
                FROM meta.files WHERE run_id = ? GROUP BY ALL ORDER BY extract""", [run_id]).fetchall()
            s.rejected = con.execute("""SELECT path, error FROM meta.files
                WHERE run_id = ? AND status = 'rejected' ORDER BY file_id""", [run_id]).fetchall()
            s.quarantine_reasons = con.execute("""
                SELECT q.extract, regexp_replace(q.reason, ': rows .*', ''), count(DISTINCT (q.file_id, q.row_number))
                FROM meta.quarantine q JOIN meta.files f USING (file_id)
                WHERE f.run_id = ? GROUP BY ALL ORDER BY 1, 3 DESC""", [run_id]).fetchall()
        finally:
            con.close()
        return s

    @property
    def exit_code(self) -> int:
        from .cli import EXIT_FAILED, EXIT_OK, EXIT_REJECTED
        if self.failed_steps:
            return EXIT_FAILED
        if self.rejected:
            return EXIT_REJECTED
        return EXIT_OK

    def print(self, console: Console | None = None) -> None:
        console = console or Console(width=None if sys.stdout.isatty() else 140)
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
        for x, reason, n in self.quarantine_reasons:
            console.print(f"[yellow]quarantined 隔离[/yellow] {x}: {n} row(s) — {reason}")
        for step in self.failed_steps:
            console.print(f"[red bold]failed step 失败步骤[/red bold] {step}")
        verdict = {0: "[green]OK[/green]", 1: "[red]files rejected[/red]",
                   3: "[red]run failed[/red]"}.get(self.exit_code, "")
        console.print(f"exit {self.exit_code}: {verdict}  (details: meta.files, meta.quarantine)")
