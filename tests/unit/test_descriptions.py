"""Descriptions where tools show them: every dbt model is described (the Dagster catalog shows
the description instead of the raw SQL; `dbt docs generate` and, through persist_docs, DuckDB's
own table comments carry it), and the raw assets use Dagster's standard metadata keys."""

import json

import pytest
import yaml

from orchestration.core.manifest import MANIFEST, prepare_manifest
from orchestration.assets.ingest import ingest_assets
from orchestration.core.layout import DBT_DIR
from sources.contract import contracts


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    prepare_manifest()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def undescribed(models: dict[str, dict], staging: bool) -> list[str]:
    return sorted(name for name, node in models.items()
                  if (node["fqn"][1] == "staging") == staging and not node["description"].strip())


def test_every_model_outside_staging_is_described(models):
    assert len(models) > 40
    assert undescribed(models, staging=False) == []


def test_every_staging_model_is_described(models):
    """Staging descriptions come from the contracts (models/staging YAML)."""
    assert undescribed(models, staging=True) == []


def test_descriptions_are_persisted_as_duckdb_comments():
    config = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    for kind in ("models", "seeds"):
        assert config[kind]["plantrack"]["+persist_docs"] == {"relation": True, "columns": True}


def test_raw_assets_carry_the_standard_table_metadata():
    """dagster/column_schema (from the contract, every column described) and dagster/table_name
    on each raw asset; the row count (dagster/row_count) comes with each materialisation."""
    checked = set()
    for asset in ingest_assets:
        for key, spec in asset.specs_by_key.items():
            if key.path[0] != "raw":
                continue
            schema = spec.metadata["dagster/column_schema"]
            schema = getattr(schema, "schema", schema)  # a TableSchema, or its metadata value
            contract = contracts()[key.path[1]]
            assert [c.name for c in schema.columns] == ["_file_id", "_row", *[c.name for c in contract.columns]]
            assert all(c.description for c in schema.columns)
            table = spec.metadata["dagster/table_name"]
            assert getattr(table, "value", table) == f"raw.{key.path[1]}"
            assert {c.name for c in asset.check_specs} == {"rejected_files", "quarantined_rows"}
            checked.add(key.path[1])
    assert checked == set(contracts())
