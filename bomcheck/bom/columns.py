"""Which column holds what: the one alias table, content tests, and the column map they give."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bomcheck.bom.cells import DASHES, CellValue, cell, is_empty, text, whole_number
from bomcheck.bom.options import column_option
from bomcheck.errors import BomError

ROLES = ("mpn", "manufacturer", "qty", "refdes", "description", "digikey_pn", "dnp",
         "customer_pn", "attrition", "lcsc_pn")
AUX_ROLES = ("footprint", "value")  # read only to recognise DNP footprints and value-only lines

# The one alias table: header texts as people write them, per role, best first. Matching
# ignores case, spaces and punctuation (but keeps '#': "Manf#" is an MPN, "Manf" a maker),
# and a trailing number ("MPN1", "Manufacturer 2") when the full text has no match.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "mpn": (
        "MPN", "Manufacturer Part Number", "Mfr Part #", "Mfr. Part No.", "Mfr Part Number",
        "Mfr PN", "Mfg Part Number", "Mfg Part #", "Mfg PN", "Manufacturer Part #",
        "Manufacturer Part No.", "Manufacturer PN", "Manufacturer P/N", "MFRPN", "Manf#",
        "Manufacturer Part", "Mfr Part", "Nume prod", "Part Number", "PartNumber", "Part No.",
        "Part #", "P/N", "Herstellerteilenummer", "Hersteller-Teilenummer", "Herstellerartikelnummer",
        "Teilenummer",
    ),
    "manufacturer": (
        "Manufacturer", "Manufacturer Name", "Mfr", "Mfr.", "Mfg", "Manf", "Maker", "Vendor",
        "Prod", "Producător", "Hersteller", "Производитель", "制造商", "厂商", "品牌",
    ),
    "qty": (
        "Qty", "Quantity", "Qty per board", "Qty/board", "Quantity per board", "Qty per PCB",
        "Quantity per PCB", "Qty final", "Count", "Cantitate", "Menge", "Кол.", "Количество",
        "数量", "用量",
    ),
    "refdes": (
        "Designator", "Designators", "Reference", "References", "Reference(s)",
        "Reference Designator", "Reference Designators", "Ref Des", "RefDes", "Ref", "Refs",
        "Parts", "Bezeichner", "Referenz", "Bauteil", "Поз. обозначение", "位号",
    ),
    "description": (
        "Description", "Desc", "Part Description", "Descriere", "Beschreibung", "描述",
        "Comment", "Value",
    ),
    "digikey_pn": (
        "DigiKey Part Number", "Digi-Key PN", "DigiKey PN", "Digi-Key Part #", "DigiKey Part #",
        "DigiKey Part", "Digi-Key_PN", "DK PN", "DK Part Number", "DK Part #", "DigiKey",
    ),
    "dnp": (
        "DNP", "DNI", "DNF", "Do Not Populate", "Populate", "Populated", "Fitted", "Mount",
        "Install Option", "Install", "Assembly Info", "Assembly Notes", "Notes", "Note",
        "Remarks", "Remark",
    ),
    "customer_pn": (
        "Internal PN", "Internal Part Number", "Internal P/N", "Internal Part #", "Customer PN",
        "Customer Part Number", "Customer Part #", "Company PN", "Item Number", "CPN",
    ),
    "attrition": ("Attrition", "Attrition %", "Overage", "Overage %", "Spares", "Extra", "Extra %"),
    "lcsc_pn": ("LCSC", "LCSC Part", "LCSC Part #", "LCSC Part Number", "LCSC PN", "JLCPCB Part #"),
    "footprint": ("Footprint", "Package", "PCB Footprint", "Case", "Case/Package"),
    # Second sources: every such column is read (a line may list several), paired with its maker.
    "alternate_mpn": (
        "Alt MPN", "Alternate MPN", "Alternative MPN", "Alternate Part Number", "Alternative Part Number",
        "Alternate Part #", "Alternate Part", "Alternative Part", "Alt Part Number", "Alt Part #", "Alt PN",
        "Alt P/N", "Alternate PN", "Alt Mfr Part Number", "Alt Mfr PN", "Alt Mfr Part #",
        "Alternate Manufacturer Part Number", "Alternate Mfr PN", "Alternate Mfr Part Number",
        "Second Source", "Second Source MPN", "Second Source Part Number", "2nd Source", "2nd Source MPN",
        "Alternate", "Alternative", "Alternates", "Alternatives", "Substitute", "Substitutes",
        "Substitute MPN", "Substitute Part Number", "Sub MPN", "Equivalent", "Equivalent MPN", "MPN Alt",
        "Alt", "Alternate Source", "Alternate Source MPN", "Ersatztyp", "Alternativteil",
    ),
    "alternate_manufacturer": (
        "Alt Manufacturer", "Alternate Manufacturer", "Alternative Manufacturer", "Alt Mfr", "Alt Mfg",
        "Alternate Mfr", "Alternate Mfg", "Alt Maker", "Second Source Manufacturer",
        "2nd Source Manufacturer", "Substitute Manufacturer", "Alternate Source Manufacturer",
    ),
}
ALTERNATE_ROLES = ("alternate_mpn", "alternate_manufacturer")
# dnp headers that say "fitted": there "no" means DNP (under DNP/DNI/DNF, "yes"/"x" does).
POSITIVE_DNP_HEADERS = ("Populate", "Populated", "Fitted", "Mount", "Install Option", "Install")
# dnp headers that hold free text: only an explicit DNP word or NF(...) there means DNP.
NOTES_DNP_HEADERS = ("Assembly Info", "Assembly Notes", "Notes", "Note", "Remarks", "Remark")
# Headers that never hold a part number, quantity or designator, whatever their cells look like.
_DECOY_RE = re.compile(r"avail|stock|on ?hand|price|cost|\$|moq|lead|purch|datasheet|url|link|"
                       r"weight|date|item|nr\.?\s*crt|^id$|^no\.?$|^#$|pins?$", re.IGNORECASE)
_GENERIC_RE = re.compile(r"^(field|column|col|unnamed|f)?\s*[:_]?\s*\d*$", re.IGNORECASE)
# Headers whose content is usually not the MPN: content may still pick them, with more evidence.
_MISLEADING_RE = re.compile(r"footprint|package|libref|lib|value|comment|name|part$|symbol",
                            re.IGNORECASE)
_DISTRIBUTOR_GROUP_RE = re.compile(r"digi-?key|mouser|farnell|newark|arrow|rs ?comp|tme|lcsc|"
                                   r"local|mine|beyond|element14|avnet|future", re.IGNORECASE)
_SKU_HEADER_RE = re.compile(r"^(cat#|part ?#|pn|sku|part number|order (no|code)|stock code)$",
                            re.IGNORECASE)

_DESIGNATOR = r"[A-Za-z]{1,6}[_]?\d{1,5}[A-Za-z]?"
DESIGNATOR_LIST_RE = re.compile(
    rf"^\s*{_DESIGNATOR}(\s*-\s*{_DESIGNATOR}|\s*-\s*\d+)?(\s*[,;\s]\s*({_DESIGNATOR}(\s*-\s*{_DESIGNATOR})?)?)*\s*$")
_VALUE_RE = re.compile(
    r"^\d+([.,]\d+)?\s*(p|n|u|µ|μ|m|k|K|M|G|R|Ω)?\s*(F|H|Ω|R|ohms?|V|A|W|Hz|HZ|%|mm|Ohm)?$"
    r"|^\d+[RKkMpnuµμ]\d+[A-Za-zΩ]*$", re.IGNORECASE)
_FOOTPRINT_RE = re.compile(
    r"^(RES|CAP|IND|FUSE?|LED|DIOM?|SOD|SOT|SOIC|SOP|SSOP|TSSOP|MSOP|QFN|DFN|QFP|LQFP|TQFP|BGA|"
    r"PLCC|DIP|SIP|HDR|CONN|XTAL)-?[A-Z]?\d"
    r"|^[RCLD]\d{4}[A-Z]?$|^(01005|0201|0402|0603|0805|1206|1210|1812|2010|2512)$", re.IGNORECASE)
_DIGIKEY_RE = re.compile(r"^[A-Z0-9][A-Z0-9.,/+#-]*-ND$", re.IGNORECASE)
_LCSC_RE = re.compile(r"^C\d{3,8}$")
_MANUFACTURER_WORDS = frozenset([
    'murata', 'yageo', 'ti', 'texas', 'panasonic', 'samsung', 'kemet', 'avx', 'tdk', 'vishay',
    'bourns', 'molex', 'samtec', 'nxp', 'st', 'stmicroelectronics', 'microchip', 'analog', 'adi',
    'linear', 'maxim', 'onsemi', 'on', 'diodes', 'nexperia', 'rohm', 'susumu', 'taiyo', 'würth',
    'wurth', 'littelfuse', 'keystone', 'hirose', 'jst', 'te', 'amphenol', 'lite-on', 'liteon',
    'kingbright', 'abracon', 'epson', 'ecs', 'infineon', 'coilcraft', 'johanson', 'skyworks',
    'xilinx', 'lattice', 'atmel', 'silicon', 'ftdi', 'micrel', 'intersil', 'renesas', 'toshiba',
    'cui', 'omron', 'c&k', 'e-switch', 'sullins', 'harwin', 'fci', '3m', 'everlight', 'kyocera',
    'cts', 'fox', 'nichicon', 'rubycon', 'wima', 'walsin', 'uniroyal', 'uni-royal', 'ralec',
    'fenghua', 'sunlord', 'gigadevice', 'winbond', 'macronix', 'espressif', 'semtech', 'monolithic',
    'mps', 'richtek', 'torex', 'alps', 'cypress', 'broadcom', 'avago', 'osram', 'cree', 'wurth-elektronik',
    'erni', 'neutrik', 'lumberg', 'recom', 'traco', 'meanwell',
])
_DNP_WORD_RE = re.compile(r"\b(DNP|DNI|DNF|NOPOP|NO POP|NOT (FITTED|POPULATED|MOUNTED|INSTALLED|"
                          r"ASSEMBLED|PLACED)|DO NOT (POPULATE|PLACE|FIT|INSTALL|MOUNT))\b",
                          re.IGNORECASE)


def header_key(header: str) -> str:
    """Header text reduced to what matching looks at: lower-case letters, digits and '#'."""
    return re.sub(r"[^\w#]|_", "", header.translate(DASHES).lower())


def _build_alias_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for role, aliases in COLUMN_ALIASES.items():
        for rank, alias in enumerate(aliases):
            key = header_key(alias)
            if key in index and index[key][0] != role:
                raise AssertionError(f"alias {alias!r} is listed for two roles")
            index.setdefault(key, (role, rank))
    return index


_ALIAS_INDEX = _build_alias_index()
_POSITIVE_DNP_KEYS = frozenset(header_key(alias) for alias in POSITIVE_DNP_HEADERS)
_NOTES_DNP_KEYS = frozenset(header_key(alias) for alias in NOTES_DNP_HEADERS)


def key_variants(header: str) -> list[str]:
    """A header's key, then the key without a trailing number ("MPN1" -> "mpn")."""
    key = header_key(header)
    stripped = key.rstrip("0123456789")
    return [key, stripped] if stripped and stripped != key else [key]


def header_role(value: CellValue) -> tuple[str, int] | None:
    """The (role, rank) a header cell stands for, or None; rank 0 is the role's best alias."""
    if not isinstance(value, str):
        return None
    for key in key_variants(value):
        if key in _ALIAS_INDEX:
            return _ALIAS_INDEX[key]
    return None


# ---------------------------------------------------------------- content tests


def value_like(value: str) -> bool:
    """A component value rather than a part number: '10k', '0.1uF', '47p', '4K7', '1nF/2kV'."""
    first = re.split(r"[/,\s]+", value.strip(), maxsplit=1)[0]
    return bool(first) and bool(_VALUE_RE.match(first))


def footprint_like(value: str) -> bool:
    """A footprint/package name: 'R_0603', 'XESS:SOT-223', 'RESC1608L', 'C0805', 'SOIC-16P'."""
    stripped = value.strip()
    return "_" in stripped or ":" in stripped or bool(_FOOTPRINT_RE.match(stripped))


def designator_list_like(value: str) -> bool:
    return bool(DESIGNATOR_LIST_RE.match(value))


def mpn_like(value: str) -> bool:
    """Shaped like a manufacturer part number: letters and digits, no prose, not a value or footprint."""
    stripped = value.strip()
    if not 4 <= len(stripped) <= 40 or stripped.count(" ") > 1:
        return False
    if value_like(stripped) or footprint_like(stripped) or _DIGIKEY_RE.match(stripped):
        return False
    if designator_list_like(stripped):
        return False
    digits = sum(ch.isdigit() for ch in stripped)
    letters = sum(ch.isascii() and ch.isalpha() for ch in stripped)
    return digits >= 1 and letters >= 1 and (digits >= 2 or len(stripped) >= 6)


def manufacturer_like(value: str) -> bool:
    words = re.split(r"[\s(（,]+", value.strip().lower())
    return bool(words) and words[0] in _MANUFACTURER_WORDS


def dnp_word(value: str) -> bool:
    """Free text that says the part is not fitted ('DNP', 'do not populate', 'not fitted')."""
    return bool(_DNP_WORD_RE.search(value))


@dataclass(frozen=True)
class Profile:
    """What the non-empty cells of one column look like (ratios 0..1 over `count` cells)."""

    count: int
    mpn: float = 0.0
    refdes: float = 0.0
    whole: float = 0.0
    digikey: float = 0.0
    lcsc: float = 0.0
    manufacturer: float = 0.0
    dnp: float = 0.0
    prose: float = 0.0


def profile(values: Sequence[CellValue]) -> Profile:
    texts = [t for t in (text(v) for v in values) if t]
    if not texts:
        return Profile(0)
    n = len(texts)

    def ratio(test) -> float:
        return sum(1 for t in texts if test(t)) / n

    wholes = [whole_number(v) for v in values if not is_empty(v)]
    return Profile(
        count=n,
        mpn=ratio(mpn_like),
        refdes=ratio(designator_list_like),
        whole=sum(1 for w in wholes if w is not None and 0 <= w <= 100_000) / n,
        digikey=ratio(lambda t: bool(_DIGIKEY_RE.match(t))),
        lcsc=ratio(lambda t: bool(_LCSC_RE.match(t))),
        manufacturer=ratio(manufacturer_like),
        dnp=ratio(lambda t: t.upper() in ("DNP", "DNI", "DNF", "NF", "NP")),
        prose=ratio(lambda t: t.count(" ") >= 2 or len(t) > 40),
    )


# ---------------------------------------------------------------- the column map


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

    @property
    def dnp_kind(self) -> str:
        """'positive' (Fitted: 'no' means DNP), 'notes' (free text) or 'negative' (DNP: 'x' means DNP)."""
        header = self.texts.get("dnp", "")
        keys = key_variants(header)
        if any(key in _POSITIVE_DNP_KEYS for key in keys):
            return "positive"
        if any(key in _NOTES_DNP_KEYS for key in keys):
            return "notes"
        return "negative"


def _header_text(value: CellValue) -> str:
    return text(value) or ""


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


def map_columns(
    header_cells: Sequence[CellValue],
    body: Sequence[Sequence[CellValue]],
    overrides: Mapping[str, str] | None = None,
    group_row: Sequence[CellValue] | None = None,
) -> ColumnMap:
    """Roles of the columns under one header row: overrides, then aliases, then content.

    `body` is a sample of the rows below the header; `group_row` the row above it, whose
    labels (a merged 'Digi-Key' over repeated 'Cat#' columns) tell repeated names apart.
    """
    overrides = dict(overrides or {})
    width = max([len(header_cells), *(len(row) for row in body)], default=0)
    header_list = list(header_cells)  # once: a copy per column is quadratic on a 16,384-column sheet
    headers = [_header_text(cell(header_list, col)) for col in range(1, width + 1)]
    groups = _group_labels(group_row, width)
    result = ColumnMap()
    taken: set[int] = set()

    for role, name in overrides.items():
        option = column_option(role)
        col = _named_column(name, headers, groups, taken, option)
        if col is not None:
            _choose(result, role, col, headers[col - 1], f"named by {option}")
            taken.add(col)

    best: dict[str, tuple[tuple[int, int, int], int, str]] = {}
    mpn_columns: list[tuple[int, str]] = []
    named_alternates: dict[str, list[int]] = {role: [] for role in ALTERNATE_ROLES}
    for col, header in enumerate(headers, start=1):
        if not header or col in taken:
            continue
        group = groups[col - 1]
        if group and _DISTRIBUTOR_GROUP_RE.search(group) and not _same_group_as_first(groups, col):
            if _SKU_HEADER_RE.match(header) and re.search(r"digi-?key", group, re.IGNORECASE):
                order = (-1, 0, col)
                if "digikey_pn" not in best or order < best["digikey_pn"][0]:
                    best["digikey_pn"] = (order, col, header)
            elif _SKU_HEADER_RE.match(header) and re.search(r"lcsc", group, re.IGNORECASE):
                best.setdefault("lcsc_pn", ((-1, 0, col), col, header))
            continue  # a distributor's own Qty/Price/Avail columns are not the BOM's
        match = header_role(header)
        if match is None:
            continue
        role, rank = match
        if role in ALTERNATE_ROLES:
            named_alternates[role].append(col)
            continue
        if role == "mpn":
            mpn_columns.append((col, header))
        order = (rank, _trailing_number(header), col)  # "MPN1" before "MPN2"
        if role not in best or order < best[role][0]:
            best[role] = (order, col, header)
    for role, (order, col, header) in best.items():
        if role in result.index:
            continue
        grouped = order[0] == -1
        reason = f"alias {header!r} under {groups[col - 1]!r}" if grouped else f"alias {header!r}"
        _choose(result, role, col, header, reason)
        if role not in AUX_ROLES:  # a Footprint column may still turn out to hold the MPNs
            taken.add(col)

    if "mpn" in result.index:
        _alternates(result, headers, mpn_columns)
        _named_alternates(result, headers, named_alternates, taken)
    _content_roles(result, headers, body, taken)
    if "mpn" in result.index and "mpn" not in result.by_content:
        named = profile([cell(list(row), result.index["mpn"]) for row in body])
        if named.count >= 5 and named.mpn < 0.3:
            result.warnings.append(
                f"column {result.texts['mpn']!r} holds few part numbers ({round(named.mpn * 100)}% "
                "MPN-like): lines without one are NO MPN; if the MPNs are elsewhere, pass --mpn-column")
    return result


def _same_group_as_first(groups: list[str], col: int) -> bool:
    """True when the column's group is the table's first group ('Global Part Info')."""
    return bool(groups) and groups[col - 1] == groups[0]


def _choose(result: ColumnMap, role: str, col: int, header: str, reason: str) -> None:
    result.index[role] = col
    result.texts[role] = header
    result.reasons[role] = reason


def _alternates(result: ColumnMap, headers: list[str], mpn_columns: list[tuple[int, str]]) -> None:
    """Other numbered MPN columns ("MPN2") become alternates; other MPN-named columns a warning."""
    chosen = result.index["mpn"]
    makers = {col: header for col, header in enumerate(headers, start=1)
              if (header_role(header) or ("", 0))[0] == "manufacturer"}
    others: list[str] = []
    for col, header in mpn_columns:
        if col == chosen:
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


def _named_alternates(result: ColumnMap, headers: list[str], named: Mapping[str, list[int]],
                      taken: set[int]) -> None:
    """Alternate-MPN columns ("Alt MPN", "Second Source"), each with an alternate-maker column:
    by the name they share ("Second Source" with "Second Source Manufacturer") and number first,
    then by the name, then by the number, and only last the nearest one not yet paired."""
    makers = [col for col in named["alternate_manufacturer"] if col not in taken]
    columns = [col for col in named["alternate_mpn"] if col not in taken]
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
        result.alternates.append((col, paired.get(col)))
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


def _content_roles(result: ColumnMap, headers: list[str], body: Sequence[Sequence[CellValue]],
                   taken: set[int]) -> None:
    """Roles still missing, found from what the cells hold (designators, numbers, MPN shapes)."""
    profiles: dict[int, Profile] = {}
    rows = [list(row) for row in body]
    for col, header in enumerate(headers, start=1):
        if col in taken or (header and _DECOY_RE.search(header)):
            continue
        prof = profile([cell(row, col) for row in rows])
        if prof.count:
            profiles[col] = prof

    def pick(role: str, score, threshold: float, allowed) -> None:
        if role in result.index:
            return
        scored = [(score(p), col) for col, p in profiles.items() if col not in taken and allowed(col)]
        scored = [(s, col) for s, col in scored if s >= threshold]
        if not scored:
            return
        value, col = max(scored, key=lambda item: (item[0], -item[1]))
        prof = profiles[col]
        confidence = round(value * min(1.0, prof.count / 5), 2)
        what = {"mpn": "MPN-like", "refdes": "designator lists", "qty": "whole numbers",
                "digikey_pn": "DigiKey part numbers (-ND)", "lcsc_pn": "LCSC part numbers (C…)",
                "manufacturer": "known manufacturer names", "dnp": "DNP marks",
                "description": "descriptive text"}[role]
        _choose(result, role, col, headers[col - 1] or f"column {col}",
                f"content: {round(value * 100)}% {what}, confidence {confidence}")
        result.by_content.add(role)
        for aux in AUX_ROLES:
            if result.index.get(aux) == col:
                for mapping in (result.index, result.texts, result.reasons):
                    mapping.pop(aux, None)
        taken.add(col)

    def generic(col: int) -> bool:
        return bool(_GENERIC_RE.match(headers[col - 1]))

    def anywhere(col: int) -> bool:
        return True

    pick("digikey_pn", lambda p: p.digikey, 0.8, anywhere)
    pick("lcsc_pn", lambda p: p.lcsc, 0.8, anywhere)
    pick("refdes", lambda p: p.refdes, 0.8, generic)
    pick("dnp", lambda p: p.dnp, 0.99, generic)

    def mpn_score(p: Profile) -> float:
        return p.mpn

    if "mpn" not in result.index:
        # A plain or generic header needs half its cells MPN-like; a name that usually means
        # something else (Footprint, LibRef, Comment) needs more.
        pick("mpn", mpn_score, 0.5, lambda col: not _MISLEADING_RE.search(headers[col - 1]))
        pick("mpn", mpn_score, 0.6, anywhere)
        if "mpn" not in result.index and profiles:
            score, col = max((p.mpn, col) for col, p in profiles.items())
            name = headers[col - 1] or f"column {col}"
            result.best_mpn_guess = (f"the most part-number-like column, {name!r}, "
                                     f"is {round(score * 100)}% MPN-like")
    pick("manufacturer", lambda p: p.manufacturer, 0.5, generic)
    pick("qty", lambda p: p.whole, 0.95, generic)
    pick("description", lambda p: p.prose, 0.6, generic)
