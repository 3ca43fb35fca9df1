"""The output workbook as a buyer opens it: fills, currency formats, and the four bomcheck sheets."""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bomcheck.bom import read_bom
from bomcheck.model import (
    BomLine,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PriceBreak,
    Report,
    Scenario,
    SourceStatus,
)
from bomcheck.output.sheets.cells import AMBER, GREEN, RED
from bomcheck.output.workbook import write_report
from bomcheck.pricing import Attrition, plan_lines
from tests.builders import RESULT_HEADERS

D = Decimal
CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
MPNS = ["OKPART-01", "SHORTPART-01", "NCNRPART-01", "GONE-01", "EUROPART-01", "DNPPART-01", "MAYBE-01"]


def offer(seller: str, stock: int, price: str, *, moq: int = 1, currency: str = "USD", ncnr: bool = False,
          mpn: str = "X") -> Offer:
    return Offer(source="Arrow", seller=seller, mpn=mpn, manufacturer="M", sku=f"{seller}-1", stock=stock,
                 moq=moq, breaks=(PriceBreak(1, D(price)),), currency=currency, ncnr=ncnr,
                 lead_time_weeks=6)


def found(*offers: Offer) -> dict[str, Lookup]:
    return {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=offers)}


LOOKUPS = {
    "OKPART-01": found(offer("ACNA", 10_000, "0.10", mpn="OKPART-01")),
    "SHORTPART-01": found(offer("ACNA", 15, "2.00", mpn="SHORTPART-01")),
    "NCNRPART-01": found(offer("Europe", 5000, "0.01", moq=1000, ncnr=True, mpn="NCNRPART-01")),
    "GONE-01": {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)},
    "EUROPART-01": found(offer("Europe", 5000, "0.25", currency="EUR", mpn="EUROPART-01")),
    "DNPPART-01": {},
    "MAYBE-01": {"Arrow": Lookup("Arrow", LookupStatus.AMBIGUOUS,
                                 offers=(offer("TI", 50, "1.00", mpn="MAYBE-01"),),
                                 candidates=("MAYBE-01 (TI)", "MAYBE-01 (ST)"))},
}


def make_bom_file(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    sheet.append(["Ref", "MPN", "Qty"])
    for number, mpn in enumerate(MPNS, start=1):
        sheet.append([f"U{number}A, U{number}B", mpn, 2 if mpn != "DNPPART-01" else 0])
    workbook.save(path)
    return path


def make_report(path: Path, boards: tuple[int, ...] = (10, 100)) -> Report:
    bom = read_bom(path)
    lines = [line if line.mpn != "DNPPART-01" else BomLine(row=line.row, mpn="DNPPART-01", qty=2, dnp=True)
             for line in bom.lines]
    answered = [(line, LOOKUPS[line.mpn or ""]) for line in lines]
    scenarios = tuple(Scenario(n, plan_lines(answered, n, "USD", Attrition(D(2)))) for n in boards)
    return Report(bom=bom, boards=boards[0], results=scenarios[0].results,
                  sources=(SourceStatus("Arrow", True), SourceStatus("DigiKey Bonded", False, "no login")),
                  checked_at=CHECKED_AT, currency="USD", scenarios=scenarios, attrition="2%")


@pytest.fixture
def workbook(tmp_path: Path):
    source = make_bom_file(tmp_path / "bom.xlsx")
    return openpyxl.load_workbook(write_report(make_report(source), tmp_path / "out.xlsx"))


def columns(sheet, row: int) -> dict:
    return {header: sheet.cell(row=row, column=4 + i) for i, header in enumerate(RESULT_HEADERS)}


def row_of(mpn: str) -> int:
    return MPNS.index(mpn) + 2


def table(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_sheets_in_order(workbook):
    assert workbook.sheetnames == ["BOM", "Summary", "Scenarios", "Offers", "RFQ"]


@pytest.mark.parametrize(("mpn", "fill"), [
    ("OKPART-01", GREEN), ("SHORTPART-01", RED), ("GONE-01", RED),
    ("NCNRPART-01", AMBER), ("MAYBE-01", AMBER), ("EUROPART-01", AMBER),
])
def test_fills_say_what_to_look_at(workbook, mpn, fill):
    cells = columns(workbook["BOM"], row_of(mpn))
    assert cells["Status"].fill.fgColor.rgb == fill.fgColor.rgb
    assert cells["Need"].fill.fgColor.rgb == fill.fgColor.rgb
    assert workbook["BOM"].cell(row=row_of(mpn), column=2).fill.fill_type is None  # the user's cells


def test_dnp_is_not_coloured(workbook):
    assert columns(workbook["BOM"], row_of("DNPPART-01"))["Status"].fill.fill_type is None


def test_values_and_currency_formats(workbook):
    sheet = workbook["BOM"]
    ok = columns(sheet, row_of("OKPART-01"))
    # 2 x 10 boards = 20, 2% attrition = 0.4 -> 1: need 21 at 0.10 = 2.10
    assert (ok["Need"].value, ok["Buy Qty"].value) == (21, 21)
    assert ok["Ext. Price"].value == pytest.approx(2.10)
    assert ok["Ext. Price"].number_format == '#,##0.00 "USD"'
    assert ok["Unit Price"].number_format == '#,##0.0000 "USD"'
    assert ok["Notes"].value == "need 21 = 20 + 1 attrition"
    euro = columns(sheet, row_of("EUROPART-01"))
    assert euro["Ext. Price"].value == pytest.approx(5.25)
    assert euro["Ext. Price"].number_format == '#,##0.00 "EUR"'
    ncnr = columns(sheet, row_of("NCNRPART-01"))
    assert ncnr["NCNR"].value == "YES" and "RISK: 979 over need" in ncnr["Notes"].value


def test_header_frozen_and_filtered(workbook):
    sheet = workbook["BOM"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{len(MPNS) + 1}"
    assert sheet.column_dimensions["O"].width >= len("need 21 = 20 + 1 attrition")


def test_summary(workbook):
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Boards"] == "10, 100" and summary["Attrition"] == "2%"
    assert summary["Data age"].startswith("live")  # no cache yet: every answer is from this run
    assert summary["Source: DigiKey Bonded"] == "not checked: no login"
    # 10 boards: OK 2.10 + SHORT 15 x 2.00 + NCNR 1000 x 0.01 = 42.10 USD; EUR 21 x 0.25 = 5.25
    assert summary["Total cost at 10 boards (USD)"] == pytest.approx(42.10)
    assert summary["Total cost at 10 boards (EUR)"] == pytest.approx(5.25)
    assert summary["Lines SHORT"] == 1 and summary["Lines AMBIGUOUS"] == 1
    assert summary["Coverage"] == pytest.approx(3 / 6)  # OK, NCNR, EURO of 6 lines to buy
    assert summary["NCNR lines"] == 1
    assert summary["Lines not checked"] == 0 and summary["Checked"] == f"{summary['Lines']} lines checked"
    assert summary["Lines needing attention"] == 5
    assert "SHORTPART-01: SHORT" in summary["Row 3"]
    cell = next(c for c in workbook["Summary"]["B"] if c.value == pytest.approx(42.10))
    assert cell.number_format == '#,##0.00 "USD"'


def test_scenarios(workbook):
    rows = table(workbook["Scenarios"])
    usd = {row["Boards"]: row for row in rows if row["Currency"] == "USD"}
    # 100 boards: OK 204 x 0.10 = 20.40; SHORT 15 x 2.00 = 30.00; NCNR 1000 x 0.01 = 10.00
    assert usd[100]["Total Cost"] == pytest.approx(60.40)
    assert usd[100]["Cost per Board"] == pytest.approx(0.604)
    assert usd[10]["Lines Short"] == 1 and usd[10]["NCNR Lines"] == 1 and usd[10]["Lines to Quote"] == 4
    assert {row["Currency"] for row in rows} == {"USD", "EUR"}
    sheet = workbook["Scenarios"]
    assert sheet["D2"].number_format.startswith("#,##0.00") and sheet["E2"].number_format == "0%"
    assert sheet.freeze_panes == "A2"


def test_offers_lists_every_offer_and_the_chosen_ones(workbook):
    rows = table(workbook["Offers"])
    assert len(rows) == 5  # one offer each for OK, SHORT, NCNR, EURO, ambiguous; none for GONE-01/DNP
    by_mpn = {row["BOM MPN"]: row for row in rows}
    assert by_mpn["OKPART-01"]["Chosen Qty"] == 21 and by_mpn["OKPART-01"]["Price Breaks"] == "1+ 0.10"
    assert by_mpn["MAYBE-01"]["Answer"] == "ambiguous: not planned"
    assert by_mpn["MAYBE-01"]["Chosen Qty"] is None
    assert by_mpn["NCNRPART-01"]["NCNR"] == "YES"
    assert by_mpn["OKPART-01"]["BOM Rows"] == str(row_of("OKPART-01"))  # text, like "2, 57, 113"


def test_offers_gives_lines_asking_for_one_part_one_set_of_rows(tmp_path):
    path = tmp_path / "bom.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Ref", "MPN", "Qty"])
    for ref, mpn, qty in (("U1", "OKPART-01", 2), ("U2", "SHORTPART-01", 1), ("U3", "OKPART-01", 3)):
        book.active.append([ref, mpn, qty])
    book.save(path)
    bom = read_bom(path)
    answered = [(line, LOOKUPS[line.mpn or ""]) for line in bom.lines]
    scenario = Scenario(10, plan_lines(answered, 10, "USD", Attrition(D(0))))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["Offers"]
    rows = table(sheet)
    assert [(row["BOM Rows"], row["BOM MPN"]) for row in rows] == [("2, 4", "OKPART-01"),
                                                                   ("3", "SHORTPART-01")]
    assert rows[0]["Chosen Qty"] == 20 + 30  # both lines buy from the one offer: 2 x 10 + 3 x 10
    assert rows[1]["Chosen Qty"] == 10
    assert sheet["A2"].data_type == "s" and sheet["A2"].fill.fgColor.rgb == GREEN.fgColor.rgb


def test_rfq_lists_lines_to_quote_with_quantities(workbook):
    rows = {row["MPN"]: row for row in table(workbook["RFQ"])}
    assert set(rows) == {"SHORTPART-01", "NCNRPART-01", "GONE-01", "MAYBE-01"}
    # SHORT quotes what stock cannot supply: 21 - 15 = 6 at 10 boards, 204 - 15 = 189 at 100
    assert rows["SHORTPART-01"]["Quote Qty (10 boards)"] == 6
    assert rows["SHORTPART-01"]["Quote Qty (100 boards)"] == 189
    assert rows["GONE-01"]["Why"] == "NOT FOUND" and rows["GONE-01"]["Quote Qty (100 boards)"] == 204
    assert rows["MAYBE-01"]["Why"] == "AMBIGUOUS" and "MAYBE-01 (ST)" in rows["MAYBE-01"]["Details"]
    assert rows["NCNRPART-01"]["Why"] == "NCNR"


VBA_RELATIONSHIP = b"http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def make_xlsm(path: Path, macro: bytes) -> Path:
    """A minimal macro-enabled workbook: an .xlsx given a vbaProject.bin part and its content types."""
    plain = path.with_suffix(".xlsx")
    make_bom_file(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(b"<Default ", b'<Default Extension="bin" '
                          b'ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="'
                                    + VBA_RELATIONSHIP + b'" Target="vbaProject.bin"/></Relationships>')
            target.writestr(item, data)
        target.writestr("xl/vbaProject.bin", macro)
    plain.unlink()
    return path


def test_xlsm_keeps_its_macros(tmp_path: Path):
    macro = b"\xd0\xcf\x11\xe0 not a real VBA project, but its bytes must survive" * 8
    source = make_xlsm(tmp_path / "bom.xlsm", macro)
    output = write_report(make_report(source, boards=(10,)), tmp_path / "bom.checked.xlsm")
    with zipfile.ZipFile(output) as written:
        assert written.read("xl/vbaProject.bin") == macro
        assert b"macroEnabled" in written.read("[Content_Types].xml")
    assert openpyxl.load_workbook(output, keep_vba=True)["RFQ"]["A1"].value == "BOM Row"


def test_writing_twice_replaces_our_sheets_and_keeps_a_users_rfq(tmp_path: Path):
    source = make_bom_file(tmp_path / "bom.xlsx")
    user = openpyxl.load_workbook(source)
    user.create_sheet("RFQ")["A1"] = "the user's own RFQ"
    user.save(source)
    first = write_report(make_report(source), tmp_path / "first.xlsx")
    second = openpyxl.load_workbook(write_report(make_report(first), tmp_path / "second.xlsx"))
    assert second.sheetnames == ["BOM", "RFQ", "Summary", "Scenarios", "Offers", "bomcheck RFQ"]
    assert second["RFQ"]["A1"].value == "the user's own RFQ"


def test_an_answer_the_source_remarked_on_is_amber_not_green():
    from bomcheck.output.sheets.cells import fill_for, needs_a_look
    from bomcheck.pricing import plan_line

    plain = found(offer("ACNA", 10_000, "0.10", mpn="GRM155R61A105KE15J"))
    remarked = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=plain["Arrow"].offers,
                                message="Arrow's GRM155R61A105KE15J is made by Murata; none is TDK")}
    line = BomLine(row=3, mpn="GRM155R61A105KE15J", manufacturer="TDK", qty=1)
    assert not needs_a_look(plan_line(line, plain, 1))
    flagged = plan_line(line, remarked, 1)
    assert flagged.status is LineStatus.OK and needs_a_look(flagged)
    assert "none is TDK" in flagged.reason
    assert fill_for(flagged, "USD").fgColor.rgb == AMBER.fgColor.rgb


def test_an_offers_sheet_of_the_one_row_per_line_layout_is_still_recognised_as_ours(tmp_path):
    from bomcheck.output.sheets.offers import add_offers

    report = make_report(make_bom_file(tmp_path / "bom.xlsx"))
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Offers")["A1"] = "BOM Row"  # what outputs of the earlier layout hold
    add_offers(workbook, report)
    assert "Offers" in workbook.sheetnames and "bomcheck Offers" not in workbook.sheetnames
    assert workbook["Offers"]["A1"].value == "BOM Rows"
    workbook["Offers"]["A1"] = "Rows of mine"  # a sheet of the user's is never replaced
    add_offers(workbook, report)
    assert workbook["Offers"]["A1"].value == "Rows of mine" and "bomcheck Offers" in workbook.sheetnames
