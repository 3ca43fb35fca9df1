"""Hostile-file review: merged-cell and repeat bombs, workbook-wide limits, outputs that are not files."""

from __future__ import annotations

import os
import stat

import pytest

from bomcheck.bom import archive, grids, read_bom
from bomcheck.bom.cells import MAX_CELLS
from bomcheck.errors import BomError
from tests.conftest import case, check_on, refused


@pytest.fixture(scope="module")
def sandbox():
    from tests.conftest import ThreadedSandbox

    with ThreadedSandbox() as running:
        yield running


@pytest.fixture
def no_openpyxl(monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open this file")

    monkeypatch.setattr(openpyxl, "load_workbook", never)


# ---------------------------------------------------------------- merged cells, repeats, sizes


def test_merged_cell_bomb_is_refused_before_openpyxl_loads_it(sandbox, tmp_path, no_openpyxl):
    path = case("merge_bomb.xlsx", tmp_path)
    assert path.stat().st_size < 10_000  # 200 ranges of D:XFD: 3.3 million cells from a few kB
    error = refused(sandbox, path)
    assert error == ("merge_bomb.xlsx is refused: sheet 'BOM' has merged cells covering more than "
                     f"{MAX_CELLS:,} cells, the most bomcheck reads per sheet; unmerge them or delete what "
                     "is not the BOM")


def test_merged_area_is_counted_from_the_range_corners():
    assert archive.merge_area(b"D", b"10", b"XFD", b"10") == 16_381 - 1
    assert archive.merge_area(b"A", b"1", b"B", b"2") == 3
    assert archive.merge_area(b"C", b"3") == 0


def test_the_cell_limit_holds_for_the_whole_workbook(sandbox, tmp_path, monkeypatch, no_openpyxl):
    monkeypatch.setattr(archive, "MAX_WORKBOOK_CELLS", 5_000)  # 3 sheets of ~2,000: each alone is fine
    error = refused(sandbox, case("many_sheets.xlsx", tmp_path))
    assert error.startswith("many_sheets.xlsx is refused: its sheets together have more than 5,000 cells "
                            "(merged cells included), the most bomcheck reads per workbook; delete the")


def test_a_huge_shared_strings_part_is_refused_before_openpyxl(sandbox, tmp_path, monkeypatch, no_openpyxl):
    monkeypatch.setattr(archive, "MAX_SHARED_STRINGS_BYTES", 1_000_000)
    error = refused(sandbox, case("shared_strings.xlsx", tmp_path))
    assert error.startswith("shared_strings.xlsx is refused: its shared text (xl/sharedStrings.xml) is 2 MB, "
                            "more than the 1 MB bomcheck reads")


def test_ods_repeat_bomb_says_it_is_too_large(sandbox, tmp_path):
    error = refused(sandbox, case("repeat_bomb.ods", tmp_path))
    assert error.startswith("repeat_bomb.ods is refused: it declares far more cells than a BOM (Cell limit")
    assert "Cannot detect file format" not in error


def test_ods_merge_bomb_is_refused_without_filling_a_cell(sandbox, tmp_path, monkeypatch):
    filled = []
    monkeypatch.setattr(grids, "_fill", lambda *args: filled.append(args))
    error = refused(sandbox, case("merge_bomb.ods", tmp_path))
    assert error.startswith(f"merge_bomb.ods is refused: sheet 'BOM' has merged cells covering more than "
                            f"{MAX_CELLS:,} cells")
    assert not filled


def test_an_ods_span_that_is_not_a_number_counts_as_one(tmp_path):
    path = case("bad_span.ods", tmp_path)
    assert grids.ods_merges(path) == {"BOM": []}
    sheets = list(grids.workbook_sheets(path))
    assert sheets[0].rows[:2] == [["Qty", "MPN"], [1.0, "LM358DR2G"]]


# ---------------------------------------------------------------- outputs that are not regular files


def _good_bom(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN,Manufacturer\n1,LM358DR2G,onsemi\n", encoding="utf-8")
    return bom


def test_json_output_to_a_pipe_is_refused_and_the_pipe_left_alone(sandbox, tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    error = refused(sandbox, _good_bom(tmp_path), "--json", str(fifo))
    assert error == (f"cannot write {fifo}: it exists and is not a regular file (a device, pipe or socket); "
                     "give the path of a regular file (or a new name)")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_workbook_output_that_is_a_symlink_is_refused_and_its_target_kept(sandbox, tmp_path):
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"keep me")
    link = tmp_path / "out.xlsx"
    link.symlink_to(target)
    error = refused(sandbox, _good_bom(tmp_path), "-o", str(link))
    assert error.startswith(f"cannot write {link}: it is a symbolic link, which bomcheck does not replace")
    assert link.is_symlink() and target.read_bytes() == b"keep me"


def test_json_to_stdout_is_refused_clearly(sandbox, tmp_path):
    error = refused(sandbox, _good_bom(tmp_path), "--json", "-")
    assert error == "--json - (standard output) is not supported: give --json a file name"


def test_a_special_file_appearing_during_the_check_is_not_replaced(tmp_path):
    from bomcheck.errors import OutputError
    from bomcheck.files import atomic_output

    target = tmp_path / "out.json"
    with pytest.raises(OutputError, match="not a regular file"), atomic_output(target) as temp:
        temp.write_text("{}")
        os.mkfifo(target)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # the temp file is gone


def test_a_regular_output_file_is_still_replaced(sandbox, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    result = check_on(sandbox, _good_bom(tmp_path), "--json", str(out))
    assert result.exit_code in (0, 1), result.output
    assert out.read_text().startswith("{")


# ---------------------------------------------------------------- links


@pytest.mark.parametrize("url", ["https://evil.com\\.arrow.com/x", "https://evil.com%2F.arrow.com/",
                                 "https://evil.com%2e.arrow.com/", "https://evil.com/.arrow.com\\x",
                                 "https://www.arrow.com\\@evil.com/", "https://[::1].arrow.com/",
                                 "https://evil_host.arrow.com/", "https://www.arrow.com:/x:y@evil.com"])
def test_links_that_a_browser_would_take_elsewhere_are_not_linked(url):
    from bomcheck.output.sheets.cells import linkable
    from bomcheck.runtime import link_domains

    assert not linkable(url, link_domains())


@pytest.mark.parametrize("url", ["https://www.arrow.com/en/products/lm358dr2g/onsemi?x=1%202",
                                 "http://digikey.com:8080/p", "https://www.verical.com/pd/x"])
def test_distributor_links_are_still_linked(url):
    from bomcheck.output.sheets.cells import linkable
    from bomcheck.runtime import link_domains

    assert linkable(url, link_domains())


# ---------------------------------------------------------------- text encodings


def test_a_mostly_utf8_table_with_a_windows_1252_line_is_decoded_line_by_line(tmp_path):
    from bomcheck.bom.text import text_sheet

    path = tmp_path / "mixed.tsv"
    path.write_bytes("Qty\tMPN\tManufacturer\tDescription\n1\tLM358DR2G\tonsemi\t10kΩ 5%\n".encode()
                     + "2\tGRM188R71C104KA01D\tMurata\t100nF ±10% µ\n".encode("cp1252"))
    sheet = text_sheet(path)
    assert sheet.rows[1][3] == "10kΩ 5%" and sheet.rows[2][3] == "100nF ±10% µ"
    assert sheet.notes == ["mixed.tsv mixes UTF-8 and Windows-1252 text: read line 3 as Windows-1252, the "
                           "rest as UTF-8; check those lines' text"]


def test_a_plain_windows_1252_table_is_still_read_whole(tmp_path):
    from bomcheck.bom.text import text_sheet

    path = tmp_path / "old.csv"
    path.write_bytes("Qty,MPN,Description\n1,LM358DR2G,10k\u00b5 \u00b110%\n".encode("cp1252"))
    sheet = text_sheet(path)
    assert sheet.rows[1][2] == "10k\u00b5 \u00b110%"
    assert sheet.notes == ["old.csv is not UTF-8; read it as Windows-1252 text"]


# ---------------------------------------------------------------- macros


def test_an_xlsm_output_says_it_keeps_the_macros(tmp_path, caplog):
    import logging
    import zipfile

    import openpyxl

    from bomcheck.output.workbook import write_report
    from tests.output.test_annotate_sheets import make_report, make_xlsm

    macro = b"\xd0\xcf\x11\xe0 stand-in VBA project" * 8
    source = make_xlsm(tmp_path / "bom.xlsm", macro)
    with caplog.at_level(logging.WARNING, logger="bomcheck"):
        output = write_report(make_report(source, boards=(10,)), tmp_path / "bom.checked.xlsm")
    said = ("bom.checked.xlsm keeps the VBA macros of bom.xlsm as they are: bomcheck adds and runs none; "
            "Excel runs them only if you enable macros, as for the BOM itself")
    assert [record.getMessage() for record in caplog.records] == [said]
    summary = openpyxl.load_workbook(output)["Summary"]
    rows = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
    assert rows["Macros"] == said
    with zipfile.ZipFile(output) as written:
        assert written.read("xl/vbaProject.bin") == macro


def test_an_xlsx_output_says_nothing_about_macros(tmp_path, caplog):
    import openpyxl

    from bomcheck.output.workbook import write_report
    from tests.output.test_annotate_sheets import make_bom_file, make_report

    source = make_bom_file(tmp_path / "bom.xlsx")
    output = write_report(make_report(source, boards=(10,)), tmp_path / "bom.checked.xlsx")
    summary = openpyxl.load_workbook(output)["Summary"]
    assert "Macros" not in [row[0] for row in summary.iter_rows(values_only=True)]
    assert not [record for record in caplog.records if "macros" in record.getMessage()]


def test_a_refused_file_is_quoted_by_a_few_short_names_never_its_whole_first_row(tmp_path):
    """A file that is no BOM (a token file dropped by mistake) must not be copied into the error."""
    secret = "eyJhbGciOi" + "x" * 200
    names = [f"field{n}" for n in range(20)]
    path = tmp_path / "tokens.csv"
    path.write_text(",".join([secret, *names]) + "\n" + ",".join(["1"] * 21) + "\n", encoding="utf-8")
    with pytest.raises(BomError) as refused:
        read_bom(path)
    said = str(refused.value)
    assert "x" * 40 not in said  # the long value is cut to 40 characters
    assert "field10" in said and "field11" not in said  # 12 names at most (the secret is the first)
    assert "and 9 more" in said
