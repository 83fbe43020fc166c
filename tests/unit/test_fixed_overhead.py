"""What every run used to pay for nothing (issue 18): a `dbt --version` process, a dbt adapter
in Dagster's process, Great Expectations loaded to read the suites."""

import importlib.metadata
import subprocess
import sys

from packaging import version


def test_the_dbt_version_comes_without_a_dbt_process(monkeypatch):
    from orchestration.assets.dbt import PlantrackDbtResource
    from orchestration.core.layout import DBT_DIR, DBT_EXECUTABLE

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    fresh = PlantrackDbtResource(project_dir=str(DBT_DIR), profiles_dir=str(DBT_DIR), dbt_executable=str(DBT_EXECUTABLE))
    assert fresh._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert fresh._cli_version.major == 1  # dbt Core, not the Fusion engine: dagster-dbt's paths for Core
    assert fresh._initialize_dbt_core_adapter(["build", "--vars", "{}"]) is None


def test_commands_other_than_run_load_no_dagster_dbt_or_great_expectations():
    """plantrack status, report, inspect, sample, withdraw and explain import what they use."""
    modules = ["orchestration.core.status", "orchestration.core.manifest", "orchestration.core.report.bulletin",
               "sources.inspect", "sources.sample.generate", "sources.load", "orchestration.core.publish",
               "orchestration.core.explain"]
    code = ("import sys, importlib\nimport orchestration.cli\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in ('dagster', 'dagster_dbt', 'dbt', 'great_expectations', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_marts_dbt_tests_are_observations_and_the_raw_sources_tests_stay_checks(tmp_path):
    """A Dagster asset check costs three events committed one by one; the marts' hundred-odd
    structural tests run in their dbt build and report as observations on the marts. The raw
    sources' finite_numbers tests stay checks on the raw assets, where they gate the models."""
    from orchestration.definitions import build_definitions
    from orchestration.resources import PlantrackSettings

    settings = PlantrackSettings(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"),
                                 exports=str(tmp_path / "exports"))
    graph = build_definitions(settings).resolve_asset_graph()
    checks = graph.asset_check_keys
    assert not [c for c in checks if c.asset_key.path[0] == "marts"]
    finite = {c.asset_key.path[1] for c in checks if c.name.startswith("source_finite_numbers_raw_")}
    assert "env_monitoring_hourly" in finite and all(graph.get_check_spec(c).blocking for c in checks
                                                     if c.name.startswith("source_finite_numbers_raw_"))


def test_the_suites_of_a_process_share_one_great_expectations_context(tmp_path, monkeypatch):
    """A night validates up to eight suites, a step each, in one process: one GX context for
    all of them, not one per suite."""
    from orchestration.core import checks
    from orchestration.resources import PlantrackSettings

    made, used = [], []

    class CountingValidator:
        def __init__(self):
            made.append(self)

    monkeypatch.setattr(checks, "Validator", CountingValidator)
    monkeypatch.setattr(checks, "run_suite", lambda con, validator, name, run_id, judged: used.append(validator))
    checks._validator.cache_clear()
    layout = PlantrackSettings(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"),
                               exports=str(tmp_path / "exports")).layout
    try:
        for name in ("completeness", "indicator_ranges", "reconciliation_city_sums"):
            checks.judge(layout, name, "run-1")
    finally:
        checks._validator.cache_clear()
    assert len(made) == 1 and used == made * 3


def _test_observation(key: list[str], name: str, status: str, failures: int | None = 0):
    import dagster as dg
    metadata = {"unique_id": f"test.plantrack.{name}.0123456789", "status": status}
    if failures is not None:
        metadata["dagster_dbt/failed_row_count"] = failures
    return dg.AssetObservation(dg.AssetKey(key), metadata=metadata)


def test_the_marts_dbt_tests_fold_into_one_observation_per_mart():
    """dagster-dbt yields an observation per test and tested asset (a committed event each):
    they are folded into one per asset, its worst status first, the other events untouched."""
    import dagster as dg
    from orchestration.assets.dbt import tests_per_asset

    output = dg.Output(None, output_name="marts_target_progress")
    events = [output,
              _test_observation(["marts", "target_progress"], "not_null_target_progress_status", "pass"),
              _test_observation(["marts", "target_progress"], "unique_target_progress_key", "fail", 3),
              _test_observation(["marts", "target_progress"], "accepted_values_target_progress_x", "warn", 1),
              _test_observation(["marts", "indicator_values"], "not_null_indicator_values_value", "pass"),
              dg.AssetObservation(dg.AssetKey(["marts", "indicator_values"]), metadata={"other": 1})]
    out = list(tests_per_asset(iter(events)))
    assert out[0] is output and out[1] is events[-1]  # not a test's observation: as it came
    folded = {o.asset_key.path[1]: o for o in out[2:]}
    assert set(folded) == {"target_progress", "indicator_values"} and len(out) == 4
    progress = folded["target_progress"].metadata
    assert progress["status"].value == "fail" and progress["dbt_tests"].value == 3
    table = progress["tests"].value
    assert table.index("unique_target_progress_key | fail | 3") < table.index("| warn |") < table.index("| pass |")
    assert folded["indicator_values"].metadata["status"].value == "pass"


def test_a_failed_dbt_build_still_reports_its_tests_before_it_fails():
    """The marts' build fails on a failing test: the folded observation comes first, then the
    failure is raised, so that the run shows which test failed."""
    import pytest
    from orchestration.assets.dbt import tests_per_asset

    def build():
        yield _test_observation(["marts", "indicator_values"], "not_null_indicator_values_indicator", "fail", 1)
        raise RuntimeError("dbt build failed")

    seen = []
    with pytest.raises(RuntimeError, match="dbt build failed"):
        for event in tests_per_asset(build()):
            seen.append(event)
    assert [(o.asset_key.path[1], o.metadata["status"].value) for o in seen] == [("indicator_values", "fail")]
