"""A copy of a loaded delivery, or the same file touched, is recorded without rebuilding what
depends on its extract (core.planning): it loads no row, so the models and marts would come
out the same."""

import os
import shutil

from orchestration.core.layout import Layout
from orchestration.core.planning import plan_run, project_fingerprint, write_record
from sources.landing import scan
from sources.contract import contracts

EXTRACT = "env_pollutant_totals"


def _layout(tmp_path):
    layout = Layout(landing=tmp_path / "landing", published=tmp_path / "w.duckdb", exports=tmp_path / "exports")
    (layout.landing / EXTRACT).mkdir(parents=True)
    layout.published.touch()
    return layout


def _record(layout, status="loaded", withdrawn=False):
    """The published record of what the landing folder holds now, with its hashes."""
    entries = scan(layout.landing, contracts())[0]
    files = [[e.extract, e.rel, e.size, e.received_ms, e.fingerprint(), status, i]
             for i, e in enumerate(entries, 1)]
    write_record(layout, {"fingerprint": project_fingerprint(""), "files": files,
                          "withdrawals": [[1, EXTRACT]] if withdrawn else []})


def test_a_copy_under_another_name_is_recorded_without_a_rebuild(tmp_path):
    layout = _layout(tmp_path)
    delivered = layout.landing / EXTRACT / "2014.csv"
    delivered.write_text("年份,地区\n2014,沈阳市\n", encoding="utf-8")
    _record(layout)
    shutil.copy(delivered, layout.landing / EXTRACT / "2014 (copy).csv")
    plan = plan_run(layout)
    assert plan.changed == [] and plan.recorded_only == [EXTRACT]
    assert "1 file(s) with the bytes of a delivery already loaded" in plan.reason
    assert "2014 (copy).csv" in plan.reason


def test_a_touched_file_is_recorded_without_a_rebuild(tmp_path):
    layout = _layout(tmp_path)
    delivered = layout.landing / EXTRACT / "2014.csv"
    delivered.write_text("年份,地区\n2014,沈阳市\n", encoding="utf-8")
    _record(layout)
    os.utime(delivered, (1e9, 1e9))
    assert plan_run(layout).recorded_only == [EXTRACT]


def test_new_bytes_of_the_same_size_rebuild(tmp_path):
    layout = _layout(tmp_path)
    (layout.landing / EXTRACT / "2014.csv").write_text("年份,地区\n2014,沈阳市\n", encoding="utf-8")
    _record(layout)
    (layout.landing / EXTRACT / "2015.csv").write_text("年份,地区\n2015,沈阳市\n", encoding="utf-8")  # same size
    plan = plan_run(layout)
    assert plan.changed == [EXTRACT] and plan.recorded_only == []


def test_bytes_that_were_rejected_or_withdrawn_are_not_a_copy(tmp_path):
    """Only a loaded delivery makes a copy a duplicate (the loader's rule): bytes rejected once
    must load when they come again, and a withdrawn delivery sent again is meant now."""
    for kind in ("rejected", "withdrawn"):
        layout = _layout(tmp_path / kind)
        delivered = layout.landing / EXTRACT / "2014.csv"
        delivered.write_text("年份,地区\n2014,沈阳市\n", encoding="utf-8")
        _record(layout, status="rejected" if kind == "rejected" else "loaded", withdrawn=kind == "withdrawn")
        shutil.copy(delivered, layout.landing / EXTRACT / "again.csv")
        plan = plan_run(layout)
        assert EXTRACT in plan.changed and plan.recorded_only == [], kind


def test_a_record_without_hashes_rebuilds_as_before(tmp_path):
    layout = _layout(tmp_path)
    delivered = layout.landing / EXTRACT / "2014.csv"
    delivered.write_text("年份,地区\n2014,沈阳市\n", encoding="utf-8")
    e = scan(layout.landing, contracts())[0][0]
    write_record(layout, {"fingerprint": project_fingerprint(""), "files": [[e.extract, e.rel, e.size, e.received_ms]],
                          "withdrawals": []})
    shutil.copy(delivered, layout.landing / EXTRACT / "copy.csv")
    assert plan_run(layout).changed == [EXTRACT]


def test_a_recorded_copy_touched_again_is_not_recorded_twice(landing, ingest, warehouse):
    """A copy the loader recorded as a duplicate, touched on a later night (a sync tool, `touch`
    on the folder), is the same file re-dated — not a second duplicate (user test: every touch
    added a row to meta.files and a duplicate to the night's summary)."""
    from tests.conftest import rows

    text = "年份,地区,化学需氧量排放量(万吨),氨氮排放量(万吨),二氧化硫排放量(万吨),氮氧化物排放量(万吨)\n2014,沈阳市,1,1,1,1\n"
    landing.deliver(EXTRACT, "2014.csv", text)
    copy = landing.deliver(EXTRACT, "2014 again.csv", text)
    ingest(EXTRACT)
    assert rows(warehouse, "SELECT path, status FROM meta.files ORDER BY file_id") == [
        (f"{EXTRACT}/2014.csv", "loaded"), (f"{EXTRACT}/2014 again.csv", "duplicate")]
    os.utime(copy, (2e9, 2e9))
    ingest(EXTRACT)
    assert rows(warehouse, "SELECT path, status, epoch(received_at) FROM meta.files ORDER BY file_id")[1:] == [
        (f"{EXTRACT}/2014 again.csv", "duplicate", 2e9)]
