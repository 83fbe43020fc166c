"""Extract contracts: the one place an extract is described.

Each ``contracts/<extract>.yaml`` names the extract's columns (Chinese headers, English alias),
their type, canonical unit (a header may state any unit of the same quantity: the one unit
table, ``sources/units.py``, converts it), the key, and which
columns every file must carry. Offices rarely resend a whole table, so a file needs only the
key, the columns marked ``required`` and at least one measure (any other column); a column
marked ``needs: [other]`` means nothing without that other one (a scale without its unit), so
a file that carries it must carry both. Columns a file does not carry are *not delivered*:
they erase nothing (issue 11). The reader, the loader, the sample generator, the tests and the docs
all read these files; nothing else knows what an extract looks like. The dbt YAML of each
extract (source and staging model) is generated from them (``sources/catalogue.py``), and the
structure of its raw suite is read from them (``expectations/run.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from . import units
from .headers import normalize_header
from .reference import period_types

CONTRACTS_DIR = Path(__file__).parent / "contracts"

OFFICES = {
    "stats": ("统计局", "Statistics bureau"),
    "env": ("环保厅", "Environmental protection office"),
    "transport": ("交通运输厅 / 公安厅交管", "Transport and public security offices"),
    "plan": ("省发展改革委", "Plan office"),
}

TYPES = {"text", "number", "integer", "region", "year", "period", "date", "timestamp",
         "enum", "boolean", "code", "target"}

# What a period column may hold (``periods:``): the types of the seed period_types — a quarter
# runs from January to its end (2014Q3, 2014年1-9月, 前三季度); a single quarter is its three
# months alone (2014年第三季度).
PERIOD_TYPES = {t["period_type"] for t in period_types()}

# DuckDB column type of the typed value, per contract type.
SQL_TYPES = {"text": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "region": "VARCHAR",
             "year": "INTEGER", "period": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP",
             "enum": "VARCHAR", "boolean": "BOOLEAN", "code": "VARCHAR", "target": "VARCHAR"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    headers: tuple[str, ...]
    aliases: tuple[str, ...]
    description: str = ""
    unit: str | None = None  # canonical: any unit of the same quantity (sources/units.py) converts
    not_null: bool = False   # a carried cell may not be missing (the row is quarantined)
    required: bool = False   # every file must carry the column (key columns always do)
    needs: tuple[str, ...] = ()  # columns a file must carry along with this one
    min: float | None = None
    values: tuple[str, ...] | dict[str, bool] | None = None
    periods: tuple[str, ...] = ()
    cumulative_quarters: bool = False  # quarters run from January: Q4 is the year
    pattern: str | None = None
    check: str | None = None  # a check character to verify: gb32100 (unified social credit code)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def meaning(self) -> str:
        """What the column holds, for catalogs and comments: its headers, description and unit."""
        return " — ".join(filter(None, [" / ".join(self.headers), self.description,
                                        f"unit 单位: {self.unit}" if self.unit else ""]))

    @property
    def label(self) -> str:
        """How people name the column: the Chinese header and the English alias."""
        return f"{self.headers[0]} ({self.name})"


@dataclass(frozen=True)
class Contract:
    extract: str
    name_zh: str
    name_en: str
    office: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    bulk: bool = False
    sheet: str | None = None  # XLSX: the sheet to read (else the first visible one with a header)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        """Columns every file must carry: the key and the columns marked ``required``."""
        return tuple(c for c in self.columns if c.required or c.name in self.key)

    @property
    def measures(self) -> tuple[Column, ...]:
        """The columns a delivery may carry or not: everything outside the key. A file must
        carry at least one of them."""
        return tuple(c for c in self.columns if c.name not in self.key)

    def missing_columns(self, carried: set[str]) -> str | None:
        """Why a file carrying the columns ``carried`` (contract names) cannot load, or None.

        It needs every required column, every column a carried one ``needs``, and at least one
        measure. The message names the columns by their Chinese header and alias."""
        missing = [c.label for c in self.required_columns if c.name not in carried]
        missing += [f"{self.column(n).label} (needed with {c.label})" for c in self.columns
                    if c.name in carried for n in c.needs if n not in carried]
        if missing:
            return "missing required column(s) " + ", ".join(missing)
        if not any(c.name in carried for c in self.measures):
            return ("carries no measure: none of " + ", ".join(c.label for c in self.measures)
                    + " (a delivery needs the key and at least one of them)")
        return None

    def match_header(self, cell: str) -> tuple[Column, float] | None:
        """The column a header cell names, and the scale its unit implies.

        A header is the Chinese name or the English alias, optionally followed by a unit in
        brackets: ``地区生产总值(万元)`` → (gdp_current, 0.0001). The unit is looked up in the one
        unit table (``sources/units.py``) and converted to the column's canonical ``unit``; a
        unit that is unknown or measures something else raises ``UnknownUnit`` (the whole
        column would be mis-scaled)."""
        text = normalize_header(cell)
        if not text:
            return None
        for col in self.columns:
            names = {normalize_header(h) for h in col.headers + col.aliases}
            if text in names:
                return col, 1.0
        m = re.fullmatch(r"(.+?)\(([^()]*)\)", text)
        if not m:
            return None
        base, unit = m.group(1), m.group(2).split(",")[0]
        for col in self.columns:
            names = {normalize_header(h) for h in col.headers + col.aliases}
            if base in names:
                factor = column_scale(col, unit)
                if factor is None:
                    raise UnknownUnit(col, cell)
                return col, factor
        return None


def column_scale(col: Column, unit: str) -> float | None:
    """The factor from ``unit`` to the column's canonical unit, from the one unit table
    (``sources/units.py``); None when the column takes no unit or ``unit`` is unknown or
    measures something else."""

    return units.scale(unit, col.unit) if col.unit else None


def header_unit(cell: str) -> str | None:
    """The unit in brackets at the end of a header cell (``火电(万千瓦)`` → ``万千瓦``), or None."""
    m = re.fullmatch(r"(.+?)\(([^()]*)\)", normalize_header(cell))
    return m.group(2).split(",")[0] if m else None


class UnknownUnit(Exception):
    def __init__(self, column: Column, header: str):

        q = units.quantity(column.unit)
        known = (f"any unit of {q} in sources/units.py, e.g. " + ", ".join(units.UNITS[q])
                 if q else "none (the column takes no unit)")
        super().__init__(f"column {column.label}: unknown unit in header '{header}' "
                         f"(known units: {known})")


def _column(spec: dict) -> Column:
    if spec["type"] not in TYPES:
        raise ValueError(f"unknown type {spec['type']} for column {spec['name']}")
    unknown = set(spec.get("periods", [])) - PERIOD_TYPES
    if unknown:
        raise ValueError(f"unknown period type(s) {sorted(unknown)} for column {spec['name']} "
                         f"(known: {', '.join(sorted(PERIOD_TYPES))})")
    values = spec.get("values")
    return Column(
        name=spec["name"], type=spec["type"], headers=tuple(spec["headers"]),
        aliases=tuple(spec.get("aliases", [spec["name"]])),
        description=spec.get("description", ""), unit=spec.get("unit"),
        not_null=bool(spec.get("not_null", False)), required=bool(spec.get("required", False)),
        needs=tuple(spec.get("needs", [])),
        min=spec.get("min"),
        values=tuple(values) if isinstance(values, list) else values,
        periods=tuple(spec.get("periods", [])), pattern=spec.get("pattern"), check=spec.get("check"),
        cumulative_quarters=bool(spec.get("cumulative_quarters", False)),
    )


def load_contract(path: Path) -> Contract:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    contract = Contract(
        extract=spec["extract"], name_zh=spec["name_zh"], name_en=spec["name_en"],
        office=spec["office"], grain=spec["grain"], key=tuple(spec["key"]),
        columns=tuple(_column(c) for c in spec["columns"]), bulk=bool(spec.get("bulk", False)),
        sheet=spec.get("sheet"),
    )
    names = [c.name for c in contract.columns]
    missing = (set(contract.key) | {n for c in contract.columns for n in c.needs}) - set(names)
    if missing or len(set(names)) != len(names) or path.stem != contract.extract:
        raise ValueError(f"contract {path.name}: unknown key/needs column(s) {missing} "
                         "or duplicate/misnamed columns")

    for c in contract.columns:
        if c.unit and units.lookup(c.unit) is None:
            raise ValueError(f"contract {path.name}: column {c.name}: unit {c.unit} is not in "
                             "the unit table (sources/units.py)")
    if any("units" in c for c in spec["columns"]):
        raise ValueError(f"contract {path.name}: 'units' is gone — every spelling of a unit "
                         "comes from the one unit table, sources/units.py (issue 12)")
    if any("optional" in c for c in spec["columns"]):
        raise ValueError(f"contract {path.name}: 'optional' is gone — every column outside the "
                         "key is optional unless marked 'required' (issue 11)")
    return contract


@cache
def contracts() -> dict[str, Contract]:
    """Every extract's contract, by extract name."""
    return {p.stem: load_contract(p) for p in sorted(CONTRACTS_DIR.glob("*.yaml"))}
