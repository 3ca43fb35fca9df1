"""Tests of the annotated-workbook writer: user content kept, result columns, Summary, safety."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from bomcheck.bom import read_bom
from bomcheck.errors import OutputError
from bomcheck.model import (
    Bom,
    BomLine,
    LineResult,
    LineStatus,
    Offer,
    Purchase,
    Report,
)
from bomcheck.output.workbook import default_output_path, write_report
from tests.builders import ARROW_STATUS, BONDED_STATUS, DEFAULT_SOURCES, RESULT_HEADERS, make_offer

CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
OUR_SHEETS = ["Summary", "Scenarios", "Offers", "RFQ"]  # one build quantity: no Quantities sheet


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_user_workbook(path: Path, *, summary_sheet: bool = False) -> Path:
    """Title row, header in row 2, four lines, a formula column and a second sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    sheet["A1"] = "Widget BOM rev B"
    sheet["A1"].font = Font(bold=True, color="FFFFFFFF")
    sheet["A1"].fill = PatternFill("solid", fgColor="FFFF0000")
    sheet.append(["Ref", "MPN", "Qty", "Unit cost", "Line cost"])
    rows = [["R1", "RC0603", 2, 0.01], ["U1", "LM358DR", 1, 0.3],
            ["R9", "DNP", 0, 0], ["TP1", None, 1, 0], ["C1", "GRM188", 3, 0.02]]
    for number, row in enumerate(rows, start=3):
        sheet.append([*row, f"=C{number}*D{number}"])
    notes = workbook.create_sheet("Notes")
    notes["A1"] = "keep me"
    if summary_sheet:
        workbook.create_sheet("Summary")["A1"] = "the user's own summary"
    workbook.save(path)
    return path


def offer(source: str, seller: str, sku: str, currency: str = "USD") -> Offer:
    return make_offer(source=source, seller=seller, maker="M", sku=sku, price=None, currency=currency)


def purchase(an_offer: Offer, qty: int, unit: str | None) -> Purchase:
    unit_price = Decimal(unit) if unit is not None else None
    ext = unit_price * qty if unit_price is not None else None
    return Purchase(offer=an_offer, buy_qty=qty, unit_price=unit_price, ext_price=ext,
                    covers_need=True)


def make_report(path: Path, *, sheet: str | None = "BOM", header_row: int = 2,
                last_column: int = 5, grid: tuple = (), first_row: int = 3) -> Report:
    rows = range(first_row, first_row + 5)
    lines = [
        BomLine(row=rows[0], mpn="RC0603", qty=2, refdes=("R1",)),
        BomLine(row=rows[1], mpn="LM358DR", qty=1, refdes=("U1",)),
        BomLine(row=rows[2], mpn=None, qty=0, dnp=True, raw_mpn_text="DNP"),
        BomLine(row=rows[3], mpn=None, qty=1, refdes=("TP1",)),
        BomLine(row=rows[4], mpn="GRM188", qty=3),
    ]
    results = (
        LineResult(line=lines[0], need=20, status=LineStatus.OK,
                   purchase=replace(purchase(offer("Arrow", "Arrow Americas", "A-1"), 100, "0.0123"),
                                    allocated=20),
                   stock={"Arrow": 5000, "DigiKey Bonded": 0}, moq=100, ncnr=False,
                   lead_time_weeks=12),
        LineResult(line=lines[1], need=10, status=LineStatus.SHORT,
                   reason="120 in stock, need 400",
                   purchase=purchase(offer("Arrow", "Verical", "V-9"), 10, None),
                   stock={"Arrow": 120, "DigiKey Bonded": None}, moq=1, ncnr=True),
        LineResult(line=lines[2], need=0, status=LineStatus.DNP),
        LineResult(line=lines[3], need=10, status=LineStatus.NO_MPN, reason="no MPN"),
        LineResult(line=lines[4], need=30, status=LineStatus.OK, reason="=1+1",
                   purchase=purchase(offer("DigiKey Bonded", '=HYPERLINK("http://x")', "@D",
                                           currency="EUR"), 30, "0.5"),
                   stock={"DigiKey Bonded": 30}),
    )
    bom = Bom(path=path, sheet=sheet, header_row=header_row, columns={}, column_index={"mpn": 2},
              lines=tuple(lines), grid=grid, last_column=last_column)
    return Report(bom=bom, boards=10, results=results,
                  sources=(ARROW_STATUS, replace(BONDED_STATUS, checked=False, message="no login")),
                  checked_at=CHECKED_AT)


def summary_of(workbook, title: str = "Summary") -> dict:
    sheet = workbook[title]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}


@pytest.fixture
def written(tmp_path: Path):
    source = make_user_workbook(tmp_path / "bom.xlsx")
    before = sha256(source)
    output = write_report(make_report(source), tmp_path / "bom.checked.xlsx")
    assert sha256(source) == before
    return openpyxl.load_workbook(output)


def test_user_content_and_formatting_survive(written) -> None:
    sheet = written["BOM"]
    assert sheet["E3"].value == "=C3*D3"
    assert sheet["E3"].data_type == "f"
    assert sheet["A1"].fill.fgColor.rgb == "FFFF0000"
    assert sheet["A1"].font.bold
    assert sheet["B4"].value == "LM358DR"
    assert written["Notes"]["A1"].value == "keep me"
    assert written.sheetnames == ["BOM", "Notes", *OUR_SHEETS]


def test_result_headers_in_header_row_after_last_column(written) -> None:
    sheet = written["BOM"]
    headers = [sheet.cell(row=2, column=col).value for col in range(6, 6 + len(RESULT_HEADERS))]
    assert headers == list(RESULT_HEADERS)
    assert RESULT_HEADERS[:2] == ("Status", "Action") and RESULT_HEADERS[-1] == "Notes"
    status = sheet.cell(row=2, column=6)
    assert status.font.bold and status.font.color.rgb == "FFFFFFFF" and status.fill.fgColor.rgb == "FF1F4E79"
    assert sheet["B2"].fill.fill_type is None  # the user's own header is left as it was
    assert sheet.cell(row=2, column=6 + len(RESULT_HEADERS)).value is None
    best_source = 6 + RESULT_HEADERS.index("Best Source")
    assert sheet.column_dimensions[get_column_letter(best_source)].width >= len("Arrow Americas A-1")
    # frozen below the header (row 2) and right of the MPN column (B)
    assert sheet.freeze_panes == "C3"


def result_row(sheet, row: int) -> dict:
    return {header: sheet.cell(row=row, column=6 + i) for i, header in enumerate(RESULT_HEADERS)}


def test_values_per_line(written) -> None:
    sheet = written["BOM"]
    ok = result_row(sheet, 3)
    assert ok["Need"].value == 20
    assert ok["Arrow Stock"].value == 5000
    assert ok["DigiKey Bonded"].value == 0
    assert ok["MOQ"].value == 100
    assert ok["NCNR"].value == "no"
    assert ok["Lead Time (wk)"].value == 12
    assert ok["Buy Qty"].value == 100
    assert ok["Unit Price"].value == pytest.approx(0.0123)
    assert ok["Unit Price"].number_format == '#,##0.0000 "USD"'
    assert ok["Ext. Price"].value == pytest.approx(1.23)
    assert ok["Ext. Price"].number_format == '#,##0.00 "USD"'
    assert ok["Best Source"].value == "Arrow Americas A-1"  # the seller names the source already
    assert ok["Status"].value == "OK"

    short = result_row(sheet, 4)
    assert short["DigiKey Bonded"].value == "not checked"
    assert short["NCNR"].value == "YES"
    assert short["Lead Time (wk)"].value == "unknown"  # bought, but no source said: never blank, never 0
    assert short["Action"].value == "Get quote"
    assert short["Unit Price"].value == "—" and short["Ext. Price"].value == "—"
    assert short["Status"].value == "SHORT"  # the status alone: the autofilter lists each once
    assert short["Notes"].value.startswith("120 in stock, need 400")

    dnp = result_row(sheet, 5)
    assert dnp["Status"].value == "DNP"
    assert dnp["Arrow Stock"].value == "—"  # not asked by design, unlike "not checked"
    assert dnp["NCNR"].value == "—" and dnp["Buy Qty"].value == "—"  # nothing to say, never a blank cell
    assert dnp["Lead Time (wk)"].value == "—" and dnp["Action"].value == "Nothing (DNP)"
    assert dnp["Best Source"].value == "—"
    assert result_row(sheet, 6)["Status"].value == "NO MPN"
    assert result_row(sheet, 6)["Notes"].value == "no MPN"


def test_formula_like_text_is_stored_as_text(written) -> None:
    row = result_row(written["BOM"], 7)
    assert row["Best Source"].value == 'DigiKey Bonded: =HYPERLINK("http://x") @D'
    assert row["Notes"].value == "=1+1"
    sheet = written["BOM"]
    assert all(cell.data_type == "s" for cell in (row["Best Source"], row["Notes"]))
    assert sheet.cell(row=7, column=6 + RESULT_HEADERS.index("Maker Bought")).data_type == "s"


def test_formula_text_at_cell_start_is_not_a_formula(tmp_path: Path) -> None:
    source = tmp_path / "=cmd.csv"
    source.write_text("MPN,Note\n=SUM(A1:A9),+1\n", encoding="utf-8")
    grid = (("MPN", "Note"), ("=SUM(A1:A9)", "+1"), ("-cmd", "@x"))
    report = make_report(source, sheet=None, header_row=1, last_column=2, grid=grid,
                         first_row=2)
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    for coordinate, text in (("A2", "=SUM(A1:A9)"), ("B2", "+1"), ("A3", "-cmd"), ("B3", "@x")):
        assert sheet[coordinate].value == text
        assert sheet[coordinate].data_type == "s"
    file_cell = sheet.parent["Summary"]["B2"]
    assert (file_cell.value, file_cell.data_type) == ("=cmd.csv", "s")


def test_uncalculated_formula_column_is_not_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "scripted.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["MPN", "Qty"])
    sheet.append(["LM358DR", 2, '=A2&"-"&B2'])  # no header, never calculated: no cached value
    workbook.save(source)
    bom = read_bom(source)
    assert bom.last_column == 2  # the reader cannot see the formula's value
    line = bom.lines[0]
    report = Report(bom=bom, boards=1, sources=DEFAULT_SOURCES, checked_at=CHECKED_AT,
                    results=(LineResult(line=line, need=2, status=LineStatus.OK),))
    out = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx")).active
    assert out["C2"].value == '=A2&"-"&B2'
    assert out["D1"].value == "Status" and out["D2"].value == "OK"
    assert out["F1"].value == "Need" and out["F2"].value == 2


def test_summary_sheet(written) -> None:
    summary = summary_of(written)
    assert summary["Checked at"] == "2024-05-06T07:08:09+00:00"
    assert summary["File"] == "bom.xlsx"
    assert summary["Sheet"] == "BOM"
    assert summary["Boards"] == 10
    assert summary["Currency"] == "USD"
    assert summary["Source: Arrow"] == "checked"
    assert summary["Source: DigiKey Bonded"] == "not checked: no login"
    # the per-quantity table: one column (B) for the one quantity
    assert summary["Per build quantity"] == "10 boards"
    assert summary["Total (USD)"] == pytest.approx(1.23)  # 100 x 0.0123
    assert summary["Total (EUR)"] == pytest.approx(15.0)  # 30 x 0.5
    assert summary["Lines"] == 5
    assert summary["Status OK"] == 2
    assert summary["Status SHORT"] == 1
    assert summary["Status DNP"] == 1
    assert summary["Status NO MPN"] == 1
    assert "Status NOT FOUND" not in summary  # only the statuses some quantity has
    # 4 lines to buy; priced: the OK ones (the SHORT line has no price, NO MPN none)
    assert summary["Priced lines"] == "2 of 4"
    assert summary["Not priced (rows)"] == "4, 6"
    # RC0603: 100 bought for a need of 20: 80 over need at 0.0123 = 0.984 USD
    assert summary["Excess value (USD)"] == pytest.approx(0.984)
    assert summary["Longest lead time (wk)"] == 12 and summary["Longest lead time part"] == "RC0603 (row 3)"
    assert summary["Action Buy"] == 2 and summary["Action Get quote"] == 1 and summary["Action Fix BOM"] == 1


def test_users_own_summary_sheet_is_kept(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx", summary_sheet=True)
    workbook = openpyxl.load_workbook(write_report(make_report(source), tmp_path / "out.xlsx"))
    assert workbook["Summary"]["A1"].value == "the user's own summary"
    assert summary_of(workbook, "bomcheck Summary")["Lines"] == 5


def test_writing_twice_replaces_our_summary(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    first = write_report(make_report(source), tmp_path / "first.xlsx")
    second = write_report(make_report(first), tmp_path / "second.xlsx")
    assert openpyxl.load_workbook(second).sheetnames == ["BOM", "Notes", *OUR_SHEETS]


def test_csv_input_becomes_new_workbook_with_grid(tmp_path: Path) -> None:
    source = tmp_path / "bom.csv"
    source.write_text("ignored: the writer uses the grid\n", encoding="utf-8")
    before = sha256(source)
    grid = (("MPN", "Qty", "Package", "Price"),
            ("RC0603", "2", "0603", "0.25"),
            ("LM358DR", "1", None, None),
            ("TP", "1"), ("X", "1"), ("GRM188", "3"))
    report = make_report(source, sheet=None, header_row=1, last_column=4, grid=grid,
                         first_row=2)
    output = write_report(report, default_output_path(source))
    assert output == tmp_path / "bom.checked.xlsx"
    assert sha256(source) == before
    workbook = openpyxl.load_workbook(output)
    sheet = workbook["BOM"]
    assert [cell.value for cell in sheet[1][:4]] == ["MPN", "Qty", "Package", "Price"]
    assert sheet["B2"].value == 2 and isinstance(sheet["B2"].value, int)
    assert sheet["C2"].value == "0603"  # a leading zero means text
    assert sheet["D2"].value == pytest.approx(0.25)
    assert sheet["C3"].value is None
    assert sheet.cell(row=1, column=5).value == "Status"
    assert sheet.cell(row=2, column=5).value == "OK"
    # a text input's columns get widths from their values (the default would cut MPNs)
    assert sheet.column_dimensions["A"].width == len("LM358DR") + 2
    assert sheet.column_dimensions["D"].width == 8  # narrow values: the least width
    assert summary_of(workbook)["Sheet"] == "BOM"


def test_output_same_as_input_is_refused(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    before = sha256(source)
    with pytest.raises(OutputError, match="input"):
        write_report(make_report(source), source)
    with pytest.raises(OutputError):
        write_report(make_report(source), tmp_path / "sub" / ".." / "bom.xlsx")
    assert sha256(source) == before


def test_unwritable_directory(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    not_a_dir = tmp_path / "file.txt"
    not_a_dir.write_text("x")
    output = not_a_dir / "out.xlsx"
    with pytest.raises(OutputError) as caught:
        write_report(make_report(source), output)
    assert str(not_a_dir) in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    output = tmp_path / "taken.xlsx"
    output.mkdir()
    before = set(tmp_path.iterdir())
    with pytest.raises(OutputError, match=r"taken\.xlsx: it is a folder"):
        write_report(make_report(source), output)
    assert set(tmp_path.iterdir()) == before


def test_failed_move_leaves_no_temp_file_and_the_old_output_intact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    output = tmp_path / "out.xlsx"
    output.write_bytes(b"previous output")

    def fail(src, dst) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bomcheck.files.os.replace", fail)
    before = set(tmp_path.iterdir())
    with pytest.raises(OutputError, match="No space left"):
        write_report(make_report(source), output)
    assert set(tmp_path.iterdir()) == before
    assert output.read_bytes() == b"previous output"


def test_failed_save_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")

    def fail(workbook, filename) -> None:
        Path(filename).write_bytes(b"partial")
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("bomcheck.output.workbook.save_workbook", fail)
    before = set(tmp_path.iterdir())
    with pytest.raises(OutputError, match="Permission denied"):
        write_report(make_report(source), tmp_path / "out.xlsx")
    assert set(tmp_path.iterdir()) == before


def test_output_must_be_a_workbook(tmp_path: Path) -> None:
    source = make_user_workbook(tmp_path / "bom.xlsx")
    with pytest.raises(OutputError, match=r"\.xlsx"):
        write_report(make_report(source), tmp_path / "out.csv")


def test_default_output_path() -> None:
    assert default_output_path(Path("/x/board.xlsx")) == Path("/x/board.checked.xlsx")
    assert default_output_path(Path("/x/board.csv")) == Path("/x/board.checked.xlsx")
    assert default_output_path(Path("/x/board.XLSM")) == Path("/x/board.checked.xlsm")


def test_an_old_xls_renamed_xlsx_is_annotated_from_its_grid(tmp_path: Path) -> None:
    from bomcheck.pricing import plan_line

    real = Path(__file__).resolve().parents[2] / "sample_boms" / "real"
    source = tmp_path / "legacy.xlsx"  # BIFF8 content under an .xlsx name: openpyxl cannot open it
    source.write_bytes((real / "parallella-porcupine-kicad-legacy-header.xls").read_bytes())
    bom = read_bom(source)
    results = tuple(plan_line(line, {}, 1) for line in bom.lines)
    report = Report(bom=bom, boards=1, results=results, sources=(),
                    checked_at=datetime.now(timezone.utc))
    workbook = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))
    sheet = workbook["BOM"]
    headers = [cell.value for cell in sheet[bom.header_row]]
    assert "MFRPN" in headers and "Status" in headers
    mpns = [sheet.cell(row=line.row, column=bom.column_index["mpn"]).value for line in bom.lines]
    assert [str(m) for m in mpns if m is not None][:2] == [line.mpn for line in bom.lines][:2]


def test_an_xlsm_output_needs_an_xlsm_input(tmp_path: Path) -> None:
    from bomcheck.output.workbook import check_output_path

    source = make_user_workbook(tmp_path / "bom.xlsx")
    with pytest.raises(OutputError, match=r"name the output \.xlsx"):
        check_output_path(tmp_path / "out.xlsm", source)
    check_output_path(tmp_path / "out.xlsx", source)  # fine
