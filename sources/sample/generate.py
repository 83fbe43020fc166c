"""``plantrack sample``: a complete, deterministic set of synthetic deliveries.

Every extract of docs/FORMATS.md, 2010–2015, for the province, its 14 cities and (where the grain
allows) its 44 counties, with magnitudes close to Liaoning's published statistics. Each file
exercises some of the format variants docs/FORMATS.md lists, and a few planted bad rows show the
quarantine at work (``PLANTED_BAD_ROWS`` names them, for the tests). ``faults=True`` adds what
a bad night brings: one rejected file of each kind, a duplicate delivery and a revision.

The figures are invented. The plan_allocations values are illustrative: the plan's annexes
are not in the plan text, and the files say so.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from ..reference import regions
from .write import Landing

YEARS = range(2010, 2016)
PROVINCE = "210000"

# (GDP share, energy share, coal share of energy) per city, roughly as in the 2013 yearbook.
CITY_PROFILE = {
    "210100": (0.265, 0.16, 0.55), "210200": (0.285, 0.18, 0.45), "210300": (0.097, 0.17, 0.80),
    "210400": (0.048, 0.07, 0.75), "210500": (0.043, 0.08, 0.85), "210600": (0.040, 0.03, 0.60),
    "210700": (0.052, 0.05, 0.65), "210800": (0.062, 0.07, 0.70), "210900": (0.023, 0.03, 0.80),
    "211000": (0.038, 0.05, 0.60), "211100": (0.045, 0.05, 0.40), "211200": (0.035, 0.03, 0.75),
    "211300": (0.038, 0.04, 0.80), "211400": (0.029, 0.04, 0.75),
}
# Province figures (current-price GDP 亿元, GDP index, energy 万吨标准煤, coal 万吨, oil 万吨,
# gas 亿立方米, electricity 亿千瓦时, services share %, strategic-emerging share %,
# industrial VA 亿元, industrial VA index, industrial energy 万吨标准煤).
PROVINCE_SERIES = {
    2010: (18457, 114.2, 19100, 16500, 3700, 38, 1715, 37.1, 3.0, 8430, 117.6, 14000),
    2011: (22227, 112.2, 20700, 17600, 3900, 42, 1862, 36.7, 3.3, 10100, 115.1, 14700),
    2012: (24846, 109.5, 21600, 18000, 4050, 48, 1900, 38.1, 3.6, 10900, 109.9, 15000),
    2013: (27078, 108.7, 22000, 18200, 4200, 55, 1960, 38.7, 4.0, 11600, 109.6, 15100),
    2014: (28627, 105.8, 22200, 18300, 4300, 62, 2000, 41.8, 4.5, 11800, 104.8, 15050),
    2015: (28669, 103.0, 22050, 18100, 4350, 70, 1985, 46.2, 4.9, 10900, 95.2, 14500),
}
QUARTER_SHARE = {1: (0.21, 0.27), 2: (0.46, 0.51), 3: (0.72, 0.74)}  # (GDP, energy) Jan–q
POLLUTANTS = {  # province totals in tonnes: COD, NH3-N, SO2, NOx
    2010: (1_350_000, 108_000, 1_090_000, 960_000), 2011: (1_320_000, 106_000, 1_070_000, 940_000),
    2012: (1_290_000, 103_000, 1_050_000, 905_000), 2013: (1_260_000, 100_000, 1_020_000, 880_000),
    2014: (1_228_000, 97_600, 990_000, 850_000), 2015: (1_199_000, 95_500, 962_000, 823_000),
}
CAPACITY = {  # province 万千瓦: thermal, hydro, wind, solar, nuclear, biomass
    2010: (2850, 290, 400, 1, 0, 10), 2011: (2950, 290, 470, 2, 0, 12),
    2012: (3050, 291, 530, 3, 0, 15), 2013: (3150, 292, 580, 5, 224, 18),
    2014: (3250, 292, 650, 15, 448, 22), 2015: (3300, 300, 700, 40, 448, 30),
}

# The rows the sample plants on purpose, by extract: (file name, row number, reason fragment).
PLANTED_BAD_ROWS: list[tuple[str, str, int, str]] = []


def _plant(extract: str, file: str, row: int, reason: str) -> None:
    PLANTED_BAD_ROWS.append((extract, file, row, reason))


def cities() -> list[dict]:
    return [r for r in regions() if r["level"] == "city"]


def counties() -> list[dict]:
    return [r for r in regions() if r["level"] == "county"]


def name_of(code: str, style: str) -> str:
    """A region as an office might write it: full name, short name or code."""
    r = next(x for x in regions() if x["code"] == code)
    if style == "code":
        return code
    if code == PROVINCE:
        return {"full": "辽宁省", "short": "全省", "total": "合计"}.get(style, "全省")
    if style == "short" and r["level"] == "city":
        return r["name_zh"][:-1]
    return r["name_zh"]


def _rewrite(path: Path, encoding: str, edits: dict | None = None) -> None:
    """Rewrite a UTF-8 CSV line by line (a month of 2,400 outlets is ~7 M lines: never whole
    in memory) in ``encoding``, line n (1 = the header) replaced by ``edits[n](its cells)``."""
    edits = edits or {}
    tmp = path.with_name(path.name + ".part")
    with open(path, encoding="utf-8", newline="") as src, \
            open(tmp, "w", encoding=encoding, newline="", buffering=1 << 22) as dst:
        if not edits:
            while block := src.read(1 << 22):
                dst.write(block)
        for n, line in enumerate(src if edits else (), 1):
            if n in edits:
                line = ",".join(edits[n](line.rstrip("\n").split(","))) + "\n"
            dst.write(line)
    tmp.replace(path)


def hourly_generator(outlets) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE outlets (outlet_id VARCHAR, kind VARCHAR, enabled DATE, disabled DATE)")
    con.executemany("INSERT INTO outlets VALUES (?, ?, ?, ?)", [(o[0], o[3], o[4], o[5]) for o in outlets])
    return con


def write_hourly(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime, path: Path,
                 seed: int) -> None:
    """One file of the hourly feed for [start, end). hash() of the key, not random(): the same
    seed gives the same bytes at any thread count."""
    query = f"""
    WITH hours AS (SELECT unnest(range(TIMESTAMP '{start}', TIMESTAMP '{end}', INTERVAL 1 HOUR)) AS t),
    factors AS (SELECT outlet_id, kind, enabled, disabled, unnest(
        CASE kind WHEN '废气' THEN ['SO2', 'NOx', '烟尘'] ELSE ['COD', '氨氮'] END) AS factor FROM outlets),
    grid AS (SELECT f.*, t, hash(outlet_id, t, {seed}) AS r, hash(outlet_id, factor, t, {seed}) AS r2
             FROM factors f, hours
             WHERE t >= enabled AND (disabled IS NULL OR t < disabled))
    SELECT outlet_id AS 点位编号, strftime(t, '%Y-%m-%d %H:00:00') AS 监测时间, factor AS 监测因子,
           CASE WHEN r % 100 < 3 THEN NULL
                ELSE round((r2 % 10000) / 100.0 * CASE factor WHEN 'SO2' THEN 2 WHEN 'NOx' THEN 2.5
                     WHEN '烟尘' THEN 0.3 WHEN 'COD' THEN 0.6 ELSE 0.08 END, 2) END AS 监测值,
           CASE WHEN r % 100 < 3 THEN 'F' WHEN r2 % 100 < 2 THEN 'D' WHEN r2 % 100 < 3 THEN 'B'
                WHEN r2 % 1000 < 35 THEN 'M' WHEN r2 % 1000 = 999 THEN 'T' ELSE 'N' END AS 数据标记
    FROM grid WHERE (r // 100) % 100 >= 6     -- about 6% of outlet-hours never arrive
    ORDER BY 点位编号, 监测时间, 监测因子"""
    con.execute(f"COPY ({query}) TO '{path}' (HEADER, DELIMITER ',')")


class Sample:
    def __init__(self, landing: Path, seed: int, outlets: int = 24, on_file=None):
        self.out = Landing(landing, on_file)
        self.rng = random.Random(seed)
        self.seed = seed
        self.outlet_count = outlets

    def noise(self, spread: float) -> float:
        return 1 + self.rng.uniform(-spread, spread)

    # ---------------------------------------------------------------- statistics bureau
    def city_indicators(self) -> dict:
        """Yearly and quarterly-cumulative figures per city; the province row is reported
        separately and, as in real statistics, does not quite equal the sum of the cities."""
        growth = {c: self.rng.uniform(-0.012, 0.012) for c in CITY_PROFILE}  # energy drift
        data: dict[tuple[str, str], list] = {}
        for y in YEARS:
            p = PROVINCE_SERIES[y]
            for code, (gs, es, cs) in CITY_PROFILE.items():
                drift = (1 + growth[code]) ** (y - 2013)
                idx = round(p[1] + self.rng.uniform(-1.5, 1.5), 1)
                gdp = p[0] * gs * self.noise(0.01)
                energy = p[2] * es / 1.06 * drift * self.noise(0.004)
                data[(code, str(y))] = [
                    gdp, idx, gdp * p[7] / 100 * self.noise(0.03), gdp * p[8] / 100 * self.noise(0.05),
                    p[9] * gs * self.noise(0.02), round(p[10] + self.rng.uniform(-2, 2), 1),
                    energy, p[11] * es / 1.06 * drift * self.noise(0.01),
                    # coal: its share cs of the city's energy, less a quarter (coke, losses), in 万吨
                    energy * cs * 0.75 / 0.7143 * self.noise(0.01),
                    p[4] * (gs + es / 1.06) / 2 * self.noise(0.02), p[5] * gs * self.noise(0.03),
                    p[6] * es / 1.06 * self.noise(0.01),
                ]
        # Yingkou's 2014 energy use jumps by a fifth (a new plant): a year-on-year move the
        # checks flag as a warning, as a statistician would want to see
        for i in (6, 7, 8):
            data[("210800", "2014")][i] *= 1.22
        for y in YEARS:  # the province row: the cities' sum, a little off (±0.5%)
            p = PROVINCE_SERIES[y]
            sums = [sum(data[(c, str(y))][i] for c in CITY_PROFILE) for i in range(12)]
            row = [s * self.noise(0.005) for s in sums]
            row[1], row[5] = p[1], p[10]
            data[(PROVINCE, str(y))] = row
        for y in (2013, 2014, 2015):
            for q, (gq, eq) in QUARTER_SHARE.items():
                for code in [PROVINCE, *CITY_PROFILE]:
                    year = data[(code, str(y))]
                    row = [v * (gq if i in (0, 2, 3, 4) else eq) * self.noise(0.01)
                           for i, v in enumerate(year)]
                    row[1] = round(year[1] + self.rng.uniform(-0.4, 0.4), 1)
                    row[5] = round(year[5] + self.rng.uniform(-0.6, 0.6), 1)
                    data[(code, f"{y}Q{q}")] = row
        return data

    def write_city_indicators(self) -> None:
        x = "stats_city_indicators"
        data = self.city_indicators()
        self.city_data = data
        cn = ["地区生产总值", "地区生产总值指数(上年=100)", "第三产业增加值", "战略性新兴产业增加值",
              "规模以上工业增加值", "规模以上工业增加值指数(上年=100)", "能源消费总量",
              "规模以上工业综合能源消费量", "煤炭消费量", "石油消费量", "天然气消费量", "全社会用电量"]
        en = ["gdp_current", "gdp_index", "services_va", "strategic_emerging_va", "industrial_va",
              "industrial_va_index", "energy_total", "industrial_energy", "coal", "oil", "gas",
              "electricity"]
        order = [PROVINCE, *CITY_PROFILE]

        def published_cut(code, y):
            if y == 2010:
                return None
            a, b = data[(code, str(y))], data[(code, str(y - 1))]
            g = b[0] * a[1] / 100  # comparable-price GDP of year y in year y-1 prices
            return round((1 - (a[6] / g) / (b[6] / b[0])) * 100, 2)

        # 2010–2013: the yearbook, XLSX, two title rows, GDP in 万元, full names, footnote.
        header = ["年份", "地区", "地区生产总值（万元）", *cn[1:], "单位地区生产总值能耗降低率(%)"]
        rows = []
        for y in range(2010, 2014):
            for code in order:
                v = data[(code, str(y))]
                rows.append([y, name_of(code, "full"), round(v[0] * 10000, 0),
                             *[round(x, 2) for x in v[1:]], published_cut(code, y)])
        self.out.xlsx(x, "辽宁统计年鉴_2010-2013_各市主要指标.xlsx", header, rows,
                      title=["表3-1 各市主要经济与能源指标", "（2010—2013年）"],
                      notes=["注：地区生产总值按当年价格计算，指数按可比价格计算。", "资料来源：辽宁统计年鉴。"])
        # 2014–2015 yearly: GBK CSV, short names, province as 全省, thousands separators.
        header = ["统计期", "地区", *[h + ("(亿元)" if i in (0, 2, 3, 4) else "") for i, h in enumerate(cn)],
                  "单位地区生产总值能耗降低率(%)"]
        rows = []
        for y in (2014, 2015):
            for code in order:
                v = data[(code, str(y))]
                cells = [f"{v[0]:,.1f}", *[round(x, 2) for x in v[1:]]]
                rows.append([f"{y}年", name_of(code, "short"), *cells, published_cut(code, y)])
        rows[3][11] = "—"  # oil not yet compiled for one city: missing, never zero
        bad = ["2015年", "沈阳经济区", *rows[1][2:]]  # not a region of the plan
        rows.append(bad)
        _plant(x, "2014-2015年度_各市指标.csv", len(rows) + 1, "unknown region")
        self.out.csv(x, "2014-2015年度_各市指标.csv", header, rows, encoding="gb18030")
        # Quarterly cumulative, UTF-8 with BOM, English headers, codes, two period forms.
        header = ["period", "region", *en]
        rows = []
        for y in (2013, 2014, 2015):
            for q in (1, 2, 3):
                for code in order:
                    v = data[(code, f"{y}Q{q}")]
                    period = f"{y}Q{q}" if y != 2015 else f"{y}年1-{3 * q}月"
                    rows.append([period, code, *[round(x, 2) for x in v]])
        rows[5][3] = _fullwidth(str(rows[5][3]))  # as typed on a Chinese keyboard
        rows[7][8] = "12a4.5"
        _plant(x, "quarterly_cumulative.csv", 9, "not a number")
        self.out.csv(x, "quarterly_cumulative.csv", header, rows, encoding="utf-8-sig")
        # County-level energy and GDP (for the key-management flag, clause 二十六).
        rows = []
        for c in counties():
            size = self.rng.lognormvariate(0, 0.6)
            for y in (2013, 2014, 2015):
                energy = 180 * size * (1.01 ** (y - 2013))
                rows.append([y, c["code"], round(300 * size * 1.06 ** (y - 2013), 1), "—",
                             "…", "…", "…", "…", round(energy, 1), "…", "…", "…", "…", "…"])
        self.out.csv(x, "县域能源消费.csv", ["年份", "地区", *cn], rows)

    def write_power_capacity(self) -> None:
        x = "stats_power_capacity"
        weights = {c: (gs, 2.5 if c in ("211300", "210900", "211200", "210700") else 0.5)
                   for c, (gs, _, _) in CITY_PROFILE.items()}
        rows = []
        for y in YEARS:
            p = CAPACITY[y]
            city_vals = {}
            for code, (gs, wind_w) in weights.items():
                city_vals[code] = [p[0] * gs, p[1] / 14, p[2] * wind_w / 17.5, p[3] / 14,
                                   p[4] if code == "210200" else 0, p[5] / 14]
            for code, v in city_vals.items():
                rows.append([f"{y}年", code, *[round(a * 10000) for a in v]])  # in 千瓦
            total = [sum(v[i] for v in city_vals.values()) * self.noise(0.002) for i in range(6)]
            rows.append([f"{y}年", PROVINCE, *[round(a * 10000) for a in total]])
        header = ["年份", "地区", "火电(千瓦)", "水电(千瓦)", "风电(千瓦)", "太阳能发电(千瓦)", "核电(千瓦)",
                  "生物质发电(千瓦)"]
        self.out.xlsx(x, "发电装机容量_2010-2015.xlsx", header, rows, title=["发电装机容量（千瓦）"])

    def write_key_enterprises(self) -> None:
        x = "stats_key_enterprises"
        places = [c["code"] for c in cities()] + [c["code"] for c in counties()]
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        rows = []
        for i in range(150):
            region = self.rng.choice(places)
            code = "91" + region + "".join(self.rng.choice(alphabet) for _ in range(10))
            code = code[:17] + gb32100_check(code[:17])  # a valid code: its last character checks the rest
            use = self.rng.lognormvariate(13.4, 0.8)  # 吨标准煤
            for y in range(2011, 2016):
                saved = use * self.rng.uniform(0.012, 0.028)
                rows.append([y, code, f"辽宁第{i + 1}重点用能有限公司", name_of(region, "full"),
                             round(use), round(saved)])
                use *= self.rng.uniform(0.97, 1.02)
        rows[10][1] = "91210100ABC"  # a truncated credit code
        _plant(x, "万家企业节能量_2011-2015.csv", 12, "malformed code")
        self.out.csv(x, "万家企业节能量_2011-2015.csv",
                     ["年份", "企业代码", "企业名称", "地区", "综合能源消费量(吨标准煤)", "节能量(吨标准煤)"], rows)

    def write_public_institutions(self) -> None:
        x = "stats_public_institutions"
        rows = []
        for code in [PROVINCE, *CITY_PROFILE]:
            share = 1.0 if code == PROVINCE else CITY_PROFILE[code][0]
            area, people, energy = 9000 * share, 120 * share, 260 * share
            for y in YEARS:
                rows.append([y, name_of(code, "full" if code != PROVINCE else "total"),
                             round(area * self.noise(0.003), 1), round(people * self.noise(0.003), 2),
                             round(energy * self.noise(0.003), 2)])
                area *= 1.02
                people *= 1.01
                energy *= 0.995
        self.out.csv(x, "public_institutions_energy.csv",
                     ["year", "region", "floor_area", "occupants", "energy_use"], rows, encoding="gb18030")

    # ---------------------------------------------------------------- environment office
    def write_pollutants(self) -> None:
        x = "env_pollutant_totals"

        weights = {c: [gs * self.rng.uniform(0.6, 1.4) for _ in range(4)]
                   for c, (gs, _, _) in CITY_PROFILE.items()}  # each city's own emission profile

        def rows_for(years, scale):
            out = []
            for y in years:
                p = POLLUTANTS[y]
                city = {c: [v * w[i] * self.noise(0.02) for i, v in enumerate(p)] for c, w in weights.items()}
                norm = [p[i] / sum(v[i] for v in city.values()) for i in range(4)]
                for c, v in city.items():
                    out.append([y, name_of(c, "full"), *[round(v[i] * norm[i] * self.noise(0.004) / scale, 2)
                                                         for i in range(4)]])
                out.append([y, "全省", *[round(v / scale, 2) for v in p]])
            return out
        self.out.xlsx(x, "主要污染物排放_2010-2012.xlsx", ["年份", "地区", "化学需氧量(万吨)", "氨氮(万吨)",
                      "二氧化硫(万吨)", "氮氧化物(万吨)"], rows_for(range(2010, 2013), 10000),
                      title=["主要污染物排放总量"], notes=["注：2011年起含农业源。"])
        rows = rows_for(range(2013, 2016), 1)
        rows[2][4] = -1250.0
        _plant(x, "主要污染物排放_2013-2015.csv", 4, "impossible negative")
        self.out.csv(x, "主要污染物排放_2013-2015.csv", ["年份", "地区", "化学需氧量(吨)", "氨氮(吨)",
                     "二氧化硫(吨)", "氮氧化物(吨)"], rows)

    def write_reduction_projects(self) -> None:
        x = "env_reduction_projects"
        kinds = [  # type, unit, projects, scale range, (so2, nox, cod, nh3n) t per unit of scale
            ("燃煤机组脱硝", "万千瓦", 24, (30, 90), (0, 60, 0, 0)),
            ("烟气旁路拆除", "万千瓦", 10, (20, 60), (55, 0, 0, 0)),
            ("烧结机脱硫", "平方米", 20, (180, 360), (4, 0, 0, 0)),
            ("水泥熟料脱硝", "万吨熟料", 30, (60, 180), (0, 3, 0, 0)),
            ("污水处理厂提标改造", "万吨/日", 12, (5, 20), (0, 0, 350, 50)),
            ("畜禽养殖废弃物处理", "处", 40, (1, 1), (0, 0, 120, 15)),
        ]
        places = [c["code"] for c in cities()]
        rows, n = [], 0
        for kind, unit, count, (lo, hi), per in kinds:
            for _ in range(count):
                n += 1
                scale = self.rng.randint(lo, hi)
                planned = dt.date(2014, 6, 30) + dt.timedelta(days=self.rng.randint(0, 540))
                done = planned + dt.timedelta(days=self.rng.randint(-60, 90))
                actual = done if done <= dt.date(2015, 12, 31) and self.rng.random() > 0.08 else None
                forms = [lambda d: d, lambda d: d.strftime("%Y年%m月%d日"), lambda d: d.strftime("%Y%m%d"),
                         lambda d: (d - dt.date(1899, 12, 30)).days]
                fmt = forms[n % len(forms)]
                rows.append([f"JP{n:04d}", f"{name_of(self.rng.choice(places), 'full')}{kind}工程{n}",
                             name_of(self.rng.choice(places), "short"), kind, scale, unit,
                             fmt(planned), fmt(actual) if actual else None,
                             *[round(scale * p * self.rng.uniform(0.8, 1.2), 1) for p in per]])
        rows[20][7] = "2015-13-45"
        _plant(x, "减排项目清单.xlsx", 23, "not a date")
        self.out.xlsx(x, "减排项目清单.xlsx", ["项目编号", "项目名称", "地区", "项目类型", "规模", "计量单位",
                      "计划完成日期", "实际完成日期", "新增二氧化硫减排能力(吨)", "新增氮氧化物减排能力(吨)",
                      "新增化学需氧量减排能力(吨)", "新增氨氮减排能力(吨)"], rows,
                      title=["2014—2015年主要污染物减排工程项目清单"])

    def write_boilers(self) -> None:
        x = "env_boilers"
        places = [c["code"] for c in cities()] + [c["code"] for c in counties()]
        rows = []
        for i in range(1400):
            big = i < 320
            cap = self.rng.choice([20, 35, 40, 75]) if big else self.rng.choice([1, 2, 4, 6, 10])
            task = not big and i < 1180
            if task and self.rng.random() < 0.93:
                status = self.rng.choice(["已拆除", "已并网"])
                retired = dt.date(2014, 1, 1) + dt.timedelta(days=self.rng.randint(0, 729))
            else:
                status, retired = "在用", None
            desulf = "有" if (big and self.rng.random() < 0.96) or (not big and self.rng.random() < 0.3) else "无"
            rows.append([f"GL{i + 1:05d}", name_of(self.rng.choice(places), "full"), f"供热单位{i + 1}",
                         cap, status, retired.strftime("%Y/%m/%d") if retired else "", desulf,
                         "是" if task else "否"])
        rows[30][3] = -20
        rows[31][1] = ""
        _plant(x, "燃煤锅炉台账.csv", 32, "impossible negative")
        _plant(x, "燃煤锅炉台账.csv", 33, "missing required value")
        self.out.csv(x, "燃煤锅炉台账.csv", ["锅炉编号", "地区", "单位名称", "额定蒸发量(蒸吨/小时)", "状态",
                     "拆除日期", "脱硫设施", "蓝天工程任务"], rows, encoding="gb18030")

    def outlets(self) -> list[tuple]:
        places = [c["code"] for c in cities()]
        out = []
        for i in range(self.outlet_count):
            kind = "废气" if i % 24 < 14 else "废水"
            enabled = dt.date(2013, 1, 1) + dt.timedelta(days=self.rng.randint(0, 500))
            disabled = dt.date(2015, 6, 30) if i in (5, 19) else None
            out.append((f"MO{i + 1:04d}", f"重点排污单位{i + 1}", places[i % 14], kind, enabled, disabled))
        return out

    def write_monitoring(self) -> None:
        outlets = self.outlets()
        self.out.csv("env_monitoring_outlets", "自动监控点位.csv",
                     ["点位编号", "企业名称", "地区", "类型", "启用日期", "停用日期"],
                     [[o[0], o[1], name_of(o[2], "full"), o[3], o[4].isoformat(),
                       o[5].isoformat() if o[5] else ""] for o in outlets])
        self._write_hourly(outlets)

    def _write_hourly(self, outlets) -> None:
        """The hourly feed, one file per month, generated by DuckDB: ~1 million rows for the 24
        default outlets. Gaps (no record at all), plant stops (F) and faults (D, B, M) keep the
        transmission rate below 100%."""
        x = "env_monitoring_hourly"
        folder = self.out.root / x
        folder.mkdir(parents=True, exist_ok=True)
        con = hourly_generator(outlets)
        for y, m in [(y, m) for y in (2014, 2015) for m in range(1, 13)]:
            path = folder / f"hourly_{y}{m:02d}.csv"
            write_hourly(con, dt.datetime(y, m, 1), dt.datetime(y + (m == 12), m % 12 + 1, 1), path, self.seed)
            if (y, m) == (2014, 3):  # one month arrives with GBK encoding
                _rewrite(path, "gb18030")
            if (y, m) == (2015, 6):  # a plant's DCS typed one value by hand
                def by_hand(parts: list[str]) -> list[str]:
                    return [*parts[:3], "12..5", *parts[4:]]
                _rewrite(path, "utf-8", {101: by_hand})
                _plant(x, path.name, 101, "not a number")
            self.out.adopt(path)

    def write_disclosure(self) -> None:
        rows = []
        for y in (2014, 2015):
            for q in (1, 2, 3, 4):
                total = [0, 0, 0, 0]
                for code in CITY_PROFILE:
                    due = self.rng.randint(40, 120)
                    sdue = self.rng.randint(20, 60)
                    vals = [due, round(due * self.rng.uniform(0.78, 0.97)), sdue,
                            round(sdue * self.rng.uniform(0.94, 1.0))]
                    total = [a + b for a, b in zip(total, vals)]
                    period = f"{y}Q{q}" if q == 4 or y == 2015 else f"{y}年1-{3 * q}月"
                    rows.append([period, name_of(code, "short"), *vals])
                rows.append([f"{y}Q{q}", "合计", *total])
        self.out.csv("env_disclosure", "监测信息公开_2014-2015.csv", ["统计期", "地区", "应公布自行监测企业数",
                     "已公布自行监测企业数", "应公布监督性监测企业数", "已公布监督性监测企业数"], rows,
                     encoding="utf-8-sig")

    def write_sewer(self) -> None:
        rows = []
        for r in cities() + counties():
            base = 93 if r["code"] in ("210100", "210200") else (84 if r["level"] == "city" else 76)
            for y in (2013, 2014, 2015):
                rows.append([y, name_of(r["code"], "full"),
                             round(min(100, base + (y - 2013) * self.rng.uniform(1.5, 4.0)), 1)])
        self.out.xlsx("env_sewer_coverage", "建成区污水管网覆盖率.xlsx", ["年份", "地区", "建成区污水管网覆盖率（%）"],
                      rows, title=["各市县建成区污水管网覆盖率"], notes=["说明：覆盖率按建成区面积计算。"])

    # ---------------------------------------------------------------- transport offices
    def write_vehicles(self) -> None:
        rows = []
        forms = [lambda y, m: f"{y}-{m:02d}", lambda y, m: f"{y}年{m}月", lambda y, m: f"{y}{m:02d}"]
        for y in (2014, 2015):
            for m in range(1, 13):
                for i, (code, (gs, _, _)) in enumerate(CITY_PROFILE.items()):
                    scale = 28000 if y == 2014 else 12000
                    yellow = round(scale * gs * self.rng.uniform(0.6, 1.4) * (0.5 + m / 12))
                    old = round(yellow * self.rng.uniform(0.2, 0.4))
                    rows.append([forms[(m + i) % 3](y, m), name_of(code, "short"), yellow, old,
                                 round(yellow * self.rng.uniform(0.05, 0.12))])
        rows[40][2] = "1,2O5"  # letter O for zero
        _plant("transport_vehicle_retirements", "黄标车淘汰月报.csv", 42, "not a number")
        self.out.csv("transport_vehicle_retirements", "黄标车淘汰月报.csv",
                     ["统计期", "地区", "淘汰黄标车(辆)", "淘汰老旧车(辆)", "其中2005年前注册营运黄标车(辆)"],
                     rows, encoding="gb18030")
        self.out.csv("transport_yellow_label_stock", "2005年前营运黄标车存量.csv", ["地区", "基准日期", "存量(辆)"],
                     [[name_of(c, "full"), "2013/12/31", round(60000 * gs * self.rng.uniform(0.8, 1.2))]
                      for c, (gs, _, _) in CITY_PROFILE.items()])

    def write_public_fleet(self) -> None:
        rows = []
        for y in (2014, 2015):
            share = 0.085 if y == 2014 else 0.22
            tot = [0, 0]
            for code, (gs, _, _) in CITY_PROFILE.items():
                n = round(1600 * gs * self.rng.uniform(0.8, 1.2) + 10)
                nev = round(n * share * self.rng.uniform(0.7, 1.3))
                tot = [tot[0] + n, tot[1] + nev]
                rows.append([y, name_of(code, "full"), n, nev])
            rows.append([y, "辽宁省", *tot])
        self.out.csv("transport_public_fleet", "公共机构车辆更新.csv", ["年份", "地区", "更新车辆总数(辆)",
                     "其中新能源汽车(辆)"], rows)

    def write_freight(self) -> None:
        rows = []
        for code in [PROVINCE, *CITY_PROFILE]:
            gs = 1.0 if code == PROVINCE else CITY_PROFILE[code][0]
            turnover, energy = 3000 * gs, 610 * gs
            for y in (2013, 2014, 2015):
                rows.append([y, code, round(turnover * 10000, 0), round(energy, 2)])
                turnover *= 1.06
                energy *= 1.06 * self.rng.uniform(0.965, 0.985)
        self.out.xlsx("transport_freight", "营运货车能耗.xlsx", ["年份", "地区", "货物周转量(万吨公里)",
                      "能源消耗量(万吨标准煤)"], rows, title=["营运货车能耗统计", "2013—2015年"])

    # ---------------------------------------------------------------- plan office
    def write_allocations(self) -> None:
        note = "示意值（illustrative）：附件数值未载于计划正文"
        rows = []
        for code in CITY_PROFILE:
            rows.append(["city_energy_intensity_cut", name_of(code, "full"),
                         round(self.rng.choice([4.5, 4.8, 5.0, 5.2, 5.5]), 1), "%", note])
        for code, (gs, _, _) in CITY_PROFILE.items():
            rows.append(["vehicles_retired_2014", name_of(code, "full"), round(349000 * gs / 100) * 100,
                         "辆", note])
        self.out.xlsx("plan_allocations", "目标分解_附件1-2_示意.xlsx", ["指标", "地区", "目标值", "单位", "备注"],
                      rows, title=["附件1、附件2 目标分解（示意数据，非计划正文数值）"])

    def write_progress_reports(self) -> None:
        reports = [  # target, unit, 2014 value, 2015 value (yearly amounts)
            ("ironmaking_capacity_retired", "万吨", 170, 150),
            ("energy_saving_retrofits", "万吨标准煤", 80, 75),
            ("energy_saving_equipment_demos", "万吨标准煤", 22, 24),
            ("eco_industry_output", "亿元", 1850, 2060),
            ("green_building_share", "%", 14, 21),
            ("tech_promotion_savings", "万吨标准煤", 28, 30),
            ("dsm_electricity_saved", "亿千瓦时", 4.6, 5.1),
            ("dsm_load_saved", "万千瓦", 3.5, 3.4),
            ("waste_fee_cities", "个", 11, 3),
            ("waste_fee_counties", "个", 20, 18),
            ("water_pollutant_intensity_cut", "%", 24.5, 29.0),
        ]
        rows = []
        for target, unit, v14, v15 in reports:
            rows.append(["2014年", target, "全省", v14, unit, ""])
            rows.append(["2015年", target, "全省", v15, unit, "年报" if target != "green_building_share" else ""])
        rows.append(["2014-10-31", "diesel_guo4_supply", "全省", 1, "", "全省供应国四标准车用柴油"])
        rows.append(["2014年12月20日", "etc_network_phase1", "全省", 1, "", "ETC一期联网运行"])
        rows.append(["2015年", "steel_output", "全省", 1, "", ""])
        _plant("plan_progress_reports", "专项工作进展.csv", len(rows) + 1, "unknown target_id")
        self.out.csv("plan_progress_reports", "专项工作进展.csv", ["报告期", "指标", "地区", "完成值", "单位", "备注"], rows)

    # ---------------------------------------------------------------- a bad night
    def write_faults(self) -> None:
        """One rejected file of each kind, a duplicate delivery and a revision."""
        o = self.out
        o.raw("stats_power_capacity", "装机容量_latin1.csv",
              "年份,地区,火电\n2015,Liaoning,3300\n".encode("utf-8") + b"\xff\xfe caf\xe9\n")
        o.csv("env_pollutant_totals", "无表头.csv", ["2015", "沈阳市", "1", "2", "3", "4"], [["2015", "大连市", 1, 2, 3, 4]])
        o.csv("env_sewer_coverage", "缺列.csv", ["年份", "建成区污水管网覆盖率(%)"], [[2015, 95]])
        o.raw("transport_freight", "empty.csv", b"")
        full = "年份,地区,更新车辆总数(辆),其中新能源汽车(辆)\n2015,沈阳市,400,90\n2015,大连市,41"
        o.raw("transport_public_fleet", "still_writing.csv", full.encode("utf-8"))
        o.raw("plan_progress_reports", "scan.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00<< /Type /Catalog >>\n")
        # the same bytes delivered again under another name
        first = self.out.root / "env_monitoring_outlets" / "自动监控点位.csv"
        o.raw("env_monitoring_outlets", "自动监控点位(重发).csv", first.read_bytes())
        # a revision: the bureau corrects 2015 energy use for two cities, and its own
        # energy-intensity cut with it (a revision that left the cut out would keep the old one,
        # which the reconciliation with the recomputed cut then rejects)
        o.csv("stats_city_indicators", "2015年度_修订.csv",
              ["统计期", "地区", "地区生产总值", "地区生产总值指数(上年=100)", "第三产业增加值", "战略性新兴产业增加值",
               "规模以上工业增加值", "规模以上工业增加值指数(上年=100)", "能源消费总量", "规模以上工业综合能源消费量",
               "煤炭消费量", "石油消费量", "天然气消费量", "全社会用电量", "单位地区生产总值能耗降低率(%)"],
              [[2015, "鞍山市", *self._revised("210300")], [2015, "营口市", *self._revised("210800")]],
              encoding="gb18030", title=["2015年各市主要指标（修订）"])

    def _revised(self, code: str) -> list:
        """The revised 2015 row: the figures of the first delivery, energy use 1.5% higher, and
        the bureau's cut recomputed with it (as in ``stats_city_indicators``)."""
        v = [round(x, 2) for x in self.city_data[(code, "2015")]]
        v[6] = round(v[6] * 1.015, 2)
        a, b = self.city_data[(code, "2015")], self.city_data[(code, "2014")]
        g = b[0] * a[1] / 100  # comparable-price GDP of 2015 in 2014 prices
        return v + [round((1 - (a[6] * 1.015 / g) / (b[6] / b[0])) * 100, 2)]


def gb32100_check(first17: str) -> str:
    """The check character of a unified social credit code (GB 32100-2015) from its first 17."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    return alphabet[(31 - sum(alphabet.index(c) * w for c, w in zip(first17, weights)) % 31) % 31]


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789.,-"})

FAULT_FILES = {  # file → what the rejection message must say
    "stats_power_capacity/装机容量_latin1.csv": "unknown encoding",
    "env_pollutant_totals/无表头.csv": "no recognisable header",
    "env_sewer_coverage/缺列.csv": "missing required column",
    "transport_freight/empty.csv": "empty file",
    "transport_public_fleet/still_writing.csv": "truncated",
    "plan_progress_reports/scan.csv": "not a table",
}


def generate(landing: Path, seed: int = 2014, faults: bool = False, outlets: int = 24,
             on_file=None) -> list[Path]:
    """Write the sample deliveries; ``on_file(path)`` is called as each file is written."""
    PLANTED_BAD_ROWS.clear()
    s = Sample(landing, seed, outlets, on_file)
    s.write_city_indicators()
    s.write_power_capacity()
    s.write_key_enterprises()
    s.write_public_institutions()
    s.write_pollutants()
    s.write_reduction_projects()
    s.write_boilers()
    s.write_monitoring()
    s.write_disclosure()
    s.write_sewer()
    s.write_vehicles()
    s.write_public_fleet()
    s.write_freight()
    s.write_allocations()
    s.write_progress_reports()
    if faults:
        s.write_faults()
    return s.out.written
