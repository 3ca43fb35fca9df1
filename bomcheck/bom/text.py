"""Text tables: .csv/.tsv (comma, semicolon or tab) and OrCAD .BOM reports, in any common encoding."""

from __future__ import annotations

import csv
import io
import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, CellValue, Grid, Sheet, clean_text, trim, unreadable
from bomcheck.errors import BomError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".bom")
MAX_TEXT_BYTES = 50_000_000


def text_sheet(path: Path) -> Sheet:
    """The rows of a text table (rows[i] = record i+1) and notes about how it was decoded.

    Memory: the file's bytes are dropped once decoded, and the records are parsed one at a time
    straight into the grid, so the text and the grid are all that is held at once (see README,
    "Performance": the peak is a few times the file's size, not one copy per step).
    """
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise BomError(f"{path.name} is larger than {MAX_TEXT_BYTES // 1_000_000} MB; "
                           "that is not a BOM bomcheck can read")
        data = path.read_bytes()
    except OSError as exc:
        raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None
    decoded, notes = decode_text(data, path.name)
    del data
    if not decoded or decoded.isspace():
        raise BomError(f"{path.name} is empty")
    if "\x00" in decoded:
        raise BomError(f"{path.name} is not a text table (it holds binary data); give the BOM as the "
                       "spreadsheet itself or export it as CSV")
    suffix = path.suffix.lower()
    delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(
        decoded, ("\t", ",", ";") if suffix in (".bom", ".txt") else (",", ";", "\t"))
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    grid: Grid = []
    records = cells = 0
    try:
        for row in csv.reader(_records(decoded), delimiter=delimiter):
            records += 1
            if records > MAX_ROWS:
                break
            cells += sum(1 for value in row if value.strip())
            if cells > MAX_CELLS:
                grid.clear()  # refused below (after the row count, as ever): keep nothing meanwhile
                continue
            kept: list[CellValue] = [clean_text(value).strip() or None for value in row]
            while kept and kept[-1] is None:
                kept.pop()
            grid.append(kept)
    except csv.Error as exc:
        raise BomError(f"{path.name} is not a readable text table ({exc})") from exc
    if records > MAX_ROWS:
        raise BomError(f"{path.name} is refused: it has more than {MAX_ROWS:,} rows, the most bomcheck "
                       "reads; delete the rows below the BOM or split it")
    if cells > MAX_CELLS:
        raise BomError(f"{path.name} is refused: it has more than {MAX_CELLS:,} cells, the most bomcheck "
                       "reads; delete what is not the BOM or split it")
    return Sheet(None, trim(grid), notes=notes)


_RECORD_END = re.compile(r"\r\n|\r|\n")  # where io.StringIO(newline="") ends a line
_LINE_END = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # ... str.splitlines()


def _records(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, as io.StringIO(text, newline="") gives them, one at a
    time (the csv module reads quoted newlines across them), without a second copy of the text."""
    start = 0
    for end in _RECORD_END.finditer(text):
        yield text[start:end.end()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def _lines(text: str) -> Iterator[str]:
    """str.splitlines(), one line at a time."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start:end.start()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of a file: UTF-16 (marked, or plainly so), UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise BomError(f"{name} is not readable UTF-16 text ({exc.reason})") from exc
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        encoding = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    mixed = _mixed_utf8(data, name)
    if mixed is not None:
        return mixed
    try:
        return data.decode("cp1252"), [f"{name} is not UTF-8; read it as Windows-1252 text"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), [f"{name} is not UTF-8; read it as Latin-1 text"]


def _mixed_utf8(data: bytes, name: str) -> tuple[str, list[str]] | None:
    """A file with some UTF-8 lines (an editor pasted into a Windows-1252 file, or the reverse): each
    line decoded as UTF-8 when it is, else as Windows-1252, and a note naming those lines.

    None when no line holds UTF-8 beyond ASCII: then the whole file is read as one 8-bit encoding.
    """
    decoded: list[str] = []
    utf8_lines = 0
    other: list[int] = []
    for number, line in enumerate(data.splitlines(keepends=True), 1):
        try:
            decoded.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            other.append(number)
            decoded.append(line.decode("cp1252", errors="replace"))
    if not utf8_lines:
        return None
    shown = ", ".join(map(str, other[:10])) + (f" and {len(other) - 10} more" if len(other) > 10 else "")
    return "".join(decoded), [f"{name} mixes UTF-8 and Windows-1252 text: read line{'s' * (len(other) > 1)} "
                              f"{shown} as Windows-1252, the rest as UTF-8; check those lines' text"]


def sniff_delimiter(decoded: str, candidates: Sequence[str] = (",", ";", "\t")) -> str:
    """The delimiter giving the most early rows of one shared width above 1 (ties: first)."""
    sample = "\n".join(itertools.islice(_lines(decoded), 60))
    best, best_score = candidates[0], -1
    for delimiter in candidates:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        common = max(set(widths), key=widths.count, default=1)
        score = widths.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best
