"""The one table of units: every spelling an office writes, what it measures and its size.

A header unit (``地区生产总值(万元)``), a title line (``单位：万元、吨标准煤``) or a unit row under
the header (``千瓦``) is looked up here, never in a contract: a contract names only the canonical
unit of a column (``unit: 万千瓦``), and any unit of the same quantity converts to it. So
``万吨标煤``, ``万tce`` and ``万吨标准煤`` mean the same in every extract, and adding a spelling is one
line here.

Spellings are compared after ``normalize_header`` (NFKC: ``m³`` → ``m3``, ``（）`` → ``()``; no
spaces; lower case), so ``万kWh``, ``万KWH`` and ``万 kWh`` are one entry.
"""

from __future__ import annotations

import re
from functools import cache

from .headers import normalize_header

# quantity → {spelling: size in the quantity's base unit}. The base is the first entry.
UNITS: dict[str, dict[str, float]] = {
    "money": {"元": 1, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8},
    "energy (standard coal)": {
        "吨标准煤": 1, "吨标煤": 1, "tce": 1, "t标准煤": 1, "千克标准煤": 1e-3, "kgce": 1e-3,
        "万吨标准煤": 1e4, "万吨标煤": 1e4, "万tce": 1e4, "万t标准煤": 1e4, "亿吨标准煤": 1e8},
    "mass": {"吨": 1, "t": 1, "万吨": 1e4, "万t": 1e4, "亿吨": 1e8},
    "volume": {"立方米": 1, "m3": 1, "方": 1, "万立方米": 1e4, "万m3": 1e4, "万方": 1e4,
               "亿立方米": 1e8, "亿m3": 1e8, "亿方": 1e8},
    "electricity": {"千瓦时": 1, "kwh": 1, "度": 1, "万千瓦时": 1e4, "万kwh": 1e4, "万度": 1e4,
                    "mwh": 1e3, "兆瓦时": 1e3, "gwh": 1e6, "亿千瓦时": 1e8, "亿kwh": 1e8, "亿度": 1e8},
    "power": {"千瓦": 1, "kw": 1, "万千瓦": 1e4, "万kw": 1e4, "mw": 1e3, "兆瓦": 1e3,
              "gw": 1e6, "吉瓦": 1e6},
    "freight turnover": {"吨公里": 1, "t·km": 1, "tkm": 1, "万吨公里": 1e4, "亿吨公里": 1e8},
    "area": {"平方米": 1, "m2": 1, "万平方米": 1e4, "万m2": 1e4},
    "people": {"人": 1, "万人": 1e4},
    "vehicles": {"辆": 1, "万辆": 1e4},
    "steam output": {"蒸吨/小时": 1, "蒸吨/时": 1, "t/h": 1, "蒸吨": 1},
    "percent": {"%": 1, "百分比": 1},
}


# The unit codes of the targets seed (targets.unit, carried by the marts: 10k_kw, 100m_yuan,
# pct …) as people read them: Chinese, and English beside it. A code of an amount uses the
# spelling of the table above (万千瓦, 亿元: a test holds them to it, scale included); the others
# are counts and shares. Read by the bulletin and `plantrack status` (unit_label).
TARGET_UNITS: dict[str, tuple[str, str]] = {
    "pct": ("%", "percent"),
    "pct_per_year": ("%/年", "% a year"),
    "pct_of_gdp": ("占GDP的%", "% of GDP"),
    "pct_of_capacity": ("占发电装机的%", "% of generating capacity"),
    "pct_of_new_floor_area": ("占新建建筑面积的%", "% of new floor area"),
    "pct_of_purchases": ("占更新车辆的%", "% of vehicles bought"),
    "pct_of_units": ("占台数的%", "% of units"),
    "pct_of_vehicles": ("占车辆数的%", "% of vehicles"),
    "100m_yuan": ("亿元", "100 million yuan"),
    "100m_kwh": ("亿千瓦时", "100 million kWh"),
    "10k_kw": ("万千瓦", "10,000 kW"),
    "10k_t": ("万吨", "10,000 t"),
    "10k_tce": ("万吨标准煤", "10,000 t of standard coal"),
    "10k_t_clinker": ("万吨熟料", "10,000 t of clinker"),
    "10k_t_per_day": ("万吨/日", "10,000 t a day"),
    "m2": ("平方米", "m²"),
    "plants": ("座", "plants"),
    "boilers": ("台", "boilers"),
    "vehicles": ("辆", "vehicles"),
    "cities": ("个市", "cities"),
    "counties": ("个县（市）", "counties"),
    "flag": ("是/否", "yes/no"),
}


def unit_names(code: str | None) -> tuple[str, str]:
    """(Chinese, English) of a target's unit code; an unknown code is shown as it is."""
    if not code:
        return ("", "")
    return TARGET_UNITS.get(code, (code, code))


def unit_label(code: str | None) -> str:
    """``万千瓦 (10,000 kW)`` for ``10k_kw``; ``%`` for ``pct``; the code itself if unknown."""
    zh, en = unit_names(code)
    return zh if zh in ("%", "") or zh == en else f"{zh} ({en})"

@cache
def _index() -> dict[str, tuple[str, float]]:
    index: dict[str, tuple[str, float]] = {}
    for quantity, spellings in UNITS.items():
        for spelling, size in spellings.items():
            key = normalize_header(spelling)
            if key in index:
                raise ValueError(f"unit {spelling} listed twice in the unit table")
            index[key] = (quantity, float(size))
    return index


def lookup(unit: str) -> tuple[str, float] | None:
    """(quantity, size in the quantity's base unit) of a unit spelling, or None if unknown.
    Surrounding brackets are ignored: ``（万元）`` is ``万元``."""
    key = normalize_header(unit).strip("()[]【】")
    return _index().get(key)


def is_unit(text: str) -> bool:
    return bool(text.strip()) and lookup(text) is not None


def scale(unit: str, canonical: str) -> float | None:
    """Multiply a value in ``unit`` by this to get it in ``canonical``; None when ``unit`` is
    unknown or measures another quantity. ``scale('万kWh', '亿千瓦时')`` → 0.0001."""
    got, want = lookup(unit), lookup(canonical)
    if got is None or want is None or got[0] != want[0]:
        return None
    # round away the binary noise of 1e4 / 1e8 so scales are exact powers of ten
    return float(f"{got[1] / want[1]:.12g}")


def quantity(unit: str | None) -> str | None:
    found = lookup(unit) if unit else None
    return found[0] if found else None


# "单位：万元、吨标准煤", "单位:万吨", "(单位：千瓦)", "计量单位：万元", "说明：单位为吨。" — but not
# the organisation of "填报单位：沈阳市统计局" or "用能单位为…"
UNIT_LINE = re.compile(r"(?:^|(?<=[\s(（,，;；。:：、])|(?<=计量)|(?<=本表)|(?<=金额))"
                       r"单位\s*(?:[:：]|为|是)\s*([^()（）。;；]+)")
_SPLIT = re.compile(r"[、，,/；;和及\s]+")
NAMED_UNIT = re.compile(r"(?<!填报)(?<!报送)(?<!制表)(?<!统计)单位\s*(?:[:：]|为|是)\s*([^()（）。;；，,、\s]+)")


def units_in_line(text: str, note: bool = False) -> list[str] | None:
    """The units a title or note line states (``单位：万元、吨标准煤`` → [万元, 吨标准煤]), [] when
    it states a unit line with nothing readable, None when it states no unit at all.

    In a title also a unit alone in brackets (``发电装机容量（千瓦）``) or a line that is only a
    unit; in a note (``说明：…``) only an explicit ``单位：``/``单位为``."""
    m = UNIT_LINE.search(text)
    if m:
        return [t for t in _SPLIT.split(m.group(1).strip()) if t]
    if note:
        # a note may name its columns: 能源消费总量单位为吨标准煤，地区生产总值单位为亿元 — each
        # clause's unit applies to the columns measured in that quantity (ignoring it would load
        # them 10,000 times too large); 填报单位 / 报送单位 / 制表单位 are offices, not units
        named = NAMED_UNIT.findall(text)
        return [u.strip() for u in named if u.strip()] or None
    bracketed = [b for b in re.findall(r"[（(]([^（）()]+)[）)]", text) if is_unit(b)]
    if bracketed:
        return bracketed
    if is_unit(text):
        return [text.strip()]
    return None
