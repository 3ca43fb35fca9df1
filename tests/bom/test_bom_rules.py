"""One small case per reader rule: formats, header scoring, content columns, DNP conventions, lines."""

from __future__ import annotations

import contextlib
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.bom.columns import map_columns, mpn_like, value_like
from bomcheck.bom.lines import Table, build_lines
from bomcheck.errors import BomError


def csv_bom(tmp_path: Path, body: str, name: str = "bom.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_utf16_tsv(tmp_path):
    path = csv_bom(tmp_path, "\ufeffMPN\tQty\nLM358DR\t2\n", "bom.tsv", "utf-16-le")
    assert [(line.mpn, line.qty) for line in read_bom(path).lines] == [("LM358DR", 2)]


def test_ragged_rows_trailing_delimiters_and_quoted_newlines(tmp_path):
    path = csv_bom(tmp_path, '"Id";"Designator";"MPN";"Qty";\n1;"R1,\nR2";"RC0603";2;;;\n'
                             '2;"C1";CAP 1" WIDE-10X;1\n')
    first, second = read_bom(path).lines
    assert first.refdes == ("R1", "R2") and first.qty == 2
    assert second.mpn == 'CAP 1" WIDE-10X'


def test_header_in_column_b_below_comments_and_blank_rows(tmp_path):
    path = csv_bom(tmp_path, "# exported by hand\nSource:,board.sch\n\n,Ref,MPN,Qty\n,U1,LM358DR,1\n")
    bom = read_bom(path)
    assert bom.header_row == 4 and bom.column_index["mpn"] == 3


def test_group_row_names_the_distributor_of_repeated_columns(tmp_path):
    path = csv_bom(tmp_path, ",,,Mouser,,Digi-Key,\nRefs,Manf#,Qty,Cat#,Unit$,Cat#,Unit$\n"
                             "U1,LM358DR,1,595-LM358DR,0.5,296-1395-1-ND,0.4\n")
    bom = read_bom(path)
    assert bom.columns["digikey_pn"] == "Cat#" and bom.column_index["digikey_pn"] == 6
    assert bom.lines[0].digikey_pn == "296-1395-1-ND"


def test_content_finds_generic_columns_and_ignores_decoys(tmp_path):
    path = csv_bom(tmp_path, "Field1;Field2;Field3;Quantity Available\n"
                             "R1,R2;RC0603FR-0710KL;311-10.0KHRCT-ND;5000\n"
                             "C1;GRM188R71C104KA01D;490-1532-1-ND;12000\n")
    bom = read_bom(path)
    assert (bom.columns["refdes"], bom.columns["mpn"], bom.columns["digikey_pn"]) == ("Field1", "Field2",
                                                                                     "Field3")
    assert bom.columns["qty"] is None and bom.lines[0].qty == 2
    assert bom.column_reasons["mpn"].startswith("content: 100% MPN-like")


def test_numbered_mpn_columns_become_alternates(tmp_path):
    path = csv_bom(tmp_path, "MPN1,Manufacturer 1,MPN2,Manufacturer 2,Qty\nLM358DR,TI,LM358DT,ST,1\n")
    line = read_bom(path).lines[0]
    assert line.mpn == "LM358DR" and [(a.mpn, a.manufacturer) for a in line.alternates] == [("LM358DT", "ST")]


def test_customer_pn_and_attrition(tmp_path):
    path = csv_bom(tmp_path, "Internal PN,MPN,Qty,Attrition\nACME-0042,LM358DR,1,5%\n")
    line = read_bom(path).lines[0]
    assert (line.customer_pn, line.attrition) == ("ACME-0042", "5%")


@pytest.mark.parametrize(("cell", "dnp"), [
    ("NF(C2)", False), ("NF(C1 C2)", True), ("do not populate", True), ("check polarity", False),
])
def test_notes_column_dnp(tmp_path, cell, dnp):
    path = csv_bom(tmp_path, f'Designator,MPN,Qty,Notes\n"C1,C2",GRM188,2,{cell}\n')
    line = read_bom(path).lines[0]
    assert line.dnp is dnp
    if cell == "NF(C2)":
        assert line.refdes == ("C1",) and line.qty == 1


@pytest.mark.parametrize(("mpn_cell", "mpn", "dnp"), [
    ("NA(22R/R0603)", None, True), ("NS(LM358DR)", "LM358DR", True), ("BAT54C(SOT23-3)", "BAT54C", False),
    ("10k", None, False), ("0.1uF", None, False), ("5010", "5010", False), ("DNP", None, True),
    ("铝电解电容贴片 10uF/30V", None, False), ("四脚按键6*6*6", None, False),
    ("KT-0805翠绿", "KT-0805翠绿", False), ("LED/YELLOW/0603", None, False), ("NA/R0402", None, True),
    ("MCP2551-I/SN", "MCP2551-I/SN", False), ("WPM2015-3/TR", "WPM2015-3/TR", False),
    ("ＬM358DR", "LM358DR", False),
])
def test_mpn_cell_conventions(tmp_path, mpn_cell, mpn, dnp):
    path = csv_bom(tmp_path, f"Designator,MPN\nR1,{mpn_cell}\n")
    line = read_bom(path).lines[0]
    assert (line.mpn, line.dnp) == (mpn, dnp)
    if mpn is None:
        assert line.raw_mpn_text == mpn_cell


@pytest.mark.parametrize(("cell", "qty", "warned"), [
    ('"1,000"', 1000, False), ("2 pcs", 2, False), ("4ea", 4, False), ("-3", 1, True), ("2.5", 1, True),
])
def test_quantity_text(tmp_path, cell, qty, warned):
    line = read_bom(csv_bom(tmp_path, f"Designator,MPN,Qty\nR1,RC0603FR-0710KL,{cell}\n")).lines[0]
    assert line.qty == qty
    assert any(("not a whole number" in w or "is negative" in w) for w in line.warnings) is warned


def test_a_column_name_several_groups_share_must_say_which(tmp_path):
    path = csv_bom(tmp_path, ",,Digi-Key,,Mouser,\nMPN,Qty,Cat#,Price,Cat#,Price\n"
                             "LM358DR,2,296-1395-5-ND,0.5,595-LM358DR,0.6\n")
    with pytest.raises(BomError, match=r"names 2 columns; say which: 'Digi-Key/Cat#', 'Mouser/Cat#'"):
        read_bom(path, ReaderOptions(digikey_column="Cat#"))
    line = read_bom(path, ReaderOptions(digikey_column="Mouser/Cat#")).lines[0]
    assert line.digikey_pn == "595-LM358DR"  # what the user named, even if it is not DigiKey's


def test_naming_the_mpn_column_for_another_role_is_explained(tmp_path):
    path = csv_bom(tmp_path, "Ref;Qty;MPN\nR1;2;RC0603FR-0710KL\n")
    with pytest.raises(BomError, match=r"'MPN' would be the MPN column, but --qty-column took it"):
        read_bom(path, ReaderOptions(qty_column="MPN"))


def test_a_header_below_the_searched_rows_is_found_and_said(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number in range(1, 45):
        sheet.append([f"note {number}"])
    sheet.append(["Ref", "Qty", "MPN", "Manufacturer"])
    sheet.append(["U1", 1, "LM358DR", "TI"])
    workbook.save(tmp_path / "late.xlsx")
    bom = read_bom(tmp_path / "late.xlsx")
    assert bom.header_row == 45 and [(line.row, line.mpn) for line in bom.lines] == [(46, "LM358DR")]
    assert any("header found at row 45" in warning for warning in bom.warnings)


def test_german_headers_are_known_by_name(tmp_path):
    bom = read_bom(csv_bom(tmp_path, "Bauteil;Menge;Hersteller;Teilenummer\n"
                                     "R1, R2;2;Yageo;RC0603FR-0710KL\n"))
    assert {role: bom.columns[role] for role in ("refdes", "qty", "manufacturer", "mpn")} == {
        "refdes": "Bauteil", "qty": "Menge", "manufacturer": "Hersteller", "mpn": "Teilenummer"}
    assert all(bom.column_reasons[role].startswith("alias") for role in ("mpn", "qty", "refdes"))


def test_a_header_row_past_the_end_says_so(tmp_path):
    with pytest.raises(BomError, match=r"--header-row 99 is past the end, which has 2 rows"):
        read_bom(csv_bom(tmp_path, "Ref,MPN\nU1,LM358DR\n"), ReaderOptions(header_row=99))


def test_a_header_with_nothing_below_is_refused(tmp_path):
    with pytest.raises(BomError, match=r"no BOM lines below the header \(row 1\)"):
        read_bom(csv_bom(tmp_path, "Ref,Qty,MPN\n"))


def test_a_second_part_number_in_parentheses_is_an_alternate(tmp_path):
    path = csv_bom(tmp_path, "Designator,MPN\nJ1,RJP-003TC1(LPJ4112CNL)\nU1,LM358DR(SOIC-8)\n")
    jack, opamp = read_bom(path).lines
    assert jack.mpn == "RJP-003TC1" and [a.mpn for a in jack.alternates] == ["LPJ4112CNL"]
    assert opamp.mpn == "LM358DR" and opamp.alternates == ()  # a package, not a second part


def test_dnp_footprint_and_maker_marks(tmp_path):
    path = csv_bom(tmp_path, "Ref,MPN,Footprint,Manufacturer\nR1,RC0603,R_0603_DNP,Yageo\n"
                             "R2,RC0603,R_0603,DNP\nR3,RC0603,R_0603,Yageo\n")
    assert [line.dnp for line in read_bom(path).lines] == [True, True, False]


def test_per_designator_rows_grouped_by_mpn(tmp_path):
    rows = "".join(f"R{n},RC0603FR-0710KL,Yageo\n" for n in range(1, 4)) + "C1,GRM188,Murata\nC2,GRM188,\n"
    bom = read_bom(csv_bom(tmp_path, "Ref,MPN,Manufacturer\n" + rows))
    assert [(line.row, line.mpn, line.qty, line.refdes) for line in bom.lines] == [
        (2, "RC0603FR-0710KL", 3, ("R1", "R2", "R3")), (5, "GRM188", 2, ("C1", "C2"))]


def test_section_titles_and_number_only_rows_are_skipped(tmp_path):
    path = csv_bom(tmp_path, "Item,Qty,Reference,MPN\n,,Capacitors,\n1,2,C1 C2,GRM188\n23,4,,\n")
    bom = read_bom(path)
    assert [line.row for line in bom.lines] == [3]
    assert any("rows 4" in warning for warning in bom.warnings)


def test_empty_quantity_without_designators_is_not_fitted(tmp_path):
    path = csv_bom(tmp_path, "MPN,Qty\nLM358DR,2\nNE555DR,\n")
    first, second = read_bom(path).lines
    assert (first.qty, first.dnp) == (2, False) and (second.qty, second.dnp) == (0, True)


def test_formula_without_cached_value_is_flagged(tmp_path):
    path = tmp_path / "bom.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Refs", "MPN", "Qty"])
    sheet.append(["C1,C2", "GRM188", "=B9*2"])  # openpyxl writes no cached value
    workbook.save(path)
    line = read_bom(path).lines[0]
    assert line.qty == 2 and "formula (=B9*2)" in line.warnings[0]


def test_header_row_override_and_bad_override(tmp_path):
    path = csv_bom(tmp_path, "MPN,Qty\nLM358DR,1\nMPN,Qty\n")
    assert read_bom(path, ReaderOptions(header_row=1)).header_row == 1
    with pytest.raises(BomError, match="no column named 'Count'"):
        read_bom(path, ReaderOptions(qty_column="Count"))


def test_multi_sheet_picks_the_bom_and_refuses_decoys(tmp_path):
    path = tmp_path / "bom.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Import"
    workbook.active.append([None, "2,P0.0GCT-ND"])
    bom_sheet = workbook.create_sheet("Parts")
    for row in (["Ref", "MPN", "Qty"], ["R1", "ERJ-3GEY0R00V", 1]):
        bom_sheet.append(row)
    workbook.save(path)
    assert read_bom(path).sheet == "Parts"


def test_classifiers():
    assert mpn_like("ERJ-3GEY0R00V") and mpn_like("MCP2515-I/SO")
    assert not mpn_like("RESC1608L") and not mpn_like("10uF") and not mpn_like("R1, R2")
    assert value_like("4K7") and value_like("1nF/2kV") and not value_like("LM358")


cells = st.one_of(st.none(), st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=12), st.sampled_from(["MPN", "Qty", "Ref", "R1-R4", "DNP", "NF(R1)",
                                                         "Total", "=SUM(A1)", "10k", "LM358DR", "R1,,R2"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, max_size=6), max_size=12))
def test_any_grid_gives_lines_or_a_bom_error(grid):
    from bomcheck.bom.header import find_header

    try:
        header = find_header(grid)
        if header is None or "mpn" not in header.columns.index:
            return
        lines, _ = build_lines(grid, Table(header.row, header.columns, {}, grid[:header.row - 1]))
    except BomError:
        return
    assert all(line.row > header.row and line.qty >= 0 for line in lines)


_SHEET_SAFE = str.maketrans("", "", "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, max_size=6), max_size=12))
def test_any_workbook_gives_lines_or_a_bom_error(tmp_path, grid):
    """The whole read path of a real .xlsx (sheet choice, header, columns, lines) on any grid."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in grid:
        # openpyxl refuses control characters and infinities: those cannot be in a real workbook
        sheet.append([c.translate(_SHEET_SAFE) if isinstance(c, str) else
                      None if isinstance(c, float) and (c != c or abs(c) == float("inf")) else c
                      for c in row])
    path = tmp_path / "fuzz.xlsx"
    workbook.save(path)
    try:
        bom = read_bom(path)
    except BomError:
        return
    assert all(line.row > bom.header_row and line.qty >= 0 for line in bom.lines)
    assert bom.columns["mpn"] is not None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_file_gives_lines_or_a_bom_error(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "bom.csv"
    path.write_bytes(body.encode("utf-8", "replace"))
    with contextlib.suppress(BomError):
        read_bom(path)


def test_map_columns_without_body():
    assert map_columns(["MPN", "Qty"], []).index == {"mpn": 1, "qty": 2}


def make_ods(path: Path, rows: list[str]) -> Path:
    """A minimal OpenDocument spreadsheet; `rows` are <table:table-row> bodies."""
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Parts">'
        + "".join(f"<table:table-row>{row}</table:table-row>" for row in rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def text_cell(value: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string" {extra}><text:p>{value}</text:p></table:table-cell>'


def test_ods_with_vertically_merged_cells(tmp_path):
    path = make_ods(tmp_path / "bom.ods", [
        text_cell("Ref") + text_cell("MPN") + text_cell("DigiKey PN"),
        text_cell("R1") + text_cell("ERJ-3GEY0R00V")
        + text_cell("P0.0GCT-ND", 'table:number-rows-spanned="2"'),
        text_cell("R2") + text_cell("ERJ-3GEY0R00V") + "<table:covered-table-cell/>",
        text_cell("C1") + text_cell("GRM188R71C104KA01D") + text_cell("490-1532-1-ND"),
    ])
    bom = read_bom(path)
    assert bom.sheet == "Parts" and bom.grid[2][2] == "P0.0GCT-ND"  # the merged value, propagated
    assert [(line.refdes, line.digikey_pn) for line in bom.lines] == [
        (("R1",), "P0.0GCT-ND"), (("R2",), "P0.0GCT-ND"), (("C1",), "490-1532-1-ND")]


def test_damaged_xls_and_ods_are_bom_errors(tmp_path):
    for name in ("bom.xls", "bom.ods"):
        path = tmp_path / name
        path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
        with pytest.raises(BomError, match="is not a readable"):
            read_bom(path)


def test_workbooks_are_read_by_content_not_extension(tmp_path):
    real = Path(__file__).resolve().parents[2] / "sample_boms" / "real"
    xls_as_xlsx = tmp_path / "renamed.xlsx"
    xls_as_xlsx.write_bytes((real / "parallella-porcupine-kicad-legacy-header.xls").read_bytes())
    assert read_bom(xls_as_xlsx).header_row == 8
    xlsx_as_xls = tmp_path / "renamed.xls"
    xlsx_as_xls.write_bytes((real / "parallella-buddy-sum-formula.xlsx").read_bytes())
    assert len(read_bom(xlsx_as_xls).lines) == 10


def test_encrypted_xlsx_says_so(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an OLE container, as Excel encrypts
    with pytest.raises(BomError, match=r"locked\.xlsx is password-protected"):
        read_bom(path)


def test_orcad_text_report(tmp_path):
    report = ("  Revised: Friday, November 09, 2018\r\n          Revision: \r\n\r\n"
              "Bill Of Materials       November 9,2018      18:55:54\tPage1\r\n\r\n"
              "Item\tQuantity\tReference\tPart Number\r\n______________________________\r\n\r\n"
              "1\t1\tU1\tLM358DR\r\n2\t4\tR1,R2,\tRC0603FR-0710KL\r\n\t\tR3,R4\r\n")
    path = csv_bom(tmp_path, report, "amp.BOM", "cp1252")
    bom = read_bom(path)
    assert bom.header_row == 6
    assert [(line.row, line.mpn, line.qty, line.refdes) for line in bom.lines] == [
        (9, "LM358DR", 1, ("U1",)), (10, "RC0603FR-0710KL", 4, ("R1", "R2", "R3", "R4"))]


def test_mpn_under_a_misleading_name_needs_more_evidence(tmp_path):
    rows = "".join(f"R{n},10k,ERJ-3GEYJ10{n}V\n" for n in range(1, 6))
    bom = read_bom(csv_bom(tmp_path, "Ref,Value,Footprint\n" + rows))
    assert bom.columns["mpn"] == "Footprint" and bom.column_reasons["mpn"].startswith("content: 100%")
    footprints = "".join(f"R{n},10k,R_0603\n" for n in range(1, 6))
    with pytest.raises(BomError, match="no MPN column found"):
        read_bom(csv_bom(tmp_path, "Ref,Value,Footprint\n" + footprints, "fp.csv"))


def test_board_qty_in_the_preamble(tmp_path):
    body = "Board Qty:,10,,\n\nRefs,Manf#,Qty\n\"C1,C2\",GRM188,20\nU1,LM358DR,10\n"
    bom = read_bom(csv_bom(tmp_path, body))
    assert [line.qty for line in bom.lines] == [2, 1]
    assert any("for 10 boards" in warning for warning in bom.warnings)
    assert all(not line.warnings for line in bom.lines)


def test_mpn_cleaning_details(tmp_path):
    body = ("Ref,MPN\nC1,GRM31CR60J107ME39L.\nL1,2.2uH/1.5A/CD32(NR3015T2R2M)\n"
            "U1,AMS1117-3.3(5v-3.3v)\nJ1,\"Header, 16-Pin, Dual row\"\n")
    lines = read_bom(csv_bom(tmp_path, body)).lines
    assert [line.mpn for line in lines] == ["GRM31CR60J107ME39L", "NR3015T2R2M", "AMS1117-3.3", None]
    assert "stray trailing punctuation" in lines[0].warnings[0]
    assert lines[3].raw_mpn_text == "Header, 16-Pin, Dual row"


def test_wrapped_designators_without_a_qty_column_are_counted(tmp_path):
    wrapped = read_bom(csv_bom(tmp_path, "Reference\tMPN\nR1,R2,\tRC0603\nR3,R4\n", "c.tsv")).lines
    assert [(line.refdes, line.qty) for line in wrapped] == [(("R1", "R2", "R3", "R4"), 4)]


def test_layout_key_ignores_case_and_punctuation_but_not_order():
    from bomcheck.bom.layouts import layout_key

    assert layout_key(["Ref", "Mfr. Part #", None]) == layout_key(["REF", "mfr part#"])
    assert layout_key(["Ref", "MPN"]) != layout_key(["MPN", "Ref"])


def test_damaged_xlsx_is_a_bom_error(tmp_path):
    real = Path(__file__).resolve().parents[2] / "sample_boms" / "real"
    data = bytearray((real / "parallella-buddy-sum-formula.xlsx").read_bytes())
    start = data.index(b"xl/worksheets/sheet1.xml") + 40  # inside the sheet's compressed data
    data[start:start + 64] = bytes(64)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(BomError, match=r"damaged\.xlsx is (a damaged|not a readable) Excel workbook"):
        read_bom(path)
