"""Progress on long steps (issue 16, item 5): the progress display of `plantrack run` and
`plantrack sample`, fed as the wiring feeds it, in plain lines (not a terminal) and live (a
terminal); the loader's lines are what the display parses; the run's loggers."""

import io

from orchestration.core.progress import DBT_NODE, FILE_DONE, FILE_STARTED, RunProgress, step_kind

EXTRACTS = {"env_boilers", "stats_city_indicators"}
STEPS = ["raw__env_boilers", "raw__stats_city_indicators", "raw__env_boilers_raw_env_boilers",
         "dbt_models", "warehouse__published", "exports__parquet", "reports__bulletin"]


def feed(progress: RunProgress) -> None:
    """A small run: two extracts (3 files, 1,500 rows, 2 quarantined), one check, three dbt
    nodes (one warns), the three final steps."""
    progress.plan(STEPS)
    progress.plan(STEPS)  # the executor lists the steps again when it ends: said once
    progress.step_started("raw__env_boilers")
    progress.log_line("raw__env_boilers", "env_boilers: env_boilers/a.csv (1/2, 0.1 MB)")
    progress.log_line("raw__env_boilers", "env_boilers: env_boilers/a.csv → loaded, 1000 rows loaded, 2 quarantined")
    progress.log_line("raw__env_boilers", "env_boilers: env_boilers/b.csv (2/2, 0.1 MB)")
    progress.log_line("raw__env_boilers", "env_boilers: env_boilers/b.csv → rejected: not a table")
    progress.step_finished("raw__env_boilers")
    progress.step_started("raw__stats_city_indicators")
    progress.log_line(None, "stats_city_indicators: s/x.csv (1/1, 0.0 MB)")
    progress.log_line(None, "stats_city_indicators: s/x.csv → loaded, 500 rows loaded, 0 quarantined")
    progress.step_finished("raw__stats_city_indicators")
    progress.step_started("raw__env_boilers_raw_env_boilers")
    progress.check_result("raw_env_boilers", passed=False, severity="WARN")
    progress.step_finished("raw__env_boilers_raw_env_boilers")
    progress.step_started("dbt_models")
    for line in ["Running with dbt=1.11.16", "1 of 3 START sql table model staging.a ....... [RUN]",
                 "1 of 3 OK created sql table model staging.a .... [OK in 0.1s]",
                 "2 of 3 START test x ....... [RUN]", "2 of 3 WARN 1 x ....... [WARN 1 in 0.1s]",
                 "3 of 3 START test y ....... [RUN]", "3 of 3 PASS y ....... [PASS in 0.1s]"]:
        progress.dbt_line(None, line)
    progress.step_finished("dbt_models")
    for step in STEPS[-3:]:
        progress.step_started(step)
        progress.step_finished(step)
    progress.step_finished("reports__bulletin")  # an event seen twice counts once
    progress.close()


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = RunProgress(out=out, extracts=EXTRACTS)
    assert progress.live is False
    progress.stage("starting 启动: loading")
    feed(progress)
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines[0] == "starting 启动: loading"
    assert lines.count("run 运行: 7 steps — 2 extract(s) to load, 1 check step(s)") == 1
    # hand-counted: 3 files (one rejected), 1,000 + 500 rows, 2 quarantined, both extracts done
    assert "ingest 入库: 2/2 extracts · 3 files · 1,500 rows · 2 quarantined — done 完成" in lines
    assert "checks 检查: 1/1 check steps · raw_env_boilers warned — done 完成" in lines
    assert "dbt 模型 models: 3/3 dbt nodes · 1 WARN — done 完成" in lines
    assert lines[-1] == "steps 步骤: 7/7 steps — done 完成"
    assert len(lines) <= 12  # a few lines, not one per event


def test_a_live_display_on_a_terminal():
    out = io.StringIO()
    progress = RunProgress(out=out, live=True, extracts=EXTRACTS)
    feed(progress)
    text = out.getvalue()
    for label, count in (("ingest 入库", "2/2"), ("checks 检查", "1/1"), ("dbt 模型 models", "3/3"),
                         ("steps 步骤", "7/7")):
        line = next(line for line in text.splitlines() if label in line)
        assert count in line, line
    assert "1,500 rows" in text


def test_quiet_shows_only_the_commands_own_lines():
    out = io.StringIO()
    progress = RunProgress(out=out, quiet=True, extracts=EXTRACTS)
    progress.stage("starting")
    progress.say("plan 计划: first build")
    feed(progress)
    assert out.getvalue() == "plan 计划: first build\n"


def test_the_patterns_read_the_loaders_and_dbts_own_lines(landing, ingest, warehouse):
    """The display parses what sources/load.py logs: a real ingest's lines give its counts."""
    from sources.contract import contracts
    from sources.load import ingest_extract

    landing.deliver("env_pollutant_totals", "p.csv", "年份,地区,化学需氧量,氨氮,二氧化硫,氮氧化物\n"
                    "2014,沈阳市,1200,100,3000,2500\n2014,大连,1100,90,-1,2400\n")
    lines: list[str] = []
    outcome = ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root, "t", log=lines.append)
    assert [bool(FILE_STARTED.match(line)) for line in lines] == [True, False]
    done = FILE_DONE.match(lines[1])
    assert (done["status"], done["rows"], done["quarantined"]) == ("loaded", "1", "1")
    assert (outcome.files[0].rows_loaded, outcome.files[0].rows_quarantined) == (1, 1)
    # dbt's lines as dagster-dbt re-emits them (colour codes and all)
    m = DBT_NODE.match("12 of 150 OK created sql table model intermediate.int_x ... [\x1b[32mOK\x1b[0m in 0.1s]")
    assert (m["i"], m["n"], m["what"]) == ("12", "150", "OK")
    assert DBT_NODE.match("Finished running 9 table models in 0 hours") is None


def test_step_kinds():
    assert [step_kind(s, EXTRACTS) for s in STEPS] == ["ingest", "ingest", "check", "dbt", "final", "final", "final"]
    assert step_kind("intermediate__int_indicator_values_completeness", EXTRACTS) == "check"


def test_the_run_picks_its_loggers():
    from pathlib import Path

    from orchestration.logs import LOGGERS, run_loggers

    quiet = run_loggers(Path("/x/run.log"), verbose=False)
    assert set(quiet) == {"file", "progress"} and quiet["file"]["config"]["path"] == "/x/run.log"
    assert set(run_loggers(Path("/x/run.log"), verbose=True)) == {"file", "progress", "console"}
    assert set(LOGGERS) == {"console", "file", "progress"}  # console alone when a run config names none


def test_sample_shows_a_counter(tmp_path, capsys):
    from orchestration.cli import main

    assert main(["sample", "--landing", str(tmp_path / "landing")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.endswith("sample 样例: 44 files · 39.7 MB — done 完成") for line in out), out
    assert out[-1] == f"wrote 44 files under {tmp_path / 'landing'}"


def test_a_full_disk_stops_the_log_not_the_run(tmp_path):
    """On a full disk the run's log file stops; dbt's lines still reach the progress display and
    nothing raises into the run (the summary names the full disk)."""
    import logging

    from orchestration.logs import _LogFile, _RunOutput

    class FullDisk(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    progress = RunProgress(out=io.StringIO(), extracts=EXTRACTS)
    progress.plan(STEPS)
    progress.step_started("dbt_models")
    tap = _RunOutput(FullDisk(), progress, echo=None)
    tap.write("1 of 2 START x\n1 of 2 OK x\n")
    tap.write("2 of 2 PASS y\n")
    tap.flush()
    assert tap.file is None and progress.counters["dbt_models"].done == 2
    handler = _LogFile(str(tmp_path / "log"), delay=True)
    handler.stream = FullDisk()
    record = logging.LogRecord("dagster", logging.INFO, __file__, 1, "a line", None, None)
    handler.emit(record)  # no "--- Logging error ---", no raise
    assert handler.broken
    handler.emit(record)


def test_the_checks_line_keeps_whole_names_and_the_hook_is_not_a_node():
    """Many warned checks: the line keeps the newest whole names (it was cut at 120 characters,
    mid-word); the project's on-run-start hook ("1 of 1 OK hook: …", Spark's lake registration)
    does not show as "1/1 dbt nodes" before dbt's real count."""
    out = io.StringIO()
    progress = RunProgress(out=out, extracts=EXTRACTS)
    names = [f"reconciliation_suite_number_{i}" for i in range(8)]
    progress.plan([f"x_{n}" for n in names] + ["dbt_models"])
    for name in names:
        progress.step_started(f"x_{name}")
        progress.check_result(name, passed=False, severity="WARN")
        progress.step_finished(f"x_{name}")
    progress.step_started("dbt_models")
    progress.dbt_line(None, "1 of 1 START hook: plantrack.on-run-start.0 ....... [RUN]")
    progress.dbt_line(None, "1 of 1 OK hook: plantrack.on-run-start.0 ....... [OK in 0.01s]")
    progress.dbt_line(None, "1 of 40 OK created sql view model staging.a ....... [OK in 0.1s]")
    progress.close()
    lines = out.getvalue().splitlines()
    checks = [line for line in lines if "checks 检查" in line][-1]
    findings = checks.split(" · ", 1)[1].removesuffix(" — done 完成")
    assert findings.startswith("… ") and len(findings) <= 125, findings
    assert all(item.removeprefix("… ").removesuffix(" warned") in names for item in findings.split(" · ")), findings
    assert "reconciliation_suite_number_7 warned" in findings
    assert not any("1/1 dbt nodes" in line for line in lines), lines
