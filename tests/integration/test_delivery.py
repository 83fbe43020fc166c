"""Delivery habits: the same bytes twice, revisions, a crash mid-file, the row accounting,
and the large monitoring feed's own reader path."""

import os
import subprocess
import sys
import textwrap

import pytest

import sources.load as load
from tests.conftest import rows

HEADER = "年份,地区,化学需氧量(吨),氨氮(吨),二氧化硫(吨),氮氧化物(吨)\n"


def test_same_bytes_twice_load_once(landing, ingest, warehouse):
    content = HEADER + "2014,沈阳市,1200,100,3000,2500\n"
    landing.deliver("env_pollutant_totals", "a.csv", content)
    landing.deliver("env_pollutant_totals", "a (resent).csv", content)
    out = ingest("env_pollutant_totals")
    assert [f.status for f in out.files] == ["loaded", "duplicate"]
    assert rows(warehouse, "SELECT count(*) FROM raw.env_pollutant_totals") == [(1,)]
    dup = rows(warehouse, "SELECT duplicate_of, error FROM meta.files WHERE status = 'duplicate'")[0]
    assert dup[0] == out.files[0].file_id and "same bytes as env_pollutant_totals/a.csv" in dup[1]


def test_a_run_loads_only_what_it_has_not_seen(landing, ingest, warehouse):
    path = landing.deliver("env_pollutant_totals", "a.csv", HEADER + "2014,沈阳市,1,2,3,4\n")
    assert len(ingest("env_pollutant_totals").files) == 1
    assert ingest("env_pollutant_totals").files == []          # nothing new: nothing done
    os.utime(path, (path.stat().st_mtime + 5,) * 2)            # touched, same bytes
    assert ingest("env_pollutant_totals").files == []
    landing.deliver("env_pollutant_totals", "b.csv", HEADER + "2015,沈阳市,1,2,3,4\n")
    assert [f.path for f in ingest("env_pollutant_totals").files] == ["env_pollutant_totals/b.csv"]
    assert rows(warehouse, "SELECT count(*) FROM meta.files") == [(2,)]


def test_a_revision_supersedes_and_history_stays(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "2014.csv", HEADER + "2014,沈阳市,1200,100,3000,2500\n"
                                                               "2014,大连市,1100,90,2800,2400\n")
    landing.deliver("env_pollutant_totals", "2014_修订.csv", HEADER + "2014,沈阳市,1180,100,2950,2500\n")
    ingest("env_pollutant_totals")
    # raw keeps both deliveries of Shenyang 2014
    assert rows(warehouse, "SELECT _file_id, cod FROM raw.env_pollutant_totals "
                           "WHERE region_code = '210100' ORDER BY _file_id") == [(1, 1200.0), (2, 1180.0)]
    # the newest delivery of each key is what downstream reads (the rule dbt staging applies)
    latest = rows(warehouse, """SELECT region_code, cod FROM raw.env_pollutant_totals
        QUALIFY row_number() OVER (PARTITION BY region_code, year ORDER BY _file_id DESC) = 1
        ORDER BY region_code""")
    assert latest == [("210100", 1180.0), ("210200", 1100.0)]


def test_a_crash_mid_file_leaves_nothing_and_the_next_run_loads_it(landing, ingest, warehouse, monkeypatch):
    landing.deliver("env_pollutant_totals", "a.csv", HEADER + "2014,沈阳市,1,2,3,4\n2014,火星,1,2,3,4\n")
    real = load._record_file

    def crash(*args, **kwargs):
        if kwargs.get("status") == "loaded":  # raw and quarantine are written by now
            raise KeyboardInterrupt("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "_record_file", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest("env_pollutant_totals")
    assert rows(warehouse, "SELECT (SELECT count(*) FROM raw.env_pollutant_totals), "
                           "(SELECT count(*) FROM meta.quarantine), (SELECT count(*) FROM meta.files)") == [(0, 0, 0)]
    monkeypatch.setattr(load, "_record_file", real)
    out = ingest("env_pollutant_totals").files[0]
    assert (out.status, out.rows_loaded, out.rows_quarantined) == ("loaded", 1, 1)


def test_a_killed_process_leaves_nothing_on_disk(landing, tmp_path):
    """The process dies (no clean-up at all) after raw was written, before the commit."""
    landing.deliver("env_pollutant_totals", "a.csv", HEADER + "2014,沈阳市,1,2,3,4\n")
    db = tmp_path / "killed.duckdb"
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        import sources.load as load
        from sources.contract import contracts
        real = load._record_file
        def die(*a, **k):
            if k.get("status") == "loaded":
                os._exit(9)
            return real(*a, **k)
        load._record_file = die
        con = load.connect(Path({str(db)!r}))
        load.ingest_extract(con, contracts()["env_pollutant_totals"], Path({str(landing.root)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=load.Path(load.__file__).parents[1])
    assert done.returncode == 9
    con = load.connect(db)
    assert rows(con, "SELECT count(*) FROM raw.env_pollutant_totals") == [(0,)]
    out = load.ingest_extract(con, load.contracts()["env_pollutant_totals"], landing.root)
    assert out.files[0].rows_loaded == 1
    con.close()


def hourly(lines: list[str]) -> str:
    return "点位编号,监测时间,监测因子,监测值,数据标记\n" + "".join(line + "\n" for line in lines)


def test_monitoring_feed_rows_problems_and_line_numbers(landing, ingest, warehouse):
    feed = [f"MO0001,2015-03-01 {h:02d}:00:00,SO2,{h}.5,N" for h in range(10)]
    feed[3] = "MO0001,2015-03-01 03:00:00,SO2,１２.5,N"        # full-width: slow path, still loads
    feed[4] = "MO0001,2015-03-01 04:00:00,SO2,abc,N"          # not a number
    feed[5] = "MO0001,2015-03-01 05:00:00,SO2,1.0,X"          # unknown flag
    feed[6] = "MO0001,2015-03-01 06:00:00,SO2,1.0,N,extra"    # malformed line
    feed[8] = "MO0001,2015-03-01 07:00:00,SO2,7.5,N"          # same key as row 9
    landing.deliver("env_monitoring_hourly", "h.csv", hourly(feed))
    out = ingest("env_monitoring_hourly").files[0]
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (10, 5, 5)
    got = rows(warehouse, "SELECT row_number, column_name, reason FROM meta.quarantine ORDER BY 1, 2")
    assert [(r[0], r[1]) for r in got] == [(6, "value"), (7, "flag"), (8, "(row)"), (9, "(key)"), (10, "(key)")]
    assert got[1][2] == "not one of N / F / M / D / C / T / B / S"
    assert "too many columns" in got[2][2]
    assert rows(warehouse, "SELECT _row, value FROM raw.env_monitoring_hourly ORDER BY _row") == [
        (2, 0.5), (3, 1.5), (4, 2.5), (5, 12.5), (11, 9.5)]


def test_monitoring_feed_in_gbk_and_with_empty_values(landing, ingest, warehouse):
    landing.deliver("env_monitoring_hourly", "h.csv", hourly([
        "MO0001,2015-03-01 00:00:00,烟尘,,F", "MO0001,2015-03-01 00:00:00,氨氮,—,F"]), encoding="gb18030")
    out = ingest("env_monitoring_hourly").files[0]
    assert out.status == "loaded" and out.rows_loaded == 2
    assert rows(warehouse, "SELECT factor, value, flag FROM raw.env_monitoring_hourly ORDER BY 1") == [
        ("氨氮", None, "F"), ("烟尘", None, "F")]


def test_row_accounting_holds_for_every_file(landing, ingest, warehouse):
    landing.deliver("env_pollutant_totals", "a.csv", HEADER + "2014,沈阳,1,2,3,4\n2014,火星,1,2,3,4\n"
                    "2014,沈阳,1,2,3,4\n2015,大连,x,-1,3,4\n\n注：测试\n")
    ingest("env_pollutant_totals")
    assert_accounting(warehouse)


def assert_accounting(con):
    """rows read = rows loaded + rows quarantined, and both agree with the tables."""
    bad = rows(con, """
        SELECT f.path, f.rows_read, f.rows_loaded, f.rows_quarantined,
               (SELECT count(*) FROM (SELECT _file_id FROM (
                    SELECT _file_id FROM raw.env_pollutant_totals UNION ALL
                    SELECT _file_id FROM raw.env_monitoring_hourly) WHERE _file_id = f.file_id)) AS in_raw,
               (SELECT count(DISTINCT row_number) FROM meta.quarantine q WHERE q.file_id = f.file_id) AS in_q
        FROM meta.files f WHERE f.status = 'loaded'""")
    for path, read, loaded, quarantined, in_raw, in_q in bad:
        assert read == loaded + quarantined, path
        assert (loaded, quarantined) == (in_raw, in_q), path
