"""Words and units people read (issue 16, item 6): unit codes shown as 万千瓦 / 亿元 with the
English beside them, from the one unit table; targets named in Chinese and English; scaled raw
values stored without binary noise."""

import csv

import duckdb
import pytest
from rich.console import Console

from sources import units
from sources.read import define_macros
from tests.conftest import rows

SEEDS = units.__file__.rsplit("/sources/", 1)[0] + "/dbt_project/seeds"


def targets() -> list[dict]:
    with open(f"{SEEDS}/targets.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---- unit codes → words ----

def test_every_target_unit_code_has_chinese_and_english_words():
    codes = {t["unit"] for t in targets()}
    assert codes <= set(units.TARGET_UNITS), codes - set(units.TARGET_UNITS)
    assert units.unit_label("10k_kw") == "万千瓦 (10,000 kW)"
    assert units.unit_label("100m_yuan") == "亿元 (100 million yuan)"
    assert units.unit_names("10k_tce") == ("万吨标准煤", "10,000 t of standard coal")
    assert units.unit_label("pct") == "%"
    assert units.unit_label("no_such_code") == "no_such_code"  # shown as it is, never hidden


@pytest.mark.parametrize("code, quantity, size", [
    ("10k_kw", "power", 1e4), ("100m_yuan", "money", 1e8), ("100m_kwh", "electricity", 1e8),
    ("10k_t", "mass", 1e4), ("10k_tce", "energy (standard coal)", 1e4), ("m2", "area", 1),
    ("vehicles", "vehicles", 1)])
def test_an_amounts_chinese_unit_is_the_unit_tables_spelling(code, quantity, size):
    """One mapping: the words of a code of an amount are a spelling of sources/units.py, and
    its size there is what the code says (10k = 1e4 of the base unit, 100m = 1e8)."""
    assert units.lookup(units.TARGET_UNITS[code][0]) == (quantity, size)


def test_targets_have_short_chinese_and_english_names():
    rows_ = targets()
    assert all(t["name_zh"] and t["name_en"] for t in rows_)
    assert len({t["name_zh"] for t in rows_}) == len({t["name_en"] for t in rows_}) == len(rows_)
    nonfossil = {t["target_id"]: (t["name_zh"], t["name_en"]) for t in rows_
                 if t["target_id"].startswith("nonfossil_capacity")}
    assert len(nonfossil) == 3 and len({n for n, _ in nonfossil.values()}) == 3


def test_status_shows_names_and_unit_words(tmp_path):
    """`plantrack status` on a small warehouse: three nonfossil_capacity… targets that the
    ids alone (truncated) made look alike are told apart by name; units are words."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA reference")
    con.execute("CREATE TABLE reference.targets (target_id VARCHAR, name_zh VARCHAR, name_en VARCHAR)")
    con.execute("""CREATE TABLE marts.target_progress (target_id VARCHAR, clause VARCHAR, region_code VARCHAR,
        region_name_zh VARCHAR, region_name_en VARCHAR, as_of DATE, actual_value DOUBLE, target_value DOUBLE,
        unit VARCHAR, completion_ratio DOUBLE, time_elapsed_ratio DOUBLE, status VARCHAR, warning_level VARCHAR,
        warning_grade_zh VARCHAR, is_estimate BOOLEAN, note VARCHAR, target_text_zh VARCHAR)""")
    for t in targets():
        if t["target_id"].startswith("nonfossil_capacity"):
            con.execute("INSERT INTO reference.targets VALUES (?, ?, ?)", [t["target_id"], t["name_zh"], t["name_en"]])
            con.execute("""INSERT INTO marts.target_progress VALUES (?, '一（三）', '210000', '辽宁省', 'Liaoning',
                DATE '2015-12-31', 83.71, 200, ?, 0.42, 1, 'missed', 'red', '一级', false, NULL, ?)""",
                        [t["target_id"], t["unit"], t["text_zh"]])
    con.close()
    from orchestration.core.status import show_status

    console = Console(width=160, record=True, color_system=None)
    assert show_status(path, None, "210000", console=console) == 0
    out = console.export_text()
    for name in ("非化石能源发电装机年新增", "Non-fossil generating capacity added each year",
                 "非化石能源发电装机累计", "Non-fossil generating capacity in total",
                 "非化石能源发电装机比重", "Non-fossil share of generating capacity",
                 "nonfossil_capacity_added", "nonfossil_capacity_total", "nonfossil_capacity_share"):
        assert name in out, name
    assert "万千瓦" in out and "10,000 kW" in out and "占发电装机的%" in out
    assert "10k_kw" not in out and "pct_of_capacity" not in out


# ---- scaled values without float noise ----

@pytest.mark.parametrize("value, factor, expected", [
    (152000, 1e-4, 15.2),          # 152000 万元 → 亿元: 15.200000000000001 unrounded
    (12345600, 1e-4, 1234.56),     # 1234.5600000000002 unrounded
    (0.57, 1e4, 5700.0),           # 0.57 万辆: 5699.999999999999 unrounded
    (0.0029, 1e4, 29.0),           # 28.999999999999996 unrounded
    (-1234567, 1e-4, -123.4567),
    (1500000, 1e-4, 150.0),
    (0, 1e4, 0.0),
])
def test_pt_scaled_gives_the_exact_decimal(value, factor, expected):
    con = duckdb.connect()
    define_macros(con)
    got = con.execute("SELECT pt_scaled(CAST(? AS DOUBLE), ?)", [value, factor]).fetchone()[0]
    assert got == expected and repr(got) == repr(expected)
    assert abs(got - value * factor) <= 1e-12 * max(1.0, abs(expected))  # a rounding, not a change


def test_a_scaled_header_stores_the_delivered_decimal(landing, ingest, warehouse):
    landing.deliver("stats_city_indicators", "gdp.csv",
                    "年份,地区,地区生产总值(万元)\n2014,全省,152000\n2014,沈阳,\"12,345,600\"\n")
    out = ingest("stats_city_indicators")
    assert out.files[0].status == "loaded", out.files[0].error
    got = dict(rows(warehouse, "SELECT region_code, gdp_current FROM raw.stats_city_indicators"))
    assert got == {"210000": 15.2, "210100": 1234.56}
    assert repr(got["210000"]) == "15.2"


def test_a_whole_number_in_a_larger_unit_stays_whole(landing, ingest, warehouse):
    """0.57 万辆 is 5,700 vehicles: before, 0.57 × 10000 = 5699.999999999999 was quarantined as
    not a whole number."""
    landing.deliver("transport_vehicle_retirements", "v.csv",
                    "统计期,地区,淘汰黄标车(万辆),淘汰老旧车(辆),其中2005年前注册营运黄标车(辆)\n"
                    "2014-07,沈阳,0.57,2,1\n")
    out = ingest("transport_vehicle_retirements")
    assert (out.files[0].rows_loaded, out.files[0].rows_quarantined) == (1, 0)
    assert rows(warehouse, "SELECT yellow_label_retired FROM raw.transport_vehicle_retirements") == [(5700,)]


# ---- the dated bulletins kept (item 7) ----

def test_prune_dated_keeps_the_latest_by_the_date_in_the_name(tmp_path):
    from orchestration.core.report.bulletin import prune_dated

    names = ["bulletin_2014-03-31.html", "bulletin_2015-12-31.html", "bulletin_2014-12-31.html",
             "bulletin_2015-06-30.html", "bulletin.html", "bulletin_2015-06-30.html.part", "other.html"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    removed = prune_dated(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == ["bulletin_2014-03-31.html", "bulletin_2014-12-31.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bulletin.html", "bulletin_2015-06-30.html", "bulletin_2015-06-30.html.part", "bulletin_2015-12-31.html",
        "other.html"]
    assert prune_dated(tmp_path, keep=2) == []  # nothing more to remove
