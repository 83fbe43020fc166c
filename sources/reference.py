"""Reference data the loader validates against: regions, the plan's targets, period types.

The one copy of each lives in dbt_project/seeds (dbt seeds them into the warehouse); the loader
reads the same files so that a region or target the seeds do not know is quarantined.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

# The province row is delivered under any of these names (docs/FORMATS.md).
PROVINCE_ALIASES = ("全省", "辽宁省", "辽宁", "合计", "210000")
_SUFFIXES = ("满族自治县", "蒙古族自治县", "自治县", "市", "县", "省")


@cache
def regions() -> list[dict[str, str]]:
    with open(SEEDS / "regions.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def target_ids() -> tuple[str, ...]:
    with open(SEEDS / "targets.csv", encoding="utf-8") as f:
        return tuple(row["target_id"] for row in csv.DictReader(f))


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@cache
def region_aliases() -> dict[str, str]:
    """Every accepted spelling of a region → its GB/T 2260 code (as the plan's regions seed has it).

    Full name, code, English name, the name without its suffix (沈阳 → 沈阳市), and the alias
    table ``region_aliases.csv`` (renamed regions, short names). A short
    name shared by a city and a county (抚顺: 抚顺市 and 抚顺县) means the city: counties of
    that name are always written in full."""
    aliases: dict[str, str] = {a: "210000" for a in PROVINCE_ALIASES}
    by_level = sorted(regions(), key=lambda r: ["province", "city", "county"].index(r["level"]))
    for r in by_level:
        for alias in (r["code"], r["name_zh"], r["name_en"].lower()):
            aliases.setdefault(alias, r["code"])
    for r in by_level:
        aliases.setdefault(_short(r["name_zh"]), r["code"])
    known = {r["code"] for r in regions()}
    for a in region_alias_table():
        if a["code"] not in known:
            raise ValueError(f"region_aliases.csv: {a['alias']} maps to unknown code {a['code']}")
        if aliases.get(a["alias"], a["code"]) != a["code"]:
            raise ValueError(f"region_aliases.csv: {a['alias']} already means {aliases[a['alias']]}")
        aliases[a["alias"]] = a["code"]
    return aliases


@cache
def period_types() -> list[dict[str, str]]:
    """The seed period_types.csv: each type of canonical period (year, quarter, single_quarter,
    half_year, month, date) with the pattern a period of that type matches in full. The loader
    types and checks periods with it; dbt's period_type macro reads the same seed."""
    with open(SEEDS / "period_types.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def region_alias_table() -> list[dict[str, str]]:
    """The seed region_aliases.csv: regions renamed since the plan (普兰店市 became 普兰店区 in
    2015, with a new code) and common short names (喀左县), each → the plan's GB/T 2260 code."""
    with open(SEEDS / "region_aliases.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))
