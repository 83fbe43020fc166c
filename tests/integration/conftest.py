"""The whole build on sample data, run once for the integration tests that read its results."""

import os
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from orchestration.cli import main


@pytest.fixture(scope="session")
def dagster_storage(tmp_path_factory):
    os.environ["PLANTRACK_DAGSTER_STORAGE"] = str(tmp_path_factory.mktemp("dagster"))
    yield


def run(tmp: Path, *extra: str) -> tuple[int, Path]:
    """`plantrack run` on tmp/landing, into tmp/warehouse.duckdb and tmp/exports."""
    warehouse = tmp / "warehouse.duckdb"
    code = main(["run", "--landing", str(tmp / "landing"), "--warehouse", str(warehouse),
                 "--exports", str(tmp / "exports"), *extra])
    return code, warehouse


class Warehouse:
    """Read-only queries that open and close the file each time: a connection left open would
    lock out the next run's writers (dbt runs in another process)."""

    def __init__(self, path: Path):
        self.path = path

    def execute(self, sql: str, params=None) -> "Result":
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return Result(con.execute(sql, params or []).fetchall())
        finally:
            con.close()


class Result(list):
    def fetchall(self) -> list:
        return list(self)


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory, dagster_storage):
    """`plantrack sample` + `plantrack run`: (folder, exit code, warehouse to query)."""
    tmp = tmp_path_factory.mktemp("clean")
    assert main(["sample", "--landing", str(tmp / "landing")]) == 0
    code, warehouse = run(tmp)
    return tmp, code, Warehouse(warehouse)


CHROMIUM = Path("/usr/bin/chromium")
# as the browser test of the machine's probe: no background traffic on a closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium, driven by Playwright (the bulletin and data-quality tests)."""
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (make browser)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
