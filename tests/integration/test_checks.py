"""Great Expectations checks inside the real Dagster run: warnings annotate and the build goes
on; a failed critical check stops the marts, exits 2, names the check, and keeps blocking on
later nights until a corrected delivery passes."""

import json
import shutil

from tests.integration.conftest import Warehouse, run

HEADER = ("统计期,地区,地区生产总值,地区生产总值指数(上年=100),第三产业增加值,战略性新兴产业增加值,规模以上工业增加值,"
          "规模以上工业增加值指数(上年=100),能源消费总量,规模以上工业综合能源消费量,煤炭消费量,石油消费量,天然气消费量,全社会用电量\n")


def test_sample_passes_the_critical_checks_and_trips_a_few_warnings(clean_run):
    tmp, code, con = clean_run
    assert code == 0
    verdicts = dict(con.execute("""SELECT suite, CASE WHEN bool_or(NOT success AND severity = 'error') THEN 'failed'
        WHEN bool_or(NOT success) THEN 'warning' ELSE 'passed' END FROM dq.check_results GROUP BY suite""").fetchall())
    assert len(verdicts) == 25 and "failed" not in verdicts.values()
    assert {s for s, v in verdicts.items() if v == "warning"} >= {"completeness", "indicator_moves"}
    assert con.execute("SELECT DISTINCT data_quality FROM marts.target_progress ORDER BY 1").fetchall() == [
        ("passed",), ("warnings",)]
    assert (tmp / "reports" / "data_quality.html").exists() and not (tmp / "gx").exists()
    manifest = json.loads((tmp / "exports" / "manifest.json").read_text(encoding="utf-8"))
    assert "warning" in manifest["data_quality"]


def test_a_failed_critical_check_blocks_the_marts(clean_run, tmp_path, capsys):
    source, _, _ = clean_run
    for name in ("landing", "warehouse.duckdb", "exports"):
        (shutil.copytree if (source / name).is_dir() else shutil.copy)(source / name, tmp_path / name)
    con = Warehouse(tmp_path / "warehouse.duckdb")
    before = con.execute("SELECT count(*), sum(hash(target_id, region_code, as_of, status)) FROM marts.target_progress").fetchall()
    built = json.loads((tmp_path / "exports" / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    capsys.readouterr()

    original = con.execute("SELECT gdp_current, gdp_index, services_va, strategic_emerging_va, industrial_va, "
                           "industrial_va_index, energy_total, industrial_energy, coal, oil, gas, electricity "
                           "FROM staging.stg_stats_city_indicators WHERE region_code = '210100' AND period = '2015'"
                           ).fetchall()[0]
    bad = tmp_path / "landing" / "stats_city_indicators" / "2015_补报.csv"
    bad.write_text(HEADER + "2015,沈阳市,7600,310,3500,380,2900,95,3300,2300,2300,900,19,330\n", encoding="utf-8")
    code, _ = run(tmp_path)
    out = capsys.readouterr().out
    assert code == 2
    assert "raw_stats_city_indicators" in out and "gdp_index" in out and "marts not rebuilt" in out
    assert con.execute("SELECT count(*), sum(hash(target_id, region_code, as_of, status)) FROM marts.target_progress").fetchall() == before
    assert json.loads((tmp_path / "exports" / "manifest.json").read_text(encoding="utf-8"))["built_at"] == built

    # the next night, nothing new: still blocked, and said so
    assert run(tmp_path)[0] == 2
    assert "still failing" in capsys.readouterr().out

    # the bureau resends its row as it was, the index corrected: the marts are rebuilt, and the
    # same figures give the same marts. (Corrected figures that moved the intensity would also
    # need the bureau's revised cut, or reconciliation_published_cut would block in turn.)
    (tmp_path / "landing" / "stats_city_indicators" / "2015_补报_更正.csv").write_text(
        HEADER + "2015,沈阳市," + ",".join(str(v) for v in original) + "\n", encoding="utf-8")
    assert run(tmp_path)[0] == 0
    assert con.execute("SELECT count(*), sum(hash(target_id, region_code, as_of, status)) FROM marts.target_progress").fetchall() == before
    assert json.loads((tmp_path / "exports" / "manifest.json").read_text(encoding="utf-8"))["built_at"] != built
