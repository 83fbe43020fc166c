"""Each consistency check passes on good figures and fails on a crafted bad variant.

The dbt quality models compute the differences (their maths has dbt unit tests); the Great
Expectations suites bound them. Here the quality tables are written directly, good and bad."""

import duckdb
import pytest

from expectations.run import Validator, check_types, files_to_judge, run_suite, suites
from sources import bookkeeping
from sources.bookkeeping import failing_now


@pytest.fixture
def validator(tmp_path):
    return Validator()


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE SCHEMA quality; CREATE SCHEMA intermediate; CREATE SCHEMA raw")
    yield c
    c.close()


def city_sums(con, city_sum):
    con.execute("""CREATE OR REPLACE TABLE quality.quality_city_sums AS
        SELECT 'energy_total' AS indicator, '2014' AS period, 100.0 AS province_value, ? AS city_sum,
               14 AS cities_reporting, ? - 100.0 AS gap, (? - 100.0) / 100 AS relative_gap, 0.02 AS tolerance,
               abs((? - 100.0) / 100) <= 0.02 AS within_tolerance, true AS reconciled,
               CAST(NULL AS VARCHAR) AS note""", [city_sum] * 4)


def test_city_sums_within_tolerance_pass(con, validator):
    city_sums(con, 100.5)
    assert run_suite(con, validator, "reconciliation_city_sums", "t", []).verdict == "passed"


def test_city_sums_off_fail_and_report_both_figures(con, validator):
    city_sums(con, 104.0)
    outcome = run_suite(con, validator, "reconciliation_city_sums", "t", [])
    assert outcome.verdict == "failed"
    assert outcome.failed("error")[0].unexpected == [
        "energy_total 2014: cities 104.00 vs province 100.00 (+4.00%, tolerance ±2.0%)"]
    # and it is recorded, with the size of the gap
    assert con.execute("SELECT count(*) FROM dq.check_results WHERE NOT success AND severity = 'error'").fetchall() == [(1,)]


def test_city_sums_a_year_short_of_a_city_warns_and_is_named(con, validator):
    """The 2013 pollutant base with 13 cities: not reconciled (no partial sum, no gap), a warning
    that names it — never a pass by omission, never a failure the missing city would fake."""
    city_sums(con, 100.5)
    con.execute("""INSERT INTO quality.quality_city_sums VALUES ('so2', '2013', 50.0, NULL, 13, NULL, NULL, 0.02,
        NULL, false, '无法核对：缺鞍山市 cannot be reconciled: 13 of 14 cities reported (a base year)')""")
    outcome = run_suite(con, validator, "reconciliation_city_sums", "t", [])
    assert outcome.verdict == "warning"
    [finding] = outcome.failed("warning")
    assert finding.column == "not_reconciled"
    assert finding.unexpected == ["so2 2013: 无法核对：缺鞍山市 cannot be reconciled: 13 of 14 cities reported (a base year)"]


def test_city_sums_gap_within_tolerance_but_above_one_percent_warns(con, validator):
    city_sums(con, 101.5)
    outcome = run_suite(con, validator, "reconciliation_city_sums", "t", [])
    assert outcome.verdict == "warning" and outcome.failed("warning")[0].column == "relative_gap"


def published(con, published_cut):
    con.execute("""CREATE OR REPLACE TABLE quality.quality_published_cut AS
        SELECT '210000' AS region_code, '2014' AS period, ? AS published_cut, 3.9638 AS recomputed_cut,
               ? - 3.9638 AS difference_pp, 0.1 AS tolerance_pp, abs(? - 3.9638) <= 0.1 AS within_tolerance""",
                [published_cut] * 3)


@pytest.mark.parametrize("value, verdict", [(3.96, "passed"), (3.8639, "passed"), (3.86, "failed"), (4.2, "failed")])
def test_published_cut_within_a_tenth_of_a_point(con, validator, value, verdict):
    published(con, value)
    assert run_suite(con, validator, "reconciliation_published_cut", "t", []).verdict == verdict


def completeness(con, delivered):
    con.execute("""CREATE OR REPLACE TABLE quality.quality_completeness AS
        SELECT 'env_pollutant_totals' AS extract, '2013' AS period, ? AS cities_delivered,
               CASE WHEN ? < 14 THEN ['鞍山市'] END AS missing_cities""", [delivered, delivered])


def test_a_missing_city_is_a_warning(con, validator):
    completeness(con, 14)
    assert run_suite(con, validator, "completeness", "t", []).verdict == "passed"
    completeness(con, 13)
    outcome = run_suite(con, validator, "completeness", "t", [])
    assert outcome.verdict == "warning"
    assert outcome.failed("warning")[0].unexpected == ["env_pollutant_totals 2013: missing 鞍山市"]


def moves(con, value):
    con.execute("""CREATE OR REPLACE TABLE quality.quality_yoy_moves AS
        SELECT '210800' AS region_code, 'energy_total' AS indicator, 2014 AS year, 1000.0 AS previous_value,
               ? AS value, ? / 1000.0 - 1 AS relative_change, 0.15 AS tolerance,
               abs(? / 1000.0 - 1) <= 0.15 AS within_tolerance""", [value] * 3)


def test_a_year_on_year_jump_is_a_warning(con, validator):
    moves(con, 1100.0)
    assert run_suite(con, validator, "indicator_moves", "t", []).verdict == "passed"
    moves(con, 1300.0)
    outcome = run_suite(con, validator, "indicator_moves", "t", [])
    assert outcome.verdict == "warning"
    assert outcome.failed("warning")[0].unexpected == ["210800 energy_total 2014: +30.0% (bound ±15%)"]


def monitoring(con, rows):
    con.execute("CREATE OR REPLACE TABLE quality.quality_monitoring_hours (outlet_id VARCHAR, month DATE, "
                "hours_with_records BIGINT, valid_hours BIGINT, hours_enabled BIGINT, unknown_outlet BOOLEAN, coverage DOUBLE)")
    con.executemany("INSERT INTO quality.quality_monitoring_hours VALUES (?, DATE '2015-03-01', ?, ?, ?, ?, ?)",
                    [[o, h, h, e, u, h / e] for o, h, e, u in rows])


def test_monitoring_hours(con, validator):
    monitoring(con, [("MO1", 700, 744, False), ("MO2", 720, 744, False)])
    assert run_suite(con, validator, "reconciliation_monitoring_hours", "t", []).verdict == "passed"
    # missing hours: half the month never arrived → warning
    monitoring(con, [("MO1", 372, 744, False), ("MO2", 720, 744, False)])
    assert run_suite(con, validator, "reconciliation_monitoring_hours", "t", []).verdict == "warning"
    # more hours with records than hours enabled, or an outlet the register does not know → error
    monitoring(con, [("MO1", 760, 744, False)])
    assert run_suite(con, validator, "reconciliation_monitoring_hours", "t", []).verdict == "failed"
    monitoring(con, [("MO9", 700, 744, True)])
    assert run_suite(con, validator, "reconciliation_monitoring_hours", "t", []).verdict == "failed"


def test_an_expectation_that_raises_is_a_failure(con, validator):
    """A metric that cannot be computed (here: the column is gone) is an error, never a pass."""
    con.execute("CREATE TABLE quality.quality_fuels_vs_total AS SELECT '210000' AS region_code, 0.9 AS share")
    outcome = run_suite(con, validator, "reconciliation_fuels_vs_total", "t", [])
    assert outcome.verdict == "failed"
    assert all(o.message and "fossil_share" in o.message for o in outcome.failed("error"))
    # the warning-level expectation on the missing column counts as an error too
    assert {o.severity for o in outcome.outcomes} == {"error"}


def test_raw_suite_judges_only_this_runs_deliveries(con, validator):
    con.execute("CREATE TABLE raw.transport_yellow_label_stock AS SELECT * FROM (VALUES "
                "(1, 2, '210100', DATE '2013-12-31', 5000), (2, 2, '210100', DATE '2013-12-31', -7)) "
                "t(_file_id, _row, region_code, stock_date, stock)")
    assert run_suite(con, validator, "raw_transport_yellow_label_stock", "t", None).skipped
    assert run_suite(con, validator, "raw_transport_yellow_label_stock", "t", [1]).verdict == "passed"
    assert run_suite(con, validator, "raw_transport_yellow_label_stock", "t", [2]).verdict == "failed"


def test_a_withdrawal_lifts_the_verdict_on_the_withdrawn_delivery(con, validator):
    """File 2 fails the blocking raw check (a negative stock) and blocks the marts; once it is
    withdrawn, the next run re-judges the verdict's files without it — file 1 alone, which
    passes — and nothing blocks any more. Withdrawing file 1 too leaves nothing to judge: an
    empty verdict is recorded, never the stale failure."""
    name, extract = "raw_transport_yellow_label_stock", "transport_yellow_label_stock"
    bookkeeping.ensure(con)
    con.execute("CREATE TABLE raw.transport_yellow_label_stock AS SELECT * FROM (VALUES "
                "(1, 2, '210100', DATE '2013-12-31', 5000), (2, 2, '210100', DATE '2013-12-31', -7)) "
                "t(_file_id, _row, region_code, stock_date, stock)")
    con.execute("INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at, "
                "processed_at, status) SELECT i, ?, 'f' || i, 'h' || i, 1, now(), now(), 'loaded' "
                "FROM range(1, 3) t(i)", [extract])
    assert files_to_judge(con, name, extract, [1, 2]) == ([1, 2], None)  # loaded now: those
    assert run_suite(con, validator, name, "night1", [1, 2]).verdict == "failed"
    assert [s for s, _ in failing_now(con)] == [name]
    assert files_to_judge(con, name, extract, []) == (None, None)        # nothing new, nothing withdrawn
    con.execute("INSERT INTO meta.withdrawals VALUES (2, now(), 'negative stock', 'test')")
    # the failed verdict judged the withdrawn delivery: it no longer blocks, even before the
    # suite re-judges (the marts' gate may come first in a run)
    assert failing_now(con) == []
    judged, why = files_to_judge(con, name, extract, [])
    assert judged == [1] and "withdrawal of file(s) 2" in why
    assert run_suite(con, validator, name, "night2", judged).verdict == "passed"
    assert failing_now(con) == []
    con.execute("INSERT INTO meta.withdrawals VALUES (1, now(), 'taken back', 'test')")
    judged, _ = files_to_judge(con, name, extract, [])
    outcome = run_suite(con, validator, name, "night3", judged)
    assert judged == [] and outcome.rows == 0 and outcome.verdict == "passed"


def test_deliveries_of_a_run_that_died_before_its_checks_are_judged_next_time(con, validator):
    """Files 1 and 2 were loaded by a run killed before its checks; the next run loads file 3
    and judges all three, so file 2's negative stock cannot reach the models unchecked."""
    name, extract = "raw_transport_yellow_label_stock", "transport_yellow_label_stock"
    bookkeeping.ensure(con)
    con.execute("CREATE TABLE raw.transport_yellow_label_stock AS SELECT * FROM (VALUES "
                "(1, 2, '210100', DATE '2013-12-31', 5000), (2, 2, '210200', DATE '2013-12-31', -7), "
                "(3, 2, '210300', DATE '2013-12-31', 4000)) t(_file_id, _row, region_code, stock_date, stock)")
    con.execute("INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at, "
                "processed_at, status) SELECT i, ?, 'f' || i, 'h' || i, 1, now(), now(), 'loaded' "
                "FROM range(1, 4) t(i)", [extract])
    judged, why = files_to_judge(con, name, extract, [3])
    assert judged == [1, 2, 3] and "file(s) 1, 2, loaded by a run that ended before its checks" in why
    assert run_suite(con, validator, name, "night2", judged).verdict == "failed"
    assert files_to_judge(con, name, extract, []) == (None, None)       # judged once, not every night


def test_withdrawn_values_warn_and_name_both_files(con, validator):
    con.execute("""CREATE TABLE quality.quality_withdrawn_values AS SELECT 'stats_city_indicators' AS extract,
        '210100 / 2015' AS key, 'coal' AS measure, 46 AS missing_in_file, 2 AS missing_in_row, 'x/修订.csv' AS missing_in_path,
        35 AS figure_from_file, 'x/年报.csv' AS figure_from_path""")
    outcome = run_suite(con, validator, "withdrawn_values", "t", None)
    assert outcome.verdict == "warning"
    assert "x/修订.csv row 2" in outcome.summary() and "x/年报.csv" in outcome.summary()
    con.execute("DELETE FROM quality.quality_withdrawn_values")
    assert run_suite(con, validator, "withdrawn_values", "t", None).verdict == "passed"


def test_raw_suites_demand_only_what_every_delivery_carries():
    """A partial revision leaves the columns it did not carry NULL in raw: a raw suite may
    demand a value only in the columns every file must carry (the loader already quarantines a
    blank in a carried not_null column)."""
    from sources.contract import contracts
    for name, spec in suites().items():
        if spec["guards"][0] != "raw":
            continue
        required = {c.name for c in contracts()[spec["guards"][1]].required_columns}
        for e in spec["expectations"]:
            if e["type"] == "expect_column_values_to_not_be_null":
                assert e["kwargs"]["column"] in required, (name, e["kwargs"]["column"])


def test_published_not_above_due_judges_rows_that_carry_both(con, validator):
    # a revision of the published count alone (due not carried), and one above its due figure
    con.execute("CREATE TABLE raw.env_disclosure AS SELECT * FROM (VALUES "
                "(1, 2, '2015Q4', '210100', NULL::BIGINT, 55::BIGINT, NULL::BIGINT, NULL::BIGINT), "
                "(2, 2, '2015Q4', '210200', 50, 60, 10, 10)) "
                "t(_file_id, _row, period, region_code, self_due, self_published, supervisory_due, supervisory_published)")
    assert run_suite(con, validator, "raw_env_disclosure", "t", [1]).verdict == "passed"
    outcome = run_suite(con, validator, "raw_env_disclosure", "t", [2])
    assert outcome.verdict == "failed" and not any(o.message for o in outcome.outcomes)


def test_every_suite_is_valid_and_names_its_asset():
    for name, spec in suites().items():
        assert spec["guards"][0] in ("raw", "intermediate", "quality") and spec["expectations"], name
        check_types(spec)  # GX knows every expectation type (read without GX, checked with it)


def test_an_unknown_expectation_type_fails_loudly():
    spec = {"name": "x", "expectations": [{"type": "expect_column_values_to_be_purple",
                                           "kwargs": {"column": "a"}, "meta": {"severity": "error"}}]}
    with pytest.raises(Exception, match="purple"):
        check_types(spec)


def test_reading_the_suites_loads_no_great_expectations():
    """The definitions and a quiet night read the suites; GX (2.5 s of imports) waits for a
    validation."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "import sys; from expectations.run import suites; suites(); "
                          "print(sorted(m for m in ('great_expectations', 'scipy', 'pandas') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_row_by_row_expectation_records_how_many_rows_failed(con, validator):
    """The data-quality page's "observed" column: for a range check, the count of rows out of
    range among those checked (here 1 of 2 deliveries' stocks is negative)."""
    name = "raw_transport_yellow_label_stock"
    bookkeeping.ensure(con)
    con.execute("CREATE OR REPLACE TABLE raw.transport_yellow_label_stock AS SELECT * FROM (VALUES "
                "(1, 2, '210100', DATE '2013-12-31', 5000), (1, 3, '210200', DATE '2013-12-31', -7)) "
                "t(_file_id, _row, region_code, stock_date, stock)")
    outcome = run_suite(con, validator, name, "t", [1])
    assert outcome.verdict == "failed"
    stock = [o for o in outcome.outcomes if o.column == "stock" and not o.success]
    assert stock and stock[0].observed == "1 of 2 rows unexpected"


# ------------------------------------------------------------------ the bulk feed in batches
# The hourly feed is judged in batches of vectors × 2,048 rows (expectations.run.validate_bulk):
# here one vector a batch, so that 5,000 rows make three batches (2,048 + 2,048 + 904).

def hourly(con, bad_values: dict[int, float], repeat_row: int | None = None, files=(1,)):
    """5,000 rows of raw.env_monitoring_hourly per file: value = 1.0 except at the rows named
    (row number → value); ``repeat_row`` gives that row the key of row 1 (a key twice)."""
    con.execute("CREATE OR REPLACE TABLE raw.env_monitoring_hourly AS "
                "SELECT f AS _file_id, i AS _row, 'MO' || lpad(CAST(i % 100 AS VARCHAR), 4, '0') AS outlet_id, "
                "TIMESTAMP '2014-01-01' + INTERVAL 1 HOUR * (i // 100) AS measured_at, "
                "'SO2' AS factor, 1.0::DOUBLE AS value, 'N' AS flag "
                f"FROM range(1, 5001) r(i), (SELECT unnest({list(files)}) AS f)")
    for row, value in bad_values.items():
        con.execute("UPDATE raw.env_monitoring_hourly SET value = ? WHERE _row = ?", [value, row])
    if repeat_row:
        con.execute("UPDATE raw.env_monitoring_hourly SET outlet_id = 'MO0001', "
                    "measured_at = TIMESTAMP '2014-01-01' WHERE _row = ?", [repeat_row])


def bulk(con, validator, expectations=None, files=(1,)):
    from expectations.run import validate_bulk
    spec = dict(suites()["raw_env_monitoring_hourly"])
    if expectations is not None:
        spec["expectations"] = expectations
    return validate_bulk(con, validator, spec, list(files), vectors=1)


def test_the_bulk_suite_adds_up_its_batches(con, validator):
    """Two values out of range (rows 10 and 4,500: the first and the third batch) and one null
    flag: the range check warns with 2 of 5,000 rows, both examples kept; not_null errs with 1."""
    hourly(con, {10: -3.0, 4500: 2e6})
    con.execute("UPDATE raw.env_monitoring_hourly SET flag = NULL WHERE _row = 3000")
    rows, outcomes = bulk(con, validator)
    assert rows == 5000
    by = {(o.expectation, o.column): o for o in outcomes}
    value = by["expect_column_values_to_be_between", "value"]
    assert not value.success and value.severity == "warning"
    assert value.observed == "2 of 5000 rows unexpected" and sorted(value.unexpected) == [-3.0, 2e6]
    flag = by["expect_column_values_to_not_be_null", "flag"]
    assert not flag.success and flag.unexpected_count == 1 and flag.severity == "error"
    assert by["expect_column_values_to_not_be_null", "outlet_id"].success
    assert by["expect_column_to_exist", "measured_at"].success
    assert by["expect_compound_columns_to_be_unique", "_file_id,outlet_id,measured_at,factor"].success
    # in the suite's order
    assert [o.expectation for o in outcomes] == [e["type"] for e in suites()["raw_env_monitoring_hourly"]["expectations"]]


@pytest.mark.parametrize("mostly, success", [(0.75, False), (0.6, True)])
def test_mostly_is_judged_on_the_sums_not_per_batch(con, validator, mostly, success):
    """Rows 3,001–5,000 out of range: 2,000 of 5,000 bad, 60 % good. The first batch (rows
    1–2,048) passes alone, the third (4,097–5,000) fails alone at any mostly; the whole passes
    at mostly 0.6 and fails at 0.75."""
    hourly(con, {})
    con.execute("UPDATE raw.env_monitoring_hourly SET value = -1 WHERE _row > 3000")
    e = {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "value", "min_value": 0, "mostly": mostly}, "meta": {"severity": "error"}}
    _, [outcome] = bulk(con, validator, [e])
    assert outcome.unexpected_count == 2000 and outcome.element_count == 5000
    assert outcome.success is success


def test_a_key_twice_is_found_by_the_aggregate(con, validator):
    """Row 4,900 (third batch) repeats row 1's key (first batch): no batch sees both, the
    aggregate does — 2 rows of 5,000 unexpected; the same key in another file is a revision."""
    hourly(con, {}, repeat_row=4900)
    _, outcomes = bulk(con, validator)
    [unique] = [o for o in outcomes if o.expectation == "expect_compound_columns_to_be_unique"]
    assert not unique.success and unique.observed == "2 of 5000 rows unexpected"
    hourly(con, {}, files=(1, 2))
    rows, outcomes = bulk(con, validator, files=(1, 2))
    assert rows == 10000 and all(o.success for o in outcomes)


def test_a_bulk_suite_refuses_a_table_wide_expectation():
    from expectations.run import bulk_kind
    with pytest.raises(ValueError, match="aggregate"):
        bulk_kind({"type": "expect_column_mean_to_be_between", "kwargs": {"column": "value"}})


def test_the_bulk_suite_recorded_like_any_other(con, validator):
    """Through run_suite: the verdict and dq.check_results as for a small extract."""
    bookkeeping.ensure(con)
    hourly(con, {10: -3.0})
    outcome = run_suite(con, validator, "raw_env_monitoring_hourly", "t", [1])
    assert outcome.rows == 5000 and outcome.verdict == "warning"
    assert con.execute("SELECT observed_value, rows_checked FROM dq.check_results "
                       "WHERE NOT success").fetchall() == [("1 of 5000 rows unexpected", 5000)]
