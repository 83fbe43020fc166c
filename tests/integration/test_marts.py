"""The marts on sample data: every target for every region it applies to, statuses that follow
from the raw figures (recomputed here by hand, independently of the dbt models), the Parquet
exports, and `plantrack status`."""

import csv
import json

import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from sources.reference import SEEDS


def latest(con, target, region, as_of):
    return con.execute("""SELECT actual_value, target_value, status, warning_level, completion_ratio
        FROM marts.target_progress WHERE target_id = ? AND region_code = ? AND as_of = ?""",
                       [target, region, as_of]).fetchall()[0]


def raw_latest(con, sql, params=()):
    """A figure as the newest delivery has it (the rule the staging models apply)."""
    return con.execute(sql, list(params)).fetchall()


def test_every_target_appears_for_every_region_it_applies_to(clean_run):
    _, code, con = clean_run
    assert code == 0
    regions = list(csv.DictReader(open(SEEDS / "regions.csv", encoding="utf-8")))
    expected = {}
    for t in csv.DictReader(open(SEEDS / "targets.csv", encoding="utf-8")):
        codes = set()
        for token in t["regions"].split(","):
            if token == "all_cities":
                codes |= {r["code"] for r in regions if r["level"] == "city"}
            elif token == "other_cities":
                codes |= {r["code"] for r in regions if r["level"] == "city"} - {"210100", "210200"}
            elif token == "all_counties":
                codes |= {r["code"] for r in regions if r["level"] == "county"}
            else:
                codes.add(token)
        expected[t["target_id"]] = codes
    assert len(expected) == 56
    got = {}
    for target, region in con.execute("SELECT DISTINCT target_id, region_code FROM marts.target_progress "
                                      "WHERE as_of = DATE '2015-12-31'").fetchall():
        got.setdefault(target, set()).add(region)
    assert got == expected
    # one row per target × region × quarter-end since the target's start
    assert con.execute("""SELECT count(*) FROM marts.target_progress
        WHERE target_id = 'energy_intensity_cut'""").fetchall()[0][0] == 8


def test_pollutant_cut_by_hand(clean_run):
    _, _, con = clean_run
    (so2_2013,), (so2_2015,) = raw_latest(con, """SELECT so2 FROM raw.env_pollutant_totals
        WHERE region_code = '210000' AND year IN (2013, 2015)
        QUALIFY row_number() OVER (PARTITION BY year ORDER BY _file_id DESC) = 1 ORDER BY year""")
    cut = 100 * (1 - so2_2015 / so2_2013)
    actual, target, status, warning, _ = latest(con, "so2_cut", "210000", "2015-12-31")
    assert actual == pytest.approx(cut, abs=1e-6)
    assert status == ("achieved" if cut >= target else "missed")
    assert warning == ("green" if status == "achieved" else "red")


def test_energy_intensity_cut_by_hand(clean_run):
    """2014 vs 2013: 1 − (E2014 / E2013) / (index2014 / 100); the time elapsed is 12 of 24 months."""
    _, _, con = clean_run
    rows = dict((p, (e, i)) for p, e, i in raw_latest(con, """SELECT period, energy_total, gdp_index
        FROM raw.stats_city_indicators WHERE region_code = '210000' AND period IN ('2013', '2014')
        QUALIFY row_number() OVER (PARTITION BY period ORDER BY _file_id DESC) = 1"""))
    cut = 100 * (1 - (rows["2014"][0] / rows["2013"][0]) / (rows["2014"][1] / 100))
    actual, target, status, _, completion = latest(con, "energy_intensity_cut", "210000", "2014-12-31")
    assert actual == pytest.approx(cut, abs=1e-6)
    assert completion == pytest.approx(cut / 4.9, abs=1e-6)
    # a cut met a year before the deadline can still go back: on_track ("met so far"), not achieved
    expected = ("on_track" if cut / 4.9 >= 0.5 else "behind" if cut / 4.9 >= 0.25 else "off_track")
    assert status == expected


def test_city_bulletin_columns_by_hand(clean_run):
    """Dalian, 2015 on 2014: energy growth E2015 / E2014 − 1; energy-intensity cut
    1 − (E2015 / E2014) / (index2015 / 100); electricity-intensity cut likewise with electricity."""
    _, _, con = clean_run
    rows = dict((p, (e, el, i)) for p, e, el, i in raw_latest(con, """SELECT period, energy_total, electricity,
        gdp_index FROM raw.stats_city_indicators WHERE region_code = '210200' AND period IN ('2014', '2015')
        QUALIFY row_number() OVER (PARTITION BY period ORDER BY _file_id DESC) = 1"""))
    (e14, el14, _), (e15, el15, index15) = rows["2014"], rows["2015"]
    growth, cut, electricity_cut, allocated = con.execute("""SELECT energy_consumption_growth,
        energy_intensity_cut, electricity_intensity_cut, allocated_cut FROM marts.city_bulletin
        WHERE region_code = '210200' AND period = '2015'""").fetchall()[0]
    assert growth == pytest.approx(round(100 * (e15 / e14 - 1), 2), abs=1e-9)
    assert cut == pytest.approx(round(100 * (1 - (e15 / e14) / (index15 / 100)), 2), abs=1e-9)
    assert electricity_cut == pytest.approx(round(100 * (1 - (el15 / el14) / (index15 / 100)), 2), abs=1e-9)
    allocation = raw_latest(con, """SELECT target_value FROM raw.plan_allocations
        WHERE target_id = 'city_energy_intensity_cut' AND region_code = '210200'
        QUALIFY row_number() OVER (ORDER BY _file_id DESC) = 1""")[0][0]
    assert allocated == allocation


def test_city_vehicle_task_by_hand(clean_run):
    _, _, con = clean_run
    (done,), = raw_latest(con, """SELECT sum(yellow_label_retired + old_retired) FROM (
        SELECT * FROM raw.transport_vehicle_retirements WHERE region_code = '210300' AND period LIKE '2014-%'
        QUALIFY row_number() OVER (PARTITION BY period ORDER BY _file_id DESC) = 1)""")
    (task,), = raw_latest(con, """SELECT target_value FROM raw.plan_allocations
        WHERE target_id = 'vehicles_retired_2014' AND region_code = '210300'""")
    actual, target, status, _, _ = latest(con, "vehicles_retired_2014", "210300", "2014-12-31")
    assert (actual, target) == (done, task)
    assert status == ("achieved" if done >= task else "missed")
    # the province's task is the plan's own 349000, not an allocation
    assert latest(con, "vehicles_retired_2014", "210000", "2014-12-31")[1] == 349000


def test_county_sewer_coverage_level_by_hand(clean_run):
    _, _, con = clean_run
    values = dict(raw_latest(con, """SELECT year, sewer_coverage FROM raw.env_sewer_coverage
        WHERE region_code = '211224' QUALIFY row_number() OVER (PARTITION BY year ORDER BY _file_id DESC) = 1"""))
    row = con.execute("""SELECT base_value, actual_value, achieved, required, status FROM marts.target_progress
        WHERE target_id = 'sewer_coverage_counties' AND region_code = '211224' AND as_of = DATE '2015-12-31'""").fetchall()[0]
    assert row[:4] == pytest.approx((values[2013], values[2015], values[2015] - values[2013], 85 - values[2013]))
    assert row[4] == ("achieved" if values[2015] >= 85 else "missed")


def test_milestone_and_no_data(clean_run):
    _, _, con = clean_run
    # diesel reported done on 2014-10-31: nothing reported by 2014-09-30 (no_data, not "not done"),
    # achieved at 2014-12-31
    assert latest(con, "diesel_guo4_supply", "210000", "2014-09-30")[2] == "no_data"
    assert latest(con, "diesel_guo4_supply", "210000", "2014-12-31")[2] == "achieved"
    # yearly department reports: nothing reported yet for the first quarter of 2014
    assert latest(con, "ironmaking_capacity_retired", "210000", "2014-03-31")[2:4] == ("no_data", None)


def test_parquet_exports_hold_the_same_rows_as_the_marts(clean_run):
    tmp, _, con = clean_run
    manifest = json.loads((tmp / "exports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "duckdb"  # the engine that built them (meta.build_state)
    assert set(manifest["tables"]) == {"target_progress", "indicator_values", "city_scorecard", "city_bulletin",
                                      "early_warning", "target_projection", "bulletin_headline", "bulletin_cities",
                                      "bulletin_warnings", "target_lineage"}
    for name, table in manifest["tables"].items():
        exported = pq.read_table(tmp / "exports" / table["file"])
        mart_rows = con.execute(f"SELECT * FROM marts.{name}").fetchall()
        assert exported.num_rows == table["rows"] == len(mart_rows)
        assert [c["name"] for c in table["columns"]] == exported.column_names
        assert all(c["description"] for c in table["columns"]), name
        exported_rows = sorted(tuple(r.values()) for r in exported.to_pylist())
        assert exported_rows == sorted(tuple(r) for r in mart_rows), name
    assert not list((tmp / "exports").glob(".staging-*"))  # nothing half-written left behind


def test_status_command(clean_run, capsys):
    tmp, _, _ = clean_run
    assert main(["status", "--warehouse", str(tmp / "warehouse.duckdb"), "--as-of", "2014-12-31",
                 "--region", "210300"]) == 0
    out = capsys.readouterr().out
    assert "鞍山市" in out and "city_energy_intensity_cut" in out and "2014-12-31" in out


def test_past_the_deadline_the_warning_says_what_is_still_missing(clean_run):
    """NOx was missed at the 2015 deadline: no year remains, so the gap is the cut still missing,
    1 − (1 − required) / (1 − actual), not a cut "per remaining year"."""
    _, _, con = clean_run
    actual, required, remaining, needed, note = con.execute("""SELECT actual_value, required,
        remaining_years, recovery_needed, recovery_note FROM marts.early_warning
        WHERE target_id = 'nox_cut' AND region_code = '210000'""").fetchall()[0]
    assert remaining == 0 and actual < required
    assert needed == pytest.approx(100 * (1 - (1 - required / 100) / (1 - actual / 100)))
    assert note.startswith("期满仍需降低")
