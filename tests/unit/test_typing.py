"""Every value form of docs/FORMATS.md → its canonical typed value (the pt_* SQL macros)."""

import pytest


def one(con, sql, value):
    return con.execute(f"SELECT {sql}", [value]).fetchall()[0][0]


@pytest.mark.parametrize("text, expected", [
    ("1,234.5", 1234.5), (" 42 ", 42.0), ("１２３．５", 123.5), ("１，２３４", 1234.0),
    ("-3.5", -3.5), ("85%", 85.0), ("0", 0.0),
])
def test_numbers(con, text, expected):
    assert one(con, "pt_number(?)", text) == expected


@pytest.mark.parametrize("marker", ["", "  ", "—", "-", "…", "/", "——", "－", None])
def test_missing_markers_are_null_never_zero(con, marker):
    assert one(con, "pt_missing(?)", marker) is True
    assert one(con, "pt_number(?)", marker) is None


@pytest.mark.parametrize("text", ["0", "12a4.5", "abc"])
def test_values_that_are_not_missing(con, text):
    assert one(con, "pt_missing(?)", text) is False


@pytest.mark.parametrize("text, code", [
    ("沈阳市", "210100"), ("沈阳", "210100"), ("210100", "210100"), ("Shenyang", "210100"),
    (" 大连 ", "210200"), ("全省", "210000"), ("辽宁省", "210000"), ("合计", "210000"),
    ("210000", "210000"), ("抚顺", "210400"), ("抚顺市", "210400"), ("抚顺县", "210421"),
    ("岫岩满族自治县", "210323"), ("岫岩", "210323"), ("210100.0", "210100"), ("火星", None),
])
def test_regions(con, text, code):
    assert one(con, "pt_region(?)", text) == code


@pytest.mark.parametrize("text, period", [
    ("2014", "2014"), ("2014年", "2014"), ("2014Q3", "2014Q3"), ("2014q1", "2014Q1"),
    ("2014年1-9月", "2014Q3"), ("2014年1-3月", "2014Q1"), ("2014年1－6月", "2014Q2"),
    ("2014年1-12月", "2014"), ("2014-07", "2014-07"), ("2014年7月", "2014-07"),
    ("201407", "2014-07"), ("2014-7", "2014-07"), ("2014-10-31", "2014-10-31"),
    ("2014年12月20日", "2014-12-20"), ("2014年1-8月", None), ("201413", None), ("soon", None),
])
def test_periods(con, text, period):
    assert one(con, "pt_period(?)", text) == period


@pytest.mark.parametrize("period, kind", [
    ("2014", "year"), ("2014Q3", "quarter"), ("2014-07", "month"), ("2014-07-31", "date")])
def test_period_types(con, period, kind):
    assert one(con, "pt_period_type(?)", period) == kind


@pytest.mark.parametrize("text", ["2014-12-31", "2014/12/31", "2014年12月31日", "20141231",
                                  "42004", "42004.0", "2014-12-31 00:00:00"])
def test_dates(con, text):
    assert str(one(con, "pt_date(?)", text)) == "2014-12-31"


@pytest.mark.parametrize("text", ["2015-13-45", "31/12/2014", "yesterday"])
def test_bad_dates(con, text):
    assert one(con, "pt_date(?)", text) is None


@pytest.mark.parametrize("text", ["2015-03-01 13:00:00", "2015/03/01 13:00", "2015-03-01 13:00"])
def test_timestamps(con, text):
    assert str(one(con, "pt_timestamp(?)", text)) == "2015-03-01 13:00:00"


@pytest.mark.parametrize("text, year", [("2014", 2014), ("2014年", 2014), ("2014.0", 2014),
                                        ("２０１４", 2014), ("14", None), ("2014Q1", None)])
def test_years(con, text, year):
    assert one(con, "pt_year(?)", text) == year
