"""Unit-test fixtures shared by the typing tests."""

import duckdb
import pytest

from sources.read import define_macros


@pytest.fixture(scope="module")
def con():
    """An in-memory DuckDB with the loader's pt_* typing macros (modules may define their own)."""
    c = duckdb.connect()
    define_macros(c)
    yield c
    c.close()
