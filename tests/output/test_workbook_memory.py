"""A CSV's annotated workbook is streamed: the same workbook as ever, a row at a time (issue 20, item 9)."""

from __future__ import annotations

import csv
import gc
import tracemalloc
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bomcheck.bom import read_bom
from bomcheck.errors import OutputError
from bomcheck.model import LineResult, LineStatus, Offer, Purchase, Report
from bomcheck.output.workbook import write_report
from tests.builders import DEFAULT_SOURCES, RESULT_HEADERS

CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
GREEN, RED, HEADER_BLUE = "FFC6EFCE", "FFFFC7CE", "FF1F4E79"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def report_on(path: Path) -> Report:
    """Row 2 bought at Arrow (green), row 3 short (red), row 4 DNP (no colour)."""
    bom = read_bom(path)
    line = {line.row: line for line in bom.lines}
    arrow = Offer(source="Arrow", seller="Arrow Americas", mpn="RC0603FR-0710KL", manufacturer="Yageo",
                  sku="A-1", stock=5000, currency="USD")
    bought = Purchase(offer=arrow, buy_qty=100, unit_price=Decimal("0.0125"), ext_price=Decimal("1.25"),
                      covers_need=True, allocated=20)  # 20 needed: 80 over
    results = (
        LineResult(line=line[2], need=20, status=LineStatus.OK, purchase=bought,
                   stock={"Arrow": 5000, "DigiKey Bonded": 0}, moq=100, ncnr=False, lead_time_weeks=12),
        LineResult(line=line[3], need=10, status=LineStatus.SHORT, reason="4 in stock, need 10", shortage=6,
                   stock={"Arrow": 4, "DigiKey Bonded": 0}),
        LineResult(line=replace(line[4], dnp=True), need=0, status=LineStatus.DNP),
    )
    return Report(bom=bom, boards=10, results=results, sources=DEFAULT_SOURCES, checked_at=CHECKED_AT)


def test_a_csv_output_is_the_same_workbook_as_before(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "bom.csv", [
        ["Ref", "Qty", "MPN", "Description"],
        ["R1", "2", "RC0603FR-0710KL", "10k 1%"],
        ["U1", "1", "LM358DR", "=dual op amp"],
        ["R9", "1", "ZZ-NOT-FITTED", ""],
    ])
    workbook = openpyxl.load_workbook(write_report(report_on(source), tmp_path / "bom.checked.xlsx"))
    assert workbook.sheetnames == ["BOM", "Summary", "Scenarios", "Offers", "RFQ"]
    sheet = workbook["BOM"]
    assert (sheet.max_row, sheet.max_column) == (4, 4 + len(RESULT_HEADERS))  # A..W
    # the user's grid, cell for cell: numbers as numbers, a formula-looking text kept as text
    assert [[sheet.cell(row=r, column=c).value for c in range(1, 5)] for r in range(1, 5)] == [
        ["Ref", "Qty", "MPN", "Description"], ["R1", 2, "RC0603FR-0710KL", "10k 1%"],
        ["U1", 1, "LM358DR", "=dual op amp"], ["R9", 1, "ZZ-NOT-FITTED", None]]
    assert sheet["D3"].data_type == "s" and sheet["D3"].quotePrefix
    assert sheet["A1"].fill.fill_type is None and not sheet["A1"].font.bold  # the user's header as it was
    # our headers: white bold on dark blue, from column E
    ours = range(5, 5 + len(RESULT_HEADERS))
    assert tuple(sheet.cell(row=1, column=c).value for c in ours) == RESULT_HEADERS
    for col in ours:
        header = sheet.cell(row=1, column=col)
        assert header.fill.fgColor.rgb == HEADER_BLUE
        assert header.font.bold and header.font.color.rgb == "FFFFFFFF"
    # the results: Status, Action, Need, Buy Qty, Short, Unit Price, Ext. Price, Excess, Excess Value,
    # Best Source, Maker Bought, Arrow Stock, DigiKey Bonded, MOQ, NCNR, Lifecycle, RoHS, Lead Time, Notes
    row2 = [sheet.cell(row=2, column=c).value for c in range(5, 24)]
    assert row2[:13] == ["OK", "Buy", 20, 100, 0, 0.0125, 1.25, 80, 1.0, "Arrow Americas A-1", "Yageo", 5000,
                         0]
    assert row2[13:15] == [100, "no"] and row2[17] == 12
    assert sheet["J2"].number_format == '#,##0.0000 "USD"' and sheet["K2"].number_format == '#,##0.00 "USD"'
    assert sheet["M2"].number_format == '#,##0.00 "USD"'  # Excess Value: 80 x 0.0125
    # short: 10 needed, 4 in stock: 6 no offer supplies, a number to add up
    short = [sheet.cell(row=3, column=c).value for c in (5, 6, 7, 9, 16, 17)]
    assert short == ["SHORT", "Get quote", 10, 6, 4, 0]
    assert sheet["W3"].value == "4 in stock, need 10"
    # a DNP line: nobody is asked about it, and no cell is left blank
    dnp = [sheet.cell(row=4, column=c).value for c in (5, 6, 8, 9, 16)]
    assert dnp == ["DNP", "Nothing (DNP)", "—", "—", "—"]
    # the colours: a whole row of results in its line's colour, none for DNP, never on the user's cells
    assert {sheet.cell(row=2, column=c).fill.fgColor.rgb for c in range(5, 24)} == {GREEN}
    assert {sheet.cell(row=3, column=c).fill.fgColor.rgb for c in range(5, 24)} == {RED}
    assert {sheet.cell(row=4, column=c).fill.fill_type for c in range(5, 24)} == {None}
    assert sheet["D2"].fill.fill_type is None
    assert sheet["N2"].alignment.wrap_text and sheet["W2"].alignment.wrap_text  # Best Source, Notes wrap
    # panes below the header and right of the MPN; a filter over the table; printed in landscape
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == "A1:W4"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    # widths: the longest value + 2, at least 8 ("RC0603FR-0710KL" 15, "=dual op amp" 12)
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEJN"}
    # E: "Status" header wraps at 7, SHORT is 5 -> 9; J: 0.0125 "USD" = 10 characters -> 12;
    # N: Best Source "Arrow Americas A-1" (18) -> 20
    assert widths == {"A": 8, "B": 8, "C": 17, "D": 14, "E": 9, "J": 12, "N": 20}


def write_big_csv(path: Path, lines: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Designator", "Qty", "Manufacturer", "Manufacturer Part Number", "Description"])
        for n in range(lines):
            writer.writerow([f"R{n}", 1, "Yageo", f"RC0603FR-07{n}KL", "RES SMD 10K OHM 1% 0603 " * 4])


@pytest.mark.parametrize("status", [LineStatus.DNP, LineStatus.ERROR])
def test_writing_a_csv_output_holds_a_row_at_a_time(tmp_path: Path, status: LineStatus) -> None:
    source = tmp_path / "big.csv"
    write_big_csv(source, 3000)  # ~0.4 MB
    bom = read_bom(source)
    assert len(bom.lines) == 3000
    # DNP lines: 18 result cells a line on the BOM sheet; ERROR lines ("Check again") are also each
    # a row of the Summary's list of lines needing action, with a link to its BOM row
    results = tuple(LineResult(line=line, need=1, status=status, reason="timeout") for line in bom.lines)
    report = Report(bom=bom, boards=1, results=results, sources=DEFAULT_SOURCES, checked_at=CHECKED_AT)
    gc.collect()
    tracemalloc.start()
    try:
        output = write_report(report, tmp_path / "big.checked.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Before: ordinary openpyxl sheets, ~300 bytes a cell: 3,001 rows x 23 cells on the BOM sheet (53x the
    # CSV here), and the Summary's 6 cells and a link a line (83x with it). Now a row's cells at a time,
    # the shared strings' index (each distinct text once) and the Summary's links, ~400 bytes each, which
    # openpyxl writes after the rows (1.7x, 6.0x: these lines are short, 130 bytes).
    assert peak < 8 * source.stat().st_size, peak / source.stat().st_size
    workbook = openpyxl.load_workbook(output, read_only=True)
    rows = list(workbook["BOM"].iter_rows(min_row=3000, max_row=3001, values_only=True))
    assert rows[-1][:4] == ("R2999", 1, "Yageo", "RC0603FR-072999KL")
    assert rows[-1][5:7] == (status.value, "Check again" if status is LineStatus.ERROR else "Nothing (DNP)")
    if status is LineStatus.ERROR:
        summary = workbook["Summary"].iter_rows(values_only=True)
        listed = [row[1] for row in summary if isinstance(row[1], int)]
        assert listed[-3000:] == list(range(2, 3002))  # every line, by its BOM row


def test_a_failed_write_leaves_no_temporary_sheet_file(tmp_path: Path, monkeypatch) -> None:
    from openpyxl.worksheet import _writer

    import bomcheck.output.workbook as workbook_module

    source = write_csv(tmp_path / "bom.csv", [["Ref", "Qty", "MPN"], ["R1", "2", "RC0603FR-0710KL"],
                                              ["U1", "1", "LM358DR"], ["R9", "1", "ZZ-NOT-FITTED"]])
    report = report_on(source)
    before = set(_writer.ALL_TEMP_FILES)

    def fails(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workbook_module, "add_offers", fails)  # after the BOM sheet and the Summary
    with pytest.raises(OutputError, match="No space left"):
        write_report(report, tmp_path / "bom.checked.xlsx")
    left = set(_writer.ALL_TEMP_FILES) - before
    assert not [path for path in left if Path(path).exists()]
    assert not (tmp_path / "bom.checked.xlsx").exists()
