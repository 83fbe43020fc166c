"""Revisions value by value, as an office sends them (issue 11), on top of the sample build:

1. the statistics bureau revises Shenyang's 2015 energy use alone (the issue's GBK file) and,
   in a second file, its published 2015 energy-intensity cut to match; a third file sends
   Shenyang's 2015 coal as "—"; a fourth carries the key and no measure;
2. the plan office withdraws the two revisions;
3. a typo (a GDP index of 1070) blocks the marts until the file is withdrawn;
4. an operator cleans a file out of the landing folder.

Expected figures are worked out here from the figures before the revision, with the formulas
of docs/METHODS.md: intensity = energy / comparable-price GDP, cut = 1 − EI(2015) / EI(base)."""

import os
import shutil
import time

import pytest

from orchestration.cli import main

from .conftest import Warehouse, run

SHENYANG_2015 = "region_code = '210100' AND period = '2015'"


def _deliver(landing, extract: str, name: str, text: str, when: str, encoding="utf-8"):
    path = landing / extract / name
    path.write_bytes(text.encode(encoding))
    stamp = time.mktime(time.strptime(when, "%Y-%m-%d %H:%M"))
    os.utime(path, (stamp, stamp))
    return path


def _figures(wh: Warehouse) -> dict:
    one = lambda sql: wh.execute(sql).fetchall()[0]  # noqa: E731
    energy, gdp, coal, cut = one(f"SELECT energy_total, gdp_current, coal, published_energy_intensity_cut "
                                 f"FROM staging.stg_stats_city_indicators WHERE {SHENYANG_2015}")
    level, denominator = one(f"SELECT level, denominator FROM intermediate.int_energy_intensity WHERE {SHENYANG_2015}")
    level_2014, = one("SELECT level FROM intermediate.int_energy_intensity WHERE region_code = '210100' AND period = '2014'")
    level_2013, = one("SELECT level FROM intermediate.int_energy_intensity WHERE region_code = '210100' AND period = '2013'")
    target_cut, = one("SELECT actual_value FROM marts.target_progress WHERE region_code = '210100' "
                      "AND target_id = 'city_energy_intensity_cut' AND as_of = '2015-12-31'")
    return dict(energy=energy, gdp=gdp, coal=coal, published_cut=cut, level=level, denominator=denominator,
                level_2014=level_2014, level_2013=level_2013, target_cut=target_cut)


def _marts(wh: Warehouse) -> list:
    return wh.execute("SELECT target_id, region_code, as_of, round(actual_value, 9), status "
                      "FROM marts.target_progress ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def story(clean_run, tmp_path_factory):
    source, code, wh = clean_run
    assert code == 0
    tmp = tmp_path_factory.mktemp("revisions")
    shutil.copytree(source / "landing", tmp / "landing")  # copy2: the files keep their times
    shutil.copy(source / "warehouse.duckdb", tmp / "warehouse.duckdb")
    landing, wh = tmp / "landing", Warehouse(tmp / "warehouse.duckdb")
    out = {"before": _figures(wh), "marts_before": _marts(wh)}
    b = out["before"]

    # 1. the revisions; the bureau's cut to match its new energy figure, to two decimals
    revised_cut = round(100 * (1 - (3456.7 / b["denominator"]) / b["level_2014"]), 2)
    _deliver(landing, "stats_city_indicators", "2015年沈阳能耗修订.csv",
             '统计期,地区,能源消费总量(万吨标准煤)\n2015,沈阳市,"3,456.7"\n', "2016-03-05 10:00", "gbk")
    _deliver(landing, "stats_city_indicators", "2015年沈阳降低率修订.csv",
             f"统计期,地区,单位地区生产总值能耗降低率(%)\n2015,沈阳市,{revised_cut}\n", "2016-03-05 10:01", "gbk")
    _deliver(landing, "stats_city_indicators", "2015年沈阳煤炭.csv",
             "统计期,地区,煤炭消费量(万吨)\n2015,沈阳市,—\n", "2016-03-06 09:00")
    _deliver(landing, "stats_city_indicators", "只有键.csv", "统计期,地区\n2015,沈阳市\n", "2016-03-06 09:01")
    out["code_1"], _ = run(tmp)
    out["revised_cut"] = revised_cut
    out["after_1"] = _figures(wh)
    out["withdrawn_values"] = wh.execute(
        "SELECT extract, key, measure, missing_in_path, figure_from_path FROM quality.quality_withdrawn_values").fetchall()
    out["warning"] = wh.execute("SELECT success FROM dq.latest_results WHERE suite = 'withdrawn_values'").fetchall()
    out["as_known"] = [wh.execute(f"SELECT energy_total FROM staging.stats_city_indicators_as_known_on(DATE '{d}') "
                                  f"WHERE {SHENYANG_2015}").fetchall()[0][0]
                       for d in ("2016-03-04", "2016-03-05")]
    out["delivered"] = wh.execute("""SELECT f.path, f.columns_delivered, r.energy_total
        FROM raw.stats_city_indicators r JOIN meta.files f ON f.file_id = r._file_id
        WHERE r.region_code = '210100' AND r.period = '2015' ORDER BY f.file_id""").fetchall()

    # 2. both revisions withdrawn
    for name in ("2015年沈阳能耗修订.csv", "2015年沈阳降低率修订.csv"):
        assert main(["withdraw", f"stats_city_indicators/{name}", "--reason", "待复核",
                     "--landing", str(landing), "--warehouse", str(tmp / "warehouse.duckdb")]) == 0
    out["code_2"], _ = run(tmp)
    out["after_2"], out["marts_after_2"] = _figures(wh), _marts(wh)
    out["history"] = wh.execute(f"SELECT count(*) FROM raw.stats_city_indicators WHERE {SHENYANG_2015}").fetchall()[0][0]
    # as known on 2016-03-05 the revision counted (it was withdrawn years later); as known today
    # (in Beijing: the day the macro compares with), not
    out["as_known_after_withdrawal"] = [
        wh.execute(f"SELECT energy_total FROM staging.stats_city_indicators_as_known_on({d}) "
                   f"WHERE {SHENYANG_2015}").fetchall()[0][0] for d in ("DATE '2016-03-05'", "CAST(timezone('Asia/Shanghai', now()) AS DATE)")]

    # 3. a typo that blocks, then its withdrawal
    _deliver(landing, "stats_city_indicators", "指数.csv",
             "统计期,地区,地区生产总值指数(上年=100)\n2015,沈阳市,1070\n", "2016-03-07 09:00")
    out["code_3"], _ = run(tmp)
    out["blocked_marts"] = _marts(wh)
    assert main(["withdraw", "stats_city_indicators/指数.csv", "--reason", "1070 应为 107.0",
                 "--landing", str(landing), "--warehouse", str(tmp / "warehouse.duckdb")]) == 0
    out["code_3b"], _ = run(tmp)
    out["failing_3b"] = wh.execute("SELECT DISTINCT suite FROM dq.latest_results WHERE NOT success AND severity = 'error'").fetchall()

    # 4. a file cleaned out of the landing folder
    (landing / "stats_city_indicators" / "只有键.csv").unlink()
    (landing / "stats_city_indicators" / "2015年沈阳煤炭.csv").unlink()
    out["code_4"], _ = run(tmp)
    # a run's own row reaches the published file with the next build: read the working file
    out["runs"] = Warehouse(tmp / "warehouse.build.duckdb").execute(
        "SELECT summary FROM meta.runs ORDER BY finished_at").fetchall()
    out["after_4"], out["marts_after_4"] = _figures(wh), _marts(wh)
    return out


def test_a_one_column_revision_supersedes_that_column_only(story):
    b, a = story["before"], story["after_1"]
    assert story["code_1"] == 1                      # the key-only file is rejected; the rest loads
    assert a["energy"] == pytest.approx(3456.7)
    assert (a["gdp"], a["coal"]) == (b["gdp"], b["coal"])   # not carried, or "—": the earlier figures stand
    assert a["published_cut"] == story["revised_cut"]
    # the intensity and the cut move with the energy figure, nothing else
    assert a["denominator"] == pytest.approx(b["denominator"])
    assert a["level"] == pytest.approx(3456.7 / b["denominator"])
    assert a["target_cut"] == pytest.approx(100 * (1 - (3456.7 / b["denominator"]) / b["level_2013"]))
    assert a["target_cut"] < b["target_cut"] - 2                  # a 4.6 % rise in energy use costs the cut


def test_every_delivery_stays_with_what_it_carried(story):
    delivered = story["delivered"]
    assert len(delivered) == 4 and delivered[0][2] == pytest.approx(story["before"]["energy"])
    assert delivered[1] == ("stats_city_indicators/2015年沈阳能耗修订.csv", ["period", "region_code", "energy_total"], 3456.7)
    assert delivered[3][1] == ["period", "region_code", "coal"] and delivered[3][2] is None


def test_a_missing_marker_is_a_withdrawn_question_not_an_erasure(story):
    assert story["withdrawn_values"] == [("stats_city_indicators", "210100 / 2015", "coal",
                                          "stats_city_indicators/2015年沈阳煤炭.csv",
                                          "stats_city_indicators/2014-2015年度_各市指标.csv")]
    assert story["warning"] and not any(ok for ok, in story["warning"])


def test_figures_as_known_on_a_date(story):
    assert story["as_known"] == [pytest.approx(story["before"]["energy"]), pytest.approx(3456.7)]


def test_withdrawn_revisions_stop_counting_and_stay_as_history(story):
    assert story["code_2"] == 0
    assert story["after_2"]["energy"] == pytest.approx(story["before"]["energy"])
    assert story["after_2"]["published_cut"] == story["before"]["published_cut"]
    assert story["marts_after_2"] == story["marts_before"]   # the same deliveries count: the same marts
    assert story["history"] == 4
    assert story["as_known_after_withdrawal"] == [pytest.approx(3456.7), pytest.approx(story["before"]["energy"])]


def test_a_blocking_delivery_is_unblocked_by_its_withdrawal(story):
    assert story["code_3"] == 2 and story["blocked_marts"] == story["marts_before"]
    assert story["code_3b"] == 0 and story["failing_3b"] == []


def test_a_file_cleaned_from_the_landing_folder_keeps_its_data(story):
    assert story["code_4"] == 0
    assert story["after_4"] == story["after_2"] and story["marts_after_4"] == story["marts_before"]
    # the key-only file was rejected: only the coal file's data are kept without their file
    assert "1 delivered file(s) no longer in the landing folder, data kept" in story["runs"][-1][0]
