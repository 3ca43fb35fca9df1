"""Hostile and broken BOM files through `bomcheck check`: one clear line, exit 3, nothing written or sent."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.bom import calamine_child, grids, reader
from bomcheck.cli import main
from bomcheck.errors import BomError
from tests.conftest import BAD, ThreadedSandbox, case, check_on, make_bad, refused


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox() as running:
        yield running



# ---------------------------------------------------------------- the corpus itself


def test_the_committed_corpus_is_what_the_script_makes(tmp_path):
    make_bad.main(["make_bad.py", str(tmp_path)])
    for name in make_bad.SMALL:
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), name


# ---------------------------------------------------------------- one test per bad file


def test_empty_xlsx(sandbox, tmp_path):
    assert refused(sandbox, case("empty.xlsx", tmp_path)) == "empty.xlsx is empty"


def test_empty_csv(sandbox, tmp_path):
    assert refused(sandbox, case("empty.csv", tmp_path)) == "empty.csv is empty"


def test_xlsx_that_is_text(sandbox, tmp_path):
    error = refused(sandbox, case("not_a_zip.xlsx", tmp_path))
    assert error == ("not_a_zip.xlsx is not a readable Excel workbook: it is a text file; if it is a CSV, "
                     "name it .csv")


def test_xlsx_that_is_binary_but_not_a_zip(sandbox, tmp_path):
    error = refused(sandbox, case("image.xlsx", tmp_path))
    assert "image.xlsx is not a readable Excel workbook: it is not a complete zip archive" in error
    assert "save it again" in error


def test_an_html_page_named_xls(sandbox, tmp_path):
    error = refused(sandbox, case("html.xls", tmp_path))
    assert error.startswith("html.xls is not a readable Excel workbook: it is a web page (HTML); open it in")


def test_an_excel_2003_xml_file_named_xls(sandbox, tmp_path):
    error = refused(sandbox, case("xml2003.xls", tmp_path))
    assert "xml2003.xls is not a readable Excel workbook: it is an Excel 2003 XML spreadsheet" in error


def test_truncated_zip(sandbox, tmp_path):
    error = refused(sandbox, case("truncated.xlsx", tmp_path))
    assert "truncated.xlsx is not a readable Excel workbook" in error and "cut short" in error


def test_zip_bomb_is_refused_from_the_declared_sizes(sandbox, tmp_path, monkeypatch):
    import openpyxl as opened

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(opened, "load_workbook", never)
    error = refused(sandbox, case("zip_bomb.xlsx", tmp_path))
    assert "zip_bomb.xlsx is refused as a zip bomb" in error
    assert "xl/worksheets/sheet1.xml would inflate to 2,147 MB" in error
    assert "at most 256 MB compressed at most 100:1" in error


def test_zip_bomb_ods_is_refused_before_calamine(sandbox, tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("calamine must not open a zip bomb")

    monkeypatch.setattr(grids, "read_in_child", never)
    error = refused(sandbox, case("zip_bomb.ods", tmp_path))
    assert "zip_bomb.ods is refused as a zip bomb: its part content.xml would inflate to 1,074 MB" in error


def test_entity_bomb_in_the_workbook_xml(sandbox, tmp_path):
    error = refused(sandbox, case("entity_bomb_workbook.xlsx", tmp_path))
    assert "entity_bomb_workbook.xlsx is refused: its XML declares entities" in error


def test_entity_bomb_in_the_sheet_xml(sandbox, tmp_path):
    error = refused(sandbox, case("entity_bomb_sheet.xlsx", tmp_path))
    assert "entity_bomb_sheet.xlsx is refused: its XML declares entities" in error


def test_openpyxl_parses_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # what makes the two entity bombs above fail safely instead of expanding


def test_password_protected_workbook(sandbox, tmp_path):
    error = refused(sandbox, case("password_protected.xlsx", tmp_path))
    assert error.startswith("password_protected.xlsx is password-protected; save an unprotected copy")


def test_workbook_whose_only_sheet_is_empty(sandbox, tmp_path):
    error = refused(sandbox, case("empty_sheet.xlsx", tmp_path))
    assert error == "empty_sheet.xlsx holds no data: its only sheet, 'BOM', is empty"


def test_a_million_rows_xlsx_is_refused_before_openpyxl_loads_it(sandbox, tmp_path, monkeypatch):
    import openpyxl as opened

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not load a million rows")

    path = case("million_rows.xlsx", tmp_path)
    monkeypatch.setattr(opened, "load_workbook", never)
    error = refused(sandbox, path)
    assert "million_rows.xlsx is refused: sheet 'BOM' has more than 100,000 rows" in error


def test_a_million_rows_csv_is_refused_with_the_limit(sandbox, tmp_path):
    error = refused(sandbox, case("million_rows.csv", tmp_path))
    assert "million_rows.csv is refused: it has more than 100,000 rows, the most bomcheck reads" in error


def test_a_stray_cell_far_below_is_refused_without_building_the_rectangle(sandbox, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Qty", "MPN"])
    sheet.append([1, "LM1117IMPX-3.3/NOPB"])
    sheet["XFD1048576"] = "x"  # the last cell Excel has: a rectangle would be 17 billion cells
    path = tmp_path / "stray.xlsx"
    workbook.save(path)
    error = refused(sandbox, path)
    assert "stray.xlsx: sheet 'Sheet' has values down to row 1,048,576, past row 100,000" in error


@pytest.mark.parametrize("name", ["wide_columns.xlsx", "wide_columns.csv"])
def test_16384_columns_are_read(sandbox, tmp_path, name):
    path = case(name, tmp_path)
    out = tmp_path / "out.xlsx"
    result = check_on(sandbox, path, "-o", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out, read_only=True)["BOM"]
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header[16383] == "Field16384" and header[16384] == "Status"


def test_binary_garbage_named_csv(sandbox, tmp_path):
    error = refused(sandbox, case("garbage.csv", tmp_path))
    assert error.startswith("garbage.csv is not a text table (it holds binary data)")


@pytest.mark.parametrize("name", ["utf16.csv", "cp1252.csv"])
def test_utf16_and_cp1252_csv_are_read(sandbox, tmp_path, name):
    path = case(name, tmp_path)
    result = CliRunner().invoke(main, ["inspect", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["lines"]
    mpns = [line["mpn"] for line in lines]
    assert mpns[:2] == ["GRM188R71C104KA01D", "LM1117IMPX-3.3/NOPB"]
    if name == "utf16.csv":
        assert mpns[2] == unicodedata.normalize("NFKC", "µA741CN") and lines[0]["refdes"] == ["C1", "C2"]
    else:
        assert lines[0]["description"] == "100 nF ±10 %" and lines[1]["description"] == "LDO 3,3 V – 800 mA"
    out = tmp_path / "out.xlsx"
    checked = check_on(sandbox, path, "-o", str(out))
    assert checked.exit_code == 0, checked.output
    assert openpyxl.load_workbook(out)["BOM"]["B2"].value == "GRM188R71C104KA01D"


def test_a_file_that_disappears_while_being_read(sandbox, tmp_path, monkeypatch):
    path = tmp_path / "vanishing.xlsx"
    path.write_bytes(make_bad.good_xlsx())
    checked = reader.check_bom_file

    def check_then_vanish(target: Path) -> str:
        suffix = checked(target)  # the stat saw it...
        target.unlink()  # ...and then it was gone before the open
        return suffix

    monkeypatch.setattr(reader, "check_bom_file", check_then_vanish)
    error = refused(sandbox, path)
    assert error.startswith(f"cannot read {path}: it no longer exists (moved or deleted while bomcheck read")


def test_a_csv_that_disappears_while_being_read(sandbox, tmp_path, monkeypatch):
    path = make_bad.write("cp1252.csv", tmp_path)
    checked = reader.check_bom_file

    def check_then_vanish(target: Path) -> str:
        suffix = checked(target)
        target.unlink()
        return suffix

    monkeypatch.setattr(reader, "check_bom_file", check_then_vanish)
    error = refused(sandbox, path)
    assert error.startswith(f"cannot read {path}: it no longer exists")


def test_a_damaged_xls(sandbox, tmp_path):
    error = refused(sandbox, case("damaged.xls", tmp_path))
    assert error.startswith("damaged.xls is not a readable Excel workbook")


def test_an_xls_that_crashes_the_parser_is_one_line(sandbox, tmp_path):
    if not make_bad.REAL_XLS.exists():
        pytest.skip("sample_boms/real is not here")
    error = refused(sandbox, case("crashing.xls", tmp_path))
    assert error == ("could not read crashing.xls: the Excel workbook is damaged or not a spreadsheet; open "
                     "it in its program and save it again")


def test_an_ods_that_is_a_broken_zip(sandbox, tmp_path):
    error = refused(sandbox, case("broken_zip.ods", tmp_path))
    assert error.startswith("broken_zip.ods is not a readable OpenDocument spreadsheet")


def test_a_parser_that_hangs_is_stopped(sandbox, tmp_path, monkeypatch):
    monkeypatch.setattr(calamine_child, "CHILD_TIMEOUT_S", 0.001)
    path = shutil.copyfile(make_bad.REAL_XLS, tmp_path / "slow.xls") if make_bad.REAL_XLS.exists() else \
        case("damaged.xls", tmp_path).rename(tmp_path / "slow.xls")
    error = refused(sandbox, path)
    assert error.startswith("could not read slow.xls: reading it took longer than 0 s")


def test_a_good_xls_still_reads_through_the_child(tmp_path):
    if not make_bad.REAL_XLS.exists():
        pytest.skip("sample_boms/real is not here")
    result = CliRunner().invoke(main, ["inspect", str(make_bad.REAL_XLS), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["lines"]) > 10


def test_the_child_ignores_modules_in_the_working_directory(tmp_path, monkeypatch):
    """A folder holding an inspect.py or json.py of the user's (or a bomcheck/ folder) is where
    people run bomcheck from; `python -c` would import those before the standard library."""
    if not make_bad.REAL_XLS.exists():
        pytest.skip("sample_boms/real is not here")
    for name in ("inspect.py", "json.py", "subprocess.py"):
        (tmp_path / name).write_text("raise SystemExit('shadowed the standard library')\n")
    (tmp_path / "bomcheck").mkdir()
    (tmp_path / "bomcheck" / "__init__.py").write_text("raise SystemExit('shadowed bomcheck')\n")
    monkeypatch.chdir(tmp_path)
    names, sheets = calamine_child.read_in_child(make_bad.REAL_XLS, None, "Excel 97-2003 workbook")
    assert names and sheets and any(len(rows) > 10 for _, rows, _ in sheets)


# ---------------------------------------------------------------- output paths


def _unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        handle, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return folder
    os.close(handle)
    os.unlink(probe)  # root writes anywhere: use a folder no one can create files in
    for system in (Path("/sys"), Path("/proc")):
        try:
            handle, probe = tempfile.mkstemp(dir=system)
        except OSError:
            return system
        os.close(handle)
        os.unlink(probe)
    pytest.skip("no unwritable folder here")


def test_an_output_folder_that_is_not_writable(sandbox, tmp_path):
    path = make_bad.write("cp1252.csv", tmp_path)
    folder = _unwritable_folder(tmp_path)
    try:
        error = refused(sandbox, path, "-o", str(folder / "out.xlsx"))
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o755)
    assert error.startswith(f"cannot write {folder / 'out.xlsx'}")
    assert not (folder / "out.xlsx").exists()


def test_an_output_under_a_file(sandbox, tmp_path):
    path = make_bad.write("cp1252.csv", tmp_path)
    error = refused(sandbox, path, "-o", str(path / "out.xlsx"))
    assert error == f"cannot write {path / 'out.xlsx'}: the folder {path} does not exist; that is a file"


def test_an_output_into_a_missing_folder(sandbox, tmp_path):
    path = make_bad.write("cp1252.csv", tmp_path)
    error = refused(sandbox, path, "-o", str(tmp_path / "missing" / "out.xlsx"))
    missing = tmp_path / "missing"
    assert error == f"cannot write {missing / 'out.xlsx'}: the folder {missing} does not exist"



def test_a_workbook_swapped_for_a_bomb_after_reading_is_not_reopened(tmp_path, monkeypatch):
    from bomcheck.output.workbook import write_report
    from tests.output.test_annotate import make_report, make_user_workbook

    source = make_user_workbook(tmp_path / "bom.xlsx")
    report = make_report(source)
    source.write_bytes(make_bad.zip_bomb_xlsx(1))  # replaced between the read and the write

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(BomError, match=r"bom\.xlsx is refused as a zip bomb"):
        write_report(report, tmp_path / "out.xlsx")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bom.xlsx"]


def test_the_sheet_past_the_limit_is_named(sandbox, tmp_path, monkeypatch):
    from bomcheck.bom import archive

    workbook = openpyxl.Workbook()
    workbook.active.title = "BOM"
    workbook.active.append(["Qty", "MPN"])
    workbook.active.append([1, "LM358DR"])
    library = workbook.create_sheet("Parts library")
    for number in range(6):
        library.append([number, f"P{number}"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    monkeypatch.setattr(archive, "MAX_ROWS", 5)
    error = refused(sandbox, path)
    assert error.startswith("two.xlsx is refused: sheet 'Parts library' has more than 5 rows")


def test_an_xlsx_past_the_cell_limit_is_refused_before_openpyxl(sandbox, tmp_path, monkeypatch):
    from bomcheck.bom import archive

    path = tmp_path / "cells.xlsx"
    path.write_bytes(make_bad.good_xlsx())  # 3 rows of 4 cells
    monkeypatch.setattr(archive, "MAX_CELLS", 11)
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened it"))
    error = refused(sandbox, path)
    assert error.startswith("cells.xlsx is refused: sheet 'BOM' has more than 11 cells, the most")


def test_a_csv_past_the_cell_limit_is_refused(sandbox, tmp_path, monkeypatch):
    from bomcheck.bom import text

    path = make_bad.write("cp1252.csv", tmp_path)  # 15 filled cells
    monkeypatch.setattr(text, "MAX_CELLS", 14)
    error = refused(sandbox, path)
    assert error.startswith("cp1252.csv is refused: it has more than 14 cells, the most bomcheck reads")
