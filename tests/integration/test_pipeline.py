"""End to end: `plantrack sample` → `plantrack run` (the real Dagster job, in process, on the
project's dagster.yaml), on clean sample data and on a bad night (--faults)."""

import hashlib

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
    out = capsys.readouterr().out
    assert code == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    rejected = dict(con.execute("SELECT path, error FROM meta.files WHERE status = 'rejected'").fetchall())
    assert set(rejected) == set(FAULT_FILES)
    for path, reason in FAULT_FILES.items():
        assert reason in rejected[path]
        assert path in out  # the summary names the file …
    dup = con.execute("SELECT path FROM meta.files WHERE status = 'duplicate'").fetchall()
    assert dup == [("env_monitoring_outlets/自动监控点位(重发).csv",)]
    # … and everything else loaded, including the revision, which supersedes the first delivery
    assert con.execute("SELECT count(*) FROM meta.files WHERE status = 'loaded'").fetchall()[0][0] == \
        sum(1 for p in (tmp_path / "landing").rglob("*") if p.is_file()) - len(FAULT_FILES) - 1
    energy = con.execute("""SELECT energy_total FROM raw.stats_city_indicators
        WHERE region_code = '210300' AND period = '2015' ORDER BY _file_id""").fetchall()
    assert len(energy) == 2 and energy[1][0] == pytest.approx(round(energy[0][0] * 1.015, 2))
    con.close()


def test_sample_is_deterministic(tmp_path):
    def digests(folder):
        generate(folder, seed=7)
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file()}
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
