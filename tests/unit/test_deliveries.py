"""Issue 12, kinds 1–5: every cell of a messy delivery is the value the office meant, or sits in
quarantine (or the file is rejected) with a reason naming the file, sheet, row, column and what
was wrong. The deliveries and their expected outcomes: tests/fixtures/deliveries/corpus.py."""

import dataclasses
import io
import zipfile

import pytest

from sources import units, xlsx
from sources.contract import contracts
from sources.read import FileRejected, read_grid
from tests.conftest import rows
from tests.fixtures.deliveries.corpus import FILES, Sheet, cases
from tests.fixtures.deliveries.corpus import xlsx as workbook

CASES = cases()


def of_kind(kind):
    return pytest.mark.parametrize("case", [c for c in CASES if c.kind == kind],
                                   ids=lambda c: f"{c.extract}/{c.name}")


def deliver_and_load(landing, ingest, case):
    landing.deliver(case.extract, case.name, case.path.read_bytes())
    return {f.path: f for f in ingest(case.extract).files}[f"{case.extract}/{case.name}"]


def assert_outcome(con, case, outcome):
    """The file's rows in raw are exactly the expected ones with the expected values; its
    quarantined rows exactly the expected ones, each reason holding the expected piece."""
    label = f"{case.extract}/{case.name} ({case.what})"
    if case.rejected:
        assert outcome.status == "rejected", label
        for piece in case.rejected:
            assert piece in outcome.error, (label, outcome.error)
        assert rows(con, f"SELECT count(*) FROM raw.{case.extract} WHERE _file_id = ?",
                    [outcome.file_id]) == [(0,)]
        return
    assert outcome.status == "loaded", (label, outcome.error)
    loaded = {r[0]: r for r in rows(con, f"SELECT _row, * FROM raw.{case.extract} WHERE _file_id = ?",
                                    [outcome.file_id])}
    names = ["_row"] + [d[0] for d in con.description][1:]
    assert sorted(loaded) == sorted(r["_row"] for r in case.rows), (label, sorted(loaded))
    for expected in case.rows:
        got = dict(zip(names, loaded[expected["_row"]]))
        for column, value in expected.items():
            want = pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
            assert got[column] == want, (label, expected["_row"], column, got[column])
    found = rows(con, "SELECT row_number, column_name, reason, value FROM meta.quarantine WHERE file_id = ?",
                 [outcome.file_id])
    assert {q[0] for q in found} == {q[0] for q in case.quarantine}, (label, found)
    for row, column, piece, *value in case.quarantine:
        hits = [(reason, v) for r, c, reason, v in found if (r, c) == (row, column) and piece in reason]
        assert hits, (label, row, column, piece, found)
        assert not value or hits[0][1] == value[0], (label, row, column, hits)  # the cell as delivered
    notes = rows(con, "SELECT coalesce(notes, '') FROM meta.files WHERE file_id = ?", [outcome.file_id])[0][0]
    for piece in case.notes:
        assert piece in notes, (label, notes)


@of_kind(1)
def test_kind1_excel_number_formats(landing, ingest, warehouse, case):
    """0.853 shown as 85.3% is 85.3 under a percent column; a date shown as year and month is
    that month; a percentage under a column of money is quarantined."""
    assert_outcome(warehouse, case, deliver_and_load(landing, ingest, case))


@of_kind(2)
def test_kind2_numbers_where_the_office_typed_text(landing, ingest, warehouse, case):
    """2014.1 is an ambiguous month (never January); 2014.10 shown with two decimals is October;
    a credit code stored as a number or with a wrong GB 32100 check character is quarantined."""
    assert_outcome(warehouse, case, deliver_and_load(landing, ingest, case))


@of_kind(3)
def test_kind3_formulas_and_error_cells(landing, ingest, warehouse, case):
    """A formula without a saved value and #DIV/0!, #N/A, #VALUE!, #REF! are quarantined with
    that reason, sheet and cell; a formula Excel calculated loads its saved value."""
    assert_outcome(warehouse, case, deliver_and_load(landing, ingest, case))


@of_kind(4)
def test_kind4_which_sheet(landing, ingest, warehouse, case):
    """The first visible sheet with a header; hidden sheets never; notes and rejections name
    the sheets."""
    assert_outcome(warehouse, case, deliver_and_load(landing, ingest, case))


@of_kind(5)
def test_kind5_headers_units_and_regions(landing, ingest, warehouse, case):
    """Merged two-row headers, unit lines and unit rows applied (or the file rejected naming
    them), short units from the one unit table, renamed regions and short names."""
    assert_outcome(warehouse, case, deliver_and_load(landing, ingest, case))


@pytest.mark.slow  # every file of the corpus loaded again (12 s); each is also a case above
def test_no_value_in_raw_differs_from_the_corpus(landing, ingest, warehouse):
    """The whole corpus delivered at once, as a night would bring it: every file's outcome and
    every value in raw is the expected one."""
    for case in CASES:
        landing.deliver(case.extract, case.name, case.path.read_bytes())
    outcomes = {}
    for extract in sorted({c.extract for c in CASES}):
        outcomes.update({f.path: f for f in ingest(extract).files})
    assert len(outcomes) == len(CASES)
    for case in CASES:
        assert_outcome(warehouse, case, outcomes[f"{case.extract}/{case.name}"])
    assert rows(warehouse, "SELECT count(*) FROM meta.files WHERE status = 'duplicate'") == [(0,)]


def test_the_corpus_files_are_what_the_script_writes():
    for case in CASES:
        assert case.path.read_bytes() == case.content, f"regenerate: python -m tests.fixtures.deliveries.corpus ({case.path})"
    on_disk = {p.relative_to(FILES) for p in FILES.rglob("*") if p.is_file()}
    assert on_disk == {c.path.relative_to(FILES) for c in CASES}


# ------------------------------------------------------------------------------------ details

def test_the_sheet_the_contract_names_is_read(tmp_path):
    data = [["年份", "地区", "化学需氧量", "氨氮", "二氧化硫", "氮氧化物"], [2014, "沈阳市", 1, 2, 3, 4]]
    path = tmp_path / "f.xlsx"
    path.write_bytes(workbook(Sheet("汇总", data), Sheet("数据", data + [[2014, "大连市", 1, 2, 3, 4]])))
    contract = dataclasses.replace(contracts()["env_pollutant_totals"], sheet="数据")
    grid = read_grid(path, contract)
    assert grid.sheet == "数据" and grid.rows.num_rows == 2
    with pytest.raises(FileRejected, match="no sheet named '明细'.*sheets found: '汇总'; '数据'"):
        read_grid(path, dataclasses.replace(contract, sheet="明细"))


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    path = tmp_path / "f.xlsx"
    path.write_bytes(workbook(Sheet("Sheet1", [["年份", "地区"]])))
    monkeypatch.setattr(xlsx, "MAX_PART_BYTES", 400)
    with pytest.raises(FileRejected, match="refused as a possible zip bomb"):
        read_grid(path, contracts()["env_pollutant_totals"])
    monkeypatch.setattr(xlsx, "MAX_PART_BYTES", 512 << 20)
    monkeypatch.setattr(xlsx, "MAX_RATIO", 100)  # 4 MiB of blanks deflate about 1000-fold
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (4 << 20))
    path.write_bytes(buf.getvalue())
    with pytest.raises(FileRejected, match="compressed .*×: refused as a possible zip bomb"):
        read_grid(path, contracts()["env_pollutant_totals"])


@pytest.mark.parametrize("fmt, percent, date, parts", [
    ("General", False, False, None), ("0.0%", True, False, None), ('0.00"%"', False, False, None),
    ("yyyy-mm-dd", False, True, "ymd"), ("yyyy-mm", False, True, "ym"), ('yyyy"年"', False, True, "y"),
    ("[$-804]yyyy\"年\"m\"月\"", False, True, "ym"), ("h:mm:ss", False, True, "ymdhms"),
    ("#,##0.00", False, False, None), ("0.00E+00", False, False, None), ("[Red]0.0", False, False, None),
])
def test_number_formats(fmt, percent, date, parts):
    assert xlsx.is_percent(fmt) is percent
    assert xlsx.is_date(fmt) is date
    if parts:
        assert xlsx.date_parts(fmt) == parts


def test_one_unit_table_for_every_contract(tmp_path):
    """A contract names only its canonical unit, which the unit table knows; a contract that
    spells its own units is refused."""
    from sources.contract import load_contract

    for contract in contracts().values():
        for col in contract.columns:
            if col.unit:
                assert units.lookup(col.unit), (contract.extract, col.name, col.unit)
    path = tmp_path / "x.yaml"
    path.write_text("extract: x\nname_zh: x\nname_en: x\noffice: env\ngrain: x\nkey: [a]\ncolumns:\n"
                    "  - {name: a, headers: [甲], type: number, unit: 吨, units: {吨: 1, 万吨: 10000}}\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="'units' is gone"):
        load_contract(path)


@pytest.mark.parametrize("unit, canonical, factor", [
    ("万吨标煤", "万吨标准煤", 1), ("万kWh", "亿千瓦时", 1e-4), ("亿m³", "亿立方米", 1), ("万t", "吨", 1e4),
    ("MW", "万千瓦", 0.1), ("万 KWH", "亿千瓦时", 1e-4), ("吨", "万吨标准煤", None), ("斤", "万吨", None),
])
def test_unit_table(unit, canonical, factor):
    assert units.scale(unit, canonical) == (pytest.approx(factor) if factor else None)


@pytest.mark.parametrize("code, valid", [
    ("91350100M000100Y43", True), ("911100001000044477", True), ("91110108551385082Q", True),
    ("91350100M000100Y44", False), ("913100007109355497", False)])
def test_gb32100_check_character(code, valid):
    import duckdb

    from sources.read import define_macros
    con = duckdb.connect()
    define_macros(con)
    assert (con.execute("SELECT pt_gb32100_check(?)", [code]).fetchone()[0] == code[-1]) is valid


def _rewrite_sheet(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, change(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


@pytest.mark.parametrize("variant", ["as written", "attributes reordered", "no cell references"])
def test_every_way_of_writing_a_sheet_reads_the_same(tmp_path, variant):
    """The fast scan (Excel's own way of writing cells), the general scan (any attribute order)
    and the XML parser (cells without references) find the same cells."""
    import re

    data = workbook(Sheet("Sheet1", [["年份", "地区", "化学需氧量"], [2014, "沈阳市", 0.5], [2014, "A&B", "=C2*2"],
                                     [2015, True, "#N/A"]], formats={"C2": "0.0%"}, merges=["D1:E1"]))
    change = {"as written": lambda b: b,
              "attributes reordered": lambda b: re.sub(rb'<c r="([A-Z]+\d+)"((?: [st]="[^"]*")*)', rb'<c\2 r="\1"', b),
              "no cell references": lambda b: re.sub(rb'<c r="[A-Z]+\d+"', b"<c", b)}[variant]
    path = tmp_path / "f.xlsx"
    path.write_bytes(_rewrite_sheet(data, change))
    book = xlsx.Workbook(path)
    cells = book.read(book.sheets[0])
    assert cells.rows[2][2] == xlsx.XCell("n", 0.5, "0.0%")
    assert cells.rows[3][1] == xlsx.XCell("s", "A&B")
    assert cells.rows[3][2] == xlsx.XCell("f", None, "General", "C2*2")
    assert cells.rows[4][1] == xlsx.XCell("b", True) and cells.rows[4][2] == xlsx.XCell("e", "#N/A")
    assert cells.merges == [(1, 3, 1, 4)]
