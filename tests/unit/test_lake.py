"""The Spark engine's hand-overs (orchestration/core/lake.py), without Spark: the dbt sources
written to the lake as Parquet (and a killed export leaving the previous complete copy, or one
the next export redoes), and Parquet laid out as Spark writes its tables copied back into the
working file with the marts' contract types."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.core.lake import built_tables, copy_back, engine_from_env, export_lake, export_table, source_tables
from orchestration.core.layout import Layout
from orchestration.core.manifest import MANIFEST, prepare_manifest

ROOT = Path(__file__).resolve().parents[2]


def _hourly(con, months: list[str], per_month: int = 3) -> None:
    """A raw.env_monitoring_hourly with ``per_month`` rows in each month."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE OR REPLACE TABLE raw.env_monitoring_hourly (_file_id BIGINT, _row BIGINT, outlet_id VARCHAR, "
                "measured_at TIMESTAMP, factor VARCHAR, value DOUBLE, flag VARCHAR)")
    for i, month in enumerate(months):
        for h in range(per_month):
            con.execute("INSERT INTO raw.env_monitoring_hourly VALUES (?, ?, 'o1', ?::TIMESTAMP, 'SO2', ?, 'N')",
                        [i + 1, h + 1, f"{month}-01 {h:02d}:00:00", 0.5 * h])


def _read(folder: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT * EXCLUDE (month) FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true) "
                      "ORDER BY measured_at").fetchall()


def test_the_hourly_feed_goes_to_the_lake_by_month(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _hourly(con, ["2014-01", "2014-02"])
    assert export_table(con, tmp_path / "lake", "raw", "env_monitoring_hourly") == 6
    folder = tmp_path / "lake" / "raw" / "env_monitoring_hourly"
    assert sorted(p.name for p in folder.iterdir()) == ["month=2014-01", "month=2014-02"]
    assert _read(folder) == con.execute("SELECT * FROM raw.env_monitoring_hourly ORDER BY measured_at").fetchall()
    # the month is the folder's, not a column of the files (Spark adds it from the folder)
    assert "month" not in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{folder}/month=2014-01/*.parquet', hive_partitioning = false)").df()["column_name"].tolist()
    # a later export replaces the table whole: a month no longer there goes
    _hourly(con, ["2014-03"])
    export_table(con, tmp_path / "lake", "raw", "env_monitoring_hourly")
    assert sorted(p.name for p in folder.iterdir()) == ["month=2014-03"]
    assert not list(folder.parent.glob(".*"))  # nothing left beside it


KILLED = textwrap.dedent("""
    import os, signal, sys, pathlib
    import duckdb
    from orchestration.core.lake import export_table
    warehouse, lake, when = sys.argv[1:]
    con = duckdb.connect(warehouse, read_only=True)
    kill = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
    if when == "between_renames":  # the old copy moved aside, the new one not yet in place
        rename = pathlib.Path.rename
        def cut(self, target):
            if self.name.endswith(".new"):
                kill()
            return rename(self, target)
        pathlib.Path.rename = cut
    export_table(con, pathlib.Path(lake), "raw", "env_monitoring_hourly",
                 before_swap=kill if when == "before_swap" else None)
""")


@pytest.mark.parametrize("when", ["before_swap", "between_renames"])
def test_a_killed_export_leaves_the_previous_copy_and_the_next_redoes_it(tmp_path, when):
    warehouse, lake = tmp_path / "w.duckdb", tmp_path / "lake"
    folder = lake / "raw" / "env_monitoring_hourly"
    with duckdb.connect(str(warehouse)) as con:
        _hourly(con, ["2014-01"])
        export_table(con, lake, "raw", "env_monitoring_hourly")
        previous = _read(folder)
        _hourly(con, ["2014-01", "2014-02"], per_month=5)
        current = con.execute("SELECT * FROM raw.env_monitoring_hourly ORDER BY measured_at").fetchall()
    killed = subprocess.run([sys.executable, "-c", KILLED, str(warehouse), str(lake), when],
                            cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if when == "before_swap":
        assert _read(folder) == previous  # readers still see the previous complete copy
    else:
        assert not folder.exists()  # cut between the renames: the previous copy waits beside it
        assert _read(folder.with_name(".env_monitoring_hourly.old")) == previous
    with duckdb.connect(str(warehouse), read_only=True) as con:
        export_table(con, lake, "raw", "env_monitoring_hourly")
    assert _read(folder) == current
    assert not list(folder.parent.glob(".*"))


def test_every_dbt_source_goes_to_the_lake(tmp_path, monkeypatch):
    """The sources of the manifest — raw, meta and dq, the dq views as tables — from a working
    file as the loader makes it."""
    from sources.load import connect

    prepare_manifest()
    monkeypatch.setenv("PLANTRACK_LAKE", str(tmp_path / "shared" / "lake"))
    layout = Layout(landing=tmp_path / "landing", published=tmp_path / "w.duckdb", exports=tmp_path / "exports")
    connect(layout.working).close()
    wanted = source_tables()
    assert {s for s, _ in wanted} == {"raw", "meta", "dq"}
    exported = export_lake(layout, log=lambda _: None)
    assert set(exported.tables) == {f"{s}.{t}" for s, t in wanted}
    for schema, table in wanted:  # every one, empty as they are, with its columns (Spark needs a file)
        columns = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/shared/lake/{schema}/{table}/**/*.parquet', "
                             "hive_partitioning = true, union_by_name = true)").df()["column_name"].tolist()
        with duckdb.connect(str(layout.working), read_only=True) as con:
            assert set(columns) - {"month"} == {r[0] for r in con.execute(f"DESCRIBE {schema}.{table}").fetchall()}
    # the working file must hold every source: a missing one is named
    with duckdb.connect(str(layout.working)) as con:
        con.execute("DROP TABLE meta.withdrawals")
    with pytest.raises(LookupError, match="meta.withdrawals"):
        export_lake(layout, log=lambda _: None)


def test_spark_tables_are_copied_back_with_the_contract_types(tmp_path):
    layout = Layout(landing=tmp_path / "landing", published=tmp_path / "w.duckdb", exports=tmp_path / "exports")
    os.environ.pop("PLANTRACK_SPARK_DIR", None)
    # as Spark lays out a managed table: part files, _SUCCESS, a partitioned one in col=value/
    mart = layout.spark_table("marts", "target_progress")
    mart.mkdir(parents=True)
    duckdb.sql("SELECT 'a' AS target_id, 1.5::DECIMAL(10, 2) AS value, TIMESTAMP '2015-01-01 00:00:00' AS checked_at "
               f"UNION ALL SELECT 'b', NULL, NULL").write_parquet(str(mart / "part-00000.parquet"))
    (mart / "_SUCCESS").touch()
    days = layout.spark_table("intermediate", "int_days")
    (days / "day=2015-01-02").mkdir(parents=True)
    duckdb.sql("SELECT 3 AS n").write_parquet(str(days / "day=2015-01-02" / "part-00000.parquet"))
    nodes = [{"schema": "marts", "alias": "target_progress", "name": "target_progress", "description": "进度 progress",
              "config": {"contract": {"enforced": True}, "materialized": "table"},
              "columns": {"value": {"data_type": "double", "description": "the value"},
                          "checked_at": {"data_type": "timestamptz", "description": ""}}},
             {"schema": "intermediate", "alias": "int_days", "name": "int_days", "description": "",
              "config": {"materialized": "incremental"}, "columns": {}}]
    with duckdb.connect(str(layout.working)) as con:  # a DuckDB build's view of the same name goes
        con.execute("CREATE SCHEMA marts; CREATE VIEW marts.target_progress AS SELECT 1 AS x")
    assert copy_back(layout, nodes, log=lambda _: None) == {"marts.target_progress": 2, "intermediate.int_days": 1}
    with duckdb.connect(str(layout.working)) as con:
        con.execute("SET TimeZone = 'UTC'")
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'target_progress'").fetchall())
        assert types == {"target_id": "VARCHAR", "value": "DOUBLE", "checked_at": "TIMESTAMP WITH TIME ZONE"}
        rows = con.execute("SELECT target_id, value, strftime(checked_at, '%Y-%m-%d %H:%M') FROM marts.target_progress "
                           "ORDER BY 1").fetchall()
        assert rows == [("a", 1.5, "2015-01-01 00:00"), ("b", None, None)]
        assert con.execute("SELECT n, day::VARCHAR FROM intermediate.int_days").fetchall() == [(3, "2015-01-02")]
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'target_progress'").fetchone()[0] \
            == "进度 progress"
    # a table Spark said it built but left no Parquet for is named, and nothing is replaced
    with pytest.raises(FileNotFoundError, match="marts.city_scorecard"):
        copy_back(layout, [nodes[1], {**nodes[0], "alias": "city_scorecard", "name": "city_scorecard"}],
                  log=lambda _: None)


def test_only_the_tables_dbt_built_are_copied_back():
    prepare_manifest()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    ids = {n["name"]: uid for uid, n in manifest["nodes"].items()}
    results = {"results": [{"unique_id": ids["target_progress"], "status": "success"},
                           {"unique_id": ids["city_scorecard"], "status": "error"},
                           {"unique_id": ids["stg_env_boilers"], "status": "success"},  # a view: no data on Spark
                           {"unique_id": ids["regions"], "status": "success"}]}  # a seed
    assert [n["name"] for n in built_tables(results, manifest)] == ["target_progress", "regions"]


def test_the_engine_is_chosen_by_option_then_environment(monkeypatch):
    monkeypatch.delenv("PLANTRACK_ENGINE", raising=False)
    assert engine_from_env() == "duckdb"
    monkeypatch.setenv("PLANTRACK_ENGINE", "Spark")
    assert engine_from_env() == "spark"
    assert engine_from_env("duckdb") == "duckdb"
    monkeypatch.setenv("PLANTRACK_ENGINE", "trino")
    with pytest.raises(ValueError, match="'trino'"):
        engine_from_env()


def test_switching_engine_rebuilds_everything(tmp_path, monkeypatch):
    """The other engine holds none of the models the published build made: the first build on
    it is a full one; then its nights are planned incrementally as on DuckDB."""
    from orchestration.core.planning import plan_run, project_fingerprint, write_record

    monkeypatch.delenv("PLANTRACK_SPARK_DIR", raising=False)
    layout = Layout(landing=tmp_path / "landing", published=tmp_path / "w.duckdb", exports=tmp_path / "exports")
    layout.landing.mkdir()
    layout.published.touch()
    write_record(layout, {"fingerprint": project_fingerprint(""), "files": [], "withdrawals": []})
    assert plan_run(layout).changed == []  # built on DuckDB, nothing new
    assert plan_run(layout, engine="spark").reason.startswith("full build: Spark's warehouse")
    (layout.spark_dir / "warehouse").mkdir(parents=True)
    assert plan_run(layout, engine="spark").reason == \
        "full build: the dbt project, the contracts, the checks, the as-of date or the engine changed"
    write_record(layout, {"fingerprint": project_fingerprint("", "spark"), "files": [], "withdrawals": []})
    assert plan_run(layout, engine="spark").changed == []
    assert plan_run(layout).changed is None  # and back


def test_a_full_build_says_which_input_changed(tmp_path, monkeypatch):
    """The published build records its inputs' fingerprints one by one: a full build names the
    one that changed (user test, issue 19), not a list of what might have."""
    from orchestration.core import planning
    from orchestration.core.planning import fingerprint_parts, plan_run, project_fingerprint, write_record

    monkeypatch.delenv("PLANTRACK_SPARK_DIR", raising=False)
    layout = Layout(landing=tmp_path / "landing", published=tmp_path / "w.duckdb", exports=tmp_path / "exports")
    layout.landing.mkdir()
    layout.published.touch()
    (layout.spark_dir / "warehouse").mkdir(parents=True)
    write_record(layout, {"fingerprint": project_fingerprint(""), "fingerprint_parts": fingerprint_parts(""),
                          "files": [], "withdrawals": []})
    assert plan_run(layout).changed == []
    assert plan_run(layout, engine="spark").reason == "full build: the engine (duckdb → spark) changed"
    assert plan_run(layout, as_of="2015-06-30").reason == "full build: the as-of date (latest → 2015-06-30) changed"
    # a suite's bound edited: the checks' fingerprint moves, the others do not
    suite = tmp_path / "suites"
    suite.mkdir()
    (suite / "extra.json").write_text("{}", encoding="utf-8")
    monkeypatch.setitem(planning._INPUTS, "the checks", [*planning._INPUTS["the checks"], suite])
    assert plan_run(layout, engine="spark").reason == \
        "full build: the engine (duckdb → spark) and the checks changed"
    # a record from before the parts were kept: what may have changed
    write_record(layout, {"fingerprint": "0" * 64, "files": [], "withdrawals": []})
    assert plan_run(layout).reason == \
        "full build: the dbt project, the contracts, the checks, the as-of date or the engine changed"
