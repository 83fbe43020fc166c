"""Fault injection: an analyst opens the published warehouse read-write, creates a table and
keeps the session open through a nightly run (CI runs as root, which ignores the file's
read-only mode: the worst case). The run must plan incrementally without opening that file,
publish a warehouse that every reader can open, move the analyst's WAL aside with the version
it belongs to, and say so."""

import shutil
import subprocess
import sys

import duckdb

from ..conftest import run

ANALYST = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])            # read-write, against the README's advice
con.execute("CREATE TABLE main.my_notes AS SELECT 42 AS x")
print("written", flush=True)
sys.stdin.readline()
con.execute("CREATE TABLE main.my_notes_2 AS SELECT 43 AS x")   # after the swap
con.close()
print("closed", flush=True)
"""


def test_an_analysts_write_session_cannot_break_the_published_warehouse(clean_run, tmp_path, capsys):
    source, code, _ = clean_run
    assert code == 0
    for name in ("landing", "warehouse.duckdb", "warehouse.duckdb.record.json", "warehouse.build.duckdb",
                 "warehouse.build.duckdb.state.json"):
        (shutil.copytree if (source / name).is_dir() else shutil.copy2)(source / name, tmp_path / name)
    published = tmp_path / "warehouse.duckdb"
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(published)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "written"
        assert (tmp_path / "warehouse.duckdb.wal").exists()
        capsys.readouterr()
        code, _ = run(tmp_path)
        out = capsys.readouterr().out
        assert code == 0, out[-3000:]
        assert "plan 计划: no new files" in out          # planned without opening the analyst's file
        assert "write session had left warehouse.duckdb.wal" in out
        aside = list((tmp_path / "analyst-sessions").glob("*/warehouse.duckdb.wal"))
        assert len(aside) == 1
        con = duckdb.connect(str(published), read_only=True)
        assert con.execute("SELECT count(*) FROM marts.target_progress").fetchall()[0][0] > 0
        con.close()
        analyst.stdin.write("\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == "closed"
    finally:
        analyst.kill()
    # the analyst's later writes went aside too: the published file still opens, read-only
    assert not (tmp_path / "warehouse.duckdb.wal").exists()
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'my_notes%'"
                       ).fetchall() == [(0,)]
    con.close()
