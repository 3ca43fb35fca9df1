"""Turn the rows under the header into BomLines: designators, quantity, DNP, grouping, footers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bomcheck.bom.cells import (
    DASHES,
    CellValue,
    Grid,
    cell,
    is_empty,
    is_number,
    optional,
    row_has_content,
    text,
    whole_number,
)
from bomcheck.bom.columns import ColumnMap, dnp_word, footprint_like, mpn_like, value_like
from bomcheck.model import Alternate, BomLine, normalize_mpn

MAX_RANGE_EXPANSION = 1000
_CJK_RE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uff60]")
_TOTAL_RE = re.compile(r"^(grand\s*)?(sub\s*)?totals?\b|^sum\b|^total\s+general", re.IGNORECASE)
_NOTE_RE = re.compile(r"^(\*?\s*notes?|remarks?|comments?)\b", re.IGNORECASE)
_RANGE_RE = re.compile(r"^([A-Za-z_]+)(\d+)-([A-Za-z_]*)(\d+)$")
_UNDERLINE_RE = re.compile(r"^[_\-=\s]{3,}$")
_NOT_FITTED_PREFIX_RE = re.compile(r"^(NA|NS|DNP|DNI|DNF)/", re.IGNORECASE)
_WRAPPED_DNP_RE = re.compile(r"^\s*(NA|NS|NF|DNP|DNI|DNF)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
# A part number mpn_like takes for a designator or a range ('TLV1117-33', 'TJA1050T'): 2+ letters and 3+
# digits. Only trusted beside another part number in 'A(B)', where a designator makes no sense.
_RANGE_SHAPED_PN_RE = re.compile(r"[A-Za-z]{2,6}\d{3,5}[A-Za-z]?(-\d+[A-Za-z]*)?")
_NF_LIST_RE = re.compile(r"\b(?:NF|DNP|DNI|NA|NS)\s*\(([^)]*)\)", re.IGNORECASE)
_PACKAGE_RE = re.compile(r"SOT|SOIC|SOP|QFN|DFN|QFP|BGA|TO-?\d|DO-?\d|MSOP|DIP|SOD|LGA|CSP|SC-?\d|"
                         r"^[RC]\d{4}$|^\d{4}$", re.IGNORECASE)
_DNP_MARKS = frozenset({
    "dnp", "dni", "dnf", "nf", "np", "donotpopulate", "donotplace", "donotfit", "donotinstall",
    "notfitted", "notpopulated", "notinstalled", "nopop",
})
_DNP_CELL_MARKS = frozenset({"dnp", "dni", "dnf"})
_YES = frozenset({"yes", "y", "x", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


@dataclass
class Table:
    """What line building needs to know about the table: its header and formula cells."""

    header_row: int
    columns: ColumnMap
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    preamble: Grid = field(default_factory=list)  # the rows above the header


def build_lines(grid: Grid, table: Table) -> tuple[list[BomLine], list[str]]:
    """BomLines of the data rows below the header, and warnings about the table as a whole."""
    index = table.columns.index
    notes: list[str] = []
    if "qty" not in index and "refdes" not in index:
        notes.append("no quantity or designator column: assuming 1 per board for every line")
    lines: list[BomLine] = []
    skipped_numbers: list[int] = []
    for number in range(table.header_row + 1, len(grid) + 1):
        cells = grid[number - 1]
        if not row_has_content(cells) or _repeats_header(cells, table.columns):
            continue
        if lines and _continues_designators(cells, index, lines[-1], grid):
            lines[-1] = _extend_refdes(lines[-1], text(cell(cells, index["refdes"])) or "",
                                       counted="qty" not in index)
            continue
        kind = row_kind(cells, index)
        if kind == "numbers":
            skipped_numbers.append(number)
        if kind is None:
            lines.append(build_line(number, cells, table))
    if skipped_numbers:
        notes.append(f"{len(skipped_numbers)} row(s) with numbers but no part skipped "
                     f"(rows {_ranges(skipped_numbers)})")
    lines, group_notes = group_per_designator(lines, has_qty="qty" in index)
    notes.extend(group_notes)
    lines, board_notes = per_board_quantities(lines, table)
    notes.extend(board_notes)
    return lines, notes


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
        if number is not None:
            start = prev = number
    return ", ".join(spans)


def _repeats_header(cells: Sequence[CellValue], columns: ColumnMap) -> bool:
    """A repeated header line (multi-page exports): the MPN cell holds the MPN header text."""
    return text(cell(list(cells), columns.index["mpn"])) == columns.texts["mpn"]


def _continues_designators(cells: Sequence[CellValue], index: dict[str, int], previous: BomLine,
                           grid: Grid) -> bool:
    """A wrapped designator list: only the designator cell is filled, the line above ended with ','."""
    col = index.get("refdes")
    if col is None or is_empty(cell(list(cells), col)):
        return False
    if any(not is_empty(value) for number, value in enumerate(cells, start=1) if number != col):
        return False
    above = text(cell(grid[previous.row - 1], col)) if previous.row <= len(grid) else None
    return above is not None and above.rstrip().endswith((",", ";"))


def _extend_refdes(line: BomLine, more: str, *, counted: bool) -> BomLine:
    """The line with the designators of its continuation row (`counted`: qty is their number)."""
    notes: list[str] = []
    refdes = tuple(dict.fromkeys([*line.refdes, *split_refdes(more, notes)]))
    warnings = [w for w in line.warnings if " designators (" not in w]
    if counted:
        return replace(line, refdes=refdes, qty=len(refdes) if line.qty else 0, warnings=tuple(warnings))
    if line.qty not in (0, len(refdes)):
        warnings.append(f"quantity {line.qty} but {len(refdes)} designators ({', '.join(refdes)})")
    return replace(line, refdes=refdes, warnings=tuple(warnings))


def row_kind(cells: Sequence[CellValue], index: dict[str, int]) -> str | None:
    """Why a row is not a part line ('total', 'note', 'numbers', 'underline'), or None for a part.

    A part line needs an MPN, designators or a quantity; rows with none of those are titles,
    notes or section headings. Totals and notes are skipped wherever they are.
    """
    cells = list(cells)
    filled = [value for value in cells if not is_empty(value)]
    texts = [str(value).strip() for value in filled if not is_number(value)]
    mpn = text(cell(cells, index["mpn"]))
    if any(_TOTAL_RE.match(t) for t in texts) and (mpn is None or _TOTAL_RE.match(mpn)):
        return "total"
    if texts and all(_UNDERLINE_RE.match(t) for t in texts):
        return "underline"
    if mpn is not None and _NOTE_RE.match(mpn) and len(filled) == 1:
        return "note"
    if mpn is not None:
        return None
    if not texts:
        return "numbers"
    if len(filled) == 1:
        return "note"
    refdes = text(cell(cells, index.get("refdes")))
    qty = cell(cells, index.get("qty"))
    if refdes is None and is_empty(qty):
        return "note"
    return None


def build_line(number: int, cells: Sequence[CellValue], table: Table) -> BomLine:
    """The BomLine of physical row `number`."""
    cells = list(cells)
    columns = table.columns
    index = columns.index
    notes: list[str] = []
    mpn_text = text(cell(cells, index["mpn"]))
    mpn, mpn_dnp = clean_mpn(mpn_text, notes)
    mpn, second_choice = split_second_choice(mpn)
    description = text(cell(cells, index.get("description")))
    refdes = split_refdes(text(cell(cells, index.get("refdes"))), notes)
    qty_col = index.get("qty")
    qty_cell = cell(cells, qty_col)
    formula = table.formulas.get((number, qty_col)) if qty_col else None
    if formula and whole_number(qty_cell) in (None, 0):
        used = f"{len(refdes)} from the designators" if refdes else "1"
        notes.append(f"quantity is a formula ({formula}) with no usable cached value; using {used}")
        qty_cell = None
    if qty_col is not None and is_empty(qty_cell) and not refdes and not formula:
        qty = 0
        notes.append("no quantity given and no designators: not fitted")
    else:
        qty = parse_qty(qty_cell, refdes, notes)
    dnp_cell = cell(cells, index.get("dnp"))
    refdes, qty, all_nf = _not_fitted_refs(text(dnp_cell), refdes, qty, notes)
    manufacturer = optional(text(cell(cells, index.get("manufacturer"))))
    footprint = text(cell(cells, index.get("footprint"))) or ""
    dnp = (
        qty == 0
        or mpn_dnp
        or all_nf
        or dnp_column_says(dnp_cell, kind=columns.dnp_kind)
        or any(_is_dnp_mark(value) for value in (mpn_text, description, qty_cell, manufacturer))
        or footprint.upper().endswith(("_DNP", "-DNP"))
    )
    if manufacturer and _is_dnp_mark(manufacturer):
        manufacturer = None
    lcsc = text(cell(cells, index.get("lcsc_pn")))
    if mpn is None and lcsc:
        notes.append(f"no MPN; the LCSC part number is {lcsc}")
    return BomLine(
        row=number,
        mpn=mpn,
        manufacturer=manufacturer,
        qty=qty,
        refdes=refdes,
        dnp=dnp,
        digikey_pn=_digikey_pn(cells, columns),
        description=description,
        warnings=tuple(notes),
        raw_mpn_text=mpn_text if mpn is None else None,
        alternates=(*second_choice, *_alternates(cells, columns)),
        customer_pn=optional(text(cell(cells, index.get("customer_pn")))),
        attrition=optional(text(cell(cells, index.get("attrition")))),
    )


def split_second_choice(mpn: str | None) -> tuple[str | None, tuple[Alternate, ...]]:
    """'RJP-003TC1(LPJ4112CNL)': two part numbers, the one in parentheses an alternate."""
    both = re.fullmatch(r"([^()]+?)\s*\(([^()]+)\)", mpn or "")
    if not both or not paired_part_like(both.group(1)) or _note_like(both.group(2)):
        return mpn, ()
    return both.group(1), (Alternate(both.group(2)),)


def paired_part_like(piece: str) -> bool:
    """Either side of 'A(B)' as a part number: mpn_like, a range-shaped one ('TLV1117-33'), or one
    with an ordering suffix after a slash ('MCP2551-I/SN'); never a slashed description
    ('CAP/0603', '10uF/25V')."""
    piece = piece.strip()
    if "/" in piece:
        first, *rest = piece.split("/")
        return len(rest) == 1 and paired_part_like(first) and bool(rest[0]) and not (
            value_like(rest[0]) or footprint_like(rest[0]) or rest[0].isdigit())
    return mpn_like(piece) or bool(_RANGE_SHAPED_PN_RE.fullmatch(piece))


def _digikey_pn(cells: list[CellValue], columns: ColumnMap) -> str | None:
    """The DigiKey part number; from a column found by content, only cells that are one (…-ND)."""
    found = optional(text(cell(cells, columns.index.get("digikey_pn"))))
    if found and "digikey_pn" in columns.by_content and not found.upper().endswith("-ND"):
        return None
    return found


def _alternates(cells: list[CellValue], columns: ColumnMap) -> tuple[Alternate, ...]:
    found: list[Alternate] = []
    for mpn_col, maker_col in columns.alternates:
        maker_text = text(cell(cells, maker_col))
        mpns = _several(text(cell(cells, mpn_col)), _part_number_like)
        makers = _several(maker_text, bool) if len(mpns) > 1 else [maker_text]
        for index, raw in enumerate(mpns):
            mpn, _ = clean_mpn(raw, [])
            # Several parts take one maker each when the maker cell lists as many, else the cell's.
            maker = makers[index] if len(makers) == len(mpns) else maker_text if len(makers) == 1 else None
            if mpn:
                found.append(Alternate(mpn, optional(maker)))
    return tuple(found)


def _part_number_like(piece: str) -> bool:
    """Loose on purpose ('1N4148WS' is no designator here): one word with letters and digits."""
    return 3 <= len(piece) <= 40 and " " not in piece and any(ch.isdigit() for ch in piece) and any(
        ch.isalpha() for ch in piece)


def _several(value: str | None, shaped: Callable[[str], bool]) -> list[str]:
    """A cell listing several parts ('LM358DT; LM358DR2G'): each; else the cell as it is."""
    if not value:
        return []
    pieces = [piece.strip() for piece in re.split(r"[;,\n]", value)]
    if len(pieces) > 1 and all(piece and shaped(piece) for piece in pieces):
        return pieces
    return [value]


def clean_mpn(raw: str | None, notes: list[str]) -> tuple[str | None, bool]:
    """(the MPN in a cell's text or None, whether the cell marks the line DNP).

    None for empty or placeholder text, DNP marks, component values ('10k', '0.1uF'), words
    without digits and prose;
    'NA(...)'/'NS(...)' wrappers mean not fitted; a package in parentheses is dropped
    ('BAT54C(SOT23-3)' -> 'BAT54C'); a stray trailing '.' or ',' is dropped with a note.
    """
    if raw is None or _is_dnp_mark(raw):
        return None, raw is not None
    dnp = False
    # Full-width letters and parentheses ('ＬM358DR', '（SOT23）') are the ASCII they stand for.
    candidate = " ".join(unicodedata.normalize("NFKC", raw).split())
    wrapped = _WRAPPED_DNP_RE.match(candidate)
    if wrapped:
        dnp, candidate = True, wrapped.group(2).strip()
    inner = re.match(r"^(.*?)\s*\(([^()]*)\)$", candidate)
    if inner:
        outer, inside = inner.group(1).strip(), inner.group(2).strip()
        if outer and _PACKAGE_RE.search(inside) and not value_like(outer):
            candidate = outer
        elif paired_part_like(outer) and paired_part_like(inside) and not _note_like(inside):
            pass  # two part numbers: split_second_choice makes the inside one an alternate
        elif paired_part_like(inside) and (not outer or value_like(outer) or "/" in outer):
            candidate = inside
        elif paired_part_like(inside) and not any(ch.isdigit() for ch in outer):
            notes.append(f"MPN {candidate!r} read as {inside!r} ({outer!r} is no part number)")
            candidate = inside
        elif mpn_like(outer) and _note_like(inside):  # 'AMS1117-3.3(5v-3.3v)': a note
            candidate = outer
    if optional(candidate) is None or ("_" in candidate and footprint_like(candidate)):
        return None, dnp
    if not any(ch.isdigit() for ch in candidate) or ", " in candidate or candidate.count(" ") > 2:
        return None, dnp  # a word ('LED', 'Fiducial') or prose ('Header, 16-Pin, Dual row')
    if value_like(candidate) and not re.fullmatch(r"\d{4,}", candidate):  # 5010 is a Keystone part
        return None, dnp
    if _description_in_cjk(candidate):
        return None, dnp
    if _NOT_FITTED_PREFIX_RE.match(candidate):  # Olimex 'NA/R0402': not assembled
        return None, True
    if _slash_description(candidate):
        return None, dnp
    if candidate.endswith((".", ",")) and len(candidate) > 4:
        notes.append(f"MPN {candidate!r} read as {candidate.rstrip('.,')!r} (stray trailing punctuation)")
        candidate = candidate.rstrip(".,")
    return candidate, dnp


def _slash_description(text: str) -> bool:
    """'LED/YELLOW/0603', '22uF/6.3V/20%/X5R': fields of a description, not an MPN ('MCP2551-I/SN' is one)."""
    fields = [field for field in text.split("/") if field]
    return len(fields) >= 3 and any(value_like(field) or footprint_like(field) or field.isdigit()
                                    for field in fields[1:])


def _description_in_cjk(text: str) -> bool:
    """A description in CJK ('铝电解电容贴片 10uF/30V', '四脚按键6*6*6').

    CJK after a Latin start ('KT-0805翠绿', a colour suffix) stays an MPN.
    """
    if not _CJK_RE.search(text):
        return False
    return bool(_CJK_RE.match(text)) or any(ch.isspace() for ch in text)


def _note_like(inside: str) -> bool:
    """Parenthesised text that is a remark, not a part number: values ('5v-3.3v') or words."""
    pieces = [piece for piece in re.split(r"[-/~\s]+", inside) if piece]
    return not paired_part_like(inside) or all(value_like(piece) for piece in pieces)


def _not_fitted_refs(note: str | None, refdes: tuple[str, ...], qty: int,
                     notes: list[str]) -> tuple[tuple[str, ...], int, bool]:
    """Designators a note lists as not fitted ('NF(C32 C41)'): removed from the line."""
    if not note or not refdes:
        return refdes, qty, False
    listed: list[str] = []
    for group in _NF_LIST_RE.findall(note):
        listed.extend(split_refdes(group))
    unfitted = [ref for ref in refdes if ref in set(listed)]
    if not unfitted:
        return refdes, qty, False
    if len(unfitted) == len(refdes):
        return refdes, qty, True
    kept = tuple(ref for ref in refdes if ref not in set(unfitted))
    new_qty = qty - len(unfitted) if qty == len(refdes) else qty
    notes.append(f"not fitted: {', '.join(unfitted)} ({note.strip()[:60]}); "
                 f"quantity {qty} -> {new_qty}")
    return kept, new_qty, False


def split_refdes(raw: str | None, notes: list[str] | None = None) -> tuple[str, ...]:
    """Designators split on commas, semicolons and whitespace, ranges like R1-R4 expanded."""
    if not raw:
        return ()
    raw = re.sub(r"\s*-\s*", "-", raw.translate(DASHES))
    designators: list[str] = []
    for token in re.split(r"[,;\s]+", raw):
        if token:
            designators.extend(expand_range(token))
    unique = tuple(dict.fromkeys(designators))
    if notes is not None and len(unique) != len(designators):
        twice = [d for d in unique if designators.count(d) > 1]
        notes.append(f"designator listed more than once: {', '.join(twice)}")
    return unique


def expand_range(token: str) -> list[str]:
    """['R1', 'R2', 'R3'] for 'R1-R3' (same prefix, ascending, at most 1000); else [token]."""
    match = _RANGE_RE.match(token)
    if not match:
        return [token]
    prefix, first, second_prefix, last = match.groups()
    start, stop = int(first), int(last)
    if second_prefix not in ("", prefix) or stop <= start or stop - start >= MAX_RANGE_EXPANSION:
        return [token]
    return [f"{prefix}{number}" for number in range(start, stop + 1)]


def parse_qty(value: CellValue, refdes: tuple[str, ...], notes: list[str]) -> int:
    """Quantity per board: the qty cell, else the designator count, else 1 (with notes)."""
    fallback = len(refdes) or 1
    if is_empty(value):
        return fallback
    qty = whole_number(value)
    if qty is None and isinstance(value, str):
        qty = _counted_text(value)
    if qty is None or qty < 0:
        if not _is_dnp_mark(value):
            used = f"{len(refdes)} from the designators" if refdes else "1"
            problem = "is negative" if _negative(value) else "is not a whole number"
            notes.append(f"quantity {text(value)!r} {problem}; using {used}")
        return fallback
    if refdes and qty not in (0, len(refdes)):
        notes.append(f"quantity {qty} but {len(refdes)} designators ({', '.join(refdes)})")
    return qty


_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[,\u00a0 ]\d{3})+$")
_COUNT_WITH_UNIT_RE = re.compile(r"^(\d+)\s*(?:pcs?|pieces?|ea|each|x|units?|st|шт\.?|个|只)$", re.IGNORECASE)


def _counted_text(value: str) -> int | None:
    """'1,000' (thousands separators) -> 1000; '2 pcs', '2ea', '4 шт' -> 2, 2, 4; else None."""
    stripped = value.strip()
    if _THOUSANDS_RE.match(stripped):
        return int(re.sub(r"\D", "", stripped))
    counted = _COUNT_WITH_UNIT_RE.match(stripped)
    return int(counted.group(1)) if counted else None


def dnp_column_says(value: CellValue, *, kind: str) -> bool:
    """Whether a dnp-column cell marks the line not fitted (kind: negative, positive or notes)."""
    cell_text = text(value)
    if cell_text is None:
        return False
    if kind == "notes":
        return dnp_word(cell_text)
    key = _mark_key(cell_text)
    return key in _DNP_MARKS or key in (_NO if kind == "positive" else _YES)


def _is_dnp_mark(value: CellValue) -> bool:
    return isinstance(value, str) and _mark_key(value) in _DNP_CELL_MARKS


def _mark_key(raw: str) -> str:
    return re.sub(r"[^a-z0-9]", "", raw.lower())


# ---------------------------------------------------------------- whole-table rules


def group_per_designator(lines: list[BomLine], *, has_qty: bool) -> tuple[list[BomLine], list[str]]:
    """One row per designator (KiCad lists, hand-made sheets) → one line per part.

    Applies when most rows name one designator, no row counts more than one, and some part
    repeats. Rows group by MPN (rows without MPN by the text in their MPN cell and
    description); blanks in the first row of a group (merged cells) take the group's values.
    """
    with_refs = [line for line in lines if line.refdes]
    if len(with_refs) < 4 or sum(len(line.refdes) == 1 for line in with_refs) < 0.8 * len(with_refs):
        return lines, []
    if has_qty and any(line.qty > 1 for line in lines):
        return lines, []
    groups: dict[tuple, list[BomLine]] = {}
    for line in lines:
        key = (normalize_mpn(line.mpn) if line.mpn else None, line.dnp,
               None if line.mpn else (line.raw_mpn_text, line.description))
        groups.setdefault(key, []).append(line)
    if len(groups) == len(lines):
        return lines, []
    grouped: list[BomLine] = []
    for members in groups.values():
        first = members[0]
        refdes = tuple(dict.fromkeys(ref for line in members for ref in line.refdes))

        def first_value(attribute: str, members: list[BomLine] = members):
            return next((getattr(line, attribute) for line in members if getattr(line, attribute)), None)

        grouped.append(replace(
            first,
            qty=sum(line.qty for line in members) if has_qty else len(refdes) or len(members),
            refdes=refdes,
            manufacturer=first.manufacturer or first_value("manufacturer"),
            digikey_pn=first.digikey_pn or first_value("digikey_pn"),
            description=first.description or first_value("description"),
            warnings=tuple(dict.fromkeys(w for line in members for w in line.warnings)),
        ))
    grouped.sort(key=lambda line: line.row)
    return grouped, [f"one row per designator: {len(lines)} rows grouped into {len(grouped)} lines by MPN"]


_BOARD_QTY_RE = re.compile(r"^(board\s*qty|boards|number of boards|build qty)\s*:?$", re.IGNORECASE)


def per_board_quantities(lines: list[BomLine], table: Table) -> tuple[list[BomLine], list[str]]:
    """Quantities written for a whole build (KiCost 'Board Qty: 100') back to per board.

    Only when the preamble states the board count and the quantities are that many times the
    designator count; a consistent multiple without a stated count is only warned about.
    """
    counted = [line for line in lines if line.refdes and line.qty and not line.dnp]
    if "qty" not in table.columns.index or len(counted) < 2:
        return lines, []
    ratios = [line.qty / len(line.refdes) for line in counted]
    boards = _stated_boards(table.preamble)
    if boards and sum(1 for r in ratios if r == boards) >= 0.8 * len(ratios):
        fixed = [replace(line, qty=len(line.refdes) if line.qty else 0,
                         warnings=tuple(w for w in line.warnings if " designators (" not in w))
                 if line.refdes else line for line in lines]
        return fixed, [f"quantities in {table.columns.texts['qty']!r} are for {boards} boards "
                       f"(Board Qty: {boards}); read per board as the designator count"]
    common = max(set(ratios), key=ratios.count)
    if common > 1 and common.is_integer() and ratios.count(common) >= 0.6 * len(ratios):
        return lines, [f"most quantities are {int(common)}x the designator count: is the BOM written "
                       f"for {int(common)} boards? Quantities are used as written"]
    return lines, []


def _stated_boards(preamble: Grid) -> int | None:
    for row in preamble:
        for position, value in enumerate(row):
            if isinstance(value, str) and _BOARD_QTY_RE.match(value.strip()):
                following = [v for v in row[position + 1:] if not is_empty(v)]
                number = whole_number(following[0]) if following else None
                if number and number > 1:
                    return number
    return None


def _negative(value: CellValue) -> bool:
    """A quantity below zero: -1, '-1', '−2' (a minus sign), '-1,000'."""
    rendered = (text(value) or "").translate(DASHES).replace(",", "")
    try:
        return float(rendered) < 0
    except ValueError:
        return False
