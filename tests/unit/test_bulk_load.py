"""Issue 18: the hourly feed typed straight into its raw table (sources/load.py, _load_bulk)
quarantines, numbers and loads every row exactly as the scratch-table path did."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources import load
from sources.contract import contracts

HOURLY = contracts()["env_monitoring_hourly"]


def _feed(path: Path) -> Path:
    lines = ["点位编号,监测时间,监测因子,监测值,数据标记"]
    # 300 clean rows, line n + 2 holds hour n: outlet MO000(n % 7), value n.5
    lines += [f"MO{h % 7:04d},2015-03-{1 + h // 24:02d} {h % 24:02d}:00:00,SO2,{h}.5,N" for h in range(300)]
    lines[6] = "MO0001,2015-03-01 05:00:00,so2,-1.5,N"                # line 7: negative (so2 is SO2)
    lines[10] = "MO0002,2015-03-01 09:00:00,SO2,n/a,X"               # line 11: two bad cells
    lines[13] = "1.2E+17,2015-03-01 12:00:00,SO2,3,N"                # line 14: an Excel-mangled code
    lines[21] = "MO0003,2015-03-01 20:00:00,SO2,inf,"                # line 22: infinity, flag missing
    lines[31] = "MO0004,2015-03-01 06:00:00,SO2,3,N,extra"          # line 32: set aside by the reader
    lines[32] = "MO0004,bad time,SO2,3,N"                            # line 33
    lines[41] = lines[42]                                             # lines 42 and 43: one key twice
    lines[61] = "#N/A,2015-03-03 12:00:00,COD,1,N"                    # line 62
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load(tmp_path: Path, name: str):
    con = load.connect(tmp_path / f"{name}.duckdb")
    feed = tmp_path / "h.csv"
    out = load.load_file(con, HOURLY, feed if feed.exists() else _feed(feed), "h.csv")
    return con, out


def test_the_bulk_feed_quarantines_naming_file_row_column_and_reason(tmp_path):
    con, out = _load(tmp_path, "w")
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (300, 291, 9)
    assert con.execute("SELECT row_number, column_name, reason FROM meta.quarantine "
                       "ORDER BY row_number, column_name").fetchall() == [
        (7, "value", "impossible negative value"),
        (11, "flag", "not one of N / F / M / D / C / T / B / S"),
        (11, "value", "not a number"),
        (14, "outlet_id", "a number in scientific notation: Excel stored the code as a number and its "
                          "digits are lost; deliver it as text"),
        (22, "flag", "missing required value"),
        (22, "value", "not a finite number (infinity)"),
        (32, "(row)", "too many columns: Expected Number of Columns: 5 Found: 6"),
        (33, "measured_at", "not a date and time"),
        (42, "(key)", "duplicate key in this file: rows 42, 43"),
        (43, "(key)", "duplicate key in this file: rows 42, 43"),
        (62, "outlet_id", "an Excel error value (#N/A), not a figure")]
    # a loaded row keeps its line, past the line the reader set aside (32) and the quarantined ones
    assert con.execute("SELECT _row, outlet_id, value FROM raw.env_monitoring_hourly "
                       "WHERE _row IN (2, 31, 34, 301) ORDER BY _row").fetchall() == [
        (2, "MO0000", 0.5), (31, "MO0001", 29.5), (34, "MO0004", 32.5), (301, "MO0005", 299.5)]
    # the marks of quarantined rows are gone once the load is done
    assert con.execute("SELECT count(*), count(DISTINCT _file_id), min(_file_id) "
                       "FROM raw.env_monitoring_hourly").fetchall() == [(291, 1, out.file_id)]


def test_the_bulk_feed_loads_as_the_scratch_table_path_did(tmp_path, monkeypatch):
    new, _ = _load(tmp_path, "new")
    monkeypatch.setattr(load, "_pack_column", lambda contract: None)  # the scratch-table path
    old, _ = _load(tmp_path, "old")

    def state(con):
        return (con.execute("SELECT * FROM raw.env_monitoring_hourly ORDER BY _row").fetchall(),
                # the scratch path's cells of a duplicate row carried its internal counter k
                # when the reader set lines aside: compared without it
                con.execute("SELECT * REPLACE (CAST(json_merge_patch(cells, '{\"k\": null}') AS VARCHAR) "
                            "AS cells) FROM meta.quarantine ORDER BY ALL").fetchall(),
                con.execute("SELECT * EXCLUDE (processed_at, seconds) FROM meta.files").fetchall())
    assert state(new) == state(old)


def test_a_load_stopped_between_commit_and_cleanup_leaves_no_marked_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "drop_marked_rows", lambda con, contract: None)
    con, out = _load(tmp_path, "w")
    assert con.execute("SELECT count(*) FROM raw.env_monitoring_hourly WHERE _file_id < 0").fetchall() == [(8,)]  # 6 rows with problems, 2 copies of a key
    con.close()
    monkeypatch.undo()
    con = load.connect(tmp_path / "w.duckdb")
    assert con.execute("SELECT count(*) FROM raw.env_monitoring_hourly WHERE _file_id < 0").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM raw.env_monitoring_hourly").fetchall() == [(291,)]


def test_marks_left_by_an_earlier_load_stop_the_next_one_rather_than_misnumber_it(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "drop_marked_rows", lambda con, contract: None)
    con, _ = _load(tmp_path, "w")
    second = tmp_path / "h2.csv"
    second.write_text("点位编号,监测时间,监测因子,监测值,数据标记\nMO0001,2015-04-01 00:00:00,SO2,1,N\n",
                      encoding="utf-8")
    # the 6 rows with problems the first load left marked, and the one row of the second
    with pytest.raises(RuntimeError, match="7 rows marked for this load, 1 appended"):
        load.load_file(con, HOURLY, second, "h2.csv")
    # nothing of the second file stayed
    assert con.execute("SELECT count(*) FROM meta.files").fetchall() == [(1,)]


def test_a_line_with_too_few_cells_is_one_quarantined_row(tmp_path):
    """A line cut short ('MO0005' alone) is one row the reader set aside, however many errors
    DuckDB lists for it: quarantined once, and the load's count of rows adds up (it failed the
    whole file with 'rows read … != loaded … + quarantined …')."""
    feed = tmp_path / "h.csv"
    lines = ["点位编号,监测时间,监测因子,监测值,数据标记"]
    lines += [f"MO{h % 7:04d},2015-03-{1 + h // 24:02d} {h % 24:02d}:00:00,SO2,{h}.5,N" for h in range(50)]
    lines[5] = "MO0005"                                               # line 6: four cells missing
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = load.connect(tmp_path / "w.duckdb")
    out = load.load_file(con, HOURLY, feed, "h.csv")
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (50, 49, 1)
    assert con.execute("SELECT row_number, column_name, value, reason FROM meta.quarantine").fetchall() == [
        (6, "(row)", "MO0005", "missing columns: Expected Number of Columns: 5 Found: 1")]
    assert con.execute("SELECT _row FROM raw.env_monitoring_hourly WHERE _row IN (5, 7) ORDER BY 1").fetchall() == [(5,), (7,)]
