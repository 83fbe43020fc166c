"""Issue 12, kinds 6–9: the delivery corpus of tests/fixtures/deliveries/ (text, periods, first_night; expected.yaml): every file becomes exactly what
expected.yaml says — the values the office meant, or a quarantine / rejection with the reason —
and nothing else: no row loads that the corpus does not expect, no value in raw differs from its
expected value, and no NaN or infinity reaches raw."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import yaml

from sources.contract import contracts
from tests.conftest import rows
from tests.fixtures.deliveries.make_deliveries import HERE, write_large

CORPUS = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))


def deliver(landing, rel: str, source: Path = HERE) -> str:
    kind, extract, name = rel.split("/")
    landing.deliver(extract, name, (source / rel).read_bytes())
    return extract


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)
    return str(a) == str(b) if a is not None and b is not None else a is b


@pytest.mark.parametrize("case", CORPUS, ids=[c["file"] for c in CORPUS])
def test_every_delivery_becomes_what_the_office_meant(landing, ingest, warehouse, case):
    extract = deliver(landing, case["file"])
    out = ingest(extract).files[0]
    assert out.status == case["status"], out.error
    (encoding, notes, error), = rows(warehouse, "SELECT encoding, notes, error FROM meta.files")
    if case["status"] == "rejected":
        assert case["error"] in error and error.startswith(f"{extract}/")
        assert rows(warehouse, f"SELECT count(*) FROM raw.{extract}") == [(0,)]
        return
    if "encoding" in case:
        assert encoding == case["encoding"]
    if "notes" in case:
        assert case["notes"] in (notes or "")
    expected = {r["_row"]: r for r in case.get("rows", [])}
    columns = [c.name for c in contracts()[extract].columns]
    cursor = warehouse.execute(f"SELECT _row, {', '.join(columns)} FROM raw.{extract} ORDER BY _row")
    got = {r[0]: dict(zip(["_row", *columns], r)) for r in cursor.fetchall()}
    assert sorted(got) == sorted(expected), "rows in raw"
    for row, want in expected.items():
        for column, value in want.items():
            assert same(got[row][column], value), (row, column, got[row][column], value)
    quarantined = rows(warehouse, "SELECT row_number, column_name, value, reason FROM meta.quarantine "
                                  "ORDER BY row_number, column_name")
    assert sorted(quarantined) == sorted((q["row"], q["column"], str(q["value"]), q["reason"])
                                         for q in case.get("quarantine", []))
    # the accounting holds: every row read is loaded or quarantined
    assert out.rows_read == out.rows_loaded + out.rows_quarantined


def test_no_nan_or_infinity_reaches_raw_from_the_whole_corpus(landing, ingest, warehouse):
    for case in CORPUS:
        deliver(landing, case["file"])
    for extract in {c["file"].split("/")[1] for c in CORPUS}:
        ingest(extract)
    for extract, contract in contracts().items():
        for col in contract.columns:
            if col.sql_type == "DOUBLE":
                assert rows(warehouse, f"SELECT count(*) FROM raw.{extract} "
                                       f"WHERE isnan({col.name}) OR isinf({col.name})") == [(0,)], (extract, col.name)


def test_committed_fixtures_are_what_the_generator_writes(tmp_path):
    from tests.fixtures.deliveries.make_deliveries import write_small

    for path in write_small(tmp_path):
        rel = path.relative_to(tmp_path)
        assert (HERE / rel).read_bytes() == path.read_bytes(), rel


def test_a_gbk_feed_whose_first_64_kib_are_ascii_loads_its_chinese_rows(landing, ingest, warehouse, tmp_path):
    """The bulk reader decides the encoding on the whole file: GB18030, not UTF-8 from its
    head (which today loads 烟尘 and 氨氮 as ????)."""
    feed = write_large(tmp_path)
    assert feed.stat().st_size > 65536 and feed.read_bytes()[:65536].isascii()
    extract = deliver(landing, str(feed.relative_to(tmp_path)), source=tmp_path)
    out = ingest(extract).files[0]
    assert (out.status, out.rows_quarantined) == ("loaded", 0), out.error
    assert rows(warehouse, "SELECT encoding FROM meta.files") == [("gb18030",)]
    assert rows(warehouse, "SELECT factor, count(*) FROM raw.env_monitoring_hourly WHERE outlet_id = 'MO9999' "
                           "GROUP BY 1 ORDER BY 1") == [("氨氮", 24), ("烟尘", 24)]
    # line numbers still count from the file's first line
    last = feed.read_text(encoding="gbk").count("\n")
    assert rows(warehouse, "SELECT max(_row) FROM raw.env_monitoring_hourly") == [(last,)]


def test_a_nul_byte_far_into_the_feed_rejects_it_naming_the_row(landing, ingest, warehouse):
    lines = ["outlet_id,measured_at,factor,value,flag"] + [
        f"MO0001,2015-03-01 {h % 24:02d}:00:00,SO2,{h},N" for h in range(5000)]
    lines[4000] = lines[4000].replace(",N", ",N\x00")
    landing.deliver("env_monitoring_hourly", "h.csv", "\n".join(lines) + "\n")
    out = ingest("env_monitoring_hourly").files[0]
    assert out.status == "rejected" and out.error == "not a table: binary content (NUL bytes at row 4001)"
