"""The run summary says no more than the run did (core.runs): a quiet night's marts were not
rebuilt, and checks that did not run did not pass."""

from rich.console import Console

from orchestration.core.runs import RunSummary


def _printed(summary: RunSummary) -> str:
    console = Console(record=True, width=200)
    summary.print(console)
    return console.export_text()


def test_a_quiet_night_says_its_marts_were_current_and_no_check_ran():
    quiet = RunSummary("r1", published=True, marts_built=False)
    text = _printed(quiet)
    assert "marts current 无需重建" in text and "rebuilt and published" not in text
    assert "none ran in this run" in text and "0 passed" not in text
    assert quiet.one_line().endswith("marts current (nothing new for them), republished")
    assert "data-quality suites none ran" in quiet.one_line()


def test_a_night_that_rebuilt_the_marts_says_so_with_its_checks():
    night = RunSummary("r2", published=True, marts_built=True,
                       checks=[("indicator_ranges", "passed", ""), ("completeness", "warning", "3 missing")])
    text = _printed(night)
    assert "marts rebuilt and published 已更新" in text
    assert "checks 数据质量检查: 1 passed, 1 warned, 0 failed" in text
    assert night.one_line().endswith("marts rebuilt")


def test_marts_built_but_not_published_are_not_rebuilt_for_the_analysts():
    """The publication failed (a full disk): the analysts still read yesterday's marts."""
    failed = RunSummary("r3", published=False, marts_built=True, failed_steps=["warehouse__published"])
    text = _printed(failed)
    assert "marts not rebuilt 未更新" in text and failed.one_line().endswith("marts not rebuilt")


def test_the_summary_names_duplicates_and_columns_no_contract_reads(tmp_path):
    """A copy of a delivery names the one it repeats; a column the extract's contract does not
    read (a renamed or extra column) is said, not only left in meta.files' notes (user test)."""
    import duckdb

    from sources import bookkeeping

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        bookkeeping.ensure(con)
        row = "(?, 'env_boilers', ?, 'x', 10, now(), now(), ?, ?, ?, ?, ?)"
        con.executemany(f"""INSERT INTO meta.files (file_id, extract, path, sha256, size_bytes, received_at,
                                processed_at, run_id, status, rows_loaded, error, notes) VALUES {row}""", [
            [1, "env_boilers/a.csv", "r0", "loaded", 5, None, None],
            [2, "env_boilers/a (2).csv", "r1", "duplicate", None,
             "same bytes as env_boilers/a.csv (file 1): not loaded again", None],
            [3, "env_boilers/b.csv", "r1", "loaded", 7, None, "ignored columns: 备注, 联系人; skipped row 1: title"]])
    summary = RunSummary.collect(warehouse, "r1", [])
    assert summary.duplicates == [("env_boilers/a (2).csv", "same bytes as env_boilers/a.csv (file 1): not loaded again")]
    assert summary.unused_columns == [("env_boilers/b.csv", "备注, 联系人")]
    text = _printed(summary)
    assert "duplicate 重复 env_boilers/a (2).csv: same bytes as env_boilers/a.csv" in text
    assert "ignored 未用 env_boilers/b.csv: column(s) 备注, 联系人" in text


def test_a_summary_not_on_a_terminal_wraps_no_line(capsys):
    """A scheduler's log or a pipe: a long finding stays on one line (wrapped at 140 columns it
    cut file names and findings in two, and grep found neither half)."""
    finding = "e.g. [" + ", ".join(f'"210{i:03d} energy_total 2014: +23.2% (bound ±15%)"' for i in range(8)) + "]"
    RunSummary("r4", published=True, marts_built=True, checks=[("indicator_moves", "warning", finding)]).print()
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("check warning")]
    assert len(line) == 1 and line[0].endswith(finding), line
