"""A full build of changed code rebuilds the incremental models (int_monitoring_outlet_days,
int_file_periods) instead of adding to rows the old code computed; a night of the same code
adds to them."""

import duckdb

from orchestration.core.planning import project_fingerprint, refresh_args
from orchestration.resources import PlantrackSettings
from sources import bookkeeping


def _layout(tmp_path):
    return PlantrackSettings(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"),
                             exports=str(tmp_path / "exports")).layout


def test_the_incremental_models_are_rebuilt_when_the_working_file_was_built_by_other_code(tmp_path):
    layout = _layout(tmp_path)
    assert refresh_args(layout, "") == []  # no working file yet: dbt creates every model anyway
    with duckdb.connect(str(layout.working)) as con:
        bookkeeping.ensure(con)
    assert refresh_args(layout, "") == ["--full-refresh"]  # never built by dbt
    with duckdb.connect(str(layout.working)) as con:
        con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('dbt_project', 'older code', now())")
    assert refresh_args(layout, "") == ["--full-refresh"]
    with duckdb.connect(str(layout.working)) as con:
        con.execute("INSERT OR REPLACE INTO meta.build_state VALUES ('dbt_project', ?, now())",
                    [project_fingerprint("")])
    assert refresh_args(layout, "") == []
    assert refresh_args(layout, "2015-06-30") == ["--full-refresh"]  # another as-of date
