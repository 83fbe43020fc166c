"""Fault injection: hostile files, built by the test (never committed). A 2 MB workbook whose
shared strings inflate to 2 GiB is refused before anything inflates it, and the process (and
the other files of the run) carry on."""

import time
import zipfile

from tests.conftest import rows


def _zip_bomb(path, inflated: int = 2 << 30) -> None:
    """A workbook of a few MB whose xl/sharedStrings.xml inflates to ``inflated`` bytes."""
    block = b" " * (16 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook><sheets>'
                   '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst>')
            for _ in range(inflated // len(block)):
                part.write(block)
            part.write(b"</sst>")


def test_a_zip_bomb_is_refused_and_the_run_goes_on(landing, ingest, warehouse):
    bomb = landing.root / "env_pollutant_totals" / "炸弹.xlsx"
    bomb.parent.mkdir(parents=True, exist_ok=True)
    _zip_bomb(bomb)
    assert bomb.stat().st_size < 5 << 20
    landing.deliver("env_pollutant_totals", "好.csv", "年份,地区,化学需氧量(吨)\n2014,沈阳市,1200\n")
    started = time.monotonic()
    out = ingest("env_pollutant_totals")
    assert time.monotonic() - started < 30                   # refused, not inflated
    by_path = {f.path: f for f in out.files}
    assert by_path["env_pollutant_totals/炸弹.xlsx"].status == "rejected"
    assert "zip bomb" in by_path["env_pollutant_totals/炸弹.xlsx"].error
    assert by_path["env_pollutant_totals/好.csv"].status == "loaded"
    assert rows(warehouse, "SELECT cod FROM raw.env_pollutant_totals") == [(1200.0,)]
