"""Explain a figure (issue 17): `plantrack explain` and marts.target_lineage on a small build
whose every figure is worked out here by hand.

The deliveries (times are the files' modification times, UTC; the lineage shows Beijing time):

- stats_city_indicators/省_2013-2015.csv (2016-01-10 09:00 UTC): the province's GDP of 2013
  (20000 亿元) and energy use 2013–2015 (10000, 9900, 9800 万吨标准煤), GDP indices 105 (2014)
  and 104 (2015), on rows 2–4;
- stats_city_indicators/省_2015能耗修订.csv (2016-02-01): 2015 energy use revised to 9700 (row 2);
- env_pollutant_totals/污染物.csv: COD 1,000,000 t (2013, row 2), 990,000 (2014), 960,000 (2015, row 4);
- transport_vehicle_retirements/2014-01.csv: January 2014 from 13 cities — 朝阳市 (211300) missing;
  2014-03.csv: March from 沈阳市 alone (5 + 1) — February from nobody.

By hand (docs/METHODS.md):
  G(2013) = 20000; G(2015) = 20000 × 1.05 × 1.04 = 21840
  EI(2013) = 10000 / 20000 = 0.5; EI(2015) = 9700 / 21840 = 0.4441391941…
  cut = 1 − 0.4441391941 / 0.5 = 11.1722 %
  COD cut = 1 − 960000 / 1000000 = 4 %
  vehicles retired in January 2014 = Σ (100 + i) + (10 + i), i = 0…12 = 1586, 13 of 14 parts;
  to March: 1586 + 6 = 1592; parts: 14 cities × 3 months = 42, of which 13 + 1 = 14 are there.
  Shenyang: 110 + 6 = 116, 2 of 3 months (February lacks).
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
             "统计期,地区,地区生产总值(亿元),地区生产总值指数(上年=100),能源消费总量(万吨标准煤)\n"
             "2013,辽宁省,20000,,10000\n2014,辽宁省,,105,9900\n2015,辽宁省,,104,9800\n", "2016-01-10 09:00")
    _deliver(landing, REVISION, "统计期,地区,能源消费总量(万吨标准煤)\n2015,辽宁省,9700\n", "2016-02-01 09:00")
    _deliver(landing, POLLUTANTS, "年份,地区,化学需氧量\n2013,辽宁省,1000000\n2014,辽宁省,990000\n2015,辽宁省,960000\n",
             "2016-01-11 09:00")
    _deliver(landing, "transport_vehicle_retirements/2014-01.csv",
             "统计期,地区,淘汰黄标车,淘汰老旧车\n"
             + "".join(f"2014-01,{city},{100 + i},{10 + i}\n" for i, city in enumerate(CITIES_BUT_CHAOYANG)),
             "2016-01-12 09:00")
    _deliver(landing, "transport_vehicle_retirements/2014-03.csv", "统计期,地区,淘汰黄标车,淘汰老旧车\n2014-03,沈阳市,5,1\n",
             "2016-01-12 09:05")
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
    assert received == {ANNUAL: "2016-01-10 17:00", REVISION: "2016-02-01 17:00"}


def test_a_revised_input_names_the_delivery_it_superseded(small, capsys):
    code, out, _ = explain(small, capsys, "energy_intensity_cut")
    assert code == 0
    assert "9700.0 — stats_city_indicators/省_2015能耗修订.csv row 2, received 2016-02-01 17:00" in out
    assert ("被修订 superseded: energy_total 210000 2015 被修订 superseded\n"
            "          9800.0 — stats_city_indicators/省_2013-2015.csv row 4, received 2016-01-10 17:00 (replaced by 9700.0)") in out


def test_a_pollutant_cut_lists_both_years_totals(small, capsys):
    e = as_json(small, capsys, "cod_cut")
    steps = e["steps"]
    method = next(s for s in steps if s["step"] == "method")
    assert method["detail"] == "1 − I(2015) / I(2013) = 1 − 960000.0 / 1000000.0 = 4.0 %"
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
    missing = [s["detail"] for s in steps if s["step"] == "missing"]
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
    assert [s["detail"] for s in city if s["step"] == "missing"] == [
        "应有3份，实有2份 2 of 3 parts, over the figures used; 无数据的期 periods without a figure: 2014-02"]
    deliveries = [s for s in steps if s["step"] == "deliveries"]
    assert [(s["extract"], s["file_path"]) for s in deliveries] == [
        ("transport_vehicle_retirements", "transport_vehicle_retirements/2014-03.csv")]  # the newest of 2
    assert deliveries[0]["label"] == "transport_vehicle_retirements: 2 files"
    checks = {s["label"] for s in steps if s["step"] == "check"}
    assert "completeness: warning" in checks


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
