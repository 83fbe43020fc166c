"""A delivery may carry any subset of an extract's measures (issue 11): the key, the columns
its contract marks required and at least one measure. What it does not carry is not delivered:
NULL in raw, recorded in meta.files.columns_delivered, and it erases nothing downstream (the
staging models take the newest delivered figure of each measure: tests/integration/test_revisions.py)."""

import pytest

from sources.contract import contracts
from sources.load import WithdrawError, absent_deliveries, withdraw
from tests.conftest import rows


def test_a_one_column_revision_loads_and_says_what_it_carried(landing, ingest, warehouse):
    # the file, as the bureau sends it: GBK, a thousands separator in quotes
    landing.deliver("stats_city_indicators", "2015年沈阳能耗修订.csv",
                    '统计期,地区,能源消费总量(万吨标准煤)\n2015,沈阳市,"3,456.7"\n', encoding="gbk")
    out = ingest("stats_city_indicators")
    assert [(f.status, f.rows_loaded) for f in out.files] == [("loaded", 1)], out.files[0].error
    assert rows(warehouse, "SELECT region_code, period, energy_total, gdp_current, coal "
                           "FROM raw.stats_city_indicators") == [("210100", "2015", 3456.7, None, None)]
    carried, notes = rows(warehouse, "SELECT columns_delivered, notes FROM meta.files")[0]
    assert carried == ["period", "region_code", "energy_total"]
    assert "not delivered" in notes and "地区生产总值 (gdp_current)" in notes


def test_a_file_with_no_measure_is_rejected_naming_the_measures(landing, ingest, warehouse):
    landing.deliver("stats_city_indicators", "keys.csv", "统计期,地区\n2015,沈阳市\n")
    out = ingest("stats_city_indicators")
    assert out.files[0].status == "rejected"
    assert "carries no measure" in out.files[0].error
    assert "能源消费总量 (energy_total)" in out.files[0].error and "全社会用电量 (electricity)" in out.files[0].error
    assert rows(warehouse, "SELECT count(*) FROM raw.stats_city_indicators") == [(0,)]


def test_a_key_column_is_always_required(landing, ingest):
    landing.deliver("stats_city_indicators", "no-period.csv", "地区,能源消费总量\n沈阳市,3456.7\n")
    out = ingest("stats_city_indicators")
    assert out.files[0].status == "rejected" and "missing required column(s) 统计期 (period)" in out.files[0].error


def test_a_measure_that_needs_its_unit_column(landing, ingest):
    # a project's scale means nothing without the unit it is counted in
    landing.deliver("env_reduction_projects", "scale-only.csv",
                    "项目编号,地区,项目类型,规模\nP1,沈阳市,燃煤机组脱硝,60\n")
    out = ingest("env_reduction_projects")
    assert out.files[0].status == "rejected"
    assert "missing required column(s) 计量单位 (scale_unit) (needed with 规模 (scale))" in out.files[0].error
    # the same correction without the scale loads: the completion date alone
    landing.deliver("env_reduction_projects", "done.csv",
                    "项目编号,地区,项目类型,实际完成日期\nP1,沈阳市,燃煤机组脱硝,2015-06-30\n")
    assert ingest("env_reduction_projects").files[0].status == "loaded"


def test_every_contract_requires_its_key_and_has_measures():
    for name, contract in contracts().items():
        required = {c.name for c in contract.required_columns}
        assert set(contract.key) <= required, name
        assert contract.measures, name
        # a file of the key and every measure always loads; the key alone never does
        assert contract.missing_columns({c.name for c in contract.columns}) is None, name
        assert contract.missing_columns(set(contract.key)) is not None, name


def test_withdraw_names_the_file_or_says_why_not(landing, ingest, warehouse, tmp_path):
    path = landing.deliver("env_pollutant_totals", "a.csv", "年份,地区,化学需氧量(吨)\n2014,沈阳市,1200\n")
    landing.deliver("env_pollutant_totals", "bad.csv", "年份,地区\n2014,沈阳市\n")
    ingest("env_pollutant_totals")
    with pytest.raises(WithdrawError, match="a withdrawal needs a reason"):
        withdraw(warehouse, "env_pollutant_totals/a.csv", " ", landing.root)
    with pytest.raises(WithdrawError, match="it was rejected"):
        withdraw(warehouse, "env_pollutant_totals/bad.csv", "x", landing.root)
    with pytest.raises(WithdrawError, match="no loaded delivery at this path"):
        withdraw(warehouse, "env_pollutant_totals/none.csv", "x", landing.root)
    # by its path on disk, as an operator would type it
    assert withdraw(warehouse, str(path), "wrong year", landing.root, by="ops") == \
        (1, "env_pollutant_totals", "env_pollutant_totals/a.csv")
    assert rows(warehouse, "SELECT file_id, reason, withdrawn_by FROM meta.withdrawals") == [(1, "wrong year", "ops")]
    with pytest.raises(WithdrawError, match="already withdrawn"):
        withdraw(warehouse, "1", "again", landing.root)
    # the rows stay in raw, as history
    assert rows(warehouse, "SELECT count(*) FROM raw.env_pollutant_totals") == [(1,)]
    # the same bytes sent again are a new delivery, not a duplicate of the withdrawn one
    landing.deliver("env_pollutant_totals", "a (again).csv", path.read_bytes())
    assert [(f.status, f.rows_loaded) for f in ingest("env_pollutant_totals").files] == [("loaded", 1)]


def test_a_file_cleaned_from_the_landing_folder_keeps_its_data(landing, ingest, warehouse):
    path = landing.deliver("env_pollutant_totals", "a.csv", "年份,地区,化学需氧量(吨)\n2014,沈阳市,1200\n")
    ingest("env_pollutant_totals")
    assert absent_deliveries(warehouse, landing.root) == []
    path.unlink()
    assert ingest("env_pollutant_totals").files == []
    assert absent_deliveries(warehouse, landing.root) == [("env_pollutant_totals", "env_pollutant_totals/a.csv")]
    assert rows(warehouse, "SELECT cod FROM raw.env_pollutant_totals") == [(1200.0,)]


def test_a_file_appended_while_it_is_read_is_taken_next_time(landing, ingest, warehouse, monkeypatch):
    """Issue 14: a file that grows during the read was recorded with the old bytes' size and
    hash, and loaded again whole the next night. Now nothing is recorded until a read sees
    the file hold still."""
    import sources.load as load
    path = landing.deliver("env_pollutant_totals", "a.csv", "年份,地区,化学需氧量(吨)\n2014,沈阳市,1200\n")
    real = load.read_grid

    def read_then_append(p, contract):
        grid = real(p, contract)
        with open(p, "a", encoding="utf-8") as f:   # the office's copy is still running
            f.write("2014,大连市,1100\n")
        return grid

    monkeypatch.setattr(load, "read_grid", read_then_append)
    out = ingest("env_pollutant_totals")
    assert [(f.status, f.rows_loaded) for f in out.files] == [("changed", 0)]
    assert "changed while it was read" in out.files[0].error
    assert rows(warehouse, "SELECT count(*) FROM meta.files") == [(0,)]
    assert rows(warehouse, "SELECT count(*) FROM raw.env_pollutant_totals") == [(0,)]
    monkeypatch.setattr(load, "read_grid", real)
    out = ingest("env_pollutant_totals")                # the next run: the whole file, once
    assert [(f.status, f.rows_loaded) for f in out.files] == [("loaded", 2)]
    assert rows(warehouse, "SELECT size_bytes FROM meta.files") == [(path.stat().st_size,)]
