"""Where a run's log goes — Dagster's loggers, chosen per run in the run config (``loggers``):

  console   Dagster's coloured console logger: what a run from the UI, the schedule or a sensor
            uses (no ``loggers`` in their run config), and ``plantrack run --verbose``
  file      the run's whole log (DEBUG: every event) into the run's log file beside the
            warehouse (``Layout.run_log``), which the summary names
  progress  no output of its own: it feeds the progress display of ``plantrack run``
            (core/progress.py) from the event stream — steps planned, started and finished,
            the loader's per-file lines, the asset checks' verdicts

dagster-dbt re-emits dbt's own lines on stdout (``DbtCliInvocation.stream``); ``run_output``
takes them, for the run, into the same log file, and gives the progress display dbt's
"12 of 150" counter. With ``--verbose`` they are shown too.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging
import sys
from pathlib import Path
from typing import Iterator, TextIO

import dagster as dg

from .core.progress import RunProgress

FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_following: RunProgress | None = None  # the display `plantrack run` feeds; None elsewhere


@dg.logger(config_schema={"path": dg.Field(str, description="the log file (appended to)"),
                          "log_level": dg.Field(str, is_required=False, default_value="DEBUG")},
           description="The run's whole log, into a file (the run summary names it).")
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("dagster", level=logging.getLevelName(config["log_level"].upper()))
    handler = _LogFile(config["path"], encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S %z"))
    logger.addHandler(handler)
    return logger


class _LogFile(logging.FileHandler):
    """A log file that never fails a run: on a full disk it stops writing (the run and its
    summary go on; the summary names the full disk)."""

    broken = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.broken = True


class _ProgressHandler(logging.Handler):
    """Dagster's log records → the progress display. Never raises into the run."""

    def emit(self, record: logging.LogRecord) -> None:
        progress = _following
        meta = getattr(record, "dagster_meta", None)
        if progress is None or not meta:
            return
        try:
            _feed(progress, meta)
        except Exception:  # noqa: BLE001 — a progress bar must not fail a night
            pass


def _feed(progress: RunProgress, meta: dict) -> None:
    step, event = meta.get("step_key"), meta.get("dagster_event")
    if event is None:
        progress.log_line(step, meta.get("orig_message") or "")
        return
    kind = event.event_type
    if kind == dg.DagsterEventType.ENGINE_EVENT and event.event_specific_data is not None:
        keys = event.event_specific_data.metadata.get("step_keys")
        if keys is not None:  # "Executing steps in process": the steps of this run
            progress.plan(list(ast.literal_eval(keys.value)))
    elif kind == dg.DagsterEventType.STEP_START:
        progress.step_started(event.step_key)
    elif kind == dg.DagsterEventType.STEP_SUCCESS:
        progress.step_finished(event.step_key, "success")
    elif kind == dg.DagsterEventType.STEP_FAILURE:
        progress.step_finished(event.step_key, "failed")
    elif kind == dg.DagsterEventType.STEP_SKIPPED:
        progress.step_finished(event.step_key, "skipped")
    elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.event_specific_data
        progress.check_result(evaluation.check_name, evaluation.passed,
                              getattr(evaluation.severity, "value", "ERROR"))


@dg.logger(config_schema={}, description="Feeds the progress display of `plantrack run` (no output).")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("plantrack.progress", level=logging.DEBUG)
    logger.addHandler(_ProgressHandler())
    return logger


LOGGERS = {"console": dg.colored_console_logger, "file": file_logger, "progress": progress_logger}


def run_loggers(log_file: Path, verbose: bool) -> dict:
    """The ``loggers`` section of a `plantrack run`'s run config."""
    loggers: dict = {"file": {"config": {"path": str(log_file)}}, "progress": {"config": {}}}
    if verbose:
        loggers["console"] = {"config": {"log_level": "INFO"}}
    return loggers


class _RunOutput(io.TextIOBase):
    """stdout during a run: every line into the log file, dbt's counter to the progress display,
    and (--verbose) to the terminal as before."""

    def __init__(self, file: TextIO, progress: RunProgress, echo: TextIO | None):
        self.file, self.progress, self.echo = file, progress, echo
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.file is not None:
            try:
                self.file.write(text)
            except OSError:  # a full disk: the log stops, the run goes on
                self.file = None
        if self.echo is not None:
            self.echo.write(text)
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.progress.dbt_line(None, line)
        return len(text)

    def flush(self) -> None:
        if self.file is not None:
            try:
                self.file.flush()
            except OSError:
                self.file = None
        if self.echo is not None:
            self.echo.flush()


@contextlib.contextmanager
def run_output(progress: RunProgress, log_file: Path, verbose: bool) -> Iterator[None]:
    """For the run: the progress display follows Dagster's events, and stdout (dbt's lines)
    goes to the log file (and, with --verbose, to the terminal too)."""
    global _following
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file = open(log_file, "a", encoding="utf-8", buffering=1)
    except OSError:  # a full disk: no log file, the run goes on (and its summary says why)
        file = None
    _following = progress
    try:
        with contextlib.redirect_stdout(_RunOutput(file, progress, sys.stdout if verbose else None)):
            yield
    finally:
        _following = None
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
