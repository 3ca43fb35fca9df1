"""The BOM sheet on a laptop screen: which panes are frozen, and how wide a grid input's columns are."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from bomcheck.bom import read_bom
from bomcheck.model import Report, Scenario
from bomcheck.output.workbook import write_report
from bomcheck.pricing import plan_lines
from tests.builders import ARROW_STATUS, found, make_offer

CHECKED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def report_on(bom_path: Path, merged: tuple[tuple[int, int, int, int], ...] = ()) -> Report:
    bom = read_bom(bom_path)
    if merged:
        bom = replace(bom, merged=merged)
    answered = [(line, found(make_offer(line.mpn or "", stock=10_000, price="0.10"))) for line in bom.lines]
    scenario = Scenario(10, plan_lines(answered, 10, "USD"))
    return Report(bom=bom, boards=10, results=scenario.results, sources=(ARROW_STATUS,),
                  checked_at=CHECKED_AT, currency="USD", scenarios=(scenario,))


def workbook_with_widths(path: Path, widths: dict[str, float]) -> Path:
    """A BOM whose MPN is column C, the columns up to it as wide as `widths` says."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BOM"
    sheet.append(["Description", "Notes", "MPN", "Qty"])
    sheet.append(["a resistor", "from the old design", "RC0603FR-0710KL", 2])
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    book.save(path)
    return path


@pytest.mark.parametrize(("widths", "panes", "print_columns"), [
    # 40 + 40 + 20 = 100 width units up to the MPN: kept in view, right of the MPN (C), below the header
    ({"A": 40, "B": 40, "C": 20}, "D2", "$A:$C"),
    # 40 + 40 + 21 = 101: too wide to leave room for Status and Action, frozen below the header only
    ({"A": 40, "B": 40, "C": 21}, "A2", None),
])
def test_the_columns_up_to_the_mpn_are_frozen_only_while_they_leave_room(tmp_path, widths, panes,
                                                                         print_columns):
    source = workbook_with_widths(tmp_path / "bom.xlsx", widths)
    report = report_on(source)
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    assert sheet.freeze_panes == panes
    # printed: the frozen columns repeat on each page across (a table this wide needs 2 pages)
    assert sheet.page_setup.fitToWidth == 2
    assert sheet.print_title_cols == print_columns


def test_a_grid_whose_columns_before_the_mpn_are_wide_is_frozen_below_the_header_only(tmp_path):
    path = tmp_path / "bom.csv"
    description = "RES SMD 10K OHM 1% 1/10W 0603 THICK FILM AEC-Q200"  # 49 characters: a column 51 wide
    notes = "second source approved by QA, see ECO 1234"  # 42 characters: 44 wide
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Ref", "Description", "Notes", "MPN", "Qty"],
                                      ["R1", description, notes, "RC0603FR-0710KL", "2"]])
    sheet = openpyxl.load_workbook(write_report(report_on(path), tmp_path / "out.xlsx"))["BOM"]
    # Ref 8 + 51 + 44 + MPN 17 = 120 width units to the MPN: more than 100
    assert [sheet.column_dimensions[c].width for c in "ABCD"] == [8, 51, 44, 17]
    assert sheet.freeze_panes == "A2"


def test_a_grid_of_narrow_columns_keeps_the_mpn_in_view(tmp_path):
    path = tmp_path / "bom.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Ref", "MPN", "Qty"], ["R1", "RC0603FR-0710KL", "2"]])
    sheet = openpyxl.load_workbook(write_report(report_on(path), tmp_path / "out.xlsx"))["BOM"]
    assert sheet.freeze_panes == "C2"  # 8 + 17 units to the MPN (B)


def test_a_merged_note_across_a_grid_does_not_widen_the_columns_it_spans(tmp_path):
    path = tmp_path / "bom.csv"
    note = "Please note: " + " ".join(["resistors are 1% 0805 unless the description says otherwise."] * 4)
    rows = [["Ref", "MPN", "Qty", "Description"],
            ["R1", "RC0603FR-0710KL", "2", "10k"],
            ["", "", "", ""],
            [note, note, note, note]]  # as the reader gives an .ods/.xls merge: its value in every cell
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    report = report_on(path, merged=((4, 1, 4, 4),))
    sheet = openpyxl.load_workbook(write_report(report, tmp_path / "out.xlsx"))["BOM"]
    # each column as wide as its own values + 2, at least 8: Ref 8, MPN 15 + 2, Qty 8, "Description" 11 + 2
    assert [sheet.column_dimensions[c].width for c in "ABCD"] == [8, 17, 8, 13]
    assert sheet["A4"].value == note and sheet["B4"].value is None  # the note written once, merged
    assert "A4:D4" in {str(merged) for merged in sheet.merged_cells.ranges}
