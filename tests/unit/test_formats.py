"""Each delivery variant of docs/FORMATS.md loads to the same typed rows."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.conftest import rows

HEADER = "年份,地区,化学需氧量,氨氮,二氧化硫,氮氧化物\n"
BODY = "2014,沈阳市,1200,100,3000,2500\n2014,大连,1100,90,2800,2400\n"
EXPECTED = [("210100", 2014, 1200.0, 100.0, 3000.0, 2500.0),
            ("210200", 2014, 1100.0, 90.0, 2800.0, 2400.0)]


def pollutant_rows(con):
    return rows(con, "SELECT region_code, year, cod, nh3n, so2, nox FROM raw.env_pollutant_totals "
                     "ORDER BY region_code")


def xlsx_bytes(table: list[list]) -> bytes:
    wb = Workbook()
    for r in table:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(landing, ingest, warehouse, encoding):
    landing.deliver("env_pollutant_totals", "p.csv", HEADER + BODY, encoding=encoding)
    out = ingest("env_pollutant_totals")
    assert out.files[0].status == "loaded", out.files[0].error
    assert pollutant_rows(warehouse) == EXPECTED


def test_csv_title_and_footnote_rows(landing, ingest, warehouse):
    text = "表5 主要污染物排放总量,,,,,\n（2014年）\n\n" + HEADER + BODY + "注：含农业源。\n说明：单位为吨。\n"
    landing.deliver("env_pollutant_totals", "p.csv", text, encoding="gb18030")
    out = ingest("env_pollutant_totals")
    assert (out.files[0].rows_read, out.files[0].rows_loaded) == (2, 2)
    assert pollutant_rows(warehouse) == EXPECTED
    header_row, notes = rows(warehouse, "SELECT header_row, notes FROM meta.files")[0]
    assert header_row == 4 and "row 1: title" in notes and "row 7: footnote" in notes


def test_xlsx_with_title_rows_footnotes_and_cell_types(landing, ingest, warehouse):
    table = [["主要污染物排放总量"], ["单位：吨"],
             ["年份", "地区", "化学需氧量", "氨氮", "二氧化硫", "氮氧化物"],
             [2014, "沈阳市", 1200, 100, 3000.0, 2500],
             [2014.0, 210200, "1,100", 90, 2800, 2400],
             ["注：2014年数据为初步统计。"]]
    landing.deliver("env_pollutant_totals", "p.xlsx", xlsx_bytes(table))
    out = ingest("env_pollutant_totals")
    assert out.files[0].status == "loaded" and out.files[0].rows_read == 2
    assert pollutant_rows(warehouse) == EXPECTED
    assert rows(warehouse, "SELECT _row FROM raw.env_pollutant_totals ORDER BY _row") == [(4,), (5,)]


@pytest.mark.parametrize("header", [
    "year,region,cod,nh3n,so2,nox",                                    # English aliases
    " 年份 , 地区 ,化学需氧量（吨）,氨氮(吨),二氧化硫 (吨),氮氧化物(吨)",   # spaces, full-width brackets, unit
    "年份,地区,化学需氧量排放量,氨氮排放量,二氧化硫排放量,氮氧化物排放量",
])
def test_header_variants(landing, ingest, warehouse, header):
    landing.deliver("env_pollutant_totals", "p.csv", header + "\n" + BODY)
    ingest("env_pollutant_totals")
    assert pollutant_rows(warehouse) == EXPECTED


def test_header_units_set_the_scale(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "p.csv",
                    "年份,地区,化学需氧量(万吨),氨氮(吨),二氧化硫(万吨),氮氧化物\n2014,全省,12.5,100,0.3,2500\n")
    ingest("env_pollutant_totals")
    assert rows(warehouse, "SELECT cod, nh3n, so2, nox FROM raw.env_pollutant_totals") == \
        [(125000.0, 100.0, 3000.0, 2500.0)]


@pytest.mark.parametrize("extract, header, value, expected", [
    ("stats_city_indicators", "地区生产总值(万元)", "12,345,600", 1234.56),  # → 亿元
    ("stats_city_indicators", "全社会用电量(万千瓦时)", "25000", 2.5),        # → 亿千瓦时
    ("stats_power_capacity", "风电(千瓦)", "1500000", 150.0),                  # → 万千瓦
    ("stats_city_indicators", "煤炭消费量(吨)", "１２３４５", 1.2345),          # → 万吨
])
def test_unit_variants(landing, ingest, warehouse, extract, header, value, expected):
    from sources.contract import contracts
    contract = contracts()[extract]
    col, _ = contract.match_header(header)
    others = [c for c in contract.measures if c.name not in ("region_code", col.name)
              and c.type not in ("year", "period")]
    head = ["年份", "地区", header] + [c.headers[0] for c in others]
    body = ["2014", "全省", f'"{value}"'] + ["—"] * len(others)
    landing.deliver(extract, "f.csv", ",".join(head) + "\n" + ",".join(body) + "\n")
    out = ingest(extract)
    assert out.files[0].status == "loaded", out.files[0].error
    got = rows(warehouse, f"SELECT {col.name} FROM raw.{extract}")[0][0]
    assert got == pytest.approx(expected)
    # the other columns were delivered as "—": missing, so NULL — never 0
    assert rows(warehouse, f"SELECT {others[0].name} FROM raw.{extract}")[0][0] is None


def test_quarter_and_month_period_forms(landing, ingest, warehouse):
    landing.deliver("transport_vehicle_retirements", "v.csv",
                    "统计期,地区,淘汰黄标车(辆),淘汰老旧车(辆),其中2005年前注册营运黄标车(辆)\n"
                    "2014-07,沈阳,10,2,1\n2014年8月,沈阳,11,2,1\n201409,沈阳,12,2,1\n")
    ingest("transport_vehicle_retirements")
    assert rows(warehouse, "SELECT period, yellow_label_retired FROM raw.transport_vehicle_retirements "
                           "ORDER BY period") == [("2014-07", 10), ("2014-08", 11), ("2014-09", 12)]


def test_date_forms_including_excel_serials(landing, ingest, warehouse):
    table = [["锅炉编号", "地区", "单位名称", "额定蒸发量(蒸吨/小时)", "状态", "拆除日期", "脱硫设施", "蓝天工程任务"],
             ["A", "沈阳", "x", 10, "已拆除", dt.date(2014, 12, 31), "有", "是"],
             ["B", "沈阳", "x", 10, "已拆除", 42004, "无", "否"],
             ["C", "沈阳", "x", 10, "已拆除", "2014年12月31日", "有", "是"],
             ["D", "沈阳", "x", 10, "已拆除", "20141231", "有", "是"],
             ["E", "沈阳", "x", 10, "在用", "", "有", "是"]]
    landing.deliver("env_boilers", "b.xlsx", xlsx_bytes(table))
    ingest("env_boilers")
    got = rows(warehouse, "SELECT boiler_id, retired_on, has_desulfurization, blue_sky_task "
                          "FROM raw.env_boilers ORDER BY 1")
    assert [str(r[1]) for r in got] == ["2014-12-31"] * 4 + ["None"]
    assert [r[2] for r in got] == [True, False, True, True, True]
