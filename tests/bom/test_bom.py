"""Tests of the BOM reader: header finding, column aliases, line building, file formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bomcheck.bom import ReaderOptions, read_bom, split_refdes
from bomcheck.errors import BomError


def make_xlsx(path: Path, rows: list[list[Any]], *, title: str = "BOM", merges: tuple = (),
              extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    for name, sheet_rows in (extra_sheets or {}).items():
        sheet = workbook.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    sheet = workbook.worksheets[0]
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def by_row(bom) -> dict[int, Any]:
    return {line.row: line for line in bom.lines}


def test_header_below_title_block(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Widget controller", None, None],
        ["Revision", "B", None],
        [None, None, None],
        ["MPN", "Manufacturer", "Qty"],
        ["GRM188R71H104KA93D", "Murata", 4],
    ])
    bom = read_bom(path)
    assert bom.header_row == 4
    assert bom.sheet == "BOM"
    assert [line.row for line in bom.lines] == [5]
    line = bom.lines[0]
    assert (line.mpn, line.manufacturer, line.qty) == ("GRM188R71H104KA93D", "Murata", 4)
    assert bom.column_index == {"mpn": 1, "manufacturer": 2, "qty": 3}
    assert bom.last_column == 3


def test_aliases_map_columns_and_keep_header_text(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Item", "Quantity Available", "Designator", "Qty", "Mfr Part #", "Manf", "Desc",
         "Digi-Key Part #", "DNI"],
        [1, 5000, "R1", 1, "RC0603FR-0710KL", "Yageo", "RES 10K", "311-10.0KHRCT-ND", None],
    ])
    bom = read_bom(path)
    assert {role: text for role, text in bom.columns.items() if text} == {
        "mpn": "Mfr Part #", "manufacturer": "Manf", "qty": "Qty", "refdes": "Designator",
        "description": "Desc", "digikey_pn": "Digi-Key Part #", "dnp": "DNI",
    }
    assert bom.column_index["qty"] == 4  # not "Quantity Available"
    line = bom.lines[0]
    assert line.digikey_pn == "311-10.0KHRCT-ND"
    assert line.description == "RES 10K"
    assert not line.dnp


def test_missing_roles_are_none_in_columns(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [["Manufacturer Part Number"], ["LM358DR"]])
    bom = read_bom(path)
    assert bom.columns["mpn"] == "Manufacturer Part Number"
    assert set(bom.columns) >= {"mpn", "manufacturer", "qty", "refdes", "description",
                                "digikey_pn", "dnp"}
    assert all(bom.columns[role] is None for role in bom.columns if role != "mpn")
    assert bom.lines[0].qty == 1


def test_best_scoring_row_wins_over_earlier_mpn_like_row(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Part Number", "ASSY-100"],
        [None, None],
        ["Ref", "MPN", "Qty", "Manufacturer"],
        ["U1", "LM358DR", 1, "TI"],
    ])
    bom = read_bom(path)
    assert bom.header_row == 3
    assert bom.lines[0].mpn == "LM358DR"


def test_mpn_priority_and_numbered_mpn_columns(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Part Number", "MPN2", "MPN1"],
        ["INT-0042", "ALT-1", "MAIN-1"],
    ])
    bom = read_bom(path)
    assert bom.columns["mpn"] == "MPN1"  # "MPN" beats "Part Number"; leftmost of equals
    assert bom.lines[0].mpn == "MAIN-1"
    assert any("Part Number" in warning for warning in bom.warnings)


def test_designators_split_and_ranges_expanded(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Reference(s)", "MPN", "Quantity"],
        ["C1, C2;C3\nC4  C10-C12", "GRM188", 7],
        ["R1 - R3", "RC0603", 3],
    ])
    lines = read_bom(path).lines
    assert lines[0].refdes == ("C1", "C2", "C3", "C4", "C10", "C11", "C12")
    assert lines[0].warnings == ()
    assert lines[1].refdes == ("R1", "R2", "R3")


@pytest.mark.parametrize(("text", "expected"), [
    ("R4-R1", ("R4-R1",)),  # descending: left alone
    ("R1-C3", ("R1-C3",)),  # different prefixes
    ("U1-A", ("U1-A",)),
    ("R1-R2000", ("R1-R2000",)),  # more than 1000
    ("R1-3", ("R1", "R2", "R3")),
])
def test_range_expansion_limits(text: str, expected: tuple[str, ...]) -> None:
    assert split_refdes(text) == expected


def test_qty_from_designators_without_qty_column(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Designators", "MPN"],
        ["R1,R2,R5", "RC0603"],
        [None, "LM358DR"],
    ])
    lines = read_bom(path).lines
    assert [line.qty for line in lines] == [3, 1]
    assert all(not line.warnings for line in lines)


def test_qty_designator_mismatch_keeps_qty_and_warns(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Designator", "MPN", "Qty"],
        ["R1,R2,R3", "RC0603", 4.0],
    ])
    line = read_bom(path).lines[0]
    assert line.qty == 4
    assert isinstance(line.qty, int)
    assert any("4" in w and "3 designators" in w for w in line.warnings)


def test_non_numeric_qty_warns_and_falls_back(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Designator", "MPN", "Qty"],
        ["R1,R2", "RC0603", "two"],
        [None, "LM358DR", "lots"],
    ])
    first, second = read_bom(path).lines
    assert first.qty == 2 and "'two'" in first.warnings[0]
    assert second.qty == 1 and "'lots'" in second.warnings[0]


def test_float_mpn_shown_without_decimal(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [["MPN", "Qty"], [878311420.0, 1], [5025850470, 2]])
    assert [line.mpn for line in read_bom(path).lines] == ["878311420", "5025850470"]


@pytest.mark.parametrize("placeholder", ["-", "N/A", "  "])
def test_placeholder_mpn_becomes_none(tmp_path: Path, placeholder: str) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["MPN", "Description", "Designator"],
        [placeholder, "Test point", "TP1"],
    ])
    line = read_bom(path).lines[0]
    assert line.mpn is None
    assert line.raw_mpn_text == (placeholder.strip() or None)
    assert line.description == "Test point"


def test_dnp_by_column_qty_zero_and_mpn_cell(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["MPN", "Qty", "DNP"],
        ["FITTED-1", 1, None],
        ["MARKED-X", 1, "x"],
        ["MARKED-DNP", 1, "DNP"],
        ["ZERO-QTY", 0, None],
        ["DNF", 1, None],
    ])
    lines = by_row(read_bom(path))
    assert not lines[2].dnp
    assert lines[3].dnp and lines[4].dnp
    assert lines[5].dnp and lines[5].qty == 0
    assert lines[6].dnp and lines[6].mpn is None and lines[6].raw_mpn_text == "DNF"


def test_dnp_in_populate_column_means_no(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["MPN", "Populate"],
        ["A-1", "yes"],
        ["B-2", "no"],
        ["C-3", "Not Fitted"],
    ])
    assert [line.dnp for line in read_bom(path).lines] == [False, True, True]


def test_blank_and_footer_rows_skipped(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["MPN", "Qty", "Description"],
        ["A-1", 2, "first"],
        [None, None, None],
        ["B-2", 3, "second"],
        [None, 5, None],  # a sum of the qty column
        [None, None, "Notes: all resistors 1%"],
        ["C-3", 1, "after the notes"],
        ["Total", 6, None],
        ["D-4", 1, "below a subtotal"],  # totals are skipped wherever they are, like subtotals
        ["Grand total", 7, None],
    ])
    bom = read_bom(path)
    assert [(line.row, line.mpn) for line in bom.lines] == [(2, "A-1"), (4, "B-2"), (7, "C-3"),
                                                            (9, "D-4")]
    assert bom.last_column == 3


def test_numeric_only_part_row_is_not_a_footer(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [["MPN", "Qty"], [878311420, 2]])
    assert [line.mpn for line in read_bom(path).lines] == ["878311420"]


def test_merged_cells_propagate(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["MPN", "Manufacturer", "Designator"],
        ["RC0603", "Yageo", "R1"],
        ["RC0805", None, "R2"],
        ["RC1206", None, "R3"],
    ], merges=("B2:B4",))
    bom = read_bom(path)
    assert [line.manufacturer for line in bom.lines] == ["Yageo", "Yageo", "Yageo"]
    assert bom.grid[3][1] == "Yageo"


def test_merged_header_cell(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Parts list", None, None],
        ["MPN", "Qty", None],
        ["LM358DR", 2, None],
    ], merges=("A1:C1",))
    bom = read_bom(path)
    assert bom.header_row == 2
    assert bom.grid[0] == ("Parts list", "Parts list", "Parts list")
    assert bom.last_column == 2


def test_last_column_counts_data_beyond_header(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["Title", None, None, None, None, None, "far right title note"],
        ["MPN", "Qty"],
        ["LM358DR", 2, None, "user note"],
    ])
    assert read_bom(path).last_column == 4


def test_no_mpn_column_lists_headers(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [
        ["My parts"],
        ["Item", "Part", "Count", "Where"],
        [1, "10k", 2, "R1 R2"],
        [2, "100nF", 1, "C1"],
    ])
    with pytest.raises(BomError) as caught:
        read_bom(path)
    message = str(caught.value)
    assert "no MPN column" in message
    for header in ("'Item'", "'Part'", "'Count'", "'Where'"):
        assert header in message
    assert "--mpn-column" in message


def test_csv_semicolon_with_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    text = ('Designator;MPN;Hersteller;Qty\r\n'
            'R1,R2;"RC0603FR-0710KL";Yageo;2\r\n'
            'C1;GRM188R71H104KA93D;Murata;1\r\n')
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    bom = read_bom(path)
    assert bom.sheet is None
    assert bom.columns["refdes"] == "Designator"  # no BOM character glued to the first header
    assert [(line.row, line.mpn, line.qty, line.refdes) for line in bom.lines] == [
        (2, "RC0603FR-0710KL", 2, ("R1", "R2")),
        (3, "GRM188R71H104KA93D", 1, ("C1",)),
    ]
    assert bom.grid[1] == ("R1,R2", "RC0603FR-0710KL", "Yageo", "2")
    assert bom.last_column == 4


def test_cp1252_csv(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("MPN,Description,Qty\nB82496C3100J,Induktivität 10µH ±5%,1\n".encode("cp1252"))
    bom = read_bom(path)
    assert bom.lines[0].description == "Induktivität 10µH ±5%"
    assert any("Windows-1252" in warning for warning in bom.warnings)


def test_tsv_and_comma_descriptions_in_quotes(tmp_path: Path) -> None:
    tsv = tmp_path / "bom.tsv"
    tsv.write_text("MPN\tQty\nLM358DR\t3\n", encoding="utf-8")
    assert read_bom(tsv).lines[0].qty == 3
    csv_path = tmp_path / "quoted.csv"
    csv_path.write_text('MPN,Description,Qty\nX-1,"CAP, 10uF, 0805",2\n', encoding="utf-8")
    assert read_bom(csv_path).lines[0].description == "CAP, 10uF, 0805"


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "bom.xyz"
    path.write_text("MPN\nX\n")
    with pytest.raises(BomError, match=r"unsupported file type \.xyz; bomcheck reads "
                                       r"\.xlsx, \.xlsm, \.xls, \.ods, \.csv, \.tsv"):
        read_bom(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(BomError, match="not found"):
        read_bom(tmp_path / "nope.xlsx")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(BomError, match="empty"):
        read_bom(empty)
    blank_book = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(blank_book)
    with pytest.raises(BomError, match="empty"):
        read_bom(blank_book)


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "bom.xlsx"
    path.write_text("this is not a zip file")
    with pytest.raises(BomError, match="not a readable Excel workbook"):
        read_bom(path)


def test_sheet_selection(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [["Notes"], ["nothing here"]], title="Cover",
                     extra_sheets={
                         "Top": [["MPN", "Qty"], ["TOP-1", 1]],
                         "Bottom": [["MPN", "Qty"], ["BOTTOM-1", 2]],
                     })
    first = read_bom(path)
    assert first.sheet == "Top"  # the first sheet that looks like a BOM
    assert first.lines[0].mpn == "TOP-1"
    chosen = read_bom(path, ReaderOptions(sheet="Bottom"))
    assert chosen.sheet == "Bottom"
    assert chosen.lines[0].mpn == "BOTTOM-1"


def test_unknown_sheet_lists_sheet_names(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsx", [["MPN"], ["X"]], title="Parts",
                     extra_sheets={"Notes": [["hello"]]})
    with pytest.raises(BomError) as caught:
        read_bom(path, ReaderOptions(sheet="Assembly"))
    message = str(caught.value)
    assert "'Assembly'" in message and "'Parts'" in message and "'Notes'" in message


def test_xlsm_is_read(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bom.xlsm", [["MPN", "Qty"], ["LM358DR", 2]])
    assert read_bom(path).lines[0].mpn == "LM358DR"


def test_mpn_column_names_a_column_with_an_unknown_header(tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text("ref;value;Field1;Field2\nR1;10k;Yageo;RC0603FR-0710KL\nC1;100n;Murata;GRM188R71C104KA01D\n",
                    encoding="utf-8")
    assert read_bom(path).columns["mpn"] == "Field2"  # found by content
    bom = read_bom(path, ReaderOptions(mpn_column="field2"))
    assert bom.columns["mpn"] == "Field2" and bom.header_row == 1
    assert [(line.mpn, line.refdes) for line in bom.lines] == [
        ("RC0603FR-0710KL", ("R1",)), ("GRM188R71C104KA01D", ("C1",))]


def test_mpn_column_beats_a_recognised_mpn_header(tmp_path: Path) -> None:
    path = tmp_path / "libref.csv"
    path.write_text("Designator,Part Number,LibRef\nU1,internal-123,TPS62130RGTR\n", encoding="utf-8")
    assert read_bom(path).lines[0].mpn == "internal-123"
    assert read_bom(path, ReaderOptions(mpn_column="LibRef")).lines[0].mpn == "TPS62130RGTR"


def test_mpn_column_that_does_not_exist_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("Ref,Value\nR1,10k\n", encoding="utf-8")
    with pytest.raises(BomError, match=r"no column named 'MPN#'.*headers seen: 'Ref', 'Value'"):
        read_bom(path, ReaderOptions(mpn_column="MPN#"))
