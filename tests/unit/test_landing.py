"""Landing hygiene (issue 12, kind 9): every file in the landing folder is loaded or recorded in
meta.files as rejected with the reason — a file at the landing root, in a folder that is not a
known extract, hidden, oddly named — never skipped in silence; Office lock files are ignored
but listed; a symbolic link is never followed out of the landing folder."""

import os

import pytest

from sources.contract import contracts
from sources.landing import ROOT_EXTRACT, scan
from sources.load import ingest_extract, ingest_strays, unseen_strays
from tests.conftest import rows

HEADER = "年份,地区,化学需氧量,氨氮,二氧化硫,氮氧化物\n"
GOOD = HEADER + "2014,沈阳市,1200,100,3000,2500\n"


def rejected(con):
    return dict(rows(con, "SELECT path, error FROM meta.files WHERE status = 'rejected' ORDER BY path"))


def test_files_of_no_extract_are_recorded_as_rejected_once(landing, warehouse):
    landing.deliver("env_pollutant_totals", "good.csv", GOOD)
    (landing.root / "loose.csv").write_text(GOOD, encoding="utf-8")
    landing.deliver("env_polutant_totals", "typo.csv", GOOD)          # a misspelt folder
    landing.deliver(".sync", "state.csv", GOOD)                        # a tool's hidden folder
    ingest_strays(warehouse, landing.root, run_id="r1")
    errors = rejected(warehouse)
    assert errors["loose.csv"].endswith("a file at the landing root: put it in the folder of its extract "
                                        "(landing/<extract>/)")
    assert "folder 'env_polutant_totals' is not a known extract (did you mean env_pollutant_totals?)" \
        in errors["env_polutant_totals/typo.csv"]
    assert "in a hidden folder (.sync)" in errors[".sync/state.csv"]
    assert rows(warehouse, "SELECT extract FROM meta.files WHERE path = 'loose.csv'") == [(ROOT_EXTRACT,)]
    assert unseen_strays(warehouse, landing.root) == []               # recorded once, not every night
    assert rows(warehouse, "SELECT count(*) FROM raw.env_pollutant_totals") == [(0,)]  # none of them read


def test_hidden_and_oddly_named_files_of_an_extract_are_rejected_with_the_reason(landing, warehouse):
    landing.deliver("env_pollutant_totals", "good.csv", GOOD)
    landing.deliver("env_pollutant_totals", ".good.csv", GOOD)          # hidden: an editor's copy
    landing.deliver("env_pollutant_totals", ".DS_Store", b"\x00\x00\x00\x01Bud1")
    odd = os.fsdecode(b"\xb2\xe2\xca\xd4\n.csv")                        # GBK bytes and a line break
    landing.deliver("env_pollutant_totals", odd, GOOD.replace("沈阳市", "大连市"))
    landing.deliver("env_pollutant_totals", "~$good.xlsx", b"lock")      # Excel has good.xlsx open
    out = ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root, "r1")
    assert {(f.path, f.status) for f in out.files} == {
        ("env_pollutant_totals/.DS_Store", "rejected"), ("env_pollutant_totals/.good.csv", "rejected"),
        ("env_pollutant_totals/good.csv", "loaded"),
        ("env_pollutant_totals/\\xb2\\xe2\\xca\\xd4\\u000a.csv", "rejected")}
    errors = rejected(warehouse)
    assert "a hidden file" in errors["env_pollutant_totals/.good.csv"]
    assert "an odd file name (control characters or bytes that are not UTF-8)" in \
        errors["env_pollutant_totals/\\xb2\\xe2\\xca\\xd4\\u000a.csv"]
    assert rows(warehouse, "SELECT region_code FROM raw.env_pollutant_totals") == [("210100",)]
    # the lock file is not a delivery, and is listed for the run summary
    assert scan(landing.root, contracts())[1] == ["env_pollutant_totals/~$good.xlsx"]
    assert ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root).files == []


def test_a_symbolic_link_is_never_followed_out_of_the_landing_folder(landing, warehouse, tmp_path):
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text(GOOD, encoding="utf-8")
    folder = landing.root / "env_pollutant_totals"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to(secret)
    (folder / "dir").symlink_to(secret.parent, target_is_directory=True)
    (folder / "broken.csv").symlink_to(tmp_path / "nowhere.csv")
    inside = landing.deliver("env_pollutant_totals", "real.csv", GOOD.replace("沈阳市", "大连市"))
    (folder / "alias.csv").symlink_to(inside)                           # inside: read (a duplicate here)
    out = ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root, "r1")
    status = {f.path.split("/")[-1]: f.status for f in out.files}
    assert {k: status[k] for k in ("link.csv", "dir", "broken.csv")} == dict.fromkeys(
        ("link.csv", "dir", "broken.csv"), "rejected")
    # a link inside the landing folder is read: here the same bytes as real.csv, loaded once
    assert sorted([status["real.csv"], status["alias.csv"]]) == ["duplicate", "loaded"]
    errors = rejected(warehouse)
    assert "a symbolic link to a file outside the landing folder: not followed" in errors["env_pollutant_totals/link.csv"]
    assert "a symbolic link to a folder outside the landing folder: not followed" in errors["env_pollutant_totals/dir"]
    assert "a broken symbolic link" in errors["env_pollutant_totals/broken.csv"]
    assert rows(warehouse, "SELECT region_code FROM raw.env_pollutant_totals") == [("210200",)]


def test_a_pipe_is_never_opened(landing, warehouse):
    folder = landing.root / "env_pollutant_totals"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "feed.csv")
    out = ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root, "r1")
    assert [(f.status, f.error) for f in out.files] == [
        ("rejected", "not a regular file (a pipe, socket or device): not read")]


@pytest.mark.parametrize("name", ["notes.docx", "data.csv.part"])
def test_other_suffixes_are_still_rejected_with_the_reason(landing, warehouse, name):
    landing.deliver("env_pollutant_totals", name, GOOD)
    out = ingest_extract(warehouse, contracts()["env_pollutant_totals"], landing.root, "r1")
    assert out.files[0].status == "rejected" and "not a CSV or XLSX file" in out.files[0].error
