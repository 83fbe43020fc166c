"""Explain a figure (issue 17): `plantrack explain` and marts.target_lineage on a small build
whose every figure is worked out here by hand.

The deliveries (times are the files' modification times, UTC; the lineage shows Beijing time):

- stats_city_indicators/省_2013-2015.csv (2016-01-10 09:00 UTC): the province's GDP of 2013
  (20000 亿元) and energy use 2013–2015 (10000, 9900, 9800 万吨标准煤), GDP indices 105 (2014)
  and 104 (2015), coal, oil and gas of 2013 (8000, 200, 10) and 2015 (7500, 200, 10), on rows 2–4;
- stats_city_indicators/省_2015能耗修订.csv (2016-02-01): 2015 energy use revised to 9700 (row 2);
- env_pollutant_totals/污染物.csv: COD 1,000,000 t (2013, row 2), 990,000 (2014), 960,000 (2015, row 4);
- transport_vehicle_retirements/2014-01.csv: January 2014 from 13 cities — 朝阳市 (211300) missing;
  2014-03.csv: March from 沈阳市 alone (5 + 1) — February from nobody; its row 3, 朝阳's March, is
  quarantined ('1,2O5' is not a number);
- plan_allocations/分解.csv: 沈阳市's energy-intensity cut, 5.0 %, on row 2;
- stats_power_capacity/装机_2013-2014.csv: the province's capacity of 2013 (row 2) and 2014 (row 3),
  装机_2015.csv: 2015 (row 2) — wind 500, 600, 700 万千瓦.

By hand (docs/METHODS.md):
  G(2013) = 20000; G(2015) = 20000 × 1.05 × 1.04 = 21840
  EI(2013) = 10000 / 20000 = 0.5; EI(2015) = 9700 / 21840 = 0.4441391941…
  cut = 1 − 0.4441391941 / 0.5 = 11.1722 %
  COD cut = 1 − 960000 / 1000000 = 4 %
  vehicles retired in January 2014 = Σ (100 + i) + (10 + i), i = 0…12 = 1586, 13 of 14 parts;
  to March: 1586 + 6 = 1592; parts: 14 cities × 3 months = 42, of which 13 + 1 = 14 are there.
  Shenyang: 110 + 6 = 116, 2 of 3 months (February lacks).
  CO2(2013) = 8000 × 1.9003 + 200 × 3.0202 + 10 × 21.622 = 15202.4 + 604.04 + 216.22 = 16022.66 万吨
  CO2(2015) = 7500 × 1.9003 + 604.04 + 216.22 = 15072.51 万吨
"""

import json
import os
import time
from pathlib import Path

import pytest

from orchestration.cli import main

from .conftest import Warehouse, run

CITIES_BUT_CHAOYANG = ["沈阳市", "大连市", "鞍山市", "抚顺市", "本溪市", "丹东市", "锦州市", "营口市", "阜新市",
                       "辽阳市", "盘锦市", "铁岭市", "葫芦岛市"]
ANNUAL = "stats_city_indicators/省_2013-2015.csv"
REVISION = "stats_city_indicators/省_2015能耗修订.csv"
POLLUTANTS = "env_pollutant_totals/污染物.csv"
REPORTS = "plan_progress_reports/进展.csv"


def _deliver(landing: Path, relative: str, text: str, when: str) -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.mktime(time.strptime(when, "%Y-%m-%d %H:%M"))
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def small(tmp_path_factory, dagster_storage):
    tmp = tmp_path_factory.mktemp("explain")
    landing = tmp / "landing"
    _deliver(landing, ANNUAL,
             "统计期,地区,地区生产总值(亿元),地区生产总值指数(上年=100),能源消费总量(万吨标准煤),煤炭消费量,石油消费量,天然气消费量\n"
             "2013,辽宁省,20000,,10000,8000,200,10\n2014,辽宁省,,105,9900,,,\n2015,辽宁省,,104,9800,7500,200,10\n",
             "2016-01-10 09:00")
    _deliver(landing, REVISION, "统计期,地区,能源消费总量(万吨标准煤)\n2015,辽宁省,9700\n", "2016-02-01 09:00")
    _deliver(landing, POLLUTANTS, "年份,地区,化学需氧量\n2013,辽宁省,1000000\n2014,辽宁省,990000\n2015,辽宁省,960000\n",
             "2016-01-11 09:00")
    _deliver(landing, "transport_vehicle_retirements/2014-01.csv",
             "统计期,地区,淘汰黄标车,淘汰老旧车\n"
             + "".join(f"2014-01,{city},{100 + i},{10 + i}\n" for i, city in enumerate(CITIES_BUT_CHAOYANG)),
             "2016-01-12 09:00")
    _deliver(landing, "transport_vehicle_retirements/2014-03.csv",
             '统计期,地区,淘汰黄标车,淘汰老旧车\n2014-03,沈阳市,5,1\n2014-03,朝阳,"1,2O5",2\n', "2016-01-12 09:05")
    _deliver(landing, "plan_allocations/分解.csv", "指标,地区,目标值,单位\ncity_energy_intensity_cut,沈阳市,5.0,%\n",
             "2016-01-09 09:00")
    power = "年份,地区,火电,水电,风电,太阳能发电,核电,生物质发电\n"
    _deliver(landing, "stats_power_capacity/装机_2013-2014.csv",
             power + "2013,辽宁省,3000,100,500,10,0,20\n2014,辽宁省,3100,100,600,20,0,30\n", "2016-01-13 09:00")
    _deliver(landing, "stats_power_capacity/装机_2015.csv", power + "2015,辽宁省,3200,100,700,30,0,40\n", "2016-01-13 09:10")
    code, warehouse = run(tmp)
    assert code == 0
    return tmp, warehouse


def explain(small, capsys, *args) -> tuple[int, str, str]:
    _, warehouse = small
    code = main(["explain", *args, "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_json(small, capsys, target: str) -> dict:
    code, out, _ = explain(small, capsys, target, "--json")
    assert code == 0
    return json.loads(out)


def as_json_for(small, capsys, target: str, region: str) -> dict:
    code, out, _ = explain(small, capsys, target, "--region", region, "--json")
    assert code == 0
    return json.loads(out)


def inputs(steps: list[dict], figure_period: str) -> list[tuple]:
    """The inputs (and superseded deliveries) listed under the figure of one period."""
    start = next(i for i, s in enumerate(steps) if s["step"] == "figure" and s["period"] == figure_period)
    below = []
    for s in steps[start + 1:]:
        if s["depth"] <= 1:
            break
        if s["step"] in ("input", "superseded"):
            below.append((s["step"], s["label"].split(" (")[0], s["value"], s["file_path"], s["source_row"]))
    return below


def test_an_intensity_cut_lists_each_energy_and_gdp_input_with_file_and_row(small, capsys):
    e = as_json(small, capsys, "energy_intensity_cut")
    assert (e["region_code"], e["as_of"], e["status"]) == ("210000", "2015-12-31", "achieved")
    steps = e["steps"]
    assert steps[0]["step"] == "target" and "单位GDP能耗……下降4.9%" in steps[0]["detail"]
    method = next(s for s in steps if s["step"] == "method")
    # 1 − (9700 / 21840) / (10000 / 20000) = 11.1722 %
    assert method["detail"] == "1 − I(2015) / I(2013) = 1 − 0.444139 / 0.5 = 11.1722 %"
    assert round(method["value"], 4) == 11.1722
    figures = {s["period"]: s["detail"] for s in steps if s["step"] == "figure"}
    assert figures == {"2013": "10000.0 / 20000.0 = 0.5", "2015": "9700.0 / 21840.0 = 0.444139"}
    chains = {s["period"]: s["detail"] for s in steps if s["step"] == "chain"}
    assert chains == {"2013": "20000.0 × 1 = 20000.0", "2015": "20000.0 × 105.0/100 × 104.0/100 = 21840.0"}
    # every input carries its unit (the contract's canonical one)
    assert {(s["label"].split(" ")[0], s["unit"]) for s in steps if s["step"] == "input"} == {
        ("energy_total", "万吨标准煤"), ("gdp_current", "亿元"), ("gdp_index", None)}
    assert inputs(steps, "2013") == [
        ("input", "energy_total 210000 2013", 10000, ANNUAL, 2),
        ("input", "gdp_current 210000 2013", 20000, ANNUAL, 2),
    ]
    assert inputs(steps, "2015") == [
        ("input", "energy_total 210000 2015", 9700, REVISION, 2),
        ("superseded", "energy_total 210000 2015 被修订 superseded", 9800, ANNUAL, 4),
        ("input", "gdp_current 210000 2013", 20000, ANNUAL, 2),
        ("input", "gdp_index 210000 2014", 105, ANNUAL, 3),
        ("input", "gdp_index 210000 2015", 104, ANNUAL, 4),
    ]
    # received times in Beijing time (UTC + 8)
    received = {s["file_path"]: s["received_at"] for s in steps if s["file_path"]}
    assert received == {ANNUAL: "2016-01-10 17:00 +08:00", REVISION: "2016-02-01 17:00 +08:00"}


def test_a_revised_input_names_the_delivery_it_superseded(small, capsys):
    code, out, _ = explain(small, capsys, "energy_intensity_cut")
    assert code == 0
    assert "9700.0 万吨标准煤 — stats_city_indicators/省_2015能耗修订.csv row 2, received 2016-02-01 17:00 +08:00" in out
    assert ("被修订 superseded: energy_total 210000 2015 被修订 superseded\n"
            "          9800.0 万吨标准煤 — stats_city_indicators/省_2013-2015.csv row 4, received 2016-01-10 17:00 +08:00 "
            "(replaced by 9700.0)") in out


def test_a_pollutant_cut_lists_both_years_totals(small, capsys):
    e = as_json(small, capsys, "cod_cut")
    steps = e["steps"]
    method = next(s for s in steps if s["step"] == "method")
    # a total, named as one (not an intensity's numerator)
    assert method["detail"] == "1 − 排放总量 total(2015) / 排放总量 total(2013) = 1 − 960000.0 / 1000000.0 = 4.0 %"
    assert [s["label"] for s in steps if s["step"] == "input" and s["period"] == "2013"] == [
        "cod 210000 2013 (total, this period)"]
    assert inputs(steps, "2013") == [("input", "cod 210000 2013", 1_000_000, POLLUTANTS, 2)]
    assert inputs(steps, "2015") == [("input", "cod 210000 2015", 960_000, POLLUTANTS, 4)]
    # 2014 is no input of a cut from 2013 to 2015
    assert [s["period"] for s in steps if s["step"] == "figure"] == ["2013", "2015"]
    status = next(s for s in steps if s["step"] == "status")
    assert status["label"].startswith("achieved / green") and "完成率 completion 200.0%" in status["detail"]


def test_an_incomplete_sum_names_the_missing_city(small, capsys):
    e = as_json(small, capsys, "vehicles_retired_2014")
    assert e["status"] == "incomplete"
    steps = e["steps"]
    method = next(s for s in steps if s["step"] == "method")
    assert method["detail"] == "sum of 2 figures from 2014-01-01 to 2014-03-31 = 1592.0 vehicles"
    missing = [s["detail"] for s in steps if s["step"] == "missing" and not s["label"].startswith("隔离行")]
    others = ", ".join(f"{name} {code}" for code, name in [
        ("210200", "大连市"), ("210300", "鞍山市"), ("210400", "抚顺市"), ("210500", "本溪市"), ("210600", "丹东市"),
        ("210700", "锦州市"), ("210800", "营口市"), ("210900", "阜新市"), ("211000", "辽阳市"), ("211100", "盘锦市"),
        ("211200", "铁岭市"), ("211300", "朝阳市"), ("211400", "葫芦岛市")])
    assert missing == ["应有14份，实有13份 13 of 14 parts; 缺 missing: 朝阳市 211300",
                       f"应有14份，实有1份 1 of 14 parts; 缺 missing: {others}",
                       "应有42份，实有14份 14 of 42 parts, over the figures used; 无数据的期 periods without a figure: 2014-02"]
    city = as_json_for(small, capsys, "vehicles_retired_2014", "210100")["steps"]
    assert [s["detail"] for s in city if s["step"] == "method"] == [
        "sum of 2 figures from 2014-01-01 to 2014-03-31 = 116.0 vehicles"]
    assert [s["detail"] for s in city if s["step"] == "missing" and not s["label"].startswith("隔离行")] == [
        "应有3份，实有2份 2 of 3 parts, over the figures used; 无数据的期 periods without a figure: 2014-02"]
    deliveries = [s for s in steps if s["step"] == "deliveries"]
    assert [(s["extract"], s["file_path"]) for s in deliveries] == [
        ("plan_allocations", "plan_allocations/分解.csv"),  # the cities' targets
        ("transport_vehicle_retirements", "transport_vehicle_retirements/2014-03.csv")]  # the newest of 2
    assert deliveries[1]["label"] == "transport_vehicle_retirements: 2 files"
    # the quarantined row that would have been a missing part (朝阳's March) is named, in full
    assert [s["detail"] for s in steps if s["step"] == "missing" and s["label"].startswith("隔离行")] == [
        "缺 朝阳市 2014-03 — row 3 of transport_vehicle_retirements/2014-03.csv quarantined: not a number ('1,2O5'); "
        'the row as delivered: {"统计期":"2014-03","地区":"朝阳","淘汰黄标车":"1,2O5","淘汰老旧车":"2"}']
    # Shenyang lacks February, which nobody sent: no quarantined row is its
    assert not [s for s in city if s["step"] == "missing" and s["label"].startswith("隔离行")]


def test_checks_are_those_of_the_targets_own_inputs(small, capsys):
    # the raw suite's verdict on the very files used: both stats files were judged in one evaluation
    steps = as_json(small, capsys, "energy_intensity_cut")["steps"]
    checks = [(s["label"], s["detail"]) for s in steps if s["step"] == "check"]
    assert len(checks) == len(set(checks))  # no line twice
    raw = [d for label, d in checks if label == "raw_stats_city_indicators: passed"]
    assert len(raw) == 1 and raw[0].startswith(f"本目标的输入文件 the target's files it judged: {ANNUAL}, {REVISION} (evaluation of ")
    assert raw[0].endswith("2 file(s) in all); all expectations passed")
    # a cross-extract suite keeps only the examples naming the region: the two vehicle examples
    # (January lacks 朝阳市; March lacks the thirteen cities but 沈阳市) concern 朝阳市 both, 大连市
    # only March, 沈阳市 and the province neither
    def completeness(region):
        e = as_json_for(small, capsys, "vehicles_retired_2014", region)
        return [(s["label"], s["detail"]) for s in e["steps"] if s["label"].startswith("completeness")]
    label = "completeness: warning (latest verdict of the extract's suite, not recorded per file)"
    march = ("transport_vehicle_retirements 2014-03: missing 大连市、鞍山市、抚顺市、本溪市、丹东市、锦州市、营口市、"
             "阜新市、辽阳市、盘锦市、铁岭市、朝阳市、葫芦岛市")
    assert completeness("211300") == [(label, "涉及本地区 examples concerning this region: "
                                              "transport_vehicle_retirements 2014-01: missing 朝阳市; " + march)]
    assert completeness("210200") == [(label, "涉及本地区 examples concerning this region: " + march)]
    none = "无涉及本地区的例子 none of its stored examples (up to 5 per expectation) names this region and its years"
    assert completeness("210100") == [(label, none)]
    assert completeness("210000") == [(label, none)]


def test_co2_shows_its_emission_factors(small, capsys):
    steps = as_json(small, capsys, "co2_intensity_cut")["steps"]
    sums = {s["period"]: s["detail"] for s in steps if s["label"].startswith("二氧化碳排放")}
    tail = " 万吨 CO2 (emission_factors: t CO2 per t of coal and of oil, per 10k m³ of gas)"
    assert sums == {"2013": "coal 8000.0 × 1.9003 + oil 200.0 × 3.0202 + gas 10.0 × 21.622 = 16022.66" + tail,
                    "2015": "coal 7500.0 × 1.9003 + oil 200.0 × 3.0202 + gas 10.0 × 21.622 = 15072.51" + tail}


def test_a_city_target_names_its_allocation_row_and_regions_go_by_name(small, capsys):
    by_code = as_json_for(small, capsys, "city_energy_intensity_cut", "210100")
    by_name = as_json_for(small, capsys, "city_energy_intensity_cut", "沈阳市")
    by_short = as_json_for(small, capsys, "city_energy_intensity_cut", "沈阳")
    assert by_code == by_name == by_short
    target = by_code["steps"][0]
    assert (target["step"], target["file_path"], target["source_row"]) == ("target", "plan_allocations/分解.csv", 2)
    assert target["detail"].endswith("plan_allocations/分解.csv row 2, received 2016-01-09 17:00 +08:00")


def test_an_as_of_after_the_build_says_so(small, capsys):
    code, out, _ = explain(small, capsys, "cod_cut", "--as-of", "2016-06-30")
    assert code == 0
    assert ("注意 note: asked for 2016-06-30, but this warehouse was built as of 2015-12-31 "
            "(`plantrack run --as-of`, or its latest data): the explanation is for 2015-12-31") in out
    code, out, _ = explain(small, capsys, "cod_cut", "--as-of", "2015-12-31")
    assert "注意 note" not in out


def test_explain_refuses_an_unknown_target_region_or_date(small, capsys):
    code, _, err = explain(small, capsys, "energy_intensity")
    assert code == 1 and "unknown target 'energy_intensity'" in err and "energy_intensity_cut" in err
    code, _, err = explain(small, capsys, "cod_cut", "--region", "210300")
    assert code == 1 and "no figure for region '210300'" in err
    code, _, err = explain(small, capsys, "cod_cut", "--as-of", "2013-12-31")
    assert code == 1 and "on or before 2013-12-31" in err
    code, _, err = explain(small, capsys, "cod_cut", "--as-of", "2015-13-01")
    assert code == 1 and "not a date" in err
    # a date between quarter-ends: the latest quarter-end before it
    code, out, _ = explain(small, capsys, "cod_cut", "--as-of", "2015-11-15")
    assert code == 0 and "as of 2015-09-30" in out


def test_the_lineage_mart_holds_the_same_rows(small):
    _, warehouse = small
    rows = Warehouse(warehouse).execute("""SELECT step, file_path, source_row, value FROM marts.target_lineage
        WHERE target_id = 'energy_intensity_cut' AND region_code = '210000' AND as_of = DATE '2015-12-31'
          AND step IN ('input', 'superseded') AND period = '2015' ORDER BY step_no""").fetchall()
    assert rows == [("input", REVISION, 2, 9700.0), ("superseded", ANNUAL, 4, 9800.0), ("input", ANNUAL, 4, 104.0)]


def test_a_level_names_each_delivered_row_and_a_past_date_only_its_deliveries(small, capsys):
    def explained(as_of):
        code, out, _ = explain(small, capsys, "nonfossil_capacity_total", "--as-of", as_of, "--json")
        assert code == 0
        return json.loads(out)["steps"]
    steps = explained("2014-12-31")
    wind = [(s["label"], s["value"], s["unit"], s["file_path"], s["source_row"])
            for s in steps if s["step"] == "input" and s["label"].startswith("wind ")]
    assert ("wind 210000 2014 (delivered)", 600, "万千瓦", "stats_power_capacity/装机_2013-2014.csv", 3) in wind
    # the 2015 file holds no data of 2014 or before: not a delivery of the 2014-12-31 figure
    assert [s["label"] for s in steps if s["step"] == "deliveries"] == ["stats_power_capacity: 1 files"]
    steps = explained("2015-12-31")
    assert [(s["value"], s["file_path"], s["source_row"]) for s in steps
            if s["step"] == "input" and s["label"] == "wind 210000 2015 (delivered)"] == [
        (700, "stats_power_capacity/装机_2015.csv", 2)]
    assert [s["label"] for s in steps if s["step"] == "deliveries"] == ["stats_power_capacity: 2 files"]


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory, dagster_storage):
    """The annual file and a progress report (the water-pollutant cut: 24.5 % in 2014, row 2,
    29.0 % in 2015, row 3) one night; the next, a revision of 2015's energy use (9800 → 9700) that
    re-delivers 2015's GDP index unchanged (104)."""
    tmp = tmp_path_factory.mktemp("explain_nights")
    landing = tmp / "landing"
    _deliver(landing, ANNUAL,
             "统计期,地区,地区生产总值(亿元),地区生产总值指数(上年=100),能源消费总量(万吨标准煤)\n"
             "2013,辽宁省,20000,,10000\n2014,辽宁省,,105,9900\n2015,辽宁省,,104,9800\n", "2016-01-10 09:00")
    _deliver(landing, REPORTS, "报告期,指标,地区,完成值,单位,备注\n"
             "2014,water_pollutant_intensity_cut,辽宁省,24.5,%,\n2015,water_pollutant_intensity_cut,辽宁省,29.0,%,\n",
             "2016-01-10 09:30")
    code, warehouse = run(tmp)
    assert code == 0
    _deliver(landing, REVISION, "统计期,地区,地区生产总值指数(上年=100),能源消费总量(万吨标准煤)\n2015,辽宁省,104,9700\n",
             "2016-02-01 09:00")
    code, warehouse = run(tmp)
    assert code == 0
    return tmp, warehouse


def test_each_evaluation_of_the_targets_files_is_a_line_of_its_own(two_nights, capsys):
    # night 1 judged the annual file alone, night 2 the revision alone: two evaluations, two lines,
    # each with its own file and count (one of them, not the other's)
    steps = as_json(two_nights, capsys, "energy_intensity_cut")["steps"]
    raw = [(s["label"], s["detail"]) for s in steps if s["step"] == "check" and s["label"].startswith("raw_stats_city_indicators")]
    assert len(raw) == 2
    first, second = (d for _, d in raw)
    assert first.startswith(f"本目标的输入文件 the target's files it judged: {ANNUAL} (evaluation of ")
    assert second.startswith(f"本目标的输入文件 the target's files it judged: {REVISION} (evaluation of ")
    assert "1 file(s) in all)" in first and "1 file(s) in all)" in second
    # in the order they ran, and each at its own time
    times = [d.split("(evaluation of ")[1][:16] for d in (first, second)]
    assert times[0] <= times[1]


def test_a_value_delivered_again_unchanged_is_no_revision(two_nights, capsys):
    steps = as_json(two_nights, capsys, "energy_intensity_cut")["steps"]
    below = [(s["label"], s["detail"].split(" — ")[0], s["file_path"], s["source_row"])
             for s in steps if s["step"] == "superseded" and s["period"] == "2015"]
    assert below == [
        ("energy_total 210000 2015 被修订 superseded", "9800.0 万吨标准煤", ANNUAL, 4),
        ("gdp_index 210000 2015 未变 unchanged", "104.0", ANNUAL, 4)]
    details = {s["label"]: s["detail"] for s in steps if s["step"] == "superseded"}
    assert details["energy_total 210000 2015 被修订 superseded"].endswith("(replaced by 9700.0)")
    assert details["gdp_index 210000 2015 未变 unchanged"].endswith("(unchanged 未变: re-delivered as 104.0)")


def test_an_unknown_region_is_named_unknown(small, capsys):
    code, _, err = explain(small, capsys, "cod_cut", "--region", "火星")
    assert code == 1 and "unknown region '火星'" in err and "no figure" not in err
    # and the regions it applies to, by code and name
    assert "cod_cut applies to: 210000 辽宁省" in err


def test_explain_into_a_closed_pipe_exits_quietly(small):
    # `plantrack explain … | head`: the reader is gone before the text is written
    import subprocess
    import sys
    _, warehouse = small
    plantrack = Path(sys.executable).parent / "plantrack"
    proc = subprocess.Popen([str(plantrack), "explain", "energy_intensity_cut", "--warehouse", str(warehouse)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_reported_figure_names_its_report_row(two_nights, capsys):
    # a figure reported in plan_progress_reports is one delivered row: its file and row, as a level's
    def rows(as_of):
        code, out, _ = explain(two_nights, capsys, "water_pollutant_intensity_cut", "--as-of", as_of, "--json")
        assert code == 0
        return [(s["period"], s["value"], s["file_path"], s["source_row"]) for s in json.loads(out)["steps"]
                if s["step"] == "input"]
    assert ("2014", 24.5, REPORTS, 2) in rows("2014-12-31")
    assert ("2015", 29.0, REPORTS, 3) in rows("2015-12-31")
