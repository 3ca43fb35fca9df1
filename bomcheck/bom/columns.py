"""Which column holds what: overrides, sellers' columns, header names, then what the cells hold."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bomcheck.bom.aliases import COLUMN_ALIASES, NOTES_DNP_HEADERS, POSITIVE_DNP_HEADERS, VALUE_HEADERS
from bomcheck.bom.cells import CellValue, cell, text, whole_number
from bomcheck.bom.content import Profile, profile
from bomcheck.bom.names import header_key, header_role, is_alias
from bomcheck.bom.options import column_option
from bomcheck.bom.sellers import SELLER_ROLES, label, names_no_number, number_role, seller_named
from bomcheck.bom.shapes import footprint_like, mpn_like, value_like
from bomcheck.errors import BomError

__all__ = ["ALTERNATE_ROLES", "AUX_ROLES", "COLUMN_ALIASES", "ROLES", "ColumnMap", "footprint_like",
           "header_key", "header_role", "map_columns", "mpn_like", "value_like"]

ROLES = ("mpn", "manufacturer", "qty", "refdes", "description", "digikey_pn", "dnp",
         "customer_pn", "attrition", "lcsc_pn")
AUX_ROLES = ("footprint", "value")  # read only to recognise DNP marks and value-only lines
ALTERNATE_ROLES = ("alternate_mpn", "alternate_manufacturer")
# Headers that never hold a part number, quantity or designator, whatever their cells look like.
_DECOY_RE = re.compile(r"avail|stock|on ?hand|price|cost|\$|€|moq|lead|purch|datasheet|url|link|weight|"
                       r"date|item|nr\.?\s*crt|^id$|^no\.?$|^#$|pins?$|цена|价|金额|小计", re.IGNORECASE)
_GENERIC_RE = re.compile(r"^((field|column|col|unnamed|f)\s*[:_]?\s*\d*)?$", re.IGNORECASE)
# Headers whose content is usually not the MPN: content may still pick them, with more evidence.
_MISLEADING_RE = re.compile(r"footprint|package|libref|lib|value|comment|name|part$|symbol|device",
                            re.IGNORECASE)
# Inside a seller's group: the header of its own number ('Code', 'Cat#', 'SKU'), else its 'Part Number'.
_CODE_RE = re.compile(r"code|order|sku|cat\s*#|stock|bestell|artikel|编号|编码|kod", re.IGNORECASE)
_PART_NUMBER_RE = re.compile(r"part\s*(number|no|#)|^p/?n$|^#$|^number$", re.IGNORECASE)
# A header naming a seller holds its number when it says so, or is only the seller's name.
_NUMBER_WORD_RE = re.compile(r"\bn\.|\bnr\b|\bno\b|#|num|part|\bpn\b|p/n|code|sku|order|bestell|artikel|"
                             r"cat|\bref|编号|品番|番号|номер|código|codice", re.IGNORECASE)
_SELLER_ALIAS_ROLES = ("digikey_pn", "lcsc_pn", "seller_pn")
Order = tuple[float, ...]  # how a column ranks among those named for one role: (alias rank, number, ...)
Candidates = Mapping[str, list[tuple[Order, int]]]  # role -> [(order, column)]


@dataclass
class ColumnMap:
    """The columns chosen for each role in one header row, with the reason for each."""

    index: dict[str, int] = field(default_factory=dict)  # role -> 1-based column
    texts: dict[str, str] = field(default_factory=dict)  # role -> header text as written
    reasons: dict[str, str] = field(default_factory=dict)
    alternates: list[tuple[int, int | None]] = field(default_factory=list)  # (mpn col, maker col)
    warnings: list[str] = field(default_factory=list)
    best_mpn_guess: str = ""  # for the refusal message when no MPN column is found
    by_content: set[str] = field(default_factory=set)  # roles found from cell content, not names
    # Columns of sellers' own numbers -> the seller's role, or None when each number says whose it is.
    sellers: dict[int, str | None] = field(default_factory=dict)
    shape_only: set[int] = field(default_factory=set)  # seller columns found by content: shaped cells only
    seller_names: int | None = None  # the column naming each row's seller ('MOUSER', 'Reichelt')
    listed_as: dict[int, str] = field(default_factory=dict)  # column of several sellers' numbers -> main role
    seller_headers: dict[int, str] = field(default_factory=dict)  # column of sellers' numbers -> its header

    @property
    def dnp_kind(self) -> str:
        """'positive' (Fitted: 'no' means DNP), 'notes' (free text) or 'negative' (DNP: 'x' means DNP)."""
        header = self.texts.get("dnp", "")
        if is_alias(header, POSITIVE_DNP_HEADERS) or (header_role(header) == ("dnp", 50)):
            return "positive"
        if is_alias(header, NOTES_DNP_HEADERS):
            return "notes"
        return "negative"

    @property
    def identified(self) -> bool:
        """Whether lines can name their part: an MPN column or a seller's number column."""
        return "mpn" in self.index or bool(self.sellers)

    def seller_numbers(self, cells: Sequence[CellValue]) -> list[tuple[str, str]]:
        """(role, number) of each seller's number in a row, the main column of each role first."""
        row_seller = seller_named(text(cell(list(cells), self.seller_names)))
        main = [col for role, col in self.index.items() if role in SELLER_ROLES and col in self.sellers]
        found: list[tuple[str, str]] = []
        for col in [*main, *(col for col in self.sellers if col not in main)]:
            number = text(cell(list(cells), col))
            if not number or len(number.strip("-–?. 0")) < 2 or number.lower().startswith("http"):
                continue
            role = self.number_role(col, number, row_seller)
            if role and (role, number) not in found:  # 'Order Number' and 'Artikelnummer' (one role): both
                found.append((role, number))
        return found

    def seller_columns(self) -> list[tuple[str, str]]:
        """(role, header) of every column of sellers' numbers, the main column of each role first."""
        main = [col for role, col in self.index.items() if role in SELLER_ROLES and col in self.sellers]
        return [(self.sellers[col] or self.listed_as.get(col, "other_pn"), self.seller_headers[col])
                for col in [*main, *(col for col in self.sellers if col not in main)]]

    def number_role(self, col: int, number: str, row_seller: str | None) -> str | None:
        declared = self.sellers.get(col)
        if col in self.shape_only:
            shaped = number_role(number)
            return shaped if shaped == declared else None
        return number_role(number, declared or row_seller)


def _header_text(value: CellValue) -> str:
    return " ".join((text(value) or "").split())


def _trailing_number(header: str) -> int:
    match = re.search(r"(\d+)\W*$", header)
    return int(match.group(1)) if match else 0


def _group_labels(group_row: Sequence[CellValue] | None, width: int) -> list[str]:
    """For each column, the label of the group row above it (carried right until the next label)."""
    labels: list[str] = []
    current = ""
    for col in range(1, width + 1):
        value = text(cell(list(group_row), col)) if group_row else None
        if value:
            current = value
        labels.append(current)
    return labels


def _named_column(name: str, headers: Sequence[str | None], groups: Sequence[str | None],
                  taken: set[int], option: str) -> int | None:
    """The column a --*-column NAME means: the header as written, or 'Group/Header' under a group
    row (KiCost's 'Digi-Key/Cat#'); a name several groups share must say which."""
    wanted = header_key(name)
    matches = [col for col, header in enumerate(headers, start=1)
               if header and header_key(header) == wanted and col not in taken]
    if not matches and "/" in name:
        group, _, header_name = name.rpartition("/")
        matches = [col for col, header in enumerate(headers, start=1)
                   if header and header_key(header) == header_key(header_name) and col not in taken
                   and header_key(groups[col - 1] or "") == header_key(group)]
    labelled = {f"{groups[col - 1]}/{headers[col - 1]}" for col in matches if groups[col - 1]}
    if len(matches) > 1 and len(labelled) > 1:
        raise BomError(f"{option} {name!r} names {len(matches)} columns; say which: "
                       + ", ".join(repr(label) for label in sorted(labelled)))
    return matches[0] if matches else None


class _Mapper:
    """The state of one header row's mapping: headers, group labels, column profiles, taken columns."""

    def __init__(self, header_cells: Sequence[CellValue], body: Sequence[Sequence[CellValue]],
                 group_row: Sequence[CellValue] | None) -> None:
        self.rows = [list(row) for row in body]
        width = max([len(header_cells), *(len(row) for row in self.rows)], default=0)
        header_list = list(header_cells)  # once: a copy per column is quadratic on a 16,384-column sheet
        self.headers = [_header_text(cell(header_list, col)) for col in range(1, width + 1)]
        self.groups = _group_labels(group_row, width)
        self.result = ColumnMap()
        self.taken: set[int] = set()
        self._profiles: dict[int, Profile] = {}

    def profile(self, col: int) -> Profile:
        if col not in self._profiles:
            self._profiles[col] = profile([cell(row, col) for row in self.rows])
        return self._profiles[col]

    def name(self, col: int) -> str:
        return self.headers[col - 1] or f"column {col}"

    def choose(self, role: str, col: int, reason: str, *, take: bool = True) -> None:
        self.result.index[role] = col
        self.result.texts[role] = self.name(col)
        self.result.reasons[role] = reason
        if take:
            self.taken.add(col)

    def add_seller(self, col: int, role: str | None, reason: str, *, shape_only: bool = False) -> None:
        self.result.sellers[col] = role
        self.result.seller_headers[col] = self.name(col)
        if shape_only:
            self.result.shape_only.add(col)
        self.taken.add(col)
        if role and role not in self.result.index:
            self.choose(role, col, reason)
        elif role is None:
            self.result.reasons.setdefault(f"column {col}", reason)


def map_columns(
    header_cells: Sequence[CellValue],
    body: Sequence[Sequence[CellValue]],
    overrides: Mapping[str, str] | None = None,
    group_row: Sequence[CellValue] | None = None,
) -> ColumnMap:
    """Roles of the columns under one header row: overrides, sellers, aliases, then content.

    `body` is a sample of the rows below the header; `group_row` the row above it, whose
    labels (a merged 'Digi-Key' over repeated 'Cat#' columns) tell repeated names apart.
    """
    mapper = _Mapper(header_cells, body, group_row)
    _overrides(mapper, dict(overrides or {}))
    _seller_groups(mapper)
    _named_sellers(mapper)
    candidates = _alias_candidates(mapper)
    _choose_aliases(mapper, candidates)
    result = mapper.result
    if "mpn" in result.index:
        _alternates(mapper, [(col, mapper.headers[col - 1]) for _, col in candidates.get("mpn", [])])
        _named_alternates(mapper, candidates)
    _content_roles(mapper)
    _seller_names_column(mapper, candidates)
    _per_number_sellers(mapper)
    _value_column(mapper)
    _warn_about_mpns(mapper)
    return result


def _overrides(mapper: _Mapper, overrides: Mapping[str, str]) -> None:
    for role, name in overrides.items():
        option = column_option(role)
        col = _named_column(name, mapper.headers, mapper.groups, mapper.taken, option)
        if col is None:
            continue
        if role in ("digikey_pn", "lcsc_pn"):
            mapper.add_seller(col, role, f"named by {option}")
        else:
            mapper.choose(role, col, f"named by {option}")


def _seller_groups(mapper: _Mapper) -> None:
    """Columns under a seller's group label (KiCost's 'Digi-Key' over 'Cat#', a consolidated BOM's
    'Farnell' over 'Code'/'Part Number'/'Price'): the seller's own number, nothing else of the BOM's."""
    members: dict[tuple[str, str], list[int]] = {}
    for col, group in enumerate(mapper.groups, start=1):
        role = seller_named(group)
        first = _same_group_as_first(mapper, col)
        if role and mapper.headers[col - 1] and col not in mapper.taken and not first:
            members.setdefault((group, role), []).append(col)
    for (group, role), cols in members.items():
        coded = [col for col in cols if _CODE_RE.search(mapper.headers[col - 1])]
        numbered = [col for col in cols if _PART_NUMBER_RE.search(mapper.headers[col - 1])]
        number_col = next(iter(coded or numbered), None)
        if number_col is not None and role not in mapper.result.index:
            mapper.add_seller(number_col, role, f"{mapper.name(number_col)!r} under {group!r}")
        for col in cols:  # the seller's price, stock, quantity, and the maker's number it sells
            named = header_role(mapper.headers[col - 1])
            bom_role = named and named[0] in ("mpn", "manufacturer", "description")
            if not bom_role or col in coded + numbered:
                mapper.taken.add(col)


def _same_group_as_first(mapper: _Mapper, col: int) -> bool:
    """True when the column's group is the table's first group ('Global Part Info')."""
    return bool(mapper.groups) and mapper.groups[col - 1] == mapper.groups[0]


def _named_sellers(mapper: _Mapper) -> None:
    """Headers naming a seller ('N. Mouser', 'reichelt.de part number', 'Farnell'): its numbers;
    its price, stock or link columns are no column of the BOM's."""
    for col, header in enumerate(mapper.headers, start=1):
        role = seller_named(header) if col not in mapper.taken else None
        if role is None:
            continue
        priced = names_no_number(mapper.groups[col - 1]) or mapper.profile(col).fraction >= 0.5
        if names_no_number(header) or priced:
            mapper.taken.add(col)  # its price, stock or link ('tme' under a 'cena' group, 6.37)
        elif _NUMBER_WORD_RE.search(header) or (seller_named(re.sub(r"\.\w+$", "", header)) == role and len(
                header.split()) == 1):
            mapper.add_seller(col, role, f"{label(role)} named in {header!r}")


def _alias_candidates(mapper: _Mapper) -> dict[str, list[tuple[Order, int]]]:
    """role -> [(order, column)] of the columns whose header names the role; a column whose cells
    are sellers' numbers (DigiKey '…-ND', LCSC 'C…') becomes that seller's, whatever its name says."""
    candidates: dict[str, list[tuple[Order, int]]] = {}
    for col, header in enumerate(mapper.headers, start=1):
        match = header_role(header) if header and col not in mapper.taken else None
        group = mapper.groups[col - 1]
        if match is None and header and col not in mapper.taken and group and group != header:
            match = header_role(f"{group} {header}")  # 'Manufacturer' over 'Name', 'Qty' over 'per board'
        if match is None:
            continue
        role, rank = match
        certain = mapper.profile(col).certain_seller()
        if certain and role not in ALTERNATE_ROLES and role != "seller":
            seller, share = certain
            mapper.add_seller(col, seller, f"content: {round(share * 100)}% {label(seller)} numbers under "
                                           f"{header!r}", shape_only=role not in _SELLER_ALIAS_ROLES)
            continue
        if role in _SELLER_ALIAS_ROLES:
            mapper.add_seller(col, None if role == "seller_pn" else role, f"alias {header!r}")
            continue
        if role == "mpn" and mapper.profile(col).mostly_mouser():  # 'Part Number' holding '595-LM358DR'
            share = round(mapper.profile(col).mouser * 100)
            mapper.add_seller(col, "mouser_pn", f"content: {share}% Mouser numbers under {header!r} "
                                                "(a seller's number is never the MPN)")
            continue
        if (role == "qty" and re.sub(r"\W", "", header.casefold()) in _MONEY_OR_COUNT
                and mapper.profile(col).count >= 3 and mapper.profile(col).fraction >= 0.5):
            continue  # 'Amount' of money; a 'Qty' of 0.5 (wire, sleeving) stays, warned about per row
        mpn_share = -mapper.profile(col).mpn if role == "mpn" else 0.0
        order = (rank, _trailing_number(header), mpn_share, col)  # "MPN1" before "MPN2"
        candidates.setdefault(role, []).append((order, col))
    return candidates


# Quantity names that may also head a column of money ("Amount"): fractions there are prices.
_MONEY_OR_COUNT = frozenset({"amount", "amt", "betrag", "montant", "importe", "importo"})


def _choose_aliases(mapper: _Mapper, candidates: Candidates) -> None:
    for role, found in candidates.items():
        if role in mapper.result.index or role in ALTERNATE_ROLES or role == "seller":
            continue
        _, col = min(found)
        if col in mapper.taken:
            continue
        mapper.choose(role, col, f"alias {mapper.headers[col - 1]!r}", take=role not in AUX_ROLES)
    _quantity_columns(mapper, candidates)


def _quantity_columns(mapper: _Mapper, candidates: Candidates) -> None:
    """A per-board quantity beside a plain or an order quantity wins, and that is said; an order
    quantity alone is used as written, with a warning."""
    result = mapper.result
    others = [col for _, col in sorted([*candidates.get("qty", []), *candidates.get("order_qty", [])])
              if col != result.index.get("qty")]
    order = result.index.pop("order_qty", None)
    result.texts.pop("order_qty", None)
    result.reasons.pop("order_qty", None)
    if "qty" not in result.index and order is not None:
        mapper.choose("qty", order, f"alias {mapper.name(order)!r} (an order quantity; none per board)")
        result.warnings.append(f"quantities from {mapper.headers[order - 1]!r}, an order or total quantity: "
                               "read as per board; if they are for several boards, pass --qty-column")
    elif "qty" in result.index and others:
        names = ", ".join(repr(mapper.headers[col - 1]) for col in others)
        result.warnings.append(f"quantity per board from {result.texts['qty']!r}; not from {names}")
        result.reasons["qty"] += f" (per board, before {names})"


def _alternates(mapper: _Mapper, mpn_columns: list[tuple[int, str]]) -> None:
    """Other numbered MPN columns ("MPN2") become alternates; other MPN-named columns a warning."""
    result, headers = mapper.result, mapper.headers
    chosen = result.index["mpn"]
    makers = {col: header for col, header in enumerate(headers, start=1)
              if (header_role(header) or ("", 0))[0] == "manufacturer"}
    others: list[str] = []
    for col, header in mpn_columns:
        if col == chosen or col in result.sellers:
            continue
        number = _trailing_number(header)
        if number and number != _trailing_number(result.texts["mpn"]):  # "MPN 2" beside "MPN" or "MPN 1"
            maker = next((c for c, h in makers.items() if _trailing_number(h) == number), None)
            result.alternates.append((col, maker))
        else:
            others.append(header)
    if others or result.alternates:
        names = others + [headers[col - 1] for col, _ in result.alternates]
        result.warnings.append(f"MPNs read from column {result.texts['mpn']!r}; "
                               f"not from {', '.join(repr(name) for name in names)}"
                               + (" (read as alternates)" if result.alternates else ""))


def _named_alternates(mapper: _Mapper, candidates: Candidates) -> None:
    """Alternate-MPN columns ("Alt MPN", "Second Source"), each with an alternate-maker column:
    by the name they share ("Second Source" with "Second Source Manufacturer") and number first,
    then by the name, then by the number, and only last the nearest one not yet paired."""
    headers, taken = mapper.headers, mapper.taken
    makers = [col for _, col in candidates.get("alternate_manufacturer", []) if col not in taken]
    columns = [col for _, col in candidates.get("alternate_mpn", []) if col not in taken]
    stems = {col: _name_stem(headers[col - 1]) for col in (*makers, *columns)}
    numbers = {col: _trailing_number(headers[col - 1]) for col in (*makers, *columns)}
    rules = (lambda a, m: stems[a] == stems[m] and numbers[a] == numbers[m],
             lambda a, m: stems[a] == stems[m],
             lambda a, m: bool(numbers[a]) and numbers[a] == numbers[m],
             lambda a, m: True)
    paired: dict[int, int] = {}
    for rule in rules:
        for col in columns:
            fits = [m for m in makers if col not in paired and rule(col, m)]
            if fits:
                paired[col] = min(fits, key=lambda m: (abs(m - col), m))
                makers.remove(paired[col])
    for col in columns:
        mapper.result.alternates.append((col, paired.get(col)))
        taken.add(col)
        if col in paired:
            taken.add(paired[col])


_ROLE_WORDS = frozenset({"mpn", "part", "parts", "number", "no", "pn", "p", "n", "manufacturer",
                         "manufacturers", "mfr", "mfg", "maker", "make", "brand"})
_SAME_WORD = {"alternate": "alt", "alternative": "alt", "alternates": "alt", "alternatives": "alt",
              "substitutes": "substitute"}


def _name_stem(header: str) -> tuple[str, ...]:
    """What an alternate column's name says besides its role: 'Second Source Manufacturer 2' ->
    ('second', 'source'); 'Alt_MPN' and 'Alternate Manufacturer' -> ('alt',)."""
    words = re.findall(r"[a-z]+|\d+[a-z]+", header.casefold().replace("_", " "))
    return tuple(_SAME_WORD.get(word, word) for word in words if word not in _ROLE_WORDS)


_WHAT = {"mpn": "MPN-like", "refdes": "designator lists", "qty": "whole numbers",
         "manufacturer": "known manufacturer names", "dnp": "DNP marks", "description": "descriptive text"}


def _content_roles(mapper: _Mapper) -> None:
    """Roles still missing, found from what the cells hold (sellers' numbers, designators, MPNs)."""
    headers = mapper.headers
    open_cols = [col for col in range(1, len(headers) + 1)
                 if col not in mapper.taken and not (headers[col - 1] and _DECOY_RE.search(headers[col - 1]))
                 and mapper.profile(col).count]
    for col in open_cols:
        certain = mapper.profile(col).certain_seller()
        if certain:
            role, share = certain
            mapper.add_seller(col, role, f"content: {round(share * 100)}% {label(role)} numbers, confidence "
                                         f"{_confidence(share, mapper.profile(col))}", shape_only=True)
            mapper.result.by_content.add(role)

    def generic(col: int) -> bool:
        return bool(_GENERIC_RE.match(headers[col - 1]))

    def pick(role: str, score, threshold: float, allowed) -> None:
        if role in mapper.result.index:
            return
        scored = [(score(mapper.profile(col)), col) for col in open_cols
                  if col not in mapper.taken and allowed(col)]
        scored = [(s, col) for s, col in scored if s >= threshold]
        if not scored:
            return
        value, col = max(scored, key=lambda item: (item[0], generic(item[1]), -item[1]))
        mapper.choose(role, col, f"content: {round(value * 100)}% {_WHAT[role]}, "
                                 f"confidence {_confidence(value, mapper.profile(col))}")
        mapper.result.by_content.add(role)
        for aux in AUX_ROLES:
            if mapper.result.index.get(aux) == col:
                for mapping in (mapper.result.index, mapper.result.texts, mapper.result.reasons):
                    mapping.pop(aux, None)

    # Designators are designators whatever the column is called ('Part', 'nom', '部品番号', none), in a
    # column filled on most rows.
    filled = max(2, len(mapper.rows) // 2)
    pick("refdes", lambda p: p.refdes if p.standard_refdes and p.count >= filled else 0.0, 0.8,
         lambda col: True)
    pick("dnp", lambda p: p.dnp, 0.99, generic)
    if "mpn" not in mapper.result.index:
        # A plain or generic header needs half its cells MPN-like; a name that usually means
        # something else (Footprint, LibRef, Comment) needs more.
        pick("mpn", lambda p: p.mpn, 0.5, lambda col: not _MISLEADING_RE.search(headers[col - 1]))
        pick("mpn", lambda p: p.mpn, 0.6, lambda col: True)
        remaining = [col for col in open_cols if col not in mapper.taken]
        if "mpn" not in mapper.result.index and remaining:
            score, col = max((mapper.profile(col).mpn, col) for col in remaining)
            mapper.result.best_mpn_guess = (f"the most part-number-like column, {mapper.name(col)!r}, "
                                            f"is {round(score * 100)}% MPN-like")
    pick("manufacturer", lambda p: p.manufacturer, 0.5, generic)
    pick("qty", lambda p: p.whole if p.sizes < 0.5 else 0.0, 0.95, generic)
    pick("description", lambda p: p.prose, 0.6, generic)
    _unused_counts(mapper, open_cols)


def _unused_counts(mapper: _Mapper, open_cols: list[int]) -> None:
    """With no quantity column, a column of whole numbers left unread is said (it may be the quantity
    under a name nobody listed): never a silent guess either way. Row numbers (1, 2, 3...) are not."""
    result = mapper.result
    if "qty" in result.index:
        return
    for col in open_cols:
        prof = mapper.profile(col)
        if col in mapper.taken or prof.count < 2 or prof.whole < 0.95 or prof.sizes >= 0.5:
            continue
        numbers = [number for row in mapper.rows if (number := whole_number(cell(row, col))) is not None]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            continue  # a row number ('Pos.', '#')
        counted = "the designator count" if "refdes" in result.index else "1 per line"
        result.warnings.append(f"column {mapper.name(col)!r} holds whole numbers but is not read as the "
                               f"quantity (quantities are {counted}); if it is the quantity per board, pass "
                               f"--qty-column {mapper.name(col)!r}")


def _confidence(value: float, prof: Profile) -> float:
    return round(value * min(1.0, prof.count / 5), 2)


def _seller_names_column(mapper: _Mapper, candidates: Candidates) -> None:
    """The column naming each row's seller: by name ('Distributor', 'Händler'), or a maker column
    whose cells are sellers' names (KiBoM's 'Vendor' holding 'JLCPCB')."""
    result = mapper.result
    named = sorted(candidates.get("seller", []))
    if named:
        result.seller_names = named[0][1]
        mapper.taken.add(result.seller_names)
        return
    maker = result.index.get("manufacturer")
    if maker is not None and mapper.profile(maker).seller >= 0.6:
        result.seller_names = maker
        for mapping in (result.index, result.texts, result.reasons):
            mapping.pop("manufacturer", None)
        result.warnings.append(f"column {mapper.name(maker)!r} names sellers, not makers")


def _per_number_sellers(mapper: _Mapper) -> None:
    """A column of several sellers' numbers ('Order Number': Mouser and Farnell) is listed under the
    seller most of its numbers belong to."""
    result = mapper.result
    for col, role in result.sellers.items():
        if role is not None:
            continue
        roles = [result.number_role(col, number, seller_named(text(cell(row, result.seller_names))))
                 for row in mapper.rows if (number := text(cell(row, col)))]
        counted = {r: roles.count(r) for r in roles if r}
        main = max(counted, key=lambda r: (counted[r], r != "other_pn"), default="other_pn")
        shares = ", ".join(f"{round(100 * n / len(roles))}% {label(r)}" for r, n in
                           sorted(counted.items(), key=lambda item: -item[1]))
        names_col = result.seller_names
        how = f" and the sellers named in {mapper.name(names_col)!r}" if names_col else ""
        reason = f"alias {mapper.name(col)!r}: sellers' numbers ({shares or 'none yet'}), by their shape{how}"
        result.reasons.pop(f"column {col}", None)
        result.listed_as[col] = main
        if main not in result.index:
            mapper.choose(main, col, reason)
        else:
            result.reasons[f"column {col}"] = reason


def _value_column(mapper: _Mapper) -> None:
    """The component value column (read for DNP marks written there): may also be the description."""
    if "value" in mapper.result.index:
        return
    for col, header in enumerate(mapper.headers, start=1):
        if header and is_alias(header, VALUE_HEADERS) and col not in mapper.result.sellers:
            mapper.choose("value", col, f"alias {header!r}", take=False)
            return


def _warn_about_mpns(mapper: _Mapper) -> None:
    result = mapper.result
    if "mpn" in result.index and "mpn" not in result.by_content:
        named = mapper.profile(result.index["mpn"])
        if named.count >= 5 and named.mpn < 0.3:
            result.warnings.append(
                f"column {result.texts['mpn']!r} holds few part numbers ({round(named.mpn * 100)}% "
                "MPN-like): lines without one are NO MPN; if the MPNs are elsewhere, pass --mpn-column")
    if "mpn" not in result.index and result.sellers:
        names = ", ".join(repr(mapper.name(col)) for col in result.sellers)
        result.warnings.append(f"no MPN column: parts are identified by sellers' numbers only ({names}); "
                               "lines stay NO MPN until a source that knows those numbers resolves them")

