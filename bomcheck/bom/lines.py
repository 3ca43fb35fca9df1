"""Turn the rows under the header into BomLines: part numbers, designators, quantity, DNP, grouping."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bomcheck.bom.cells import CellValue, Grid, cell, is_empty, optional, row_has_content, text, whole_number
from bomcheck.bom.columns import ColumnMap
from bomcheck.bom.dnp import dnp_column_says, dnp_section, dnp_word, is_dnp_mark, row_says_dnp, section_title
from bomcheck.bom.mpns import part_number_like, read_mpn, split_second_choice
from bomcheck.bom.quantities import COUNT_DISAGREES, count_disagrees, parse_qty, per_board_quantities
from bomcheck.bom.refdes import expand_range, split_refdes
from bomcheck.bom.rows import bare_number, continues_designators, repeats_header, row_kind, second_source
from bomcheck.bom.sellers import label
from bomcheck.bom.shapes import seller_number_shape
from bomcheck.model import Alternate, BomLine, normalize_mpn

_PARENTHESISED_RE = re.compile(r"^\(.+\)$")

__all__ = ["Table", "build_line", "build_lines", "expand_range", "parse_qty", "split_refdes"]



@dataclass
class Table:
    """What line building needs to know about the table: its header and formula cells."""

    header_row: int
    columns: ColumnMap
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    preamble: Grid = field(default_factory=list)  # the rows above the header
    qty_named: bool = False  # the user named the quantity column: its quantities are used as written
    qty_usual: bool = True  # most rows fill the quantity column: an empty one says "none" rather than "count"
    parenthesised_dnp: bool = False  # a few values are written '(47u)': the file's way to say not fitted


def build_lines(grid: Grid, table: Table) -> tuple[list[BomLine], list[str]]:
    """BomLines of the data rows below the header, and warnings about the table as a whole."""
    columns = table.columns
    index = columns.index
    notes: list[str] = []
    if "qty" not in index and "refdes" not in index:
        notes.append("no quantity or designator column: assuming 1 per board for every line")
    table.qty_usual = _qty_usual(grid, table)
    table.parenthesised_dnp = _parenthesised_values(grid, table)
    lines: list[BomLine] = []
    skipped_numbers: list[int] = []
    unfitted_section: str | None = None
    for number in range(table.header_row + 1, len(grid) + 1):
        cells = grid[number - 1]
        if not row_has_content(cells) or repeats_header(cells, columns):
            continue
        if lines and continues_designators(cells, columns, _above(grid, lines[-1], index.get("refdes"))):
            lines[-1] = _extend_refdes(lines[-1], text(cell(cells, index["refdes"])) or "",
                                       counted="qty" not in index)
            continue
        other_part = second_source(cells, columns) if lines and lines[-1].row < number else None
        if other_part and (lines[-1].refdes or lines[-1].description):
            lines[-1] = replace(lines[-1], alternates=(*lines[-1].alternates, Alternate(*other_part)))
            continue
        kind = row_kind(cells, columns)
        if kind == "numbers":
            skipped_numbers.append(number)
        title = section_title(cells) if kind in ("section", "note") else None
        if title is not None:
            unfitted_section = title if dnp_section(title) else None
        if kind is None:
            line = build_line(number, cells, table)
            if unfitted_section and not line.dnp:
                line = replace(line, dnp=True, warnings=(*line.warnings, f"under {unfitted_section!r}"))
            lines.append(line)
    if skipped_numbers:
        notes.append(f"{len(skipped_numbers)} {'row' if len(skipped_numbers) == 1 else 'rows'} with numbers "
                     "but no part skipped "
                     f"(rows {_ranges(skipped_numbers)})")
    lines, group_notes = group_per_designator(lines, has_qty="qty" in index)
    notes.extend(group_notes)
    if not table.qty_named:
        footer = grid[lines[-1].row:] if lines else []
        lines, board_notes = per_board_quantities(lines, columns.texts.get("qty"), table.preamble, footer)
        notes.extend(board_notes)
    return lines, notes


def _qty_usual(grid: Grid, table: Table) -> bool:
    """Whether most rows with content below the header fill the quantity column."""
    col = table.columns.index.get("qty")
    rows = [row for row in grid[table.header_row:] if row_has_content(row)]
    return col is not None and sum(1 for row in rows if not is_empty(cell(row, col))) >= 0.5 * len(rows)


def _parenthesised_values(grid: Grid, table: Table) -> bool:
    """Whether some values, but few (at most 3 in 10 rows), are wholly in parentheses ('(47u)')."""
    col = table.columns.index.get("value")
    values = [value for row in grid[table.header_row:] if (value := text(cell(row, col)))] if col else []
    wrapped = sum(1 for value in values if _PARENTHESISED_RE.match(value))
    return 0 < wrapped <= 0.3 * len(values)


def _above(grid: Grid, line: BomLine, col: int | None) -> str | None:
    return text(cell(grid[line.row - 1], col)) if col and line.row <= len(grid) else None


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


def _extend_refdes(line: BomLine, more: str, *, counted: bool) -> BomLine:
    """The line with the designators of its continuation row (`counted`: qty is their number)."""
    refdes = tuple(dict.fromkeys([*line.refdes, *split_refdes(more, [])]))
    warnings = [w for w in line.warnings if not COUNT_DISAGREES.match(w)]
    if counted:
        return replace(line, refdes=refdes, qty=len(refdes) if line.qty else 0, warnings=tuple(warnings))
    if line.qty not in (0, len(refdes)):
        warnings.append(count_disagrees(line.qty, refdes))
    return replace(line, refdes=refdes, warnings=tuple(warnings))


def build_line(number: int, cells: Sequence[CellValue], table: Table) -> BomLine:
    """The BomLine of physical row `number`."""
    cells = list(cells)
    columns = table.columns
    index = columns.index
    notes: list[str] = []
    mpn_cell = cell(cells, index.get("mpn"))
    mpn_text = text(mpn_cell)
    maker_text = optional(text(cell(cells, index.get("manufacturer"))))
    reading = read_mpn(mpn_text, notes, bare_number=bare_number(cells, index))
    mpn, second_choice = split_second_choice(reading.mpn)
    makers = _makers(maker_text, 1 + len(reading.alternates)) if reading.alternates else []
    # A maker named in the MPN cell's parentheses ('B3F-1000(OMRON)') is the maker when no column says one.
    manufacturer = makers[0] if makers else maker_text or reading.maker
    sellers = columns.seller_numbers(cells)
    mpn, sellers = _seller_number_as_mpn(mpn, sellers, notes)
    customer_pn = optional(text(cell(cells, index.get("customer_pn"))))
    if mpn and customer_pn and normalize_mpn(mpn) == normalize_mpn(customer_pn):
        notes.append(f"the MPN cell repeats the internal part number {customer_pn!r}: no MPN")
        mpn = None
    description = text(cell(cells, index.get("description")))
    refdes = split_refdes(text(cell(cells, index.get("refdes"))), notes)
    qty_cell = cell(cells, index.get("qty"))
    qty = _quantity(number, qty_cell, refdes, table, names_part=bool(mpn or sellers), notes=notes)
    dnp_cell = cell(cells, index.get("dnp"))
    refdes, qty, all_nf = _not_fitted_refs(text(dnp_cell), refdes, qty, notes)
    value = text(cell(cells, index.get("value")))
    footprint = text(cell(cells, index.get("footprint"))) or ""
    dnp = (
        qty == 0
        or reading.dnp
        or all_nf
        or dnp_column_says(dnp_cell, kind=columns.dnp_kind)
        or any(is_dnp_mark(value) for value in (mpn_text, description, qty_cell, manufacturer, value))
        or bool(value and dnp_word(value))
        or _parenthesised_value(value, table, notes)
        or (not mpn and not sellers and bool(description) and dnp_word(description or ""))
        or footprint.upper().endswith(("_DNP", "-DNP"))
        or _marked_elsewhere(cells, columns, notes)
    )
    if manufacturer and is_dnp_mark(manufacturer):
        manufacturer = None
    if mpn is None and sellers:
        notes.append(seller_only_note(*sellers[0]))
    alt_makers = makers[1:] if len(makers) == len(reading.alternates) + 1 else []
    alternates = [Alternate(alt, alt_makers[position] if alt_makers else None)
                  for position, alt in enumerate(reading.alternates)]
    return BomLine(
        row=number,
        mpn=mpn,
        manufacturer=manufacturer,
        qty=qty,
        refdes=refdes,
        dnp=dnp,
        digikey_pn=next((number for role, number in sellers if role == "digikey_pn"), None),
        description=description,
        warnings=tuple(notes),
        raw_mpn_text=mpn_text if mpn is None else None,
        alternates=(*(Alternate(alt) for alt in second_choice), *alternates, *_alternates(cells, columns)),
        customer_pn=customer_pn,
        attrition=optional(text(cell(cells, index.get("attrition")))),
        distributor_pns=tuple(sellers),
    )


def seller_only_note(role: str, number: str) -> str:
    """The warning of a line the BOM names only by a seller's number."""
    return f"no MPN; its {label(role)} number is {number}"


def resolved_by_seller(line: BomLine) -> BomLine:
    """A line named only by a seller's number, once a source named its part (`mpn_from`): its "no MPN"
    warning asks for no fix any more (the line's notes say where its MPN came from), so it goes."""
    said = {seller_only_note(role, number) for role, number in line.distributor_pns}
    if line.mpn_from is None or not said & set(line.warnings):
        return line
    return replace(line, warnings=tuple(warning for warning in line.warnings if warning not in said))


def _makers(maker_text: str | None, count: int) -> list[str]:
    """The makers of a cell listing one per part ('Murata~AVX', one per line), when it lists `count`."""
    if not maker_text:
        return []
    pieces = [piece.strip() for piece in re.split(r"~|\n|;", maker_text) if piece.strip()]
    return pieces if len(pieces) == count else []


def _parenthesised_value(value: str | None, table: Table, notes: list[str]) -> bool:
    if not (value and table.parenthesised_dnp and _PARENTHESISED_RE.match(value)):
        return False
    notes.append(f"value {value!r} in parentheses: not fitted (the file writes its unfitted parts so)")
    return True


def _seller_number_as_mpn(mpn: str | None, sellers: list[tuple[str, str]],
                          notes: list[str]) -> tuple[str | None, list[tuple[str, str]]]:
    """A seller's number in the MPN cell ('311-330JRCT-ND', 'C25804') is that seller's number, not the MPN."""
    role = seller_number_shape(mpn) if mpn else None
    if mpn is None or role is None:
        return mpn, sellers
    notes.append(f"{mpn!r} in the MPN column is a {label(role)} number: read as one, not as the MPN")
    return None, [(role, mpn), *(pair for pair in sellers if pair[0] != role)]


def _quantity(number: int, qty_cell: CellValue, refdes: tuple[str, ...], table: Table, *, names_part: bool,
              notes: list[str]) -> int:
    qty_col = table.columns.index.get("qty")
    formula = table.formulas.get((number, qty_col)) if qty_col else None
    if formula and whole_number(qty_cell) in (None, 0):
        used = f"{len(refdes)} from the designators" if refdes else "1"
        notes.append(f"quantity is a formula ({formula}) with no usable cached value; using {used}")
        qty_cell = None
    if qty_col is not None and is_empty(qty_cell) and not refdes and not formula:
        if names_part and (table.qty_usual or "refdes" not in table.columns.index):
            notes.append("no quantity given and no designators: not fitted")
            return 0
        notes.append("no quantity given and no designators: assuming 1")
        return 1
    return parse_qty(qty_cell, refdes, notes)


def _marked_elsewhere(cells: list[CellValue], columns: ColumnMap, notes: list[str]) -> bool:
    """A not-fitted mark in a column without a role ('不贴' under a sourcing column, 'Do not mount')."""
    mark = row_says_dnp(cells, set(columns.index.values()) | set(columns.sellers))
    if mark:
        notes.append(f"not fitted: {mark!r}")
    return mark is not None


def _alternates(cells: list[CellValue], columns: ColumnMap) -> tuple[Alternate, ...]:
    found: list[Alternate] = []
    for mpn_col, maker_col in columns.alternates:
        maker_text = text(cell(cells, maker_col))
        mpns = _listed(text(cell(cells, mpn_col)))
        makers = _listed(maker_text, loose=True) if len(mpns) > 1 else [maker_text]
        for position, raw in enumerate(mpns):
            mpn = read_mpn(raw, []).mpn
            # Several parts take one maker each when the maker cell lists as many, else the cell's.
            maker = makers[position] if len(makers) == len(mpns) else maker_text if len(makers) == 1 else None
            if mpn:
                found.append(Alternate(mpn, optional(maker)))
    return tuple(found)


def _listed(value: str | None, *, loose: bool = False) -> list[str]:
    """A cell listing several parts ('LM358DT; LM358DR2G'): each; else the cell as it is."""
    if not value:
        return []
    pieces = [piece.strip() for piece in re.split(r"[;,\n]", value)]
    if len(pieces) > 1 and all(piece and (loose or part_number_like(piece)) for piece in pieces):
        return pieces
    return [value]


def _not_fitted_refs(note: str | None, refdes: tuple[str, ...], qty: int,
                     notes: list[str]) -> tuple[tuple[str, ...], int, bool]:
    """Designators a note lists as not fitted ('NF(C32 C41)'): removed from the line."""
    if not note or not refdes:
        return refdes, qty, False
    listed: list[str] = []
    for group in re.findall(r"\b(?:NF|DNP|DNI|NA|NS)\s*\(([^)]*)\)", note, re.IGNORECASE):
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
               None if line.mpn else (line.raw_mpn_text, line.description, line.distributor_pns))
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
            distributor_pns=first.distributor_pns or first_value("distributor_pns") or (),
            description=first.description or first_value("description"),
            warnings=tuple(dict.fromkeys(w for line in members for w in line.warnings)),
        ))
    grouped.sort(key=lambda line: line.row)
    return grouped, [f"one row per designator: {len(lines)} rows grouped into {len(grouped)} lines by MPN"]
