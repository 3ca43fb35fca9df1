"""Links inside the workbook: a cell that takes the reader to a row of the BOM sheet."""

from __future__ import annotations

from openpyxl.worksheet.hyperlink import Hyperlink

from bomcheck.output.sheets.cells import LINK_FONT, AnyCell, style


def sheet_reference(title: str, row: int, column: str = "A") -> str:
    """`'BOM'!A17`: a sheet name quoted as Excel wants it (an apostrophe in it doubled)."""
    return "'" + title.replace("'", "''") + f"'!{column}{row}"


def row_link(cell: AnyCell, sheet_title: str, row: int, column: str = "A") -> None:
    """Make `cell` a link to the cell `column``row` of the sheet `sheet_title` (its value stays)."""
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=sheet_reference(sheet_title, row, column))
    style(cell, font=LINK_FONT)
