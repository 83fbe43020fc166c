"""End to end: `plantrack sample` → `plantrack run` (the real Dagster job, in process, on the
project's dagster.yaml), on clean sample data and on a bad night (--faults)."""

import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from tests.integration.conftest import run
from sources.contract import contracts
from sources.sample.generate import FAULT_FILES, PLANTED_BAD_ROWS, generate


def test_clean_sample_exits_zero_and_fills_every_extract(clean_run):
    tmp, code, con = clean_run
    assert code == 0
    for extract in contracts():
        assert con.execute(f"SELECT count(*) FROM raw.{extract}").fetchall()[0][0] > 0, extract


def test_every_sample_file_is_listed_in_meta_files(clean_run):
    tmp, _, con = clean_run
    delivered = sorted(str(p.relative_to(tmp / "landing")) for p in (tmp / "landing").rglob("*") if p.is_file())
    listed = sorted(r[0] for r in con.execute("SELECT path FROM meta.files").fetchall())
    assert listed == delivered
    assert con.execute("SELECT DISTINCT status FROM meta.files").fetchall() == [("loaded",)]


def test_planted_bad_rows_sit_in_quarantine_with_their_reasons(clean_run):
    _, _, con = clean_run
    assert PLANTED_BAD_ROWS, "the sample plants bad rows"
    for extract, file, row, reason in PLANTED_BAD_ROWS:
        found = con.execute("""SELECT q.reason FROM meta.quarantine q JOIN meta.files f USING (file_id)
            WHERE q.extract = ? AND f.path = ? AND q.row_number = ?""",
                            [extract, f"{extract}/{file}", row]).fetchall()
        assert found and reason in found[0][0], (extract, file, row, found)
    planted = {(e, f"{e}/{f}", r) for e, f, r, _ in PLANTED_BAD_ROWS}
    quarantined = set(con.execute("""SELECT q.extract, f.path, q.row_number FROM meta.quarantine q
        JOIN meta.files f USING (file_id)""").fetchall())
    assert quarantined == planted  # and nothing else was thrown out


def test_row_accounting_on_the_sample(clean_run):
    _, _, con = clean_run
    for extract in contracts():
        got = con.execute(f"""SELECT f.path, f.rows_read, f.rows_loaded, f.rows_quarantined,
                (SELECT count(*) FROM raw.{extract} r WHERE r._file_id = f.file_id),
                (SELECT count(DISTINCT row_number) FROM meta.quarantine q WHERE q.file_id = f.file_id)
            FROM meta.files f WHERE f.extract = ?""", [extract]).fetchall()
        for path, read, loaded, quarantined, in_raw, in_q in got:
            assert read == loaded + quarantined == in_raw + in_q, path


def test_illustrative_allocations_are_marked(clean_run):
    _, _, con = clean_run
    notes = con.execute("SELECT DISTINCT note FROM raw.plan_allocations").fetchall()
    assert notes and all("illustrative" in n[0] for n in notes)


def test_a_second_run_with_nothing_new_loads_nothing(clean_run):
    tmp, _, con = clean_run
    before = con.execute("SELECT count(*), max(processed_at) FROM meta.files").fetchall()
    code, _ = run(tmp)
    assert code == 0 and con.execute("SELECT count(*), max(processed_at) FROM meta.files").fetchall() == before


def test_a_bad_night_exits_nonzero_names_each_rejected_file_and_loads_the_rest(tmp_path, dagster_storage, capsys):
    assert main(["sample", "--landing", str(tmp_path / "landing"), "--faults"]) == 0
    code, warehouse = run(tmp_path)
    captured = capsys.readouterr()
    out = captured.out
    assert code == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    rejected = dict(con.execute("SELECT path, error FROM meta.files WHERE status = 'rejected'").fetchall())
    assert set(rejected) == set(FAULT_FILES)
    for path, reason in FAULT_FILES.items():
        assert reason in rejected[path]
        assert path in out  # the summary names the file …
    assert "reports/data_quality.html" in "".join(out.split())  # … and the data-quality page
    _progress_not_log_lines(out, captured.err)
    dup = con.execute("SELECT path FROM meta.files WHERE status = 'duplicate'").fetchall()
    assert dup == [("env_monitoring_outlets/自动监控点位(重发).csv",)]
    # … and everything else loaded, including the revision, which supersedes the first delivery
    assert con.execute("SELECT count(*) FROM meta.files WHERE status = 'loaded'").fetchall()[0][0] == \
        sum(1 for p in (tmp_path / "landing").rglob("*") if p.is_file()) - len(FAULT_FILES) - 1
    energy = con.execute("""SELECT energy_total FROM raw.stats_city_indicators
        WHERE region_code = '210300' AND period = '2015' ORDER BY _file_id""").fetchall()
    assert len(energy) == 2 and energy[1][0] == pytest.approx(round(energy[0][0] * 1.015, 2))
    [(run_id,)] = con.execute("SELECT DISTINCT run_id FROM meta.files").fetchall()  # the night's only run
    quarantined = {x for x, n in con.execute(
        "SELECT extract, sum(rows_quarantined) FROM meta.files WHERE run_id = ? GROUP BY ALL", [run_id]).fetchall() if n}
    con.close()
    assert_the_ui_shows_the_bad_night(run_id, {p.split("/")[0] for p in FAULT_FILES}, quarantined)


def assert_the_ui_shows_the_bad_night(run_id: str, rejected: set[str], quarantined: set[str]) -> None:
    """What the Dagster UI shows of the night: in the run's events, a failed ERROR check
    rejected_files on the raw asset of each extract with a rejected file, a WARN check
    quarantined_rows where rows went to quarantine, passed checks elsewhere; the summary in the
    run's tags and in a materialisation of runs/summary that links to the run."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        evaluations = [r.dagster_event.event_specific_data for r in instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
        by_check = {(e.asset_key.path[-1], e.check_name): e for e in evaluations}
        assert {x for (x, name), e in by_check.items() if name == "rejected_files" and not e.passed} == rejected
        for x in rejected:
            assert by_check[(x, "rejected_files")].severity == dg.AssetCheckSeverity.ERROR
        assert {x for (x, name), e in by_check.items() if name == "quarantined_rows" and not e.passed} == quarantined
        assert all(by_check[(x, "quarantined_rows")].severity == dg.AssetCheckSeverity.WARN for x in quarantined)
        assert by_check[("stats_city_indicators", "rejected_files")].passed  # its files all loaded
        run = instance.get_run_by_id(run_id)
        assert run.tags["plantrack/exit_code"] == "1"
        assert run.tags["plantrack/summary"].startswith(f"exit 1: ") and f"{len(rejected)} rejected" in run.tags["plantrack/summary"]
        summary = instance.get_latest_materialization_event(dg.AssetKey(["runs", "summary"])).asset_materialization
        assert summary.metadata["run"].value == run_id and summary.metadata["exit_code"].value == 1
        assert summary.metadata["files_rejected"].value == len(rejected)
        for path in FAULT_FILES:
            assert path in summary.metadata["summary"].value
        assert summary.metadata["data_quality_page"].path.endswith("data_quality.html")


DBT_LINE = re.compile(r"^\d+ of \d+ (OK|PASS) ", re.M)  # dbt's own lines, "12 of 150 OK created …"


def _progress_not_log_lines(out: str, err: str) -> Path:
    """What a run prints when not on a terminal: a few progress lines and the summary, not
    Dagster's and dbt's ~550 lines — those are in the log file the summary names."""
    for stream in (out, err):
        assert " - dagster - " not in stream and "Running with dbt" not in stream
        assert not DBT_LINE.search(stream)
    for label in ("starting 启动:", "run 运行:", "ingest 入库:", "checks 检查:", "dbt 模型 models:", "steps 步骤:"):
        assert label in out, label
    assert len(out.splitlines()) < 120
    logs = [line.split("log 日志: ", 1)[1] for line in out.splitlines() if line.startswith("log 日志: ")]
    assert len(logs) == 1
    log = Path(logs[0])
    text = log.read_text(encoding="utf-8")
    assert " - dagster - DEBUG - " in text and " - dagster - INFO - " in text  # the whole event log
    assert re.search(r"\d+ of \d+ START seed file reference\.", text) and "Done. PASS=" in text  # and dbt's
    assert "→ loaded," in text and "STEP_SUCCESS" in text
    return log


def test_verbose_brings_the_detail_back(clean_run, tmp_path, capsys):
    # on a copy of the sample build with a new delivery, so that dbt runs (a night with nothing
    # new rebuilds no model) and the shared build stays as it is
    source, _, _ = clean_run
    tmp = tmp_path / "copy"
    shutil.copytree(source, tmp)
    reports = tmp / "landing" / "plan_progress_reports"
    resent = reports / "专项工作进展_补报.csv"
    resent.write_bytes((reports / "专项工作进展.csv").read_bytes() + b"\n")  # new bytes, the same rows
    capsys.readouterr()
    code, _ = run(tmp, "--verbose")
    out, err = capsys.readouterr()
    assert code == 0
    assert " - dagster - INFO - " in err and DBT_LINE.search(out)  # Dagster's lines and dbt's, as before
    assert "steps 步骤:" not in out                             # no progress lines among them
    log = Path(next(line for line in out.splitlines() if line.startswith("log 日志: ")).split(": ", 1)[1])
    assert DBT_LINE.search(log.read_text(encoding="utf-8"))      # the file has them all the same
    assert out.splitlines()[-1].startswith("exit 0: OK")


def test_sample_is_deterministic(tmp_path):
    def digests(folder):
        generate(folder, seed=7)
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
