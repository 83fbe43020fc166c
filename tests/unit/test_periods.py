"""Period notations (issue 12, kind 7): 上半年 is January–June, 前三季度 and 1–9月 (any dash, 至,
到) January–September; 三季度 / 第三季度 alone is the single third quarter, stored only where the
contract has a single-quarter period type and quarantined with that reason elsewhere — never
January–September."""

import dataclasses

import pytest

from sources.contract import contracts
from tests.conftest import rows


NOTATIONS = [
    ("2014年上半年", "2014Q2", "quarter"), ("2014年前三季度", "2014Q3", "quarter"),
    ("2014前3季度", "2014Q3", "quarter"), ("2014年1-3季度", "2014Q3", "quarter"),
    ("2014年1-9月", "2014Q3", "quarter"), ("2014年1–9月", "2014Q3", "quarter"),
    ("2014年1—9月", "2014Q3", "quarter"), ("2014年1至9月", "2014Q3", "quarter"),
    ("2014年1～9月", "2014Q3", "quarter"), ("2014年1~9月", "2014Q3", "quarter"),
    ("2014年1到9月", "2014Q3", "quarter"), ("2014年1月-9月", "2014Q3", "quarter"),
    ("2014年1-9月份", "2014Q3", "quarter"), ("2014年1-6月", "2014Q2", "quarter"),
    ("2014年第一季度", "2014Q1", "quarter"),          # the first quarter alone is January–March
    ("2014年三季度", "2014-Q3", "single_quarter"), ("2014年第三季度", "2014-Q3", "single_quarter"),
    ("2014年第3季度", "2014-Q3", "single_quarter"), ("2014年7-9月", "2014-Q3", "single_quarter"),
    ("2014年4至6月", "2014-Q2", "single_quarter"), ("2014年第四季度", "2014-Q4", "single_quarter"),
    ("2014年下半年", "2014-H2", "half_year"),
    ("2014年1-12月", "2014", "year"), ("2014年全年", "2014", "year"), ("2014年前四季度", "2014", "year"),
    ("2014年1-8月", None, None), ("2014年2-9月", None, None),
]


@pytest.fixture(scope="module")
def typed_notations():
    """Every notation typed by the loader's macros in one query: binding the nested macros
    costs ~0.5 s a query, whatever the rows (a query per case was 15 s of the fast tier)."""
    import duckdb

    from sources.read import define_macros

    with duckdb.connect() as c:
        define_macros(c)
        return {text: (period, kind) for text, period, kind in c.execute(
            "SELECT text, pt_period(text), pt_period_type(pt_period(text)) FROM unnest(?) AS t(text)",
            [[text for text, _, _ in NOTATIONS]]).fetchall()}


@pytest.mark.parametrize("text, period, kind", NOTATIONS)
def test_period_notations(typed_notations, text, period, kind):
    assert typed_notations[text] == (period, kind)


def test_a_single_quarter_is_stored_where_the_contract_has_that_period_type(landing, warehouse):
    """No extract takes single quarters today; one that declares ``periods: [single_quarter]``
    stores 2014年第三季度 as 2014-Q3 and quarantines the cumulative forms."""
    from sources.load import ingest_extract

    base = contracts()["env_disclosure"]
    period = dataclasses.replace(base.column("period"), periods=("single_quarter",))
    single = dataclasses.replace(base, columns=(period,) + base.columns[1:])
    landing.deliver("env_disclosure", "d.csv", "统计期,地区,应公布自行监测企业数,已公布自行监测企业数,"
                    "应公布监督性监测企业数,已公布监督性监测企业数\n2014年第三季度,沈阳,1,1,1,1\n2014年7—9月,大连,1,1,1,1\n"
                    "2014年1-9月,鞍山,1,1,1,1\n")
    ingest_extract(warehouse, single, landing.root)
    assert rows(warehouse, "SELECT region_code, period FROM raw.env_disclosure ORDER BY 1") == [
        ("210100", "2014-Q3"), ("210200", "2014-Q3")]
    assert rows(warehouse, "SELECT row_number, reason FROM meta.quarantine") == [
        (4, "a quarter is not a period of this extract (expects single_quarter)")]


def test_a_contract_with_an_unknown_period_type_is_refused(tmp_path):
    from sources.contract import load_contract

    contract_path = tmp_path / "x.yaml"
    contract_path.write_text("extract: x\nname_zh: x\nname_en: x\noffice: env\ngrain: x\nkey: [period]\ncolumns:\n"
                    "  - {name: period, headers: [统计期], type: period, periods: [season]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown period type"):
        load_contract(contract_path)


@pytest.mark.parametrize("period, kind", [
    ("2014", "year"), ("2014Q3", "quarter"), ("2014-Q3", "single_quarter"), ("2014-H2", "half_year"),
    ("2014-07", "month"), ("2014-07-31", "date"), ("2014-13", None), ("2014Q5", None), ("14", None),
])
def test_a_canonical_period_has_exactly_one_type_of_the_seed(con, period, kind):
    """The seed period_types is the one definition of a period's type (the loader's
    pt_period_type and dbt's period_type macro both read it): each canonical period matches one
    pattern of the seed in full, and a string that is no canonical period matches none."""
    from sources.reference import period_types

    matching = [t["period_type"] for t in period_types()
                if con.execute("SELECT regexp_full_match(?, ?)", [period, t["pattern"]]).fetchall()[0][0]]
    assert matching == ([kind] if kind else [])
    assert con.execute("SELECT pt_period_type(?)", [period]).fetchall() == [(kind,)]
