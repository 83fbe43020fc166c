"""The graph `dagster dev` shows: raw assets grouped by office, dbt models by layer, checks on
the assets they guard, then exports, the published warehouse and the bulletin — each with a
description, an owner and its kinds."""

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
