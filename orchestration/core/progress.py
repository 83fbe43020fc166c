"""What a long command is doing, for the person who started it: on a terminal, a live progress
display (rich) with a bar or a counter per step — files and rows loaded, dbt nodes built and
tested, checks run — and on anything else (a log file, a scheduler, a pipe) a few plain lines.

The run's detail (Dagster's log, dbt's own lines) goes to the run's log file instead of the
screen (``plantrack run --verbose`` brings it back). The wiring feeds this object from Dagster's
event stream (orchestration/logs.py): it knows steps, files, dbt lines and checks, not Dagster.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn,
                           TimeElapsedColumn)

# the loader's lines (sources/load.py, ingest_extract): "<extract>: <file> (i/n, x MB)" when a
# file starts, "<extract>: <file> → <status>[: error | , N rows loaded, M quarantined]" when done
FILE_STARTED = re.compile(r"^(?P<extract>[a-z0-9_]+): (?P<file>.+) \((?P<i>\d+)/(?P<n>\d+), [\d.]+ MB\)$")
FILE_DONE = re.compile(r"^(?P<extract>[a-z0-9_]+): (?P<file>.+) → (?P<status>[a-z_]+)"
                       r"(?:, (?P<rows>\d+) rows loaded, (?P<quarantined>\d+) quarantined)?")
# dbt's own progress counter in each node's line: "12 of 150 START …", "12 of 150 OK created …"
DBT_NODE = re.compile(r"^\s*(?:\x1b\[[0-9;]*m)*(?:\d\d:\d\d:\d\d\s+)?(?P<i>\d+) of (?P<n>\d+) "
                      r"(?P<what>START|OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")

# step keys of the nightly job that are not checks (the raw assets are raw__<extract>)
DBT_STEPS = {"dbt_models": "dbt 模型 models", "dbt_marts": "dbt 成果表 marts"}
FINAL_STEPS = {"warehouse__published": "publish 发布", "exports__parquet": "exports 导出",
               "reports__bulletin": "bulletin 公报"}
PLAIN_EVERY = 10.0  # seconds between two plain lines of one counter


def step_kind(step_key: str, extracts: set[str]) -> str:
    """ingest, dbt, final or check (anything else: the GX suites and the other asset checks)."""
    if step_key.startswith("raw__") and step_key[len("raw__"):] in extracts:
        return "ingest"
    if step_key in DBT_STEPS:
        return "dbt"
    if step_key in FINAL_STEPS or step_key.startswith("landing__"):
        return "final"
    return "check"


@dataclass
class Counter:
    label: str
    done: int = 0
    total: int | None = None
    unit: str = ""
    extra: str = ""
    tally: dict[str, int] = field(default_factory=dict)  # dbt: WARN / ERROR / FAIL nodes
    task: TaskID | None = None
    printed_at: float = 0.0
    finished: bool = False


@dataclass
class RunProgress:
    """Progress of one command. ``live`` None: a display if ``out`` is a terminal, else plain
    lines. ``quiet``: nothing at all (--verbose shows the detail instead)."""
    out: TextIO = field(default_factory=lambda: sys.stdout)
    live: bool | None = None
    quiet: bool = False
    extracts: set[str] = field(default_factory=set)

    def __post_init__(self):
        if self.live is None:
            self.live = bool(getattr(self.out, "isatty", lambda: False)())
        self.started = time.monotonic()
        # plain lines (not a terminal) are never wrapped: a wrapped line cuts a word in two
        self.console = Console(file=self.out, width=None if self.live else 140, soft_wrap=not self.live)
        self.counters: dict[str, Counter] = {}
        self.steps: dict[str, str] = {}  # step key → kind, once the run says which steps it runs
        self.finished_steps: set[str] = set()
        self.files = self.rows = self.quarantined = 0
        self.extract_files: dict[str, tuple[int, int]] = {}
        self._display: Progress | None = None
        self._stage: TaskID | None = None
        self.current_dbt = "dbt_models"  # the dbt step whose lines stdout carries
        if self.live and not self.quiet:
            self._display = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
                                     MofNCompleteColumn(), TextColumn("{task.fields[extra]}"),
                                     TimeElapsedColumn(), console=self.console, transient=False,
                                     redirect_stdout=False, redirect_stderr=False, refresh_per_second=4)
            self._display.start()

    # ---- lines and stages ----

    def say(self, line: str) -> None:
        """A line of the command's own (plan, released, waiting …): above the display."""
        if self._display is not None:
            self._display.console.print(line, highlight=False, markup=False)
        else:
            print(line, file=self.out, flush=True)

    def stage(self, text: str) -> None:
        """What the command is doing before the run's steps start (loading, planning …)."""
        if self.quiet:
            return
        if self._display is not None:
            if self._stage is None:
                self._stage = self._display.add_task(text, total=None, extra="")
            else:
                self._display.update(self._stage, description=text)
        else:
            self._plain(text)

    def _end_stage(self) -> None:
        if self._display is not None and self._stage is not None:
            self._display.remove_task(self._stage)
            self._stage = None

    def _plain(self, text: str) -> None:
        elapsed = int(time.monotonic() - self.started)
        print(f"[{elapsed // 60}:{elapsed % 60:02d}] {text}", file=self.out, flush=True)

    # ---- counters ----

    def _counter(self, key: str, label: str, unit: str, total: int | None = None) -> Counter:
        c = self.counters.get(key)
        if c is None:
            c = self.counters[key] = Counter(label, total=total, unit=unit)
            if self._display is not None:
                self._end_stage()
                c.task = self._display.add_task(label, total=total, extra="")
        return c

    def _show(self, c: Counter, final: bool = False) -> None:
        if self.quiet:
            return
        if self._display is not None and c.task is not None:
            self._display.update(c.task, completed=c.done, total=c.total, extra=c.extra)
            return
        now = time.monotonic()
        if final or now - c.printed_at >= PLAIN_EVERY:
            c.printed_at = now
            of = f"/{c.total}" if c.total is not None else ""
            self._plain(f"{c.label}: {c.done}{of} {c.unit}" + (f" · {c.extra}" if c.extra else "")
                        + (" — done 完成" if final else ""))

    def count(self, key: str, label: str, done: int, unit: str, extra: str = "", final: bool = False) -> None:
        """A counter of a step whose total is not known in advance (the sample's files)."""
        c = self._counter(key, label, unit)
        c.done, c.extra = done, extra
        self._show(c, final=final)

    # ---- the run's events (fed by the wiring) ----

    def plan(self, step_keys: list[str]) -> None:
        """The steps this run executes (from the executor's first event)."""
        if self.steps:  # said once (the executor's last event lists them again)
            return
        self.steps = {k: step_kind(k, self.extracts) for k in step_keys}
        self._end_stage()
        ingest = sum(1 for k in self.steps.values() if k == "ingest")
        checks = sum(1 for k in self.steps.values() if k == "check")
        if not self.quiet and self._display is None:
            self._plain(f"run 运行: {len(step_keys)} steps — {ingest} extract(s) to load, {checks} check step(s)")
        self._counter("steps", "steps 步骤", "steps", total=len(step_keys))
        if ingest:
            self._counter("ingest", "ingest 入库", "extracts", total=ingest)
        if checks:
            self._counter("checks", "checks 检查", "check steps", total=checks)

    def step_started(self, step_key: str) -> None:
        kind = self.steps.get(step_key) or step_kind(step_key, self.extracts)
        steps = self.counters.get("steps")
        if steps is not None:  # what runs now
            steps.extra = FINAL_STEPS.get(step_key, step_key)
            self._show(steps)
        if kind == "dbt":
            self.current_dbt = step_key
            c = self._counter(step_key, DBT_STEPS[step_key], "dbt nodes")
            c.extra = "starting dbt"
            self._show(c)

    def step_finished(self, step_key: str, outcome: str = "success") -> None:
        if step_key in self.finished_steps:
            return
        self.finished_steps.add(step_key)
        kind = self.steps.get(step_key) or step_kind(step_key, self.extracts)
        steps = self.counters.get("steps")
        if steps is not None:
            steps.done += 1
            if outcome != "success":
                steps.tally[outcome] = steps.tally.get(outcome, 0) + 1
            steps.extra = " · ".join(f"{n} {what}" for what, n in steps.tally.items())
            self._show(steps, final=steps.done == steps.total)
        key = {"ingest": "ingest", "check": "checks"}.get(kind)
        if kind == "dbt":
            key = step_key
        c = self.counters.get(key) if key else None
        if c is None:
            return
        if kind != "dbt":
            c.done += 1
        else:
            c.extra = " · ".join([f"{n} {what}" for what, n in c.tally.items()]
                                 + ([outcome] if outcome != "success" else []))
        self._show(c, final=kind == "dbt" or c.done == c.total)

    def log_line(self, step_key: str | None, message: str) -> None:
        """A line the steps logged: the loader's per-file lines feed the file and row counts."""
        done = FILE_DONE.match(message)
        if done:
            self.files += 1
            self.rows += int(done["rows"] or 0)
            self.quarantined += int(done["quarantined"] or 0)
            c = self._counter("ingest", "ingest 入库", "extracts")
            i, n = self.extract_files.get(done["extract"], (0, 0))
            c.extra = (f"{self.files} files · {self.rows:,} rows"
                       + (f" · {self.quarantined} quarantined" if self.quarantined else "")
                       + (f" · {done['extract']} {i}/{n}" if n > 1 else ""))
            self._show(c)
            return
        started = FILE_STARTED.match(message)
        if started:
            self.extract_files[started["extract"]] = (int(started["i"]), int(started["n"]))

    def dbt_line(self, step_key: str | None, line: str) -> None:
        """One of dbt's lines: its "i of n" counter moves the dbt step's bar."""
        m = DBT_NODE.match(line)
        # the project's on-run-start hook counts "1 of 1" before the nodes (Spark's lake
        # registration): not a node
        if not m or m["what"] == "START" or " hook: " in line:
            return
        key = step_key if step_key in DBT_STEPS else self.current_dbt
        c = self._counter(key, DBT_STEPS.get(key, key), "dbt nodes")
        c.total = int(m["n"])
        c.done = max(c.done, int(m["i"]))
        if m["what"] in ("WARN", "ERROR", "FAIL"):
            c.tally[m["what"]] = c.tally.get(m["what"], 0) + 1
        c.extra = " · ".join(f"{n} {what}" for what, n in c.tally.items())
        self._show(c)

    def check_result(self, name: str, passed: bool, severity: str = "ERROR") -> None:
        """One asset check's verdict (a GX suite, a dbt test on a raw source)."""
        c = self.counters.get("checks")
        if c is None or passed:
            return
        items = [*(c.extra.removeprefix("… ").split(" · ") if c.extra else []),
                 f"{name} {'failed' if severity == 'ERROR' else 'warned'}"]
        # the newest findings, whole: the oldest names go first when the line grows long
        while len(items) > 1 and len(" · ".join(items)) > 120:
            items.pop(0)
            items[0] = "… " + items[0].removeprefix("… ")
        c.extra = " · ".join(items)
        self._show(c)

    def close(self) -> None:
        """Stop the display (the summary follows)."""
        if self._display is not None:
            self._end_stage()
            self._display.stop()
            self._display = None
