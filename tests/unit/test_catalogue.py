"""The contract is the one catalogue (issue 15): the dbt YAML is generated from it, the staging
SQL lists its columns, every extract has its four files. Each failure names the file to fix and
how."""

import json
import re

import pytest

from expectations.run import SUITES_DIR, raw_structure, suites
from sources import catalogue
from sources.catalogue import COMMAND, DELIVERY_COLUMNS, PROJECT_ROOT, STAGING_DIR, staging_columns
from sources.contract import contracts


def test_the_generated_dbt_yaml_is_what_the_contracts_give():
    drifted = [str(p.relative_to(PROJECT_ROOT)) for p in catalogue.drift()]
    assert not drifted, (f"{', '.join(drifted)} differ(s) from sources/contracts/: edit the contract, not "
                         f"the YAML, and run `{COMMAND}`")


def select_columns(sql: str) -> list[str]:
    """The output columns of a staging model's last ``select … from latest``: each item's alias
    (``… as year``), else its name. Commas inside brackets or Jinja braces do not split items."""
    sql = re.sub(r"--[^\n]*", "", sql)
    head = sql[:[m.start() for m in re.finditer(r"\bfrom\s+latest\b", sql, flags=re.I)][-1]]
    body = re.split(r"\bselect\b", head, flags=re.I)[-1]
    items, depth, current = [], 0, ""
    for ch in body:
        depth += ch in "({" and 1 or ch in ")}" and -1 or 0
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [re.findall(r"\w+", item)[-1] for item in items if item.strip()]


@pytest.mark.parametrize("extract", sorted(contracts()))
def test_each_staging_model_selects_its_contract_columns(extract):
    """The key, the measures in contract order, the delivery columns — then any derived column
    (a period's type, year and end)."""
    path = STAGING_DIR / f"stg_{extract}.sql"
    assert path.is_file(), f"contract {extract} has no staging model: write {path.relative_to(PROJECT_ROOT)}"
    columns = select_columns(path.read_text(encoding="utf-8"))
    expected = staging_columns(contracts()[extract])
    assert columns[:len(expected)] == expected, (
        f"{path.relative_to(PROJECT_ROOT)} selects {columns[:len(expected)]}; its contract "
        f"sources/contracts/{extract}.yaml gives {expected}")
    assert not set(columns[len(expected):]) & set(expected), f"{path.name}: a contract column twice"


def test_the_column_parser_reads_aliases_and_skips_commas_in_calls():
    sql = ("with latest as (select 1)\nselect\n    -- the key\n    region_code,\n"
           "    {{ period_type('period') }} as period_type,\n    cast(left(period, 4) as integer) as year\n"
           "from latest")
    assert select_columns(sql) == ["region_code", "period_type", "year"]


def test_every_extract_has_its_files_and_every_file_its_extract():
    """A contract, its staging model, its raw suite (statistical expectations, [] if none) — and
    nothing staged or checked for an extract that has no contract."""
    extracts = set(contracts())
    for extract in extracts:
        assert (SUITES_DIR / f"raw_{extract}.json").is_file(), (
            f"contract {extract} has no raw suite: write expectations/suites/raw_{extract}.json "
            '({"name": "raw_' + extract + '", "expectations": [its plausible ranges, or none]})')
    staged = {p.stem.removeprefix("stg_") for p in STAGING_DIR.glob("stg_*.sql")}
    suited = {p.stem.removeprefix("raw_") for p in SUITES_DIR.glob("raw_*.json")}
    assert staged <= extracts, f"staging models without a contract: {sorted(staged - extracts)}"
    assert suited <= extracts, f"raw suites without a contract: {sorted(suited - extracts)}"


def test_raw_suite_files_hold_only_statistical_expectations():
    """The structure comes from the contract (raw_structure); written in the file as well it
    would be checked twice, and drift from the contract unseen."""
    structural = {e["type"] for c in contracts().values() for e in raw_structure(c)}
    for path in sorted(SUITES_DIR.glob("raw_*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        kinds = {e["type"] for e in spec["expectations"]}
        assert not kinds & structural, f"{path.name}: {sorted(kinds & structural)} come from the contract"


def test_a_raw_suite_is_the_contracts_structure_then_its_file():
    contract = contracts()["env_boilers"]
    spec = suites()["raw_env_boilers"]
    assert spec["guards"] == ["raw", "env_boilers"] and spec["extracts"] == ["env_boilers"]
    assert "{new_files}" in spec["query"]
    structure = raw_structure(contract)
    assert spec["expectations"][:len(structure)] == structure
    assert [e["kwargs"]["column"] for e in structure if e["type"] == "expect_column_to_exist"] == \
        [c.name for c in contract.columns]
    # not_null only where every file carries the column: region_code and status are required
    assert [e["kwargs"]["column"] for e in structure if e["type"] == "expect_column_values_to_not_be_null"] == \
        ["boiler_id", "region_code", "status"]
    assert spec["expectations"][len(structure):] == \
        json.loads((SUITES_DIR / "raw_env_boilers.json").read_text(encoding="utf-8"))["expectations"]


def test_the_generator_writes_what_drifted_and_removes_what_lost_its_contract(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "STAGING_DIR", tmp_path)
    monkeypatch.setattr(catalogue, "PROJECT_ROOT", tmp_path)
    assert len(catalogue.drift()) == len(contracts())  # nothing written yet
    assert catalogue.main([]) == 0 and catalogue.drift() == []
    edited = tmp_path / "stg_env_boilers.yml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("锅炉编号", "编号"), encoding="utf-8")
    stale = tmp_path / "stg_gone.yml"
    stale.write_text(catalogue.GENERATED.format(extract="gone") + "\nversion: 2\n", encoding="utf-8")
    hand_written = tmp_path / "stg_notes.yml"  # not generated: left alone
    hand_written.write_text("version: 2\n", encoding="utf-8")
    assert catalogue.main(["--check"]) == 1
    assert catalogue.drift() == [edited, stale]
    catalogue.main([])
    assert catalogue.drift() == [] and not stale.exists() and hand_written.exists()
    assert "锅炉编号" in edited.read_text(encoding="utf-8")


def test_every_staging_column_is_documented_with_its_contract_description():
    contract = contracts()["stats_city_indicators"]
    model = catalogue.staging_model(contract)
    columns = {c["name"]: c for c in model["columns"]}
    assert list(columns) == staging_columns(contract)
    assert columns["gdp_current"]["description"] == "地区生产总值 — GDP at current prices (亿元)"
    assert columns["period"]["data_tests"] == ["not_null"] and "data_tests" not in columns["gdp_current"]
    assert set(DELIVERY_COLUMNS) <= set(columns)
    assert model["data_tests"] == [{"unique_combination": {"arguments": {"columns": ["region_code", "period"]}}}]
    # the hourly feed is too large for a nightly test over its whole history
    assert "data_tests" not in catalogue.staging_model(contracts()["env_monitoring_hourly"])


def test_quality_withdrawn_values_reads_every_extract_but_the_bulk_feed():
    """The one list of extracts outside the catalogue (README, adding an extract): a staging
    model left out of it would never warn of a withdrawn figure."""
    path = PROJECT_ROOT / "dbt_project" / "models" / "quality" / "quality_withdrawn_values.sql"
    text = path.read_text(encoding="utf-8")
    missing = [x for x, c in contracts().items() if not c.bulk and f"'{x}'" not in text]
    assert not missing, f"{path.relative_to(PROJECT_ROOT)} does not list {missing}"


def test_every_raw_suite_names_only_its_contracts_columns():
    """A misspelt column in a statistical expectation fails at night as a blocking error
    ('column … does not exist'); here it fails in a second, naming the file."""
    for extract, contract in contracts().items():
        path = SUITES_DIR / f"raw_{extract}.json"
        known = {c.name for c in contract.columns}
        for e in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            named = [v for k, v in e["kwargs"].items() if k in ("column", "column_A", "column_B")]
            named += [c for k, v in e["kwargs"].items() if k == "column_list" for c in v]
            unknown = [c for c in named if c not in known]
            assert not unknown, f"{path.name}: {e['type']} names {unknown}, not columns of sources/contracts/{extract}.yaml"


def test_the_sample_writes_a_delivery_for_every_extract(tmp_path):
    """`make run` exercises every extract: a contract without a sample writer (sources/sample/
    generate.py, called from generate()) would leave its models empty and every check green."""
    from sources.sample.generate import generate

    generate(tmp_path, outlets=2)
    empty = [x for x in contracts() if not any((tmp_path / x).glob("*.*"))]
    assert not empty, (f"no sample delivery for {empty}: add a write_… method to sources/sample/generate.py "
                       "and call it from generate()")
