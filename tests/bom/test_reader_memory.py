"""Reading a large CSV holds its text and its grid, not one more copy per step (issue 20, item 9)."""

from __future__ import annotations

import csv
import gc
import io
import tracemalloc
from pathlib import Path

import pytest

from bomcheck.bom import read_bom
from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, clean_text
from bomcheck.bom.text import text_sheet
from bomcheck.errors import BomError

DESCRIPTION = "RES SMD 10K OHM 1% 1/10W 0603 thick film " * 10


def write_bom(path: Path, lines: int, *, line_end: str = "\r\n") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        writer.writerow(["Designator", "Qty", "Manufacturer", "Manufacturer Part Number", "Description"])
        for n in range(lines):
            writer.writerow([f"R{n}", 1, "Yageo", f"RC0603FR-07{n % 500}KL", DESCRIPTION])


def peak_of(read, path: Path) -> tuple[float, object]:
    """The most memory Python allocated while `read(path)` ran, as a multiple of the file's size."""
    gc.collect()
    tracemalloc.start()
    try:
        result = read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / path.stat().st_size, result


def test_reading_a_csv_peaks_at_its_text_and_its_grid(tmp_path: Path) -> None:
    bom = tmp_path / "big.csv"
    write_bom(bom, 3000)  # ~1.3 MB, ~440 bytes a line
    # held at the end: the text's cells as str objects (~1.1x here, 5 strings a line) and their lists.
    # Before: bytes + decoded text + io.StringIO's 4-byte-per-character copy + the parsed rows + the
    # cleaned grid + the grid again as tuples, 7.7x; now the text (1x) + the grid, then tuples in place.
    ratio, _ = peak_of(text_sheet, bom)
    assert ratio < 3.5, ratio
    ratio, read = peak_of(read_bom, bom)
    assert ratio < 4.0, ratio
    assert len(read.grid) == 3001 and read.grid[1][:4] == ("R0", "1", "Yageo", "RC0603FR-070KL")


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
def test_records_are_split_as_before_with_quoted_newlines_kept(tmp_path: Path, line_end: str) -> None:
    bom = tmp_path / "bom.csv"
    rows = [["Designator", "MPN", "Description"], ["R1", "RC0603FR-0710KL", "two\nlines"],
            ["C1", "GRM188R71C104KA01D", "a\rb; \u2028c"], ["U1", "LM358DR", "\x0bform feed\x0c"]]
    with bom.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator=line_end).writerows(rows)
    # the reference: how the reader split records before it streamed them (io.StringIO, newline="")
    expected = list(csv.reader(io.StringIO(bom.read_bytes().decode("utf-8"), newline="")))
    grid = text_sheet(bom).rows
    assert grid == [[clean_text(value).strip() or None for value in row] for row in expected]
    if line_end == "\r\n":  # (other line ends leave a CR in a cell unquoted: a record ends there, as ever)
        assert len(grid) == 4  # one record a part, whatever line ends its quotes hold
        # str.splitlines() would have split these; the csv module keeps them in their cells
        assert grid[1][2] == "two\nlines" and "\u2028" in str(grid[2][2]) and grid[3][2] == "form feed"


def test_the_row_limit_is_still_said_before_the_cell_limit(tmp_path: Path) -> None:
    bom = tmp_path / "long.csv"
    with bom.open("w", encoding="utf-8") as handle:  # too many rows and, all told, too many cells
        handle.write("MPN,A,B,C,D,E\n" + "X1,1,2,3,4,5\n" * (MAX_ROWS + 1))
    assert (MAX_ROWS + 1) * 6 > MAX_CELLS
    with pytest.raises(BomError, match="more than 100,000 rows"):
        text_sheet(bom)
    wide = tmp_path / "wide.csv"
    with wide.open("w", encoding="utf-8") as handle:
        handle.write("MPN," + ",".join(f"C{n}" for n in range(99)) + "\n")
        handle.write(("X1," + ",".join("1" for _ in range(99)) + "\n") * (MAX_CELLS // 100 + 1))
    with pytest.raises(BomError, match="more than 500,000 cells"):
        text_sheet(wide)
