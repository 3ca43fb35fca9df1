"""The output workbook as a buyer opens it: fills, currency formats, and the four bomcheck sheets."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bomcheck.bom import read_bom
from bomcheck.model import (
    BomLine,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    Report,
    Scenario,
    SourceStatus,
)
from bomcheck.output.sheets.cells import AMBER, CHOSEN, GREEN, RED
from bomcheck.output.workbook import write_report
from bomcheck.pricing import Attrition, plan_lines
from tests.builders import RESULT_HEADERS, found, make_offer

D = Decimal
CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
MPNS = ["OKPART-01", "SHORTPART-01", "NCNRPART-01", "GONE-01", "EUROPART-01", "DNPPART-01", "MAYBE-01"]


def offer(seller: str, stock: int, price: str, *, mpn: str = "X", **fields: Any) -> Offer:
    return make_offer(mpn, seller=seller, stock=stock, price=price, maker="M", sku=f"{seller}-1",
                      lead_time_weeks=6, **fields)


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
    assert workbook.sheetnames == ["BOM", "Summary", "Quantities", "Scenarios", "Offers", "RFQ"]


@pytest.mark.parametrize(("mpn", "fill", "action"), [
    ("OKPART-01", GREEN, "Buy"), ("SHORTPART-01", RED, "Get quote"), ("GONE-01", RED, "Get quote"),
    ("NCNRPART-01", AMBER, "Accept NCNR"), ("MAYBE-01", AMBER, "Fix BOM"),
    # priced in EUR while USD was asked: said by the price's format and kept apart in every total,
    # but nothing to decide: green
    ("EUROPART-01", GREEN, "Buy"),
])
def test_fills_say_what_to_look_at(workbook, mpn, fill, action):
    cells = columns(workbook["BOM"], row_of(mpn))
    assert cells["Action"].value == action
    assert cells["Status"].fill.fgColor.rgb == fill.fgColor.rgb
    assert cells["Need"].fill.fgColor.rgb == fill.fgColor.rgb
    assert workbook["BOM"].cell(row=row_of(mpn), column=2).fill.fill_type is None  # the user's cells
    if fill is not GREEN:  # an amber or red line says why in its Notes
        assert cells["Notes"].value not in (None, "—")


def test_every_amber_and_red_line_says_why_in_its_notes_and_in_the_summary(workbook):
    sheet, summary = workbook["BOM"], workbook["Summary"]
    rows = list(summary.iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if str(row[0]).startswith("Lines needing action"))
    listed = {row[1]: row for row in rows[start + 2:]}
    for mpn in ("SHORTPART-01", "GONE-01", "NCNRPART-01", "MAYBE-01"):
        cells = columns(sheet, row_of(mpn))
        why = listed[row_of(mpn)][5]
        assert why and why.split("; ")[0] in cells["Notes"].value
    assert "accept NCNR: the excess can never be returned" in listed[row_of("NCNRPART-01")][5]
    assert "no source lists this part" in listed[row_of("GONE-01")][5]
    assert row_of("OKPART-01") not in listed and row_of("EUROPART-01") not in listed


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


def test_panes_filter_and_widths(workbook):
    sheet = workbook["BOM"]
    assert sheet.freeze_panes == "C2"  # below the header, right of the MPN (column B)
    last = get_column_letter(3 + len(RESULT_HEADERS))
    assert sheet.auto_filter.ref == f"A1:{last}{len(MPNS) + 1}"
    notes = sheet.cell(row_of("NCNRPART-01"), 3 + len(RESULT_HEADERS))
    assert sheet.column_dimensions[last].width == 50 and notes.alignment.wrap_text
    # the NCNR line's notes wrap over several lines: its row is made tall enough to show them
    assert sheet.row_dimensions[row_of("NCNRPART-01")].height >= 30


def test_page_setup_on_every_sheet(workbook):
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title
    bom = workbook["BOM"]
    width = sum(bom.column_dimensions[get_column_letter(col)].width or 8.43
                for col in range(1, bom.max_column + 1))
    # as few pages across as hold the table at a readable scale (240 width units a page)
    assert (bom.page_setup.fitToWidth - 1) * 240 < width <= bom.page_setup.fitToWidth * 240
    assert bom.print_title_rows == "$1:$1"
    assert workbook["Offers"].print_title_rows == "$1:$1" and workbook["RFQ"].print_title_rows == "$1:$1"
    assert workbook["Quantities"].print_title_rows == "$1:$2"


def test_a_wide_bom_prints_across_pages_repeating_the_part_columns(tmp_path):
    path = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Ref", "MPN", "Qty", *(f"Extra {n}" for n in range(30))])
    book.active.append(["U1", "OKPART-01", 2, *("x" * 30 for _ in range(30))])
    for n in range(4, 34):
        book.active.column_dimensions[get_column_letter(n)].width = 20
    book.save(path)
    bom = read_bom(path)
    scenario = Scenario(10, plan_lines([(line, LOOKUPS["OKPART-01"]) for line in bom.lines], 10, "USD"))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx")).worksheets[0]
    # 600 user units + ours: more than two pages of 240 at a readable scale
    assert sheet.page_setup.fitToWidth >= 3
    assert sheet.print_title_cols == "$A:$B"


def test_summary(workbook):
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    summary = {row[0]: row[1] for row in rows}
    per_quantity = {row[0]: (row[1], row[2]) for row in rows}  # 10 boards in B, 100 in C
    assert summary["Boards"] == "10, 100" and summary["Attrition"] == "2%"
    assert summary["Data age"].startswith("live")  # no cache yet: every answer is from this run
    assert summary["Source: DigiKey Bonded"] == "not checked: no login"
    assert summary["Lines not checked"] == 0 and summary["Checked"] == f"{summary['Lines']} lines checked"
    assert per_quantity["Per build quantity"] == ("10 boards", "100 boards")
    # 10 boards: OK 21 x 0.10 = 2.10 + SHORT 15 x 2.00 + its 6 short as a backorder 6 x 2.00 (issue 15)
    # + NCNR 1000 x 0.01 = 54.10 USD; EUR 21 x 0.25 = 5.25. 100 boards: 20.40 + 30 + 378 + 10 = 438.40
    assert per_quantity["Total (USD)"] == pytest.approx((54.10, 438.40))
    assert per_quantity["Total (EUR)"] == pytest.approx((5.25, 51.00))  # 204 x 0.25
    # 6 lines to buy (DNP left out); GONE-01 (row 5) and MAYBE-01 (row 8) have no price
    assert per_quantity["Priced lines"] == ("4 of 6", "4 of 6")
    assert per_quantity["Not priced (rows)"] == ("5, 8", "5, 8")
    # the NCNR reel: 1000 bought, 21 (204) needed: 979 (796) over need at 0.01, never returnable
    assert per_quantity["Excess value (USD)"] == pytest.approx((9.79, 7.96))
    assert per_quantity["NCNR value (USD)"] == pytest.approx((10.00, 10.00))
    assert per_quantity["NCNR at risk (excess) (USD)"] == pytest.approx((9.79, 7.96))
    # two currencies: a share each, as the terminal shows (USD 9.79 of 54.10, 7.96 of 438.40; EUR none over)
    assert per_quantity["Excess share of total (USD)"] == pytest.approx((9.79 / 54.10, 7.96 / 438.40))
    assert per_quantity["Excess share of total (EUR)"] == (0, 0)
    assert "Excess share of total" not in per_quantity
    # every offer says 6 weeks: the first line to buy with it is named
    assert per_quantity["Longest lead time (wk)"] == (6, 6)
    assert per_quantity["Longest lead time part"][0] == "OKPART-01 (row 2)"
    assert per_quantity["Status SHORT"] == (1, 1) and per_quantity["Status AMBIGUOUS"] == (1, 1)
    assert per_quantity["Action Buy"] == (2, 2) and per_quantity["Action Get quote"] == (2, 2)
    assert per_quantity["Action Accept NCNR"] == (1, 1) and per_quantity["Action Fix BOM"] == (1, 1)
    assert per_quantity["Coverage"] == pytest.approx((3 / 6, 3 / 6))  # OK, NCNR, EURO of 6 to buy
    cell = next(c for c in workbook["Summary"]["B"] if c.value == pytest.approx(54.10))
    assert cell.number_format == '#,##0.00 "USD"'


def test_a_cost_per_board_under_one_keeps_four_places(workbook):
    """EUR 5.25 over 10 boards is 0.525 a board: shown so, not rounded to 0.53; 5.41 USD keeps 2."""
    rows = {row[0].value: row for row in workbook["Summary"].iter_rows() if row[0].value}
    eur, usd = rows["Cost per board (EUR)"][1], rows["Cost per board (USD)"][1]
    assert eur.value == pytest.approx(0.525) and eur.number_format.startswith("#,##0.0000")
    assert usd.value == pytest.approx(5.41) and usd.number_format.startswith("#,##0.00 ")


def test_summary_lists_the_lines_needing_action_grouped_and_linked_to_their_rows(workbook):
    sheet = workbook["Summary"]
    rows = list(sheet.iter_rows())
    start = next(n for n, row in enumerate(rows) if row[0].value == "Lines needing action: 4")
    assert [c.value for c in rows[start + 1][:6]] == ["Action", "BOM Row", "MPN", "Status", "Boards", "Why"]
    listed = [[c.value for c in row[:5]] for row in rows[start + 2:start + 6]]
    assert listed == [  # in the fixed list's order, the action written once per group
        ["Get quote", 3, "SHORTPART-01", "SHORT", "all"],
        [None, 5, "GONE-01", "NOT FOUND", "all"],
        ["Accept NCNR", 4, "NCNRPART-01", "OK", "all"],
        ["Fix BOM", 8, "MAYBE-01", "AMBIGUOUS", "all"],
    ]
    link = rows[start + 2][1].hyperlink
    assert link.location == "'BOM'!D3"  # the Status cell of row 3 (the result columns start at D)
    assert rows[start + 2][3].fill.fgColor.rgb == RED.fgColor.rgb
    assert rows[start + 4][3].fill.fgColor.rgb == AMBER.fgColor.rgb


def test_scenarios(workbook):
    rows = table(workbook["Scenarios"])
    usd = {row["Boards"]: row for row in rows if row["Currency"] == "USD"}
    # 100 boards: OK 204 x 0.10 = 20.40; SHORT 15 x 2.00 = 30.00 and its 189 short as a backorder
    # 189 x 2.00 = 378.00 (issue 15); NCNR 1000 x 0.01 = 10.00
    assert usd[100]["Total Cost"] == pytest.approx(438.40)
    assert usd[100]["Cost per Board"] == pytest.approx(4.384)
    assert usd[10]["Lines Short"] == 1 and usd[10]["NCNR Lines"] == 1 and usd[10]["Lines to Quote"] == 4
    assert {row["Currency"] for row in rows} == {"USD", "EUR"}
    sheet = workbook["Scenarios"]
    assert sheet["D2"].number_format.startswith("#,##0.00") and sheet["E2"].number_format == "0%"
    assert sheet.freeze_panes == "A2"


def test_offers_lists_every_offer_and_the_chosen_ones(workbook):
    # the fixture checks 10 and 100 boards: the numbers at a quantity say it is the first
    rows = [{key.replace(" (10 boards)", ""): value for key, value in row.items()}
            for row in table(workbook["Offers"])]
    headers = [cell.value for cell in workbook["Offers"][1]]
    assert [header for header in headers if "boards" in header] == [
        "Qty Priced (10 boards)", "Unit Price (10 boards)", "Ext. Price (10 boards)", "Chosen (10 boards)"]
    assert len(rows) == 5  # one offer each for OK, SHORT, NCNR, EURO, ambiguous; none for GONE-01/DNP
    by_mpn = {row["Part Asked"]: row for row in rows}
    ok = by_mpn["OKPART-01"]
    assert ok["BOM Row"] == row_of("OKPART-01")  # a number: sorts 6 before 10
    assert ok["Offer Part"] is None  # the same part as asked: not said twice
    assert (ok["Chosen"], ok["Qty Priced"], ok["Price Breaks"]) == (21, 21, "1+ 0.10")
    assert ok["Unit Price"] == pytest.approx(0.10) and ok["Ext. Price"] == pytest.approx(2.10)
    assert ok["Authorized"] == "unknown" and ok["RoHS"] == "unknown" and ok["Lead Time (wk)"] == 6
    maybe = by_mpn["MAYBE-01"]
    assert maybe["Answer"] == "ambiguous: not planned" and maybe["Chosen"] is None
    # not chosen: priced at what the line (need 21) would buy from it, 21 x 1.00
    assert (maybe["Qty Priced"], maybe["Ext. Price"]) == (21, pytest.approx(21.0))
    ncnr = by_mpn["NCNRPART-01"]
    assert ncnr["NCNR"] == "YES" and ncnr["Qty Priced"] == 1000 and ncnr["Ext. Price"] == pytest.approx(10.0)
    sheet = workbook["Offers"]
    assert sheet.freeze_panes == "C2"
    unit = list(sheet[1]).index(next(c for c in sheet[1] if c.value == "Unit Price (10 boards)"))
    assert sheet.cell(2, unit + 1).number_format == '#,##0.0000 "USD"'


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
    assert [(row["BOM Row"], row["Other Rows"], row["Part Asked"]) for row in rows] == [
        (2, "4", "OKPART-01"), (3, None, "SHORTPART-01")]
    assert rows[0]["Chosen"] == 20 + 30  # both lines buy from the one offer: 2 x 10 + 3 x 10
    assert rows[1]["Chosen"] == 10
    assert sheet["A2"].data_type == "n" and sheet["A2"].fill.fgColor.rgb == CHOSEN.fgColor.rgb


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
    assert second.sheetnames == ["BOM", "RFQ", "Summary", "Quantities", "Scenarios", "Offers", "bomcheck RFQ"]
    headers = [cell.value for cell in second["BOM"][1]]
    # our columns of the first run (their numbers' headers naming 10 boards) replaced, not repeated
    assert headers.count("Status") == 1 and headers[3:6] == ["Status", "Action", "Need (10 boards)"]
    assert len(headers) == 3 + len(RESULT_HEADERS)
    assert second["RFQ"]["A1"].value == "the user's own RFQ"


def test_an_answer_the_source_remarked_on_is_amber_not_green():
    from bomcheck.output.sheets.cells import fill_for, needs_decision
    from bomcheck.pricing import plan_line

    plain = found(replace(offer("ACNA", 10_000, "0.10", mpn="GRM155R61A105KE15J"), manufacturer="TDK"))
    murata = replace(plain["Arrow"].offers[0], manufacturer="Murata")
    remarked = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(murata,),
                                message="Arrow's GRM155R61A105KE15J is made by Murata; none is TDK")}
    line = BomLine(row=3, mpn="GRM155R61A105KE15J", manufacturer="TDK", qty=1)
    assert not needs_decision(plan_line(line, plain, 1))
    flagged = plan_line(line, remarked, 1)
    # Issue 15: only another maker lists it: OTHER MAKER, not bought unless allowed (was OK, amber).
    assert flagged.status is LineStatus.OTHER_MAKER and needs_decision(flagged) and not flagged.purchases
    assert "none is TDK" in flagged.reason
    assert fill_for(flagged, "USD").fgColor.rgb == AMBER.fgColor.rgb


def test_an_offers_sheet_of_the_one_row_per_line_layout_is_still_recognised_as_ours(tmp_path):
    from bomcheck.output.sheets.offers import add_offers

    report = make_report(make_bom_file(tmp_path / "bom.xlsx"))
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Offers")["A1"] = "BOM Rows"  # what outputs of the earlier layout hold
    add_offers(workbook, report)
    assert "Offers" in workbook.sheetnames and "bomcheck Offers" not in workbook.sheetnames
    assert workbook["Offers"]["A1"].value == "BOM Row"
    workbook["Offers"]["A1"] = "Rows of mine"  # a sheet of the user's is never replaced
    add_offers(workbook, report)
    assert workbook["Offers"]["A1"].value == "Rows of mine" and "bomcheck Offers" in workbook.sheetnames


def quantities_table(sheet) -> dict[tuple[int, int], dict]:
    """(BOM row, boards) -> {column: value} from the Quantities sheet's two header rows."""
    rows = list(sheet.iter_rows(values_only=True))
    boards_row, headers = rows[0], rows[1]
    boards_of: list[int | None] = []
    current = None
    for value in boards_row:
        if isinstance(value, str) and value.endswith(" boards"):
            current = int(value.split()[0].replace(",", ""))
        boards_of.append(current if value != "Build quantity" else None)
    table: dict[tuple[int, int], dict] = {}
    for row in rows[2:]:
        if not isinstance(row[0], int):
            continue
        for value, header, boards in zip(row, headers, boards_of, strict=True):
            if boards is not None:
                table.setdefault((row[0], boards), {})[header] = value
    return table


def test_three_quantities_read_across_the_quantities_sheet_as_in_the_json(tmp_path):
    from bomcheck.output.json_report import report_to_dict

    source = make_bom_file(tmp_path / "bom.xlsx")
    report = make_report(source, boards=(10, 100, 1000))
    workbook = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))
    sheet = workbook["Quantities"]
    assert [c.value for c in sheet[1][:4]] == ["Build quantity", None, None, "10 boards"]
    assert sheet.freeze_panes == "D3" and sheet.auto_filter.ref.startswith("A2:")
    table = quantities_table(sheet)
    # worked by hand: OKPART-01, 2 a board + 2 %: 21, 204, 2040 at 0.10
    ok = row_of("OKPART-01")
    assert [table[(ok, n)]["Ext. Price"] for n in (10, 100, 1000)] == pytest.approx([2.10, 20.40, 204.00])
    assert [table[(ok, n)]["Buy Qty"] for n in (10, 100, 1000)] == [21, 204, 2040]
    assert [table[(ok, n)]["Short"] for n in (10, 100, 1000)] == [0, 0, 0]
    # 15 in stock against a need of 21, 204, 2040: the rest is short (bought as a backorder)
    assert [table[(row_of("SHORTPART-01"), n)]["Short"] for n in (10, 100, 1000)] == [6, 189, 2025]
    assert table[(row_of("GONE-01"), 100)]["Short"] == 204  # nobody lists it: all of the need
    assert table[(row_of("DNPPART-01"), 100)]["Short"] is None  # nobody was asked about it
    # the NCNR reel of 1000 covers 10 and 100 boards; at 1000 boards the need is 2040: 2000 (two reels)
    ncnr = row_of("NCNRPART-01")
    assert table[(ncnr, 10)]["Buy Qty"] == 1000 and table[(ncnr, 100)]["Buy Qty"] == 1000
    assert table[(row_of("GONE-01"), 1000)]["Status"] == "NOT FOUND"
    assert table[(row_of("GONE-01"), 1000)]["Ext. Price"] is None
    # every line, every quantity: the same buy quantity, prices and status as the JSON's scenarios
    exported = report_to_dict(report)
    for scenario in exported["scenarios"]:
        for line in scenario["lines"]:
            cells = table[(line["row"], scenario["boards"])]
            purchases = line["purchases"]
            bought = sum(p["buy_qty"] for p in purchases)
            prices = [Decimal(p["ext_price"]) for p in purchases if p["ext_price"] is not None]
            assert cells["Status"] == line["status"], (line["row"], scenario["boards"])
            assert cells["Buy Qty"] == (bought if purchases else None)
            if purchases and len(prices) == len(purchases):
                assert cells["Ext. Price"] == pytest.approx(float(sum(prices)))
                assert cells["Unit Price"] == pytest.approx(float(sum(prices) / bought), abs=1e-4)
            else:
                assert cells["Ext. Price"] is None
    totals = {row[1]: row for row in sheet.iter_rows(values_only=True) if row[1] == "Total (USD)"}
    first_total = Decimal(exported["scenarios"][0]["totals"]["USD"])
    assert totals["Total (USD)"][3 + 3] == pytest.approx(float(first_total))  # under 10 boards' Ext. Price


def test_one_quantity_has_no_quantities_sheet(tmp_path):
    source = make_bom_file(tmp_path / "bom.xlsx")
    workbook = openpyxl.load_workbook(write_report(make_report(source, boards=(10,)), tmp_path / "out.xlsx"))
    assert "Quantities" not in workbook.sheetnames


def test_our_headers_never_take_the_name_of_one_of_the_users(tmp_path):
    path = tmp_path / "bom.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "BOM"
    book.active.append(["Ref", "MPN", "Qty", "Notes", "status"])
    book.active.append(["U1", "OKPART-01", 2, "hand-placed", "approved"])
    book.save(path)
    bom = read_bom(path)
    scenario = Scenario(10, plan_lines([(line, LOOKUPS["OKPART-01"]) for line in bom.lines], 10, "USD"))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    first = write_report(report, tmp_path / "out.xlsx")
    headers = [c.value for c in openpyxl.load_workbook(first)["BOM"][1]]
    assert headers[:5] == ["Ref", "MPN", "Qty", "Notes", "status"]
    assert headers[5] == "bomcheck Status" and headers[6] == "Action" and headers[-1] == "bomcheck Notes"
    assert headers.count("Notes") == 1
    # checked again, the output's own columns are recognised and replaced, never repeated
    again = write_report(replace(report, bom=read_bom(first)), tmp_path / "again.xlsx")
    assert [c.value for c in openpyxl.load_workbook(again)["BOM"][1]] == headers


def test_an_output_of_the_earlier_layout_has_its_columns_replaced(tmp_path):
    path = tmp_path / "old.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "BOM"
    old = ["Need", "Arrow Stock", "MOQ", "NCNR", "Lead Time (wk)", "Buy Qty", "Unit Price", "Ext. Price",
           "Best Source", "Status", "Notes"]
    book.active.append(["Ref", "MPN", "Qty", *old])
    book.active.append(["U1", "OKPART-01", 2, 20, 5, 1, "no", 6, 20, 0.1, 2.0, "x", "OK", "old note"])
    book.save(path)
    bom = read_bom(path)
    scenario = Scenario(10, plan_lines([(line, LOOKUPS["OKPART-01"]) for line in bom.lines], 10, "USD"))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    headers = [c.value for c in sheet[1]]
    assert headers[3:6] == ["Status", "Action", "Need"] and headers[-1] == "Notes"
    assert "old note" not in [c.value for c in sheet[2]]


def test_a_bom_with_wide_columns_after_the_mpn_opens_scrolled_to_the_decision(tmp_path):
    path = tmp_path / "bom.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "BOM"
    book.active.append(["Ref", "MPN", "Qty", "Description", "Supplier notes"])
    book.active.append(["U1", "OKPART-01", 2, "a long description", "notes"])
    book.active.column_dimensions["D"].width = 40
    book.active.column_dimensions["E"].width = 30
    book.save(path)
    bom = read_bom(path)
    scenario = Scenario(10, plan_lines([(line, LOOKUPS["OKPART-01"]) for line in bom.lines], 10, "USD"))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    pane = sheet.sheet_view.pane
    # frozen right of the MPN (B) and below the header (1): 2 columns and 1 row
    assert (pane.xSplit, pane.ySplit, pane.state) == (2, 1, "frozen")
    # C, D and E (8 + 40 + 30 wide) would push Status off screen: the right pane opens at Status (F)
    assert pane.topLeftCell == "F2" and sheet["F1"].value == "Status"


def test_with_several_quantities_the_bom_sheets_numbers_say_they_are_the_first_ones(tmp_path):
    source = make_bom_file(tmp_path / "bom.xlsx")
    several = openpyxl.load_workbook(write_report(make_report(source, boards=(1000, 10, 100)),
                                                  tmp_path / "several.xlsx"))["BOM"]
    assert [cell.value for cell in several[1]][3:13] == [
        "Status", "Action", "Need (1,000 boards)", "Buy Qty (1,000 boards)", "Short (1,000 boards)",
        "Unit Price (1,000 boards)", "Ext. Price (1,000 boards)", "Excess (1,000 boards)",
        "Excess Value (1,000 boards)", "Best Source"]
    # OKPART-01: 2 a board + 2 % attrition at 1000 boards
    assert several.cell(row_of("OKPART-01"), 6).value == 2040
    one = openpyxl.load_workbook(write_report(make_report(source, boards=(10,)), tmp_path / "one.xlsx"))
    # one quantity: the headers as they always were
    assert [cell.value for cell in one["BOM"][1]][5:12] == [
        "Need", "Buy Qty", "Short", "Unit Price", "Ext. Price", "Excess", "Excess Value"]
    assert "Chosen" in [cell.value for cell in one["Offers"][1]]


def test_on_order_quantities_read_with_iso_dates_as_in_the_notes(tmp_path):
    from bomcheck.model import PipelineDelivery

    path = tmp_path / "bom.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Ref", "MPN", "Qty"])
    book.active.append(["U1", "OKPART-01", 2])
    book.save(path)
    bom = read_bom(path)
    # as Arrow writes them: YYYYMMDD and DD-MON-YYYY; the run is on 2024-05-06
    pipeline = (PipelineDelivery("20270206", 20_000), PipelineDelivery("05-JAN-2024", 500))
    lookups = found(offer("ACNA", 10_000, "0.10", mpn="OKPART-01", pipeline=pipeline))
    scenario = Scenario(10, plan_lines([(bom.lines[0], lookups)], 10, "USD"))
    report = Report(bom=bom, boards=10, results=scenario.results, sources=(SourceStatus("Arrow", True),),
                    checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))
    (row,) = table(openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["Offers"])
    assert row["On Order"] == "500 was due 2024-01-05, 20000 due 2027-02-06"
