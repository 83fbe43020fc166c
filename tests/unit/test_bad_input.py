"""Bad input: row problems go to meta.quarantine with file, row, column, value and reason while
the file's good rows load; file problems reject the whole file with a reason and load nothing."""

import io
import zipfile

import pytest

from tests.conftest import rows
from tests.unit.test_formats import xlsx_bytes

HEADER = "年份,地区,化学需氧量(吨),氨氮(吨),二氧化硫(吨),氮氧化物(吨)\n"
GOOD = "2014,沈阳市,1200,100,3000,2500\n"


def quarantine(con):
    return rows(con, "SELECT f.path, q.row_number, q.column_name, q.value, q.reason "
                     "FROM meta.quarantine q JOIN meta.files f USING (file_id) ORDER BY q.row_number, q.column_name")


@pytest.mark.parametrize("bad_row, column, value, reason", [
    ("2014,火星市,1,2,3,4", "region_code", "火星市", "unknown region"),
    ("2014,大连市,12a4,2,3,4", "cod", "12a4", "not a number"),
    ("2014,,1,2,3,4", "region_code", "", "missing required value"),
    ("2014,大连市,1,2,-3,4", "so2", "-3", "impossible negative value"),
    ("20１4年度?,大连市,1,2,3,4", "year", "20１4年度?", "not a year"),
])
def test_row_problems_are_quarantined_and_good_rows_load(landing, ingest, warehouse, bad_row, column, value, reason):
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + GOOD + bad_row + "\n")
    out = ingest("env_pollutant_totals").files[0]
    assert (out.status, out.rows_read, out.rows_loaded, out.rows_quarantined) == ("loaded", 2, 1, 1)
    assert quarantine(warehouse) == [("env_pollutant_totals/p.csv", 3, column, value, reason)]
    cells = rows(warehouse, "SELECT cells->>'地区' FROM meta.quarantine")[0][0]
    assert cells == bad_row.split(",")[1]  # the whole delivered row is kept


def test_bad_date(landing, ingest, warehouse):
    landing.deliver("transport_yellow_label_stock", "s.csv", "地区,基准日期,存量(辆)\n沈阳,2013-12-31,10\n大连,2013-13-45,12\n")
    ingest("transport_yellow_label_stock")
    assert quarantine(warehouse) == [("transport_yellow_label_stock/s.csv", 3, "stock_date", "2013-13-45", "not a date")]


def test_several_problems_in_one_row_are_all_reported(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + "2014,火星市,x,2,-3,4\n")
    ingest("env_pollutant_totals")
    assert [r[2:] for r in quarantine(warehouse)] == [
        ("cod", "x", "not a number"), ("region_code", "火星市", "unknown region"),
        ("so2", "-3", "impossible negative value")]
    assert rows(warehouse, "SELECT rows_quarantined FROM meta.files") == [(1,)]


def test_duplicate_key_within_a_file_quarantines_every_copy(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + GOOD + "2014,大连市,1,2,3,4\n2014,沈阳,9,9,9,9\n")
    ingest("env_pollutant_totals")
    assert rows(warehouse, "SELECT region_code FROM raw.env_pollutant_totals") == [("210200",)]
    assert quarantine(warehouse) == [
        ("env_pollutant_totals/p.csv", 2, "(key)", "210100 / 2014", "duplicate key in this file: rows 2, 4"),
        ("env_pollutant_totals/p.csv", 4, "(key)", "210100 / 2014", "duplicate key in this file: rows 2, 4")]


def test_a_key_repeated_20000_times_costs_a_linear_quarantine(landing, ingest, warehouse):
    """Issue 14: each copy's reason listed every copy — 20,000 × 20,000 row numbers from a
    700 KB file, enough to exhaust memory. Now it names ten and counts the rest."""
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + "2014,沈阳市,1,2,3,4\n" * 20_000)
    out = ingest("env_pollutant_totals")
    assert (out.files[0].rows_loaded, out.files[0].rows_quarantined) == (0, 20_000)
    reasons = rows(warehouse, "SELECT count(*), max(length(reason)), any_value(reason) FROM meta.quarantine")[0]
    assert reasons[0] == 20_000 and reasons[1] < 100
    assert reasons[2] == "duplicate key in this file: rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (20000 rows in all)"


def test_extra_cells_beyond_the_header(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + "2014,沈阳市,1,2,3,4,5\n")
    ingest("env_pollutant_totals")
    assert quarantine(warehouse)[0][2:] == ("(extra cells)", "5", "more cells than the header has")


def test_period_form_not_allowed_for_the_extract(landing, ingest, warehouse):
    landing.deliver("env_disclosure", "d.csv", "统计期,地区,应公布自行监测企业数,已公布自行监测企业数,"
                    "应公布监督性监测企业数,已公布监督性监测企业数\n2014-07,沈阳,1,1,1,1\n2014Q3,沈阳,1,1,1,1\n")
    ingest("env_disclosure")
    assert quarantine(warehouse)[0][1:] == (2, "period", "2014-07",
                                            "a month is not a period of this extract (expects quarter)")


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "empty file (0 bytes)"),
    ("latin1.csv", (HEADER + GOOD).encode("utf-8") + b"2015,\xff\xfe,1,2,3,4\n",
     "unknown encoding: row 3 is neither UTF-8 nor GB18030/GBK"),
    ("noheader.csv", GOOD.encode() * 3, "no recognisable header in the first 10 rows"),
    ("missing.csv", "年份,化学需氧量,氨氮,二氧化硫,氮氧化物\n2014,1,2,3,4\n".encode(),
     "missing required column(s) 地区 (region_code)"),
    ("truncated.csv", (HEADER + GOOD + "2014,大连市,1,2").encode(), "truncated: the last row (row 3)"),
    ("scan.csv", b"%PDF-1.4\n\x00\x01binary", "not a table: binary content"),
    ("report.docx", b"PK\x03\x04garbage", "not a CSV or XLSX file"),
    ("broken.xlsx", b"PK\x03\x04\x14\x00\x00\x00this zip stops here", "not a readable XLSX workbook"),
    ("fake.xlsx", (HEADER + GOOD + "2015,大连,1,2,3,4\n").encode(), "not an XLSX workbook"),
    ("unit.csv", "年份,地区,化学需氧量(千克),氨氮,二氧化硫,氮氧化物\n2014,沈阳,1,2,3,4\n".encode(),
     "unknown unit in header '化学需氧量(千克)'"),
    ("quote.csv", (HEADER + '2014,"沈阳,1,2,3,4\n').encode(), "malformed CSV at row 2"),
])
def test_file_problems_reject_the_whole_file(landing, ingest, warehouse, name, content, message):
    landing.deliver("env_pollutant_totals", "good.csv", HEADER + GOOD)
    landing.deliver("env_pollutant_totals", name, content)
    out = {f.path.split("/")[-1]: f for f in ingest("env_pollutant_totals").files}
    assert out["good.csv"].status == "loaded"  # the other files still load
    assert out[name].status == "rejected"
    assert message in out[name].error
    status, error = rows(warehouse, "SELECT status, error FROM meta.files WHERE path LIKE ?", [f"%/{name}"])[0]
    assert status == "rejected" and error.startswith(f"env_pollutant_totals/{name}: ") and message in error
    # none of its rows reach raw
    assert rows(warehouse, "SELECT count(*), count(DISTINCT _file_id) FROM raw.env_pollutant_totals") == [(1, 1)]


def test_truncated_xlsx_is_rejected(landing, ingest, warehouse):
    data = xlsx_bytes([["年份", "地区", "化学需氧量", "氨氮", "二氧化硫", "氮氧化物"], [2014, "沈阳", 1, 2, 3, 4]])
    landing.deliver("env_pollutant_totals", "cut.xlsx", data[: len(data) // 2])
    out = ingest("env_pollutant_totals").files[0]
    assert out.status == "rejected" and "not a readable XLSX workbook" in out.error


def test_xlsx_that_is_not_a_workbook(landing, ingest, warehouse):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    landing.deliver("env_pollutant_totals", "x.xlsx", buf.getvalue())
    out = ingest("env_pollutant_totals").files[0]
    assert out.status == "rejected" and "not a readable XLSX workbook" in out.error


def test_january_to_q4_is_the_year_where_quarters_are_cumulative(landing, ingest, warehouse):
    """统计期 2015Q4 of the city indicators (quarters from January) is the year 2015: a file
    holding both is a key twice; a quarterly extract keeps its Q4. (2015年第四季度 is the single
    fourth quarter, October–December: tests/unit/test_periods.py.)"""
    from sources.contract import contracts

    header = ",".join(c.headers[0] for c in contracts()["stats_city_indicators"].columns) + "\n"
    blanks = "," * (header.count(",") - 1)
    landing.deliver("stats_city_indicators", "s.csv", header + f"2015Q4,沈阳市{blanks}\n"
                    f"2014Q4,大连市{blanks}\n2014,大连市{blanks}\n")
    ingest("stats_city_indicators")
    assert rows(warehouse, "SELECT region_code, period FROM raw.stats_city_indicators") == [("210100", "2015")]
    assert [q[1:4] for q in quarantine(warehouse)] == [(3, "(key)", "210200 / 2014"), (4, "(key)", "210200 / 2014")]
    landing.deliver("env_disclosure", "d.csv", "统计期,地区,应公布自行监测企业数,已公布自行监测企业数,"
                    "应公布监督性监测企业数,已公布监督性监测企业数\n2014Q4,沈阳,1,1,1,1\n")
    ingest("env_disclosure")
    assert rows(warehouse, "SELECT period FROM raw.env_disclosure") == [("2014Q4",)]


def test_a_percentage_under_an_amount_is_not_an_amount(landing, ingest, warehouse):
    # '5%' in a CSV under 地区生产总值 (亿元): no 5 亿元, whatever the office meant
    landing.deliver("stats_city_indicators", "p.csv", "统计期,地区,地区生产总值,地区生产总值指数(上年=100)\n"
                    "2012,沈阳市,5%,105.8%\n")
    ingest("stats_city_indicators")
    assert quarantine(warehouse)[0][2:] == ("gdp_current", "5%", "a percentage in a column measured in 亿元")


def test_bytes_rejected_at_the_landing_root_load_once_put_in_their_folder(landing, ingest, warehouse):
    content = "年份,地区,化学需氧量(吨)\n2014,沈阳市,1200\n"
    landing.deliver("env_pollutant_totals", "bad.csv", "年份,地区\n2014,沈阳市\n")   # rejected
    ingest("env_pollutant_totals")
    landing.deliver("env_pollutant_totals", "bad (resent).csv", "年份,地区\n2014,沈阳市\n")
    landing.deliver("env_pollutant_totals", "good.csv", content)
    out = ingest("env_pollutant_totals")
    # the rejected bytes sent again are rejected again (not a "duplicate" of a rejection) …
    assert [f.status for f in out.files] == ["rejected", "loaded"]
    assert rows(warehouse, "SELECT cod FROM raw.env_pollutant_totals") == [(1200.0,)]


def test_a_note_naming_its_column_sets_that_columns_unit(landing, ingest, warehouse):
    landing.deliver("stats_city_indicators", "n.csv", "统计期,地区,地区生产总值,能源消费总量\n"
                    "2014,沈阳市,7158.9,28000000\n说明：能源消费总量单位为吨标准煤\n")
    out = ingest("stats_city_indicators")
    assert out.files[0].status == "loaded", out.files[0].error
    assert rows(warehouse, "SELECT gdp_current, energy_total FROM raw.stats_city_indicators") == [(7158.9, 2800.0)]


@pytest.mark.parametrize("cell, reason", [
    ("34.5", "not a whole number"),          # a number, but a count cannot be half a vehicle
    ("1,2O5", "not a number"),                # letter O for zero
    ("十二", "not a number"),
    ("inf", "not a finite number (infinity)"),
])
def test_a_count_that_is_not_whole_is_said_so(landing, ingest, warehouse, cell, reason):
    landing.deliver("transport_vehicle_retirements", "r.csv",
                    f'统计期,地区,淘汰黄标车(辆)\n2014-01,沈阳市,12\n2014-02,沈阳市,"{cell}"\n')
    ingest("transport_vehicle_retirements")
    assert quarantine(warehouse) == [("transport_vehicle_retirements/r.csv", 3, "yellow_label_retired", cell, reason)]



def test_a_fraction_that_scales_to_a_whole_count_loads(landing, ingest, warehouse):
    """0.0012万辆 is 12 vehicles: whole once scaled; 0.00345万辆 (34.5) is not."""
    landing.deliver("transport_vehicle_retirements", "r.csv",
                    "统计期,地区,淘汰黄标车(万辆)\n2014-01,沈阳市,0.0012\n2014-02,沈阳市,0.00345\n")
    ingest("transport_vehicle_retirements")
    assert rows(warehouse, "SELECT yellow_label_retired FROM raw.transport_vehicle_retirements") == [(12,)]
    assert [r[4] for r in quarantine(warehouse)] == ["not a whole number"]
