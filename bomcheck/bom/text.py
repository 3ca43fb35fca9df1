"""Text tables: .csv/.tsv (comma, semicolon or tab) and OrCAD .BOM reports, in any common encoding."""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, Sheet, clean_text, trim, unreadable
from bomcheck.errors import BomError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".bom")
MAX_TEXT_BYTES = 50_000_000


def text_sheet(path: Path) -> Sheet:
    """The rows of a text table (rows[i] = record i+1) and notes about how it was decoded."""
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise BomError(f"{path.name} is larger than {MAX_TEXT_BYTES // 1_000_000} MB; "
                           "that is not a BOM bomcheck can read")
        data = path.read_bytes()
    except OSError as exc:
        raise BomError(f"cannot read {path}: {unreadable(path, exc)}") from None
    decoded, notes = decode_text(data, path.name)
    if not decoded.strip():
        raise BomError(f"{path.name} is empty")
    if "\x00" in decoded:
        raise BomError(f"{path.name} is not a text table (it holds binary data); give the BOM as the "
                       "spreadsheet itself or export it as CSV")
    suffix = path.suffix.lower()
    delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(
        decoded, ("\t", ",", ";") if suffix in (".bom", ".txt") else (",", ";", "\t"))
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter),
                                     MAX_ROWS + 1))
    except csv.Error as exc:
        raise BomError(f"{path.name} is not a readable text table ({exc})") from exc
    if len(rows) > MAX_ROWS:
        raise BomError(f"{path.name} is refused: it has more than {MAX_ROWS:,} rows, the most bomcheck "
                       "reads; delete the rows below the BOM or split it")
    if sum(1 for row in rows for value in row if value.strip()) > MAX_CELLS:
        raise BomError(f"{path.name} is refused: it has more than {MAX_CELLS:,} cells, the most bomcheck "
                       "reads; delete what is not the BOM or split it")
    grid = trim([[clean_text(cell).strip() or None for cell in row] for row in rows])
    return Sheet(None, grid, notes=notes)


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
    sample = "\n".join(decoded.splitlines()[:60])
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
