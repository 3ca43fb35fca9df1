"""The RFQ file a buyer sends a supplier: the right lines, the header block, the page setup, no leak."""

from __future__ import annotations

import html
import re
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bomcheck.config import load_settings, rfq_config
from bomcheck.errors import ConfigError, OutputError
from bomcheck.model import (
    Alternate,
    Bom,
    BomLine,
    Compliance,
    Lifecycle,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    Report,
    Scenario,
)
from bomcheck.output.rfq_file import (
    RfqRequest,
    build_rfq,
    check_rfq_path,
    designator_ranges,
    is_rfq_file,
    rfq_path,
    write_rfq,
)
from bomcheck.output.rfq_lines import rfq_lines
from bomcheck.output.workbook import write_report
from bomcheck.pricing import plan_lines
from bomcheck.pricing.rules import Rules
from tests.builders import ARROW_STATUS, BONDED_STATUS, found, make_offer

D = Decimal
TODAY = date(2026, 3, 2)
BOARDS = (10, 100)
BONDED_STOCK = 77731  # distinctive: searched for in the RFQ's XML


def offer(mpn: str, stock: int, price: str | None, *, seller: str = "Arrow Zentraleuropa (ZEU)",
          sku: str = "", maker: str = "Yageo", moq: int = 1, ncnr: bool = False, bonded: bool = False,
          lifecycle: Lifecycle = Lifecycle.ACTIVE, rohs: Compliance = Compliance.COMPLIANT) -> Offer:
    return make_offer(mpn, source="DigiKey Bonded" if bonded else "Arrow",
                      seller=seller if not bonded else "DigiKey bonded inventory", maker=maker,
                      sku=sku or f"SKU-{mpn}-Q7", stock=stock, moq=moq, price=price or None, ncnr=ncnr,
                      bonded=bonded, lead_time_weeks=11, description=f"Seller text for {mpn} zq",
                      packaging="Cut Tape (CT) zq", date_code="2417zq", lifecycle=lifecycle,
                      lifecycle_text=lifecycle.value, rohs=rohs,
                      links=(("datasheet", f"https://www.arrow.com/ds/{mpn}.pdf"),))


def line(row: int, mpn: str | None, maker: str | None = "Yageo", qty: int = 2, **more: object) -> BomLine:
    return BomLine(row=row, mpn=mpn, manufacturer=maker, qty=qty, refdes=(f"U{row}",),
                   description=f"BOM description {row}", **more)  # type: ignore[arg-type]


# Each line and what the sources say of it; the comment says what the plan makes of it at 10 boards.
LINES: list[tuple[BomLine, dict[str, Lookup]]] = [
    # plenty in stock: OK, bought, not on the RFQ
    (line(2, "OKPART-01"), found(offer("OKPART-01", 10_000, "0.10"))),
    # 15 in stock for a need of 20: SHORT; two alternates accepted
    (line(3, "SHORTPART-01", customer_pn="ACME-0815",
          alternates=(Alternate("SHORTPART-02", "Yageo"), Alternate("SHORTPART-03"))),
     found(offer("SHORTPART-01", 15, "2.00"))),
    # open-market NCNR: OK, but on the RFQ
    (line(4, "NCNRPART-01"), found(offer("NCNRPART-01", 5000, "0.50", ncnr=True))),
    # nobody lists it
    (line(5, "GONE-01"), {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)}),
    # no MPN: a value-only line, quoted to its description
    (BomLine(row=6, mpn=None, qty=4, refdes=("R1", "R2", "R3", "R4"), description="10k 1% 0402 resistor",
             raw_mpn_text="10k"), {}),
    # covered in full by your own bonded stock (NCNR, as bonded stock is): not on the RFQ
    (line(7, "BONDED-01", customer_pn="ACME-4711"),
     found(offer("BONDED-01", BONDED_STOCK, "0.30", bonded=True, ncnr=True, sku="DKB-BONDED-01"))),
    # only a reel of 2,500 at 2.00: the excess needs approval
    (line(8, "REELPART-01"), found(offer("REELPART-01", 9000, "2.00", moq=2500))),
    # listed only under another maker
    (line(9, "MAKERPART-01", maker="Murata"), found(offer("MAKERPART-01", 900, "0.20", maker="Vishay"))),
    # in stock without a list price
    (line(10, "QUOTEPART-01"), found(offer("QUOTEPART-01", 500, None))),
    # obsolete
    (line(11, "OLDPART-01"), found(offer("OLDPART-01", 8, "1.00", lifecycle=Lifecycle.OBSOLETE))),
    # several parts under one number
    (line(12, "NE555", maker=None),
     {"Arrow": Lookup("Arrow", LookupStatus.AMBIGUOUS, offers=(offer("NE555", 50, "0.30", maker="TI"),
                                                                offer("NE555", 60, "0.31", maker="ST")),
                      candidates=("NE555 (TI)", "NE555 (ST)"))}),
    # RoHS required, not compliant
    (line(13, "LEADED-01"), found(offer("LEADED-01", 900, "0.40", rohs=Compliance.NOT_COMPLIANT))),
    # do not populate
    (BomLine(row=14, mpn="DNPPART-01", manufacturer="Yageo", qty=1, dnp=True), {}),
]
RULES = Rules(require_rohs=True, today=TODAY)


def make_report(tmp_path: Path, boards: tuple[int, ...] = BOARDS) -> Report:
    lines = [bom_line for bom_line, _ in LINES]
    header = ("Ref", "MPN", "Manufacturer", "Description", "Qty")
    grid = (header, *((", ".join(b.refdes), b.mpn or "", b.manufacturer or "", b.description or "", b.qty)
                      for b in lines))
    bom = Bom(path=tmp_path / "board.csv", sheet=None, header_row=1,
              columns={"refdes": "Ref", "mpn": "MPN", "manufacturer": "Manufacturer",
                       "description": "Description", "qty": "Qty"},
              column_index={"refdes": 1, "mpn": 2, "manufacturer": 3, "description": 4, "qty": 5},
              lines=tuple(lines), grid=grid, last_column=5)
    scenarios = tuple(Scenario(n, plan_lines(LINES, n, "USD", rules=RULES)) for n in boards)
    return Report(bom=bom, boards=boards[0], results=scenarios[0].results,
                  sources=(ARROW_STATUS, BONDED_STATUS),
                  checked_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
                  currency="USD", scenarios=scenarios)


FULL = RfqRequest(company="Acme Devices & Co", contact="Jana Buyer", email="buy@acme.example",
                  phone="+49 89 1234", delivery_address="Goods-in, Industriestr. 5\n80939 München",
                  incoterms="DAP Munich", currency="USD", reply_by_days=7, required_by_days=28,
                  packaging="cut tape or reel", terms="Authorised channel only")


def test_the_plan_is_what_the_lines_above_say(tmp_path: Path) -> None:
    statuses = {r.line.row: r.status for r in make_report(tmp_path).results}
    assert statuses == {2: LineStatus.OK, 3: LineStatus.SHORT, 4: LineStatus.OK, 5: LineStatus.NOT_FOUND,
                        6: LineStatus.NO_MPN, 7: LineStatus.OK, 8: LineStatus.OK, 9: LineStatus.OTHER_MAKER,
                        10: LineStatus.QUOTE, 11: LineStatus.OBSOLETE, 12: LineStatus.AMBIGUOUS,
                        13: LineStatus.NOT_ROHS, 14: LineStatus.DNP}
    reel = next(r for r in make_report(tmp_path).results if r.line.row == 8)
    assert reel.overbuy is not None  # 2,480 over need worth 4,960 USD: approval needed


def test_lines_to_quote_and_their_quantities(tmp_path: Path) -> None:
    chosen = {item.line.row: item for item in rfq_lines(make_report(tmp_path))}
    # OK (2), bonded-covered (7) and DNP (14) are left out; every other line is asked.
    assert sorted(chosen) == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    assert chosen[3].why == ("SHORT",)
    assert chosen[4].why == ("NCNR",)
    assert chosen[8].why == ("excess",)
    assert chosen[6].why == ("NO MPN",)
    assert chosen[6].ask == "no MPN: quote to the description"
    # need = qty per board x boards, the whole need (no stock of yours covers any of it)
    assert chosen[3].quantities == (20, 200)
    assert chosen[6].quantities == (40, 400)
    assert chosen[12].ask == "MPN shared by several parts: name the maker"


def test_a_line_partly_covered_by_bonded_stock_quotes_the_rest(tmp_path: Path) -> None:
    part = "PARTBOND-01"
    lines = [(line(2, part, qty=5), found(offer(part, 30, "0.30", bonded=True, ncnr=True),
                                           offer(part, 10, "0.90")))]
    # need 50: 30 released from bonded stock, 10 bought, 10 short: SHORT, 20 to quote
    results = plan_lines(lines, 10, "USD", rules=RULES)
    assert results[0].status is LineStatus.SHORT
    report = make_report(tmp_path)
    report = Report(bom=report.bom, boards=10, results=results, sources=report.sources,
                    checked_at=report.checked_at, scenarios=(Scenario(10, results),))
    (item,) = rfq_lines(report)
    assert item.quantities == (20,)


def test_rohs_required_is_the_request_when_it_is_why_stock_is_not_bought(tmp_path: Path) -> None:
    # 900 in stock, not compliant; the compliant offer has none (a backorder of 20 at 0.50): with
    # RoHS required the line is NOT ROHS, and the supplier is asked for a compliant part.
    part = "LEADSTOCK-01"
    lines = [(line(2, part), found(offer(part, 900, "0.40", rohs=Compliance.NOT_COMPLIANT),
                                   offer(part, 0, "0.50", seller="Arrow Americas (ACNA)")))]
    results = plan_lines(lines, 10, "USD", rules=RULES)
    assert results[0].status is LineStatus.NOT_ROHS
    report = make_report(tmp_path)
    report = Report(bom=report.bom, boards=10, results=results, sources=report.sources,
                    checked_at=report.checked_at, scenarios=(Scenario(10, results),))
    (item,) = rfq_lines(report)
    assert (item.ask, item.quantities) == ("RoHS compliant part only", (20,))
    path = write_rfq(report, tmp_path / "board.rfq.xlsx", FULL, today=TODAY)
    _, rows = table(rfq_sheet(path)[1])[1:]
    assert [(row["MPN"], row["Request"]) for row in rows] == [(part, "RoHS compliant part only")]


def test_a_line_known_only_by_a_sellers_number_is_quoted_to_it(tmp_path: Path) -> None:
    """A line whose only identity is the BOM's own seller column (nobody found the number): the
    supplier gets that number and a request to quote to it, not a row that names no part."""
    known = BomLine(row=2, mpn=None, qty=1, refdes=("J5",), digikey_pn="1572-1715-ND",
                    distributor_pns=(("digikey_pn", "1572-1715-ND"),))
    results = plan_lines([(known, {"Arrow": Lookup("Arrow", LookupStatus.NOT_FOUND)})], 10, "USD")
    assert results[0].status is LineStatus.NOT_FOUND
    report = make_report(tmp_path)
    report = Report(bom=report.bom, boards=10, results=results, sources=report.sources,
                    checked_at=report.checked_at, scenarios=(Scenario(10, results),))
    path = write_rfq(report, tmp_path / "board.rfq.xlsx", FULL, today=TODAY)
    _, rows = table(rfq_sheet(path)[1])[1:]
    said = [(row["MPN"], row["Description"], row["Request"], row["Qty for 10 boards"]) for row in rows]
    assert said == [("—", "(seller's part no. 1572-1715-ND)",
                     "no MPN: quote to the seller's part no. and the description", 10)]


def rfq_sheet(path: Path):
    workbook = openpyxl.load_workbook(path)
    return workbook, workbook["RFQ"]


def table(sheet) -> tuple[int, list[str], list[dict[str, object]]]:
    """The table's header row number, headers and rows as dicts."""
    head = next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row=row, column=1).value == "Item")
    headers = [cell.value for cell in sheet[head]]
    rows = [dict(zip(headers, (cell.value for cell in sheet[row]), strict=True))
            for row in range(head + 1, sheet.max_row + 1)]
    return head, headers, rows


def header_block(sheet, head: int) -> dict[str, object]:
    """Label -> value of the header block: each label's value is two columns to its right."""
    block = {}
    for row in range(1, head):
        for col in range(1, sheet.max_column + 1):
            label = sheet.cell(row=row, column=col).value
            bold = sheet.cell(row=row, column=col).font.bold
            if isinstance(label, str) and bold and col + 2 <= sheet.max_column:
                block[label] = sheet.cell(row=row, column=col + 2).value
    return block


def test_rows_cells_and_answer_columns(tmp_path: Path) -> None:
    path = write_rfq(make_report(tmp_path), tmp_path / "board.rfq.xlsx", FULL, today=TODAY)
    _, sheet = rfq_sheet(path)
    head, headers, rows = table(sheet)
    assert headers == ["Item", "Our part no.", "MPN", "Maker", "Alternates accepted", "Description",
                       "Designators", "Qty per board", "Qty for 10 boards", "Qty for 100 boards",
                       "Packaging wanted", "Request", "Quoted MPN", "Quoted maker", "Unit price, 10 boards",
                       "Unit price, 100 boards", "MOQ", "SPQ (pack)", "Lead time (weeks)", "Date code",
                       "Quote valid until", "Remarks"]
    assert [row["Item"] for row in rows] == list(range(1, 11))
    by_mpn = {row["MPN"]: row for row in rows}
    short = by_mpn["SHORTPART-01"]
    assert short["Maker"] == "Yageo"
    assert short["Alternates accepted"] == "SHORTPART-02, SHORTPART-03"
    assert short["Description"] == "BOM description 3"
    assert short["Designators"] == "U3"
    assert (short["Qty per board"], short["Qty for 10 boards"], short["Qty for 100 boards"]) == (2, 20, 200)
    assert short["Packaging wanted"] == "cut tape or reel"
    value_only = by_mpn["—"]
    assert value_only["Description"] == "10k 1% 0402 resistor"
    assert value_only["Designators"] == "R1-R4"
    assert value_only["Request"] == "no MPN: quote to the description"
    assert "BONDED-01" not in by_mpn and "OKPART-01" not in by_mpn and "DNPPART-01" not in by_mpn
    assert short["Our part no."] == "ACME-0815"
    assert all(row["Our part no."] is None for row in rows if row is not short)
    assert "ACME-4711" not in xml_text(path)  # the bonded line's own number: that line is not asked
    # the supplier's columns: empty, shaded, validated
    first_answer = headers.index("Quoted MPN") + 1
    for row in range(head + 1, head + 1 + len(rows)):
        for col in range(first_answer, len(headers) + 1):
            cell = sheet.cell(row=row, column=col)
            assert cell.value is None
            assert cell.fill.fgColor.rgb == "FFFFF2CC"
        assert sheet.cell(row=row, column=1).fill.fgColor.rgb != "FFFFF2CC"
    price = sheet.cell(row=head + 1, column=headers.index("Unit price, 10 boards") + 1)
    assert price.number_format == '#,##0.0000 "USD"'
    kinds = {dv.type for dv in sheet.data_validations.dataValidation}
    assert kinds == {"decimal", "whole", "date"}
    assert sheet.freeze_panes == f"{openpyxl.utils.get_column_letter(headers.index('MPN') + 2)}{head + 1}"


def test_header_block_from_the_config(tmp_path: Path) -> None:
    path = write_rfq(make_report(tmp_path), tmp_path / "board.rfq.xlsx", FULL, today=TODAY)
    _, sheet = rfq_sheet(path)
    head, _, _ = table(sheet)
    block = header_block(sheet, head)
    assert sheet["A1"].value == "Request for quotation"
    assert block["From"] == "Acme Devices & Co"
    assert block["Contact"] == "Jana Buyer"
    assert block["Email"] == "buy@acme.example"
    assert block["Phone"] == "+49 89 1234"
    assert block["Deliver to"] == "Goods-in, Industriestr. 5\n80939 München"
    address = next(row for row in range(1, head) if sheet.cell(row=row, column=1).value == "Deliver to")
    assert sheet.cell(row=address, column=3).alignment.wrap_text  # both lines shown
    assert sheet.row_dimensions[address].height >= 2 * 11
    assert block["Incoterms"] == "DAP Munich"
    assert block["Currency"] == "USD"
    assert block["Date issued"].date() == date(2026, 3, 2)
    assert block["Reply by"].date() == date(2026, 3, 9)
    assert block["Required on site by"].date() == date(2026, 3, 30)
    assert re.fullmatch(r"RFQ-20260302-[0-9A-F]{6}", block["RFQ number"])
    texts = [sheet.cell(row=row, column=1).value for row in range(1, head)]
    assert "Terms: Authorised channel only" in texts
    assert any(isinstance(text, str) and "return this file by 2026-03-09 to buy@acme.example" in text
               for text in texts)


def test_unset_header_fields_are_visible_blanks(tmp_path: Path) -> None:
    path = write_rfq(make_report(tmp_path), tmp_path / "board.rfq.xlsx", RfqRequest(), today=TODAY)
    _, sheet = rfq_sheet(path)
    head, _, _ = table(sheet)
    block = header_block(sheet, head)
    for label in ("From", "Contact", "Email", "Phone", "Deliver to", "Incoterms", "Reply by",
                  "Required on site by"):
        assert block[label] is None, label
    # each blank is a line to write on
    email_row = next(row for row in range(1, head) if sheet.cell(row=row, column=1).value == "Email")
    assert sheet.cell(row=email_row, column=3).border.bottom.style == "thin"
    assert block["Currency"] == "USD"  # the run's, when [rfq] names none
    assert block["RFQ number"].startswith("RFQ-20260302-")


def test_the_generated_number_is_stable_for_the_same_bom_and_day(tmp_path: Path) -> None:
    def number(boards: tuple[int, ...] = BOARDS, day: date = TODAY) -> str:
        return build_rfq(make_report(tmp_path, boards), RfqRequest(), today=day)["RFQ"].oddFooter.left.text

    first, again, other_day, fewer = number(), number(), number(day=date(2026, 3, 3)), number((10,))
    assert first == again
    assert other_day.startswith("RFQ-20260303-") and other_day[-6:] == first[-6:]
    assert fewer != first  # other quantities asked: another request
    own = build_rfq(make_report(tmp_path), RfqRequest(number="PO-77"), today=TODAY)["RFQ"]
    assert own.oddFooter.left.text == "PO-77"


def test_page_setup(tmp_path: Path) -> None:
    path = write_rfq(make_report(tmp_path), tmp_path / "board.rfq.xlsx", FULL, today=TODAY)
    _, sheet = rfq_sheet(path)
    head, headers, rows = table(sheet)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${head - 1}:${head}"
    last = openpyxl.utils.get_column_letter(len(headers))
    assert sheet.print_area == f"'RFQ'!$A$1:${last}${head + len(rows)}"
    number = header_block(sheet, head)["RFQ number"]
    assert sheet.oddFooter.left.text == number
    assert sheet.oddFooter.right.text == "Page &P of &N"
    assert sheet.oddHeader.right.text == f"Request for quotation {number}"
    assert sheet.oddHeader.left.text == "Acme Devices && Co"  # '&' is a code in headers: doubled


def test_letter_paper(tmp_path: Path) -> None:
    sheet = build_rfq(make_report(tmp_path), RfqRequest(paper="Letter"), today=TODAY)["RFQ"]
    assert sheet.page_setup.paperSize == 1


def test_target_price_only_when_asked(tmp_path: Path) -> None:
    report = make_report(tmp_path)
    _, headers, _ = table(build_rfq(report, FULL, today=TODAY)["RFQ"])
    assert not any("Target" in header for header in headers)
    asked = tmp_path / "target.rfq.xlsx"
    write_rfq(report, asked, RfqRequest(target_price=True), today=TODAY)
    _, sheet = rfq_sheet(asked)
    _, headers, rows = table(sheet)
    assert "Target unit price, 10 boards" in headers and "Target unit price, 100 boards" in headers
    by_mpn = {row["MPN"]: row for row in rows}
    assert by_mpn["NCNRPART-01"]["Target unit price, 10 boards"] == 0.5
    assert by_mpn["REELPART-01"]["Target unit price, 100 boards"] == 2.0
    assert by_mpn["GONE-01"]["Target unit price, 10 boards"] is None  # nothing priced: no target


def appears(needle: str, text: str) -> bool:
    """`needle` in `text` as a whole: not inside a longer number or word ("2550" is not in "255000")."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(needle)}(?![0-9A-Za-z])", text) is not None


def xml_text(path: Path) -> str:
    """Every XML part of the file, entities decoded, as one text."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(html.unescape(archive.read(name).decode("utf-8")) for name in archive.namelist())


def offers_strings(workbook_path: Path, report: Report) -> set[str]:
    """Every text of the Offers sheet that is not the BOM's own words (MPNs, makers asked for) or a
    word of the sheet's own vocabulary."""
    sheet = openpyxl.load_workbook(workbook_path)["Offers"]
    bom_words = {w for b in report.bom.lines for w in (b.mpn, b.manufacturer, b.description) if w}
    bom_words |= {f"{alt.mpn} (alternate)" for b in report.bom.lines for alt in b.alternates}
    headers = {cell.value for cell in sheet[1]}
    texts = {cell.value for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    # Short words any sheet uses ("YES", "no", "found", "USD") and the words for kinds are not offer data.
    vocabulary = {"found", "not found", "ambiguous: not planned", "YES", "no", "USD", "—", "yes", "unknown",
                  "datasheet", "page", "chosen", "authorized", "marketplace"}
    vocabulary |= {kind.value for enum in (Lifecycle, Compliance) for kind in enum}
    return {text for text in texts - headers - bom_words - vocabulary if len(text) >= 3}


def test_nothing_of_the_offers_reaches_the_rfq(tmp_path: Path) -> None:
    report = make_report(tmp_path)
    workbook = write_report(report, tmp_path / "board.checked.xlsx")
    rfq = write_rfq(report, rfq_path(workbook), FULL, today=TODAY)
    text = xml_text(rfq)
    leaks = offers_strings(workbook, report)
    # the Offers sheet holds what the test searches for (at least the sellers' part numbers)
    assert {"SKU-SHORTPART-01-Q7", "DKB-BONDED-01"} <= leaks
    assert [leak for leak in sorted(leaks) if appears(leak, text)] == []
    every_offer = [o for bom_line, lookups in LINES for lookup in lookups.values() for o in lookup.offers]
    for name in ("Arrow", "DigiKey", "Bonded", "Verical", "Zentraleuropa", "ZEU"):
        assert name not in text, name
    for an_offer in every_offer:  # and what any offer says, on the Offers sheet or not
        for said in (an_offer.sku, an_offer.seller, an_offer.description, an_offer.packaging,
                     an_offer.date_code, *(url for _, url in an_offer.links)):
            assert said not in text, said
    assert str(BONDED_STOCK) not in text and f"{BONDED_STOCK:,}" not in text
    # and no price: no offer's price as a number in any cell of the file (no target price asked)
    values = {cell.value for row in openpyxl.load_workbook(rfq)["RFQ"].iter_rows() for cell in row}
    assert not {0.1, 2.0, 0.5, 0.3, 0.2, 1.0, 0.4, 0.31} & {v for v in values if isinstance(v, float)}


def test_no_notes_or_reasons_of_the_plan_reach_the_rfq(tmp_path: Path) -> None:
    report = make_report(tmp_path)
    text = xml_text(write_rfq(report, tmp_path / "x.rfq.xlsx", FULL, today=TODAY))
    for result in report.results:
        for note in (*result.notes, *result.reason.split("; "), *result.decisions):
            if len(note) > 12:
                assert note not in text, note


def test_rfq_path_beside_the_output() -> None:
    assert rfq_path(Path("/out/board.checked.xlsx")) == Path("/out/board.rfq.xlsx")
    assert rfq_path(Path("/out/board (2).checked.xlsm")) == Path("/out/board (2).rfq.xlsx")
    assert rfq_path(Path("/out/mine.xlsx")) == Path("/out/mine.rfq.xlsx")
    assert is_rfq_file(Path("board (2).rfq.xlsx")) and not is_rfq_file(Path("board.checked.xlsx"))


def test_written_atomically_and_never_over_the_bom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = make_report(tmp_path)
    target = tmp_path / "board.rfq.xlsx"
    target.write_bytes(b"the earlier RFQ")

    def fail(workbook, filename) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bomcheck.output.rfq_file.save_workbook", fail)
    with pytest.raises(OutputError, match="No space left"):
        write_rfq(report, target, FULL, today=TODAY)
    assert target.read_bytes() == b"the earlier RFQ"
    assert [p.name for p in tmp_path.iterdir()] == ["board.rfq.xlsx"]
    monkeypatch.undo()
    with pytest.raises(OutputError, match="refusing to overwrite the input file"):
        write_rfq(report, report.bom.path, FULL, today=TODAY)


def test_designator_ranges() -> None:
    assert designator_ranges(["R1", "R2", "R3", "R4", "R7", "C2", "C3"]) == "R1-R4, R7, C2, C3"
    assert designator_ranges(["U1", "U2", "U3", "J1"]) == "U1-U3, J1"
    assert designator_ranges(["TP", "R10", "R11", "R12"]) == "TP, R10-R12"


def test_rfq_section_of_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[rfq]\ncompany = "Acme"\nreply_by_days = 7\nrequired_by_days = "28"\n'
                      'currency = "eur"\npaper = "letter"\ndelivery_address = """Dock 3\nMunich"""\n',
                      encoding="utf-8")
    values = rfq_config(load_settings(env={}, path=config))
    request = RfqRequest(**values)
    assert (request.company, request.reply_by_days, request.required_by_days) == ("Acme", 7, 28)
    assert (request.currency, request.paper, request.delivery_address) == ("EUR", "Letter", "Dock 3\nMunich")
    assert request.contact == "" and request.number == ""
    config.write_text('[rfq]\nreply_by_days = "next week"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="reply_by_days must be a whole number of days"):
        rfq_config(load_settings(env={}, path=config))
    env = {"BOMCHECK_RFQ_CONTACT": "Jana"}
    assert rfq_config(load_settings(env=env, path=tmp_path / "none.toml"))["contact"] == "Jana"


def test_the_rfq_file_may_not_be_the_workbook_or_the_json(tmp_path: Path) -> None:
    bom = tmp_path / "board.csv"
    with pytest.raises(OutputError, match="the RFQ file and the workbook would both be"):
        check_rfq_path(tmp_path / "x.rfq.xlsx", output=tmp_path / "x.rfq.xlsx", protect=bom)
    with pytest.raises(OutputError, match="--json and the RFQ file would both be"):
        check_rfq_path(tmp_path / "x.rfq.xlsx", output=tmp_path / "x.checked.xlsx", protect=bom,
                       json_output=tmp_path / "x.rfq.xlsx")
    check_rfq_path(tmp_path / "x.rfq.xlsx", output=tmp_path / "x.checked.xlsx", protect=bom)


def test_target_prices_asked_in_another_currency_than_the_run_are_said_to_stay_empty(tmp_path, caplog):
    report = make_report(tmp_path)  # priced in USD
    request = RfqRequest(company="Acme", currency="EUR", target_price=True)
    with caplog.at_level("WARNING"):
        path = write_rfq(report, tmp_path / "board.rfq.xlsx", request, today=TODAY)
    assert "asks for prices in EUR but this run priced in USD" in caplog.text
    assert "--currency EUR" in caplog.text
    _, rows = table(rfq_sheet(path)[1])[1:]
    assert all(row["Target unit price, 10 boards"] is None for row in rows)
