"""Fast styling gives the same cell styles as openpyxl's own assignments, in every workbook."""

from __future__ import annotations

from openpyxl import Workbook

from bomcheck.output.sheets.cells import AMBER, BOLD, RED, lines_needed, put, style


def test_styled_cells_read_back_as_assigned_in_each_workbook():
    for _ in range(2):  # a second workbook gets its own style ids, never the first one's
        book = Workbook()
        sheet = book.active
        sheet["A1"].fill = AMBER  # the user's own style first: ids differ from a fresh workbook's
        for row in range(1, 4):
            put(sheet.cell(row=row, column=2), 1.5, '#,##0.00 "EUR"')
            style(sheet.cell(row=row, column=2), fill=RED)
            style(sheet.cell(row=row, column=3), font=BOLD)
        for row in range(1, 4):
            cell = sheet.cell(row=row, column=2)
            assert cell.fill == RED and cell.number_format == '#,##0.00 "EUR"'
            assert sheet.cell(row=row, column=3).font == BOLD
        assert sheet["A1"].fill == AMBER


def test_text_of_capitals_and_part_numbers_is_given_more_lines():
    text = "X" * 60 + " " + "Y" * 10  # 71 characters in a column 70 wide
    assert lines_needed(text, 70) == 1  # ordinary text: about 79 characters a line
    assert lines_needed(text, 70, narrower=1.0) == 2  # one character a width unit: 69 a line
