"""The house: the core imports no Dagster, arrows point one way (import-linter's contracts in
pyproject.toml), and one layout object names every file of a warehouse."""

import subprocess
import sys
from pathlib import Path

from orchestration.core.layout import PROJECT_ROOT, Layout


def test_the_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_one_data_folder_places_every_file(tmp_path, monkeypatch):
    for name in ("PLANTRACK_LANDING", "PLANTRACK_WAREHOUSE", "PLANTRACK_EXPORTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PLANTRACK_DATA", str(tmp_path / "d"))
    layout = Layout.from_env()
    d = tmp_path / "d"
    assert (layout.landing, layout.published, layout.exports) == (d / "landing", d / "warehouse.duckdb", d / "exports")
    assert layout.working == d / "warehouse.build.duckdb"
    assert layout.lock == d / "warehouse.build.duckdb.lock"
    assert layout.state == d / "warehouse.build.duckdb.state.json"
    assert layout.record == d / "warehouse.duckdb.record.json"
    assert layout.reports == d / "reports" and layout.data_quality == d / "reports" / "data_quality.html"
    assert layout.dbt_target == d / "dbt-target" / "warehouse.build"
    # one part moved by its own setting; an explicit path wins over both
    monkeypatch.setenv("PLANTRACK_WAREHOUSE", str(tmp_path / "elsewhere" / "w.duckdb"))
    moved = Layout.from_env(exports=tmp_path / "out")
    assert moved.landing == d / "landing" and moved.exports == tmp_path / "out"
    assert moved.working == tmp_path / "elsewhere" / "w.build.duckdb"
    assert moved.reports == tmp_path / "reports"


def test_paths_are_worked_out_in_one_place():
    """No module but the layout joins a warehouse's file names or its default data folder."""
    offenders = []
    for path in (PROJECT_ROOT / "orchestration").rglob("*.py"):
        if path.name == "layout.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ('"data"', '".build"', ".state.json", ".record.json", '"gx"', '/ "reports"', "dbt-target",
                       '".lock"', '".publishing"', '".wal"'):
            if needle in text:
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {needle}")
    assert offenders == []
