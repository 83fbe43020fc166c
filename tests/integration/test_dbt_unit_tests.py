"""The dbt unit tests (hand-worked figures in the unit_tests of dbt_project/models/**/<model>.yml) run here,
not in the nightly build: their inputs are fixtures, so running them every night would only
cost time. dbt needs the models' input relations for their column types: a copy of the sample
warehouse provides them."""

import json
import os
import shutil
import subprocess

from orchestration.core.layout import DBT_DIR, DBT_EXECUTABLE


def test_every_dbt_unit_test_passes(clean_run, tmp_path):
    source, code, _ = clean_run
    assert code == 0
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(source / "warehouse.duckdb", warehouse)
    target = tmp_path / "target"
    done = subprocess.run(
        [str(DBT_EXECUTABLE), "test", "--select", "test_type:unit", "--vars", json.dumps({"as_of": ""}),
         "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)],
        env={**os.environ, "PLANTRACK_WAREHOUSE": str(warehouse)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    manifest = json.loads((target / "manifest.json").read_text())
    assert len(unit_tests) == len(manifest["unit_tests"]) >= 9
    assert {r["status"] for r in unit_tests} == {"pass"}
