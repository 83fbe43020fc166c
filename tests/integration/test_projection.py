"""The projection to the deadline (marts.target_projection, docs/METHODS.md "Projection to the
deadline") on the sample build. The sample runs to 2015-12-31, when every target is past its
deadline and none is open, so the marts are rebuilt as of 2015-06-30 on copies of the sample
warehouse: once with the projection, once without it (target_projection and what reads it left
out). A projection never changes a status; its figures are recomputed here from target_progress
by hand-written formulas, independently of the SQL. The maths on hand-made series is in the dbt
unit tests of models/marts/target_projection.yml."""

import datetime
import json
import os
import re
import shutil
import subprocess

import duckdb
import pytest

from orchestration.cli import main
from orchestration.core.explain import explain_one, render_text
from orchestration.core.layout import DBT_DIR, DBT_EXECUTABLE

AS_OF = "2015-06-30"


def rebuild(source, path, *exclude):
    """A writable copy of the published warehouse with the models from int_quarter_ends on rebuilt
    as of AS_OF (those are what --as-of changes)."""
    shutil.copy(source / "warehouse.duckdb", path)
    os.chmod(path, 0o644)
    done = subprocess.run(
        [str(DBT_EXECUTABLE), "run", "--select", "int_quarter_ends+", *(("--exclude", *exclude) if exclude else ()),
         "--vars", json.dumps({"as_of": AS_OF}), "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--target-path", str(path.parent / f"target-{path.stem}")],
        env={**os.environ, "PLANTRACK_WAREHOUSE": str(path)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
    return path


@pytest.fixture(scope="module")
def midway(clean_run, tmp_path_factory):
    """(with the projection, without it): two warehouses rebuilt as of 2015-06-30."""
    source, code, _ = clean_run
    assert code == 0
    tmp = tmp_path_factory.mktemp("projection")
    return (rebuild(source, tmp / "with.duckdb"),
            rebuild(source, tmp / "without.duckdb", "target_projection+"))


def rows(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_the_projection_changes_no_status(midway):
    with_projection, without = midway
    progress = "SELECT * FROM marts.target_progress ORDER BY target_id, region_code, as_of"
    assert rows(with_projection, progress) == rows(without, progress)
    assert rows(with_projection, "SELECT max(as_of) FROM marts.target_progress") == [(datetime.date(2015, 6, 30),)]
    # the marts that show the projection keep target_progress's status and warning level
    for mart in ("target_projection", "early_warning", "bulletin_warnings"):
        differ = rows(with_projection, f"""SELECT count(*) FROM marts.{mart} AS m
            JOIN marts.target_progress AS p USING (target_id, region_code, as_of)
            WHERE m.status IS DISTINCT FROM p.status""")
        assert differ == [(0,)], mart
    # every open target is projected, and only those
    open_rows = rows(with_projection, """SELECT count(*) FROM marts.target_progress
        JOIN reference.targets USING (target_id)
        WHERE as_of = DATE '2015-06-30' AND status IN ('on_track', 'behind', 'off_track') AND as_of < deadline""")
    assert rows(with_projection, "SELECT count(*) FROM marts.target_projection") == open_rows
    assert open_rows[0][0] > 50


def progress_at(path, target, region, as_of):
    return rows(path, """SELECT actual_value, target_value, data_period_end FROM marts.target_progress
        WHERE target_id = ? AND region_code = ? AND as_of = ?""", [target, region, as_of])[0]


def projection(path, target, region):
    return rows(path, """SELECT projected_value, projected_low, projected_high, projected_meets_target,
        required_pace_per_quarter, required_pace_per_year, projected_status_label
        FROM marts.target_projection WHERE target_id = ? AND region_code = ?""", [target, region])[0]


def test_an_amount_projects_linearly(midway):
    """Clinker lines fitted with denitration (a register, 2014-01-01 to 2015-12-31, 24 months): the
    amount of 2015-06-30 (18 months) at the whole period's pace, a × 24 / 18, and at the pace of
    the last four quarters, a + (a − a(2014-06-30)) × 6 / 12; what misses needs (target − a) over
    the 6 months left: half of it a quarter, all of it in the remaining year. The whole period's
    pace misses the target and the last four quarters' reaches it: the label says both."""
    path, _ = midway
    actual, target, figure_date = progress_at(path, "clinker_denitration", "210000", "2015-06-30")
    year_before, _, _ = progress_at(path, "clinker_denitration", "210000", "2014-06-30")
    assert str(figure_date) == "2015-06-30"
    whole, recent = actual * 24 / 18, actual + (actual - year_before) * 6 / 12
    value, low, high, meets, per_quarter, per_year, label = projection(path, "clinker_denitration", "210000")
    assert value == pytest.approx(whole, abs=1e-6)
    assert (low, high) == (pytest.approx(min(whole, recent), abs=1e-6), pytest.approx(max(whole, recent), abs=1e-6))
    assert meets is (whole >= target)
    assert whole < target <= recent and not meets
    assert label == ("按全期进度无法达标，按近四季度进度可达标 projection: misses at the whole period's pace, "
                     "meets at the last four quarters' pace")
    assert per_quarter == pytest.approx((target - actual) / 2, abs=1e-6)
    assert per_year == pytest.approx(target - actual, abs=1e-6)


def test_a_cut_compounds(midway):
    """NOx (a cut from 2013, start 2014-01-01, deadline 2015-12-31) with its 2014 figure c: one
    year of two, 1 − (1 − c)² (not 2c); 8 % is out of reach at that pace, and the one year left
    needs 1 − 0.92 / (1 − c), a quarter of it compounding: 1 − (0.92 / (1 − c))^(1/4)."""
    path, _ = midway
    actual, target, figure_date = progress_at(path, "nox_cut", "210000", "2015-06-30")
    assert str(figure_date) == "2014-12-31"
    remaining = 1 - actual / 100
    value, low, high, meets, per_quarter, per_year, _ = projection(path, "nox_cut", "210000")
    assert value == low == high == pytest.approx(100 * (1 - remaining ** 2), abs=1e-6)
    assert value < target and meets is False
    assert per_year == pytest.approx(100 * (1 - (1 - target / 100) / remaining), abs=1e-6)
    assert per_quarter == pytest.approx(100 * (1 - ((1 - target / 100) / remaining) ** 0.25), abs=1e-6)


def test_past_the_deadline_nothing_is_projected(clean_run):
    """As of 2015-12-31 (the sample build) every target is past its deadline: no projection."""
    source, _, con = clean_run
    assert con.execute("SELECT count(*) FROM marts.target_projection").fetchall() == [(0,)]
    assert con.execute("""SELECT count(*) FROM marts.early_warning
        WHERE projected_value IS NOT NULL OR projected_status_label IS NOT NULL""").fetchall() == [(0,)]


def test_the_bulletins_warnings_show_the_projection(midway, clean_run, tmp_path):
    path, _ = midway
    source, _, _ = clean_run
    out = tmp_path / "bulletin.html"
    assert main(["report", "--warehouse", str(path), "--exports", str(source / "exports"), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    warnings = html[html.index('<section id="warnings">'):]
    warnings = warnings[:warnings.index("</section>")]
    projected = rows(path, """SELECT count(*) FROM marts.bulletin_warnings
        WHERE as_of = DATE '2015-06-30' AND projected_status_label IS NOT NULL""")[0][0]
    assert projected > 10
    labels = re.findall(r'<td class="projection">[^<]*<span class="note">(?:按当前进度预计|按全期进度)', warnings)
    assert len(labels) == projected
    # a green target warned by its projection is marked as one, as many times as there are such rows
    by_projection = rows(path, """SELECT count(*) FROM marts.bulletin_warnings
        WHERE as_of = DATE '2015-06-30' AND warned_by = 'projection'""")[0][0]
    assert by_projection > 0
    assert warnings.count('class="warned-by-projection"') == by_projection
    # NOx: its projected cut, the label and the pace it needs, in the warnings table
    value, *_ = projection(path, "nox_cut", "210000")
    row = next(r for r in warnings.split("<tr>") if "<code>nox_cut</code>" in r and "辽宁省" in r)
    assert f"预测 {value:,.2f}" in row and "此后每季度/每年需降低" in row


def test_a_green_target_that_misses_at_this_pace_is_warned(midway):
    """Water pollutant intensity of key industries, the province, as of 2015-06-30: on track and
    green, but its cut c by 2014 (since 2010: 48 of the 60 months from 2011-01-01 to 2015-12-31)
    compounds to 1 − (1 − c)^(60/48) below the 30 % target (24.5 % → 29.62 %). early_warning warns it by its projection, keeps its status and level, and the
    explanation has a projection step with the same landing."""
    path, _ = midway
    status, level = rows(path, """SELECT status, warning_level FROM marts.target_progress
        WHERE target_id = 'water_pollutant_intensity_cut' AND region_code = '210000' AND as_of = DATE '2015-06-30'""")[0]
    assert (status, level) == ("on_track", "green")
    actual, target, _ = progress_at(path, "water_pollutant_intensity_cut", "210000", "2015-06-30")
    landing = 100 * (1 - (1 - actual / 100) ** (60 / 48))
    assert landing < target
    warned = rows(path, """SELECT status, warning_level, warned_by, warned_by_label, projected_value
        FROM marts.early_warning WHERE target_id = 'water_pollutant_intensity_cut' AND region_code = '210000'""")
    assert len(warned) == 1
    w_status, w_level, warned_by, label, projected = warned[0]
    assert (w_status, w_level, warned_by) == ("on_track", "green", "projection")
    assert label.startswith("按当前进度预计无法达标 projection: misses at this pace")
    assert projected == pytest.approx(landing, abs=1e-6)
    # every open target that misses at this pace is warned; green ones by the projection only
    assert rows(path, """SELECT count(*) FROM marts.target_projection AS p
        LEFT JOIN marts.early_warning AS w USING (target_id, region_code, as_of)
        WHERE NOT p.projected_meets_target AND w.target_id IS NULL""") == [(0,)]
    assert rows(path, """SELECT count(*) FROM marts.early_warning
        WHERE (warned_by = 'projection') <> (warning_level = 'green')""") == [(0,)]
    # the explanation: a projection step, labelled as one, with the landing
    step = rows(path, """SELECT label, value, detail FROM marts.target_lineage
        WHERE target_id = 'water_pollutant_intensity_cut' AND region_code = '210000'
          AND as_of = DATE '2015-06-30' AND step = 'projection'""")
    assert len(step) == 1 and step[0][0].startswith("按当前进度预计无法达标")
    assert step[0][1] == pytest.approx(landing, abs=1e-6) and "需 needed" in step[0][2]
    text = render_text(explain_one(path, "water_pollutant_intensity_cut", "210000", AS_OF))
    assert "预测 projection: 按当前进度预计无法达标" in text
