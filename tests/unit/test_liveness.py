"""The line a run prints while it waits for another run's DuckDB writer pool: with one Dagster
instance storage shared by two data folders, the other folder's run is named by the warehouse
it builds, and the line says how to give each data folder its own instance."""

from types import SimpleNamespace

from orchestration.liveness import TAG_HOST, TAG_PID, TAG_WAREHOUSE, _holder_line, process_tags


def test_the_waiting_line_names_the_other_data_folder(monkeypatch):
    monkeypatch.setenv("PLANTRACK_DAGSTER_STORAGE", "/srv/plantrack/.dagster")
    run = SimpleNamespace(tags={TAG_PID: "4242", TAG_HOST: "box", TAG_WAREHOUSE: "/data/b/warehouse.duckdb"})
    line = _holder_line(run, "abcd1234")
    assert line.startswith("run abcd1234 (pid 4242 on box, building /data/b/warehouse.duckdb)")
    assert "one Dagster instance (/srv/plantrack/.dagster) serialises the builds" in line
    assert "own PLANTRACK_DAGSTER_STORAGE" in line


def test_a_run_tagged_before_the_warehouse_tag_still_says_the_instance_is_shared(monkeypatch):
    monkeypatch.delenv("PLANTRACK_DAGSTER_STORAGE", raising=False)
    line = _holder_line(SimpleNamespace(tags={TAG_PID: "7", TAG_HOST: "box"}), "ef")
    assert line.startswith("run ef (pid 7 on box)") and "building" not in line
    assert "own PLANTRACK_DAGSTER_STORAGE" in line


def test_a_run_tags_the_warehouse_it_builds():
    assert process_tags("/data/a/warehouse.duckdb")[TAG_WAREHOUSE] == "/data/a/warehouse.duckdb"
    assert TAG_WAREHOUSE not in process_tags()
