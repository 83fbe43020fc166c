"""The graph `dagster dev` shows: raw assets grouped by office, dbt models by layer, checks on
the assets they guard, then exports, the published warehouse and the bulletin — each with a
description, an owner and its kinds."""

import json
import os
from pathlib import Path

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.resources import PlantrackSettings
from expectations.run import suites
from sources.contract import contracts


def test_every_asset_has_a_group_description_owner_and_kind(tmp_path):
    settings = PlantrackSettings(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"),
                                 exports=str(tmp_path / "exports"))
    graph = build_definitions(settings).resolve_asset_graph()
    specs = {key: graph.get(key) for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    groups = {key.path[0] if key.path[0] != "raw" else node.group_name for key, node in specs.items()}
    assert {"raw_stats", "raw_env", "raw_transport", "raw_plan", "staging", "intermediate", "marts",
            "exports", "warehouse", "reports", "reference"} <= groups
    for key, node in specs.items():
        assert node.description, key
        assert node.owners, key
        assert node.kinds, key
    for extract, contract in contracts().items():
        assert specs[dg.AssetKey(["raw", extract])].group_name == f"raw_{contract.office}"
    # every Great Expectations suite is a blocking check on the asset it guards (the dbt tests
    # are checks too, dagster-dbt's)
    gx = {c: graph.get_check_spec(c) for c in graph.asset_check_keys if c.name in suites()}
    assert {c.name for c in gx} == set(suites())
    assert all(d.blocking and c.asset_key == dg.AssetKey(suites()[c.name]["guards"]) for c, d in gx.items())
    # the warehouse is published first, the exports are read from it, the bulletin comes last:
    # a crash in between never leaves exports from a build that was not published
    assert dg.AssetKey(["warehouse", "published"]) in graph.get(dg.AssetKey(["exports", "parquet"])).parent_keys
    assert dg.AssetKey(["exports", "parquet"]) in graph.get(dg.AssetKey(["reports", "bulletin"])).parent_keys
    # and nothing is published while any blocking check fails, on an extract no mart reads too
    published = graph.get(dg.AssetKey(["warehouse", "published"])).parent_keys
    assert {dg.AssetKey(spec["guards"]) for spec in suites().values()} <= published


SNAPSHOT = Path(__file__).parent.parent / "fixtures" / "asset_graph.json"


def asset_graph_snapshot(tmp_path) -> dict:
    """What Dagster shows of the graph: every asset with its group, kinds, owners and parents,
    every check with its asset and whether it blocks, the jobs, schedules and sensors."""
    settings = PlantrackSettings(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"),
                                 exports=str(tmp_path / "exports"))
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "materializable": node.is_materializable, "group": node.group_name,
            "kinds": sorted(node.kinds), "owners": sorted(node.owners),
            "parents": sorted(k.to_user_string() for k in node.parent_keys)}
    checks = {f"{c.asset_key.to_user_string()}:{c.name}": graph.get_check_spec(c).blocking
              for c in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name))}
    repo = defs.get_repository_def()
    return {"assets": assets, "checks": checks,
            "jobs": sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")),
            "schedules": sorted(s.name for s in repo.schedule_defs),
            "sensors": sorted(s.name for s in repo.sensor_defs)}


def test_the_asset_graph_is_what_it_was(tmp_path):
    """A move of the code must not change what Dagster shows. After a deliberate change to the
    graph, rewrite the snapshot: PLANTRACK_SNAPSHOT=write pytest tests/unit/test_asset_graph.py"""
    now = asset_graph_snapshot(tmp_path)
    if os.environ.get("PLANTRACK_SNAPSHOT") == "write":
        SNAPSHOT.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert now["jobs"] == before["jobs"] and now["schedules"] == before["schedules"]
    assert now["sensors"] == before["sensors"]
    added, removed = sorted(set(now["assets"]) - set(before["assets"])), sorted(set(before["assets"]) - set(now["assets"]))
    assert not added and not removed, f"assets added {added}, removed {removed} (on purpose? rewrite the snapshot)"
    for key, node in before["assets"].items():
        assert now["assets"][key] == node, key
    added = sorted(set(now["checks"]) - set(before["checks"]))
    removed = sorted(set(before["checks"]) - set(now["checks"]))
    assert not added and not removed, f"checks added {added}, removed {removed}"
    assert now["checks"] == before["checks"]
