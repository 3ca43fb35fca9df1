"""What bomcheck writes is never executed: formula-like text stays text, links only to the distributors."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import read_bom
from bomcheck.cli import main
from bomcheck.model import Lookup, LookupStatus, Offer, PriceBreak, Report, Scenario
from bomcheck.output.sheets.cells import FORMULA_TRIGGERS, linkable
from bomcheck.output.workbook import write_report
from bomcheck.pricing import Attrition, plan_lines
from bomcheck.runtime import link_domains
from tests.builders import ARROW_STATUS, BONDED_STATUS

HOSTILE = ['=HYPERLINK("http://evil.example/","click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def formula_elements(path: Path) -> dict[str, list[str]]:
    """Per sheet part of the written file, the text of every <f> element in it."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found[name] = re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", archive.read(name).decode("utf-8"))
    return found


def assert_no_formula_from_text(path: Path) -> None:
    """Every text cell starting like a formula is text, with Excel's quote prefix; nothing is a formula."""
    workbook = openpyxl.load_workbook(path)
    risky = 0
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    risky += 1
    assert risky  # the test wrote some
    assert not any(formula_elements(path).values())


# ---------------------------------------------------------------- text from the BOM


def test_bom_text_starting_like_a_formula_is_written_as_text(tmp_path):
    bom = tmp_path / "hostile.csv"
    rows = ["Qty,MPN,Manufacturer,Description,Internal PN,Offset"]
    rows.append(f'2,GRM188R71C104KA01D,"{HOSTILE[1]}","{HOSTILE[0].replace(chr(34), chr(34) * 2)}",'
                f'"{HOSTILE[3]}",-5')
    rows.append(f'1,"{HOSTILE[2]}",Murata,"{HOSTILE[4]}","{HOSTILE[5]}",-0.25')
    rows.append("1,XYZ-NOTFOUND-1,=cmd,@x,+y,3")
    bom.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert_no_formula_from_text(out)
    sheet = openpyxl.load_workbook(out)["BOM"]
    assert sheet["C2"].value == HOSTILE[1] and sheet["D2"].value == HOSTILE[0]
    assert (sheet["F2"].value, sheet["F2"].data_type) == (-5, "n")  # a negative number stays a number
    assert (sheet["F3"].value, sheet["F3"].data_type) == (-0.25, "n")
    rfq = openpyxl.load_workbook(out)["RFQ"]
    # the not-found line is on the RFQ sheet, its maker as the BOM said (as text)
    assert "=cmd" in [cell.value for row in rfq.iter_rows(min_row=2) for cell in row]


def test_the_users_own_formulas_stay_formulas_and_their_text_stays_text(tmp_path):
    source = tmp_path / "user.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    sheet.append(["Qty", "MPN", "Note", "Twice"])
    sheet.append([2, "GRM188R71C104KA01D", "x", "=A2*2"])
    sheet["C2"] = "=not a formula"
    sheet["C2"].data_type = "s"  # the user's text cell that merely starts with '='
    workbook.save(source)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["check", str(source), "--sandbox", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    formulas = formula_elements(out)["xl/worksheets/sheet1.xml"]
    assert formulas == ["A2*2"]  # the user's formula, and nothing else
    written = openpyxl.load_workbook(out)["BOM"]
    assert (written["C2"].value, written["C2"].data_type) == ("=not a formula", "s")


# ---------------------------------------------------------------- text from an API


CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def hostile_offer(mpn: str, links: tuple[tuple[str, str], ...] = ()) -> Offer:
    return Offer(source="Arrow", seller=HOSTILE[0], mpn=mpn, manufacturer=HOSTILE[1], sku=HOSTILE[3],
                 stock=5000, breaks=(PriceBreak(1, D("0.10")),), description=HOSTILE[2], date_code=HOSTILE[4],
                 links=links)


def write_api_report(tmp_path: Path, links: tuple[tuple[str, str], ...] = ()) -> Path:
    source = tmp_path / "bom.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Qty", "MPN"])
    workbook.active.append([2, "PART-1"])
    workbook.active.append([1, "PART-2"])
    workbook.save(source)
    bom = read_bom(source)
    found = Lookup("Arrow", LookupStatus.FOUND, offers=(hostile_offer("PART-1", links),), message=HOSTILE[5])
    lookups = {"PART-1": {"Arrow": found},
               "PART-2": {"Arrow": Lookup("Arrow", LookupStatus.ERROR, message="=ERROR from the API")}}
    answered = [(line, lookups[line.mpn or ""]) for line in bom.lines]
    scenario = Scenario(10, plan_lines(answered, 10, "USD", Attrition(D(0))))
    report = Report(bom=bom, boards=10, results=scenario.results, currency="USD", scenarios=(scenario,),
                    sources=(ARROW_STATUS, replace(BONDED_STATUS, checked=False, message=HOSTILE[2])),
                    checked_at=CHECKED_AT)
    return write_report(report, tmp_path / "out.xlsx")


def test_api_text_starting_like_a_formula_is_written_as_text_on_every_sheet(tmp_path):
    out = write_api_report(tmp_path)
    assert_no_formula_from_text(out)
    workbook = openpyxl.load_workbook(out)
    offers = workbook["Offers"]
    headers = [cell.value for cell in offers[1]]
    assert offers.cell(2, headers.index("Seller") + 1).value == HOSTILE[0]
    assert offers.cell(2, headers.index("Maker") + 1).value == HOSTILE[1]
    everything = {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert "=ERROR from the API" in " ".join(str(value) for value in everything)


# ---------------------------------------------------------------- hyperlinks


@pytest.mark.parametrize("url", [
    "https://www.arrow.com/en/products/lm358dr/texas-instruments",
    "https://static6.arrow.com/aropdfconversion/abc/lm358dr.pdf",
    "http://verical.com/pd/x",
    "https://www.digikey.com/en/products/detail/x",
    "HTTPS://WWW.DIGIKEY.COM./x",
])
def test_links_into_the_distributors_sites_are_hyperlinks(url):
    assert linkable(url, link_domains())


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/arrow.com",
    "https://arrow.com.evil.example/",
    "https://notarrow.com/",
    "https://www.arrow.com@evil.example/",
    "https://www.arrow.com\\@evil.example/",
    "https://www.arrow.com/x y",
    "https://www.arrow.com/\n=cmd",
    "http://127.0.0.1:8470/datasheet.pdf",  # the sandbox: shown, never linked
    "ftp://ftp.arrow.com/x",
    "https://www.arrow.com:99999/",
    "https://www.arrow.com/" + "x" * 2100,
])
def test_anything_else_is_plain_text(url):
    assert not linkable(url, link_domains())


def test_offers_sheet_links_only_the_safe_urls(tmp_path):
    datasheet = "https://static6.arrow.com/aropdfconversion/abc/part-1.pdf"
    trap = "javascript:alert(document.cookie)//www.arrow.com/en/products/part-1"
    out = write_api_report(tmp_path, links=(("datasheet", datasheet), ("cloud_part_detail", trap)))
    offers = openpyxl.load_workbook(out)["Offers"]
    headers = [cell.value for cell in offers[1]]
    sheet_cell = offers.cell(2, headers.index("Datasheet") + 1)
    page_cell = offers.cell(2, headers.index("Page") + 1)
    # a safe link shows a short text; an unsafe one its whole address, never linked
    assert sheet_cell.value == "datasheet" and sheet_cell.hyperlink.target == datasheet
    assert page_cell.value == trap and page_cell.hyperlink is None
    with zipfile.ZipFile(out) as archive:
        rels = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".rels"))
    assert datasheet in rels and "javascript:" not in rels


# ---------------------------------------------------------------- the terminal


def test_control_characters_in_the_bom_never_reach_the_terminal_or_the_workbook(tmp_path):
    bom = tmp_path / "escapes.csv"
    bom.write_text("Qty,MPN,Description\n1,LM358\x1b[31mDR,\x9b2J cleared\x07\n"
                   "1,XYZ-NOTFOUND-1\x1b]0;owned\x07,\u202eevil\u202c\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = result.stdout + result.stderr
    assert "XYZ-NOTFOUND-1]0;owned: NOT FOUND" in shown
    assert not re.search("[\x1b\x07\x9b\u202e\u202c]", shown)
    sheet = openpyxl.load_workbook(out)["BOM"]
    assert [sheet["B2"].value, sheet["C2"].value, sheet["C3"].value] == ["LM358[31mDR", "2J cleared", "evil"]
    inspected = CliRunner().invoke(main, ["inspect", str(bom)], catch_exceptions=False)
    assert inspected.exit_code == 0 and not re.search("[\x1b\x07\x9b\u202e]", inspected.output)


class _FullDisk:
    """A file that takes up to 2,000 bytes, then fails every write as a full disk does."""

    def __init__(self) -> None:
        self.written = 0
        self.full = False
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.full or self.written + len(data) > 2000:
            import errno
            self.full = True  # and stays full
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("streaming", [False, True])
def test_a_save_that_fills_the_disk_leaves_no_zip_to_fail_again_later(streaming):
    """Without care, the half-written zip finishes itself when collected, fails again, and Python
    prints "Exception ignored in ZipFile.__del__" and a traceback under bomcheck's error line."""
    import gc
    import sys

    from bomcheck.output.sheets.streamed import StreamingWorkbook, save_workbook

    workbook = StreamingWorkbook() if streaming else openpyxl.Workbook()
    sheet = workbook.active
    for row in range(1, 400):
        sheet.append([f"row {row} text that takes room {row * 7919}", row])
    reported: list[object] = []
    previous = sys.unraisablehook
    sys.unraisablehook = reported.append
    try:
        with pytest.raises(OSError, match="No space left"):
            save_workbook(workbook, _FullDisk())
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert reported == []
