"""Unattended nightly operation: the schedule, the landing sensor, two builds at once, and an
analyst's read-only session open on the published warehouse during a build."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
from dagster._utils.schedules import cron_string_iterator
import duckdb

from orchestration.definitions import build_definitions
from orchestration.core.layout import PROJECT_ROOT
from orchestration.core.planning import plan_run
from orchestration.nightly import asset_selection
from orchestration.resources import PlantrackSettings
from orchestration.schedules import SETTLE_SECONDS
from tests.integration.conftest import run


def settings_for(tmp: Path) -> PlantrackSettings:
    return PlantrackSettings(landing=str(tmp / "landing"), warehouse=str(tmp / "warehouse.duckdb"),
                             exports=str(tmp / "exports"))


def published_copy(clean_run, tmp: Path) -> PlantrackSettings:
    """The sample's landing folder and published warehouse, copied into tmp."""
    source, _, _ = clean_run
    shutil.copytree(source / "landing", tmp / "landing")
    shutil.copy(source / "warehouse.duckdb", tmp / "warehouse.duckdb")
    return settings_for(tmp)


def test_the_schedule_runs_the_nightly_job_at_two_in_beijing(tmp_path):
    defs = build_definitions(settings_for(tmp_path))
    schedule = defs.get_schedule_def("nightly_0200_beijing")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == \
        ("0 2 * * *", "Asia/Shanghai", "nightly")
    after = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.timezone.utc)  # 11:00 in Beijing
    ticks = cron_string_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    assert next(ticks).isoformat() == "2026-11-25T02:00:00+08:00"
    with dg.build_schedule_context(scheduled_execution_time=after,
                                   resources={"settings": settings_for(tmp_path)}) as context:
        requests = list(schedule.evaluate_tick(context).run_requests)
    assert len(requests) == 1
    assert requests[0].asset_selection is None  # no published warehouse yet: everything


def test_the_landing_sensor_requests_a_run_only_when_files_change(tmp_path):
    settings = settings_for(tmp_path)
    sensor = build_definitions(settings).get_sensor_def("landing_folder")

    def tick(cursor):
        with dg.build_sensor_context(cursor=cursor, resources={"settings": settings}) as context:
            result = sensor.evaluate_tick(context)
            return list(result.run_requests or []), result.cursor

    settled = time.time() - 2 * SETTLE_SECONDS
    folder = tmp_path / "landing" / "env_pollutant_totals"
    folder.mkdir(parents=True)
    first = folder / "2014.csv"
    first.write_text("年份,地区\n")
    os.utime(first, (settled, settled))
    requests, cursor = tick(None)
    assert len(requests) == 1                       # new files → one run request
    assert tick(cursor)[0] == []                    # no change → none
    second = folder / "2015.csv"
    second.write_text("年份,地区\n")                 # still being written (just modified): wait
    assert tick(cursor)[0] == []
    os.utime(second, (settled, settled))            # settled → one more run
    requests, cursor2 = tick(cursor)
    assert len(requests) == 1 and cursor2 != cursor
    assert requests[0].run_key == cursor2


READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    before = con.execute("SELECT count(*) FROM meta.files").fetchall()[0][0]
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    after = con.execute("SELECT count(*) FROM meta.files").fetchall()[0][0]
    print(before, after, flush=True)
""")


def test_two_builds_at_once_while_an_analyst_holds_the_warehouse_open(clean_run, tmp_path):
    source, _, _ = clean_run
    for name in ("landing", "warehouse.duckdb"):
        (shutil.copytree if (source / name).is_dir() else shutil.copy)(source / name, tmp_path / name)
    published = tmp_path / "warehouse.duckdb"
    # the environment office re-sends Shenyang's 2015 figures (same values, a new file)
    con = duckdb.connect(str(published), read_only=True)
    figures = con.execute("""SELECT cod, nh3n, so2, nox FROM raw.env_pollutant_totals
        WHERE region_code = '210100' AND year = 2015 ORDER BY _file_id DESC LIMIT 1""").fetchall()[0]
    con.close()
    (tmp_path / "landing" / "env_pollutant_totals" / "2015_补报.csv").write_text(
        "年份,地区,化学需氧量(吨),氨氮(吨),二氧化硫(吨),氮氧化物(吨)\n2015,沈阳市,"
        + ",".join(repr(v) for v in figures) + "\n", encoding="utf-8")

    # an analyst's session, open on the published file for the whole build
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), "90"],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "open"
    # ... and two builds started at once against the same warehouse
    env = {**os.environ, "PLANTRACK_DAGSTER_STORAGE": str(tmp_path / "dagster")}
    command = [sys.executable, "-m", "orchestration.cli", "run", "--landing", str(tmp_path / "landing"),
               "--warehouse", str(published), "--exports", str(tmp_path / "exports")]
    builds = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [b.communicate(timeout=600)[0] for b in builds]
    assert [b.returncode for b in builds] == [0, 0], outputs
    assert not any("Could not set lock" in o or "Conflicting lock" in o for o in outputs)
    assert any("waiting for it to finish" in o for o in outputs)  # the second one queued
    # the first rebuilds what the new file touches; the second finds nothing new
    assert sorted(line for o in outputs for line in o.splitlines() if line.startswith("plan")) == \
        ["plan 计划: incremental: new files for env_pollutant_totals",
         "plan 计划: no new files: the marts are current; their publication only"], outputs

    con = duckdb.connect(str(published), read_only=True)
    try:  # the new delivery is in the published warehouse; it was loaded once
        assert con.execute("SELECT count(*) FROM meta.files WHERE path LIKE '%2015_补报.csv'").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM meta.runs").fetchall()[0][0] >= 1
    finally:
        con.close()
    # the analyst's session was never interrupted and still reads the version it opened
    before, after = reader.communicate(timeout=120)[0].split()
    assert reader.returncode == 0 and before == after


def test_a_night_rebuilds_only_what_the_new_files_touch(clean_run, tmp_path):
    settings = published_copy(clean_run, tmp_path)
    defs = build_definitions(settings)

    nothing_new = plan_run(settings.layout)
    assert nothing_new.changed == [] and not nothing_new.marts_current  # no working file to vouch for them
    keys = set(asset_selection(nothing_new, defs))
    assert {dg.AssetKey(["marts", "target_progress"]), dg.AssetKey(["exports", "parquet"]),
            dg.AssetKey(["warehouse", "published"])} <= keys          # the marts are rebuilt
    assert {k for k in keys if k.path[0] in ("raw", "staging", "intermediate")} == \
        {dg.AssetKey(["intermediate", "int_target_measurements"])}  # the marts' own first step
    # the working file of the published build, no check failing: the marts are current, and
    # only their publication, exports and bulletin run
    shutil.copy(clean_run[0] / "warehouse.build.duckdb", settings.layout.working)
    quiet = plan_run(settings.layout)
    assert quiet.changed == [] and quiet.marts_current
    keys = set(asset_selection(quiet, defs))
    assert {dg.AssetKey(["exports", "parquet"]), dg.AssetKey(["warehouse", "published"]),
            dg.AssetKey(["reports", "bulletin"])} <= keys
    assert not {k for k in keys if k.path[0] in ("raw", "staging", "intermediate", "marts")}
    # a blocking check failing on it: the marts' gate runs again, to say so
    with duckdb.connect(str(settings.layout.working)) as con:
        con.execute("""INSERT INTO dq.check_results BY NAME SELECT * REPLACE (
                           'error' AS severity, false AS success, now() AS checked_at, 'test-run' AS run_id)
                       FROM dq.check_results WHERE suite = 'reconciliation_city_sums' LIMIT 1""")
    assert not plan_run(settings.layout).marts_current
    settings.layout.working.unlink()

    (tmp_path / "landing" / "env_pollutant_totals" / "2015_补报.csv").write_text("年份,地区\n", encoding="utf-8")
    one_new = plan_run(settings.layout)
    assert one_new.changed == ["env_pollutant_totals"]
    keys = set(asset_selection(one_new, defs))
    assert {dg.AssetKey(["raw", "env_pollutant_totals"]), dg.AssetKey(["staging", "stg_env_pollutant_totals"]),
            dg.AssetKey(["intermediate", "int_pollutant_emissions"]),
            dg.AssetKey(["marts", "target_progress"])} <= keys
    assert dg.AssetKey(["raw", "stats_city_indicators"]) not in keys
    assert dg.AssetKey(["staging", "stg_stats_city_indicators"]) not in keys

    # another as-of date than the published build's: everything
    assert plan_run(settings.layout, as_of="2015-06-30").changed is None
    # no published warehouse: everything
    assert plan_run(settings_for(tmp_path / "elsewhere").layout).changed is None


def test_the_sensor_requests_only_what_new_files_touch_once_a_build_is_published(clean_run, tmp_path):
    settings = published_copy(clean_run, tmp_path)
    defs = build_definitions(settings)
    sensor = defs.get_sensor_def("landing_folder")
    settled = time.time() - 2 * SETTLE_SECONDS
    new = tmp_path / "landing" / "transport_freight" / "2015_revised.csv"
    new.write_text("年份,地区\n", encoding="utf-8")
    os.utime(new, (settled, settled))
    with dg.build_sensor_context(cursor="before", resources={"settings": settings},
                                 repository_def=defs.get_repository_def()) as context:
        (request,) = sensor.evaluate_tick(context).run_requests
    keys = set(request.asset_selection)
    assert dg.AssetKey(["raw", "transport_freight"]) in keys
    assert dg.AssetKey(["raw", "env_pollutant_totals"]) not in keys
    assert dg.AssetKey(["reports", "bulletin"]) in keys
    assert request.tags["plantrack/plan"] == "incremental: new files for transport_freight"


def test_an_unfinished_build_makes_the_next_run_a_full_one(clean_run, tmp_path):
    settings = published_copy(clean_run, tmp_path)
    assert plan_run(settings.layout).changed == []
    # dbt_models marks the working file as being rebuilt, and a failure leaves the mark
    settings.layout.state.write_text(json.dumps({"dbt_project": None}), encoding="utf-8")
    assert plan_run(settings.layout).changed is None


def test_an_incremental_night_publishes_the_same_marts_as_a_full_build(clean_run, tmp_path):
    """A revised delivery loaded incrementally on top of the published build, against a build
    from empty of the same files: every mart is the same, row for row."""
    source, _, _ = clean_run
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    shutil.copytree(source / "landing", nightly / "landing")
    shutil.copy(source / "warehouse.duckdb", nightly / "warehouse.duckdb")
    with duckdb.connect(str(source / "warehouse.duckdb"), read_only=True) as con:
        cod, nh3n, so2, nox = con.execute("""SELECT cod, nh3n, so2, nox FROM raw.env_pollutant_totals
            WHERE region_code = '210100' AND year = 2015 ORDER BY _file_id DESC LIMIT 1""").fetchall()[0]
    so2 = round(so2 * 0.995, 1)  # the environment office revises Shenyang's 2015 SO2 down by 0.5 %
    revised = nightly / "landing" / "env_pollutant_totals" / "2015_修订.csv"
    revised.write_text("年份,地区,化学需氧量(吨),氨氮(吨),二氧化硫(吨),氮氧化物(吨)\n"
                       f"2015,沈阳市,{cod},{nh3n},{so2},{nox}\n", encoding="utf-8")
    assert run(nightly)[0] == 0
    shutil.copytree(nightly / "landing", full / "landing")  # the same files, same times
    assert run(full)[0] == 0
    with duckdb.connect(str(nightly / "warehouse.duckdb"), read_only=True) as a, \
            duckdb.connect(str(full / "warehouse.duckdb"), read_only=True) as b:
        assert a.execute("SELECT count(*) FROM meta.files WHERE path LIKE '%2015_修订.csv'").fetchall() == [(1,)]
        for mart in ("target_progress", "city_scorecard", "city_bulletin", "early_warning", "indicator_values"):
            # the checks' history differs, by design; sums of doubles may differ in the last bit
            columns = ", ".join(f"round({c}, 9)" if t == "DOUBLE" else c
                                for c, t, *_ in a.execute(f"DESCRIBE marts.{mart}").fetchall()
                                if c != "data_quality")
            query = f"SELECT {columns} FROM marts.{mart} ORDER BY ALL"
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), mart
        # the revision counts
        assert a.execute("""SELECT value FROM marts.indicator_values WHERE region_code = '210100'
            AND indicator = 'so2_emissions' AND period = '2015'""").fetchall() == [(so2,)]


def test_a_few_assets_materialised_from_the_ui_are_summed_up_and_a_nightly_run_publishes_them(
        clean_run, tmp_path):
    """The asset graph's Materialize runs the picked assets in Dagster's asset job: they alone
    publish nothing, so the summary sensor says so and requests a planned nightly run."""
    settings = published_copy(clean_run, tmp_path)
    shutil.copy(settings_for(clean_run[0]).layout.record, settings.layout.record)  # what it was built from
    defs = build_definitions(settings)
    repo = defs.get_repository_def()
    new = tmp_path / "landing" / "transport_freight" / "2015_revised.csv"
    new.write_text("年份,地区\n", encoding="utf-8")  # a new file (rejected: no measure)
    with dg.DagsterInstance.get() as instance:
        job = defs.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey(["raw", "transport_freight"])],
                                        raise_on_error=False)
        assert result.success
        run = instance.get_run_by_id(result.run_id)
        sensor = defs.get_sensor_def("run_summary")
        success = next(r.dagster_event for r in instance.all_logs(result.run_id)
                       if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS)
        with dg.build_run_status_sensor_context(sensor_name="run_summary", dagster_event=success,
                                                dagster_instance=instance, dagster_run=run,
                                                resources={"settings": settings}, repository_def=repo) as context:
            request = sensor(context)
        tags = instance.get_run_by_id(result.run_id).tags
        assert "partial run" in tags["plantrack/summary"] and "nothing was published" in tags["plantrack/summary"]
        assert tags["plantrack/exit_code"] == "1"  # the file was rejected: its check failed in the run
        checks = [r.dagster_event.event_specific_data for r in instance.all_logs(
            result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
        assert [(c.check_name, c.passed) for c in checks if c.check_name == "rejected_files"] == [("rejected_files", False)]
    assert isinstance(request, dg.RunRequest)
    assert request.tags["plantrack/trigger"] == "after_partial_run" and request.run_key == f"after-{result.run_id}"
    # the planned run: what the picked asset changed, through to the publication
    keys = set(request.asset_selection)
    assert {dg.AssetKey(["raw", "transport_freight"]), dg.AssetKey(["warehouse", "published"]),
            dg.AssetKey(["reports", "bulletin"])} <= keys
    assert dg.AssetKey(["raw", "env_pollutant_totals"]) not in keys


def test_a_failing_test_of_a_mart_fails_the_run_and_publishes_nothing(clean_run, tmp_path, capsys):
    """The marts' dbt tests are observations on the marts in Dagster, not asset checks (issue
    18: three events each), but they still run in the marts' `dbt build` and still stop the
    night: a figure without its indicator reaches marts.indicator_values, its not_null test
    fails, the marts' step fails (exit 3) and the published warehouse keeps yesterday's marts."""
    settings = published_copy(clean_run, tmp_path)
    published = settings.layout.published
    with duckdb.connect(str(published)) as con:
        con.execute("""UPDATE intermediate.int_indicator_values SET indicator = NULL
                       WHERE rowid = (SELECT min(rowid) FROM intermediate.int_indicator_values)""")
        before = con.execute("SELECT count(*) FROM marts.indicator_values WHERE indicator IS NULL").fetchall()
    assert before == [(0,)]
    code, _ = run(tmp_path)
    out = capsys.readouterr().out
    assert code == 3, out[-3000:]
    assert "dbt_marts" in out.split("运行摘要 Run summary")[-1], out[-3000:]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.indicator_values WHERE indicator IS NULL").fetchall() == [(0,)]
    with dg.DagsterInstance.get() as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        observed = [r.dagster_event.event_specific_data.asset_observation for r in instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION)]
    failed = [o for o in observed if o.asset_key == dg.AssetKey(["marts", "indicator_values"])
              and o.metadata.get("status") and o.metadata["status"].value == "fail"]
    assert failed, [(o.asset_key, dict(o.metadata)) for o in observed][:5]


def test_a_copy_of_a_loaded_delivery_is_recorded_not_rebuilt(clean_run, tmp_path):
    """A delivery sent again under another name loads no row: the night runs its extract's raw
    asset (which records it as a duplicate) and nothing downstream of it (user test, issue 19:
    it cost a rebuild of the extract's models and the marts, three minutes on Spark)."""
    settings = published_copy(clean_run, tmp_path)
    defs = build_definitions(settings)
    shutil.copy(clean_run[0] / "warehouse.build.duckdb", settings.layout.working)
    folder = tmp_path / "landing" / "env_pollutant_totals"
    original = sorted(p for p in folder.iterdir() if p.is_file())[0]
    shutil.copy(original, folder / f"resent_{original.name}")
    plan = plan_run(settings.layout)
    assert plan.changed == [] and plan.recorded_only == ["env_pollutant_totals"] and plan.marts_current, plan
    keys = set(asset_selection(plan, defs))
    assert dg.AssetKey(["raw", "env_pollutant_totals"]) in keys
    assert not {k for k in keys if k.path[0] in ("staging", "intermediate", "marts")}, keys
    settings.layout.working.unlink()
