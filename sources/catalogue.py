"""The dbt side of the one catalogue: each extract's dbt YAML, written from its contract.

``dbt_project/models/staging/stg_<extract>.yml`` holds the extract's dbt source
(``raw.<extract>``: every delivered row) and its staging model (``stg_<extract>``: the newest
delivered figure of each key and measure) — their column lists, descriptions and dbt tests.
Nothing in it is written by hand: dbt reads sources and properties only from YAML, so the
YAML is generated and checked in (a newcomer reads it as dbt's own), and
``tests/unit/test_catalogue.py`` fails while a file differs from what its contract gives.

    python -m sources.catalogue           write every file (and remove those of a gone contract)
    python -m sources.catalogue --check   list the files that differ; exit 1 if any does

What the contract says, and where it lands:

    name_zh, name_en, office   the source table's and the staging model's description
    columns (headers[0], description, unit)
                               each column's description: ``地区生产总值 — GDP at current
                               prices (亿元)``
    key                        the staging model's ``unique_combination`` test
    not_null                   the staging model's ``not_null`` tests
    bulk                       no staging tests: a test over the view would read the feed's whole
                               history every night (the raw suite judges each delivery instead)

The structural expectations of the raw suites come from the contracts too, at run time
(``expectations/run.py``); the staging SQL lists its columns by hand, checked against the
contract by the same test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .contract import OFFICES, Column, Contract, contracts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STAGING_DIR = PROJECT_ROOT / "dbt_project" / "models" / "staging"
COMMAND = "python -m sources.catalogue"

# The first line of every generated file: how the generator knows its own files (and removes
# those whose contract is gone) and how a reader knows not to edit one.
GENERATED = "# Generated from sources/contracts/{extract}.yaml by `python -m sources.catalogue`."

# The columns every staging model adds after the key and the measures (macro latest_delivery):
# where each figure comes from.
DELIVERY_COLUMNS = {
    "_file_id": "meta.files.file_id of the newest delivery of this key (its figures may come from "
                "several deliveries; see _value_files)",
    "_row": "row in that file",
    "_delivered_at": "when the newest delivery of this key landed",
    "_key": "the key as text (values joined by ' / ')",
    "_value_files": "map: measure → meta.files.file_id of the delivery its figure comes from (the "
                    "newest that gave one)",
    "_withdrawn_values": "measures whose newest delivery carried the column with a missing marker while "
                         "an earlier figure stands: list of {measure, missing_in_file, missing_in_row, "
                         "figure_from_file} (quality_withdrawn_values)",
}

RAW_SOURCE_DESCRIPTION = "Every delivered row, loaded by the Dagster ingest assets (sources/)."


def yaml_path(extract: str) -> Path:
    return STAGING_DIR / f"stg_{extract}.yml"


def staging_columns(contract: Contract) -> list[str]:
    """The staging model's columns from the contract, in the order of its SELECT: the key, the
    measures (contract order), then the delivery columns. A model may add derived columns after
    these (period_type, year, period_end of a period key)."""
    return [*contract.key, *(c.name for c in contract.measures), *DELIVERY_COLUMNS]


def column_description(column: Column) -> str:
    """``<Chinese header> — <description> (<canonical unit>)``, the parts the contract gives."""
    text = column.headers[0]
    if column.description:
        text += f" — {column.description}"
    if column.unit:
        text += f" ({column.unit})"
    return text


def source_table(contract: Contract) -> dict:
    """The dbt source table ``raw.<extract>``: every delivered row, in contract column order."""
    office = OFFICES[contract.office][0]
    return {
        "name": contract.extract,
        "description": f"{contract.name_zh} — {contract.name_en} ({office}). Every delivered row; "
                       f"contract sources/contracts/{contract.extract}.yaml.",
        # a NaN or infinity is never a figure (tests/generic/finite_numbers.sql)
        "data_tests": ["finite_numbers"],
        "columns": [{"name": c.name, "description": column_description(c)} for c in contract.columns],
    }


def staging_model(contract: Contract) -> dict:
    """The dbt properties of ``stg_<extract>``: its columns and tests."""
    description = (f"{contract.name_zh} — {contract.name_en}: the newest delivery of each "
                   f"{', '.join(contract.key)}.")
    if contract.bulk:
        description += (f" Not tested here: a test over this view would read the feed's whole history "
                        f"every night; the raw_{contract.extract} suite checks each delivery (keys, "
                        f"ranges) and the loader quarantines a key delivered twice in a file.")
    columns = []
    for name in staging_columns(contract):
        if name in DELIVERY_COLUMNS:
            columns.append({"name": name, "description": DELIVERY_COLUMNS[name]})
            continue
        column = contract.column(name)
        entry = {"name": name, "description": column_description(column)}
        if column.not_null and not contract.bulk:
            entry["data_tests"] = ["not_null"]
        columns.append(entry)
    model = {"name": f"stg_{contract.extract}", "description": description, "columns": columns}
    if not contract.bulk:
        model["data_tests"] = [{"unique_combination": {"arguments": {"columns": list(contract.key)}}}]
    return model


def lineage_meta(contract: Contract) -> dict:
    """What the lineage macros (dbt_project/macros/lineage.sql) know of an extract, so its key,
    measures and units live in the contract only: ``{key: [...], region: 'region_code' or None,
    period: the key's period column or None, bulk, measures: [numeric measure names],
    units: {measure: canonical unit}}``."""
    periods = [c for c in contract.key if contract.column(c).type in ("period", "year", "timestamp", "date")]
    measures = [c for c in contract.measures if c.type in ("number", "integer")]
    return {"key": list(contract.key),
            "region": "region_code" if "region_code" in contract.key else None,
            "period": periods[0] if periods else None,
            "bulk": contract.bulk,
            "measures": [c.name for c in measures],
            "units": {c.name: c.unit for c in measures if c.unit}}


def staging_yaml(contract: Contract) -> str:
    """The text of ``stg_<extract>.yml``: the source table and the staging model."""
    body = {
        "version": 2,
        "sources": [{"name": "raw", "schema": "raw", "description": RAW_SOURCE_DESCRIPTION,
                     "tables": [source_table(contract)]}],
        "models": [staging_model(contract)],
    }
    header = (GENERATED.format(extract=contract.extract) + "\n"
              "# Edit the contract, then run it again; tests/unit/test_catalogue.py fails while this file differs.\n")
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120)


LINEAGE_MACRO = PROJECT_ROOT / "dbt_project" / "macros" / "extract_lineage.sql"


def lineage_macro() -> str:
    """The text of ``macros/extract_lineage.sql``: macro ``extract_lineage()`` returns
    {extract: lineage_meta} for every contract (dbt cannot read the contracts' YAML itself, and a
    macro, unlike a model's meta, is known when dbt parses the models that ref by it)."""
    import json
    data = {extract: lineage_meta(contract) for extract, contract in sorted(contracts().items())}
    return ("{# " + GENERATED.format(extract="*") + "\n"
            "   Edit the contracts, then run it again; tests/unit/test_catalogue.py fails while this file differs. #}\n"
            "{% macro extract_lineage() %}\n{{ return(" + json.dumps(data, ensure_ascii=False, indent=1)
            .replace("null", "none").replace("false", "false").replace("true", "true") + ") }}\n{% endmacro %}\n")


def generated_files() -> dict[Path, str]:
    """Every generated file and the text it should hold, by path."""
    files = {yaml_path(extract): staging_yaml(contract) for extract, contract in contracts().items()}
    files[LINEAGE_MACRO] = lineage_macro()
    return files


def stale_files() -> list[Path]:
    """Generated files whose contract is gone."""
    wanted = set(generated_files())
    return sorted(p for p in STAGING_DIR.glob("stg_*.yml")
                  if p not in wanted and p.read_text(encoding="utf-8").startswith("# Generated from"))


def drift() -> list[Path]:
    """Generated files that differ from their contracts (missing, edited, or stale)."""
    out = [path for path, text in generated_files().items()
           if not path.is_file() or path.read_text(encoding="utf-8") != text]
    return sorted(out + stale_files())


def write() -> list[Path]:
    """Write every generated file that differs and remove stale ones; the paths changed."""
    changed = drift()
    for path, text in generated_files().items():
        if path in changed:
            path.write_text(text, encoding="utf-8")
    for path in stale_files():
        path.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only list the files that differ; exit 1 if any")
    args = parser.parse_args(argv)
    stale = set(stale_files())
    changed = drift() if args.check else write()
    for path in changed:
        verb = "differs" if args.check else "removed (no contract)" if path in stale else "written"
        print(f"{verb}: {path.relative_to(PROJECT_ROOT)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
