"""`plantrack inspect FILE`: the loader's own reading of one file, no warehouse touched; exit 0
clean, 1 rows quarantined, 2 rejected (or the extract cannot be told)."""

import json
import shutil

import pytest

from orchestration.cli import main
from tests.fixtures.deliveries.make_deliveries import HERE

POLLUTANTS = HERE / "text" / "env_pollutant_totals"


def test_a_clean_file_exits_0_and_shows_how_it_was_read(capsys):
    assert main(["inspect", str(POLLUTANTS / "unicode_text.txt")]) == 0
    out = capsys.readouterr().out
    assert "env_pollutant_totals 主要污染物排放总量 (from the folder name)" in out
    assert "read as 读取: utf-16, tab-separated" in out and "header row 表头行: 1" in out
    assert "3  化学需氧量  →  cod (number) [吨]" in out
    assert "rows 行: 2 read, 2 would load, 0 quarantined" in out
    assert "2 | 2014 | 210100 | 1200.0" in out


def test_quarantined_rows_exit_1_with_every_reason(capsys):
    assert main(["inspect", str(POLLUTANTS / "nan_inf.csv"), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["exit_code"] == 1 and result["rows_quarantined"] == 6
    assert {(q["row"], q["column"], q["reason"]) for q in result["quarantine"]} >= {
        (4, "cod", "not a finite number (infinity)"), (7, "nox", "an Excel error value (#N/A), not a figure")}
    assert [r["_row"] for r in result["rows"]] == [2, 3]


def test_a_rejected_file_exits_2_with_the_reason(capsys):
    assert main(["inspect", str(POLLUTANTS / "nul_byte.csv")]) == 2
    assert "REJECTED 拒收: not a table: binary content (NUL bytes at row 3)" in capsys.readouterr().out


def test_units_and_scale_factors_are_shown(tmp_path, capsys):
    f = tmp_path / "p.csv"
    f.write_text("年份,地区,化学需氧量(万吨),氨氮,二氧化硫,氮氧化物\n2014,全省,12.5,100,0.3,2500\n", encoding="utf-8")
    assert main(["inspect", str(f), "--extract", "env_pollutant_totals", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["extract_from"] == "--extract"
    assert result["mapping"][2] == {"file_column": 3, "header": "化学需氧量(万吨)", "column": "cod",
                                    "type": "number", "unit": "吨", "scale": 10000.0}
    assert result["rows"][0]["cod"] == 125000.0


def test_an_extract_that_cannot_be_told_exits_2_and_says_so(tmp_path, capsys):
    f = tmp_path / "p.csv"
    shutil.copy(POLLUTANTS / "semicolon.csv", f)
    assert main(["inspect", str(f)]) == 2
    assert "cannot tell which extract p.csv is" in capsys.readouterr().err
    assert main(["inspect", str(f), "--extract", "nope"]) == 2


def test_inspect_touches_no_warehouse(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANTRACK_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert main(["inspect", str(POLLUTANTS / "semicolon.csv")]) == 0
    assert list(tmp_path.iterdir()) == []
