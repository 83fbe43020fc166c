"""Shared fixtures: a fresh warehouse, a landing folder, and deliveries written into it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from sources.contract import contracts
from sources.load import connect, ingest_extract


def pytest_collection_modifyitems(config, items):
    """The fast tier, ``pytest -m "not slow"``: every test that builds a warehouse with Dagster
    and dbt (tests/integration, tests/bench) is slow; unit tests taking seconds carry the
    marker themselves."""
    root = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(root / "integration") or Path(item.fspath).is_relative_to(root / "bench"):
            item.add_marker(pytest.mark.slow)


class Landing:
    """A landing folder that tests drop files into, each one newer than the last (the loader
    loads oldest first)."""

    def __init__(self, root: Path):
        self.root = root
        self.clock = time.time() - 10_000

    def deliver(self, extract: str, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.root / extract / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        self.clock += 60
        os.utime(path, (self.clock, self.clock))
        return path


@pytest.fixture
def landing(tmp_path) -> Landing:
    return Landing(tmp_path / "landing")


@pytest.fixture(scope="session")
def _new_warehouse(tmp_path_factory) -> Path:
    """A warehouse file as the loader's connect() leaves a new one (meta.*, raw.* with their
    comments): creating one costs 0.2 s, copying it a millisecond — about a hundred tests of the
    fast tier start from it."""
    path = tmp_path_factory.mktemp("new-warehouse") / "warehouse.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def warehouse(tmp_path, _new_warehouse):
    shutil.copyfile(_new_warehouse, tmp_path / "warehouse.duckdb")
    con = connect(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


@pytest.fixture
def ingest(warehouse, landing):
    """Load one extract's new files; returns the ExtractOutcome."""
    def _ingest(extract: str, run_id: str = "test"):
        return ingest_extract(warehouse, contracts()[extract], landing.root, run_id)
    return _ingest


def rows(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()
