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
