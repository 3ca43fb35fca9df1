"""The plain, frozen values every stage of bomcheck hands to the next."""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def normalize_mpn(text: str) -> str:
    """The key two spellings of one MPN share: NFKC, unicode dashes as '-', no spaces, upper case.

    Only characters that never tell two parts apart are touched: dots, slashes, '#' and
    digits all stay (1.5SMC6.8CA and 1.5SMC68CA are different parts).
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(text.split()).upper()


# Names one manufacturer goes by, the one table every source and the planner compare makers with;
# the first entry is the one shown. Compared as words (case-folded, parenthesised parts and
# punctuation gone), so "YAGEO (VA)" is Yageo and "Texas Instruments Inc." is TI. A maker bought by
# another is listed under the buyer when the distributors list its parts so (Maxim under ADI).
MANUFACTURER_ALIASES: tuple[tuple[str, ...], ...] = (
    ("Texas Instruments", "TI", "德州仪器", "Burr-Brown", "National Semiconductor"),
    ("STMicroelectronics", "ST", "ST Micro", "STMicro", "ST Microelectronics", "意法半导体"),
    ("Analog Devices", "ADI", "亚德诺", "Maxim Integrated", "Maxim", "Linear Technology"),
    ("Microchip Technology", "Microchip", "MCHP", "Atmel", "Microsemi"),
    ("NXP Semiconductors", "NXP", "恩智浦", "Freescale"),
    ("onsemi", "ON Semiconductor", "ON Semi", "ON", "安森美", "Fairchild", "Fairchild Semiconductor"),
    ("Murata", "Murata Manufacturing", "Murata Electronics", "MURATA", "村田"),
    ("Yageo", "国巨", "Phycomp"),
    ("Vishay", "Vishay Intertechnology", "Vishay Dale", "Vishay Siliconix", "Vishay Semiconductors"),
    ("Samsung Electro-Mechanics", "SEMCO", "Samsung EM", "三星"),
    ("Infineon Technologies", "Infineon", "IFX", "英飞凌", "International Rectifier", "Cypress Semiconductor",
     "Cypress"),
    ("Renesas Electronics", "Renesas", "瑞萨", "Intersil", "IDT", "Integrated Device Technology"),
    ("Rohm Semiconductor", "ROHM", "罗姆"),
    ("Nexperia", "安世"),
    ("Diodes Incorporated", "Diodes Inc", "Diodes"),
    ("KEMET", "KEMET Corporation"),
    ("TDK", "TDK Corporation", "TDK-Lambda", "EPCOS", "TDK EPCOS"),
    ("KYOCERA AVX", "AVX", "AVX Corporation"),
    ("Panasonic", "Panasonic Electronic Components", "Panasonic Industry", "松下"),
    ("TE Connectivity", "TE", "Tyco Electronics", "TE Connectivity AMP"),
    ("Würth Elektronik", "Wurth Elektronik", "Wurth Electronics", "Würth Electronics", "WE"),
    ("Lite-On", "LITEON", "Lite On", "光宝"),
    ("Littelfuse", "Littelfuse Inc"),
    ("Bourns", "Bourns Inc"),
    ("Kingbright", "今台"),
    ("Everlight", "Everlight Electronics", "亿光"),
    ("Nichicon", "尼吉康"),
    ("Uniroyal", "UNI-ROYAL", "Uniroyal Elec", "厚声"),
    ("Espressif", "Espressif Systems", "乐鑫"),
)
# Words a company's legal form adds to its name: "Bourns, Inc." is Bourns.
_LEGAL_FORMS = frozenset({"inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited",
                          "llc", "gmbh", "ag", "sa", "bv", "nv", "plc", "kg", "oy", "ab", "srl", "spa"})
_PARENTHESISED = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]")
_WORD = re.compile(r"\w+")


def _maker_words(name: str) -> tuple[str, ...]:
    """A manufacturer name as case-folded words, parenthesised parts ("TI(德州仪器)") dropped."""
    text = _PARENTHESISED.sub(" ", unicodedata.normalize("NFKC", name))
    return tuple(_WORD.findall(text.casefold()))


def _without_legal_form(words: tuple[str, ...]) -> tuple[str, ...]:
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words = words[:-1]
    return words


_ALIAS_GROUP: dict[tuple[str, ...], int] = {
    _maker_words(alias): index for index, group in enumerate(MANUFACTURER_ALIASES) for alias in group
}
_COMPACT_ALIAS_GROUP: dict[str, int] = {"".join(words): index for words, index in _ALIAS_GROUP.items()}


def _contains_words(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    if not part or len(part) > len(words):
        return False
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _contains_long(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whole-word containment of a name of 4+ letters ("ON" alone never matches "On Shore")."""
    return len("".join(part)) >= 4 and _contains_words(words, part)


def _alias_group(words: tuple[str, ...]) -> int | None:
    """The alias group a name belongs to: an exact alias, or (for aliases of 4+ letters) any
    name containing the alias as whole words ("Texas Instruments Inc." is TI; "On Shore" is
    not onsemi)."""
    if not words:
        return None
    if words in _ALIAS_GROUP:
        return _ALIAS_GROUP[words]
    if "".join(words) in _COMPACT_ALIAS_GROUP:
        return _COMPACT_ALIAS_GROUP["".join(words)]
    for alias, index in _ALIAS_GROUP.items():
        if _contains_long(words, alias):
            return index
    return None


def maker_key(text: str | None) -> str:
    """One key per manufacturer, however written: its alias group's name ('TI', 'Texas Instruments
    Inc.' → 'texas instruments'), else its words without the legal form ('Bourns, Inc.' → 'bourns')."""
    words = _maker_words(text or "")
    group = _alias_group(words)
    if group is not None:
        return " ".join(_maker_words(MANUFACTURER_ALIASES[group][0]))
    return " ".join(_without_legal_form(words))


def manufacturer_matches(wanted: str | None, *names: str | None) -> bool:
    """Whether the manufacturer `wanted` names the same maker as any of `names`.

    Case-insensitive, parenthesised suffixes dropped, whole-word containment either way
    ("Murata" ~ "Murata Manufacturing Co., Ltd."), spacing ignored ("ST Microelectronics" ~
    "STMicroelectronics"), and the alias table (TI ~ Texas Instruments).
    """
    want = _maker_words(wanted or "")
    if not want:
        return False
    want_group = _alias_group(want)
    for name in names:
        have = _maker_words(name or "")
        if not have:
            continue
        if "".join(have) == "".join(want) or _without_legal_form(have) == _without_legal_form(want):
            return True
        if _contains_long(have, want) or _contains_long(want, have):
            return True
        if want_group is not None and want_group == _alias_group(have):
            return True
    return False


def other_maker(wanted: str | None, maker: str | None) -> bool:
    """True when both makers are named and are not the same one: a naming difference never is."""
    return bool(_maker_words(wanted or "")) and bool(_maker_words(maker or "")) and not (
        manufacturer_matches(wanted, maker))


# How each seller role of a BOM's own columns is said to the user (the roles are the reader's).
SELLER_LABELS: Mapping[str, str] = {
    "digikey_pn": "DigiKey", "mouser_pn": "Mouser", "lcsc_pn": "LCSC", "farnell_pn": "Farnell", "rs_pn": "RS",
    "tme_pn": "TME", "reichelt_pn": "Reichelt", "arrow_pn": "Arrow", "other_pn": "seller's"}


def seller_label(role: str) -> str:
    """How a seller role is said to the user: 'mouser_pn' -> 'Mouser'."""
    return SELLER_LABELS.get(role, role.removesuffix("_pn"))


@dataclass(frozen=True)
class Alternate:
    """Another part the BOM allows on a line (a second MPN/manufacturer pair)."""

    mpn: str
    manufacturer: str | None = None


@dataclass(frozen=True)
class BomLine:
    """One line of the user's BOM (DNP lines included): what to buy, how many per board, where."""

    row: int  # 1-based physical row in the sheet (CSV: record number)
    mpn: str | None
    manufacturer: str | None = None
    qty: int = 1  # per board
    refdes: tuple[str, ...] = ()
    dnp: bool = False
    digikey_pn: str | None = None
    description: str | None = None
    warnings: tuple[str, ...] = ()
    raw_mpn_text: str | None = None  # what stood in the MPN cell when no usable MPN was found
    alternates: tuple[Alternate, ...] = ()
    customer_pn: str | None = None  # the user's own internal part number, when the BOM has one
    attrition: str | None = None  # per-line attrition override as written in the BOM ("5%", "10")
    # Sellers' own numbers for the line, role -> number: digikey_pn, mouser_pn, lcsc_pn, farnell_pn,
    # other_pn... (digikey_pn is repeated here when the line has one).
    distributor_pns: tuple[tuple[str, str], ...] = ()
    mpn_from: str | None = None  # the source that resolved the MPN of a line listing only a seller's number

    def distributor_pn(self, role: str) -> str | None:
        """The line's first number of that seller (the one of its main column)."""
        return self.distributor_pn_map().get(role)

    def distributor_pn_map(self) -> dict[str, str]:
        """role -> the first number of each seller the line has (a role may repeat in distributor_pns)."""
        first: dict[str, str] = {}
        for role, number in self.distributor_pns:
            first.setdefault(role, number)
        return first


@dataclass(frozen=True)
class Bom:
    """What the reader understood of one BOM file."""

    path: Path
    sheet: str | None  # sheet name; None for text formats
    header_row: int  # 1-based physical row of the header
    columns: Mapping[str, str | None]  # role -> header text as written, or None
    column_index: Mapping[str, int]  # role -> 1-based column number
    lines: tuple[BomLine, ...]
    grid: tuple[tuple[Any, ...], ...]  # every row as read, for outputs of non-xlsx inputs
    last_column: int  # 1-based index of the last used column of the table
    warnings: tuple[str, ...] = ()
    column_reasons: Mapping[str, str] = field(default_factory=dict)  # role -> why that column was chosen
    # Merged ranges (min_row, min_col, max_row, max_col) of .xls/.ods inputs: `grid` repeats their
    # value in every cell for the reader; the output merges them again.
    merged: tuple[tuple[int, int, int, int], ...] = ()
    # (role, header) of every column of sellers' numbers, the main one of each role first: `columns`
    # names one per role, a BOM may have two ('Order Number' and 'Artikelnummer', both other_pn).
    seller_columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PriceBreak:
    """Unit price that applies from `min_qty` pieces upward (until the next break)."""

    min_qty: int
    unit_price: Decimal


@dataclass(frozen=True)
class PipelineDelivery:
    """Stock on order at the seller: `quantity` due on `date` (as the source wrote it)."""

    date: str
    quantity: int
    due: dt.date | None = None  # `date` parsed; None when the source's text could not be read


class Lifecycle(enum.Enum):
    """A part's production status, one normalised value whatever the source calls it."""

    ACTIVE = "Active"
    NRND = "NRND"  # not recommended for new designs
    LAST_TIME_BUY = "Last Time Buy"
    OBSOLETE = "Obsolete"
    DISCONTINUED = "Discontinued at source"  # the seller stops carrying it; the maker may still make it
    UNKNOWN = "unknown"


class Compliance(enum.Enum):
    """RoHS / REACH standing of a part as a source reports it."""

    COMPLIANT = "Compliant"
    NOT_COMPLIANT = "Not compliant"
    EXEMPT = "Exempt"
    UNKNOWN = "unknown"


class Availability(enum.Enum):
    """What a seller's availability code means for buying (Arrow's availabilityCd and the like)."""

    IN_STOCK = "in stock"
    IN_STOCK_EU = "in stock (EU)"
    CUT_STRIPS = "cut strips"
    NO_STOCK = "no stock"  # none to sell and no list price to plan with (Arrow's NOSTK)
    BACKORDER = "backorder"  # none in stock, orderable at its list price for the lead time
    QUOTE = "quote"  # price on request: never planned at a list price
    OTHER = "other"
    UNKNOWN = "unknown"


class Packaging(enum.Enum):
    """How the parts come, normalised from the source's words (`Offer.packaging` keeps those)."""

    CUT_TAPE = "cut tape"
    REEL = "reel"
    DIGI_REEL = "custom reel"  # DigiKey's Digi-Reel / Mouser's MouseReel: cut to length, reeling fee
    TUBE = "tube"
    TRAY = "tray"
    BULK = "bulk"
    BOX = "box"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Offer:
    """One way to buy a part: a seller's stock of it with its own MOQ, multiple and price ladder."""

    source: str  # the Source that reported it, e.g. "Arrow", "DigiKey Bonded"
    seller: str  # who actually sells it, e.g. "Arrow Americas (ACNA)", "Verical"
    mpn: str
    manufacturer: str
    sku: str  # the seller's own id for this offer
    stock: int
    moq: int = 1
    multiple: int = 1
    breaks: tuple[PriceBreak, ...] = ()  # ascending min_qty; empty = no list price (quote only)
    currency: str = "USD"
    ncnr: bool | None = False  # None: the source does not say (never shown as "no")
    lead_time_weeks: int | None = None  # None: unknown (sources' 0 and 99 placeholders included)
    description: str = ""
    bonded: bool = False
    date_code: str = ""
    pipeline: tuple[PipelineDelivery, ...] = ()
    availability: str = ""  # the seller's availability code as given (Arrow: INSTK, CSTRP, QUOTE...)
    packaging: str = ""  # e.g. "Cut Strips", "Tube"
    eccn: str = ""  # export control classification
    hts: str = ""  # harmonized tariff code
    country_of_origin: str = ""
    compliance: tuple[tuple[str, str], ...] = ()  # (label, value), e.g. ("eurohs", "Compliant")
    links: tuple[tuple[str, str], ...] = ()  # (type, url): datasheet, detail page...
    lifecycle: Lifecycle = Lifecycle.UNKNOWN
    lifecycle_text: str = ""  # the source's own words for it ("NRND", "End of Life", "Last Time Buy")
    last_buy_date: dt.date | None = None
    rohs: Compliance = Compliance.UNKNOWN
    reach: Compliance = Compliance.UNKNOWN
    marketplace: bool | None = None  # True: a marketplace / third-party seller; None: not said
    availability_kind: Availability = Availability.UNKNOWN
    packaging_kind: Packaging = Packaging.UNKNOWN
    spq: int | None = None  # standard package quantity (a full reel), when the source gives it
    fees: Decimal = Decimal(0)  # added once per order of this offer (DigiKey's Digi-Reel reeling fee)
    # Offers of one source with the same non-empty pool draw on one physical stock, each showing all
    # of it (DigiKey's cut tape, Digi-Reel and reel of a part): counted once, never bought twice.
    stock_pool: str = ""

    @property
    def where(self) -> str:
        """Source and seller, without saying the source twice ('Arrow Europe (EUROPE)', 'Arrow: Verical')."""
        first_word = self.source.split()[0].lower() if self.source else ""
        if first_word and self.seller.lower().startswith(first_word):
            return self.seller
        return f"{self.source}: {self.seller}" if self.seller else self.source


@dataclass(frozen=True)
class Query:
    """What the distributors are asked about one BOM line (lines with equal queries share it)."""

    mpn: str | None
    manufacturer: str | None = None
    digikey_pn: str | None = None
    customer_pn: str | None = None  # the user's own part number (DigiKey bonded items may carry it)
    mouser_pn: str | None = None
    # The line's numbers in the other seller roles a source of the run looks parts up by
    # (SourceRun.numbers: an LCSC source's "lcsc_pn"), as (role, number).
    other_numbers: tuple[tuple[str, str], ...] = ()

    @property
    def mpn_key(self) -> str:
        return normalize_mpn(self.mpn) if self.mpn else ""

    def number(self, role: str) -> str | None:
        """The line's number in a seller role: what a source owning that role looks up."""
        if role == "digikey_pn":
            return self.digikey_pn
        if role == "mouser_pn":
            return self.mouser_pn
        return dict(self.other_numbers).get(role)


# How a line's answer is marked when `--offline` found none in the cache: the line was not checked.
NOT_IN_CACHE = "not in the cache (--offline)"


@dataclass(frozen=True)
class SourceStatus:
    """Whether a source took part in a run, and if not, why; and how old the answers it gave are."""

    name: str
    checked: bool
    message: str = ""
    from_cache: int = 0  # answers taken from the offers cache instead of asked
    oldest: datetime | None = None  # when the oldest of those was fetched (UTC)
    live: int = 0  # answers asked during this run (counted only when some came from the cache)
    column: str = ""  # the title of the source's stock column in the workbook ("" = "<name> Stock")
    rank: int = 0  # the source's place in the registry: outputs list sources in this order
    link_domains: tuple[str, ...] = ()  # where its offers' links may point (made live in the workbook)

    @property
    def column_title(self) -> str:
        return self.column or f"{self.name} Stock"

    def describe(self) -> str:
        """'checked', 'checked (3 of 20 queries failed)' or 'not checked: <why>'."""
        if not self.checked:
            return f"not checked: {self.message or 'no reason given'}"
        return f"checked ({self.message})" if self.message else "checked"

    def data_age(self, now: datetime) -> str:
        """'live', or 'cached, oldest 3 h 5 min (fetched 2026-11-24 16:40 UTC)', with how many when mixed."""
        if not self.from_cache or self.oldest is None:
            return "live" if self.checked else "no data"
        minutes = max(0, int((now - self.oldest).total_seconds() // 60))
        age = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
        cached = f"cached, oldest {age} (fetched {self.oldest:%Y-%m-%d %H:%M} UTC)"
        if self.live:
            return f"{self.from_cache} answer{'s' if self.from_cache != 1 else ''} {cached}; {self.live} live"
        return cached


@dataclass(frozen=True)
class Failure:
    """Why a source gave no answer for a query: a short kind to count by, and the full detail."""

    kind: str  # 'HTTP 503', 'timeout', 'daily quota', 'not in the cache (--offline)'
    detail: str = ""

    @classmethod
    def said(cls, message: str, kind: str = "") -> Failure:
        """A failure raised with a message (and maybe a kind): without one, its first clause is the
        kind ('Arrow: HTTP 503 after 4 attempts' -> 'HTTP 503'). Read here, once, where the
        failure becomes a value; every count after that goes by `kind`."""
        if not kind:
            text = _SOURCE_PREFIX.sub("", message.strip(), count=1)
            end = _REASON_END.search(text)
            kind = (text[:end.start()] if end else text).strip() or "unknown failure"
        return cls(kind, message)


_SOURCE_PREFIX = re.compile(r"^[A-Z][\w-]*(?: [A-Z][\w-]*)?: ")
_REASON_END = re.compile(r" after \d+ attempts| \(|: |; | — ")


class LookupStatus(enum.Enum):
    FOUND = "found"
    NOT_FOUND = "not found"
    AMBIGUOUS = "ambiguous"  # several different parts match; `candidates` names them, offers hold them all
    ERROR = "error"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Lookup:
    """One source's answer about one query; a failure is a value here, never an exception."""

    source: str
    status: LookupStatus
    offers: tuple[Offer, ...] = ()
    message: str = ""
    candidates: tuple[str, ...] = ()  # near-miss part numbers the source lists, when none matched
    failure: Failure | None = None  # set when the source was asked (or the cache) and gave no answer

    def __post_init__(self) -> None:
        if self.failure is None and self.message == NOT_IN_CACHE:  # --offline's mark, as a value
            object.__setattr__(self, "failure", Failure(NOT_IN_CACHE))
        elif self.failure is None and self.status is LookupStatus.ERROR:
            object.__setattr__(self, "failure", Failure.said(self.message))

    @property
    def failed(self) -> bool:
        """The source was asked and gave no answer: a failure, or --offline found none in the cache."""
        return self.failure is not None or self.status is LookupStatus.ERROR


@dataclass(frozen=True)
class PartAnswers:
    """The sources' answers about one part a line may be bought as: its own MPN or an alternate."""

    mpn: str
    manufacturer: str | None
    lookups: Mapping[str, Lookup]
    alternate: bool = True  # False: the line's own (primary) MPN


class LineStatus(enum.Enum):
    OK = "OK"
    SHORT = "SHORT"
    NOT_FOUND = "NOT FOUND"
    AMBIGUOUS = "AMBIGUOUS"
    NO_MPN = "NO MPN"
    DNP = "DNP"
    ERROR = "ERROR"
    OTHER_MAKER = "OTHER MAKER"  # only another maker's part carries the MPN: bought only when allowed
    QUOTE = "QUOTE"  # in stock, but without a list price (or the seller quotes only): get a quote
    OBSOLETE = "OBSOLETE"  # the part is obsolete: its remaining stock at most, an alternate preferred
    NOT_ROHS = "NOT ROHS"  # RoHS is required and no compliant offer can supply the need

    @property
    def needs_attention(self) -> bool:
        """A status a buyer must act on before ordering (OK and DNP need nothing)."""
        return self not in (LineStatus.OK, LineStatus.DNP)

    @property
    def blocks(self) -> bool:
        """The line cannot be bought as listed (red); the others are buyable, some after a decision."""
        return self in (LineStatus.SHORT, LineStatus.NOT_FOUND, LineStatus.NO_MPN, LineStatus.ERROR,
                        LineStatus.OBSOLETE, LineStatus.NOT_ROHS)


class Action(enum.Enum):
    """The one thing a buyer does about a line, from a short fixed list (the column to filter on)."""

    BUY = "Buy"
    GET_QUOTE = "Get quote"
    APPROVE_OVERBUY = "Approve overbuy"
    APPROVE_ALTERNATE = "Approve alternate"
    CONFIRM_MAKER = "Confirm maker"
    REVIEW_LIFECYCLE = "Review lifecycle"
    REVIEW_COMPLIANCE = "Review compliance"
    ACCEPT_NCNR = "Accept NCNR"
    FIX_BOM = "Fix BOM"
    CHECK_AGAIN = "Check again"  # a source failed for the line: run it again before deciding
    NOTHING = "Nothing (DNP)"

    @property
    def is_decision(self) -> bool:
        """A person must decide before the line is ordered (everything but Buy and Nothing)."""
        return self not in (Action.BUY, Action.NOTHING)


# The action a status calls for when nothing more is known (a result not made by the planner).
STATUS_ACTIONS: Mapping[LineStatus, Action] = {
    LineStatus.OK: Action.BUY, LineStatus.SHORT: Action.GET_QUOTE, LineStatus.NOT_FOUND: Action.GET_QUOTE,
    LineStatus.AMBIGUOUS: Action.FIX_BOM, LineStatus.NO_MPN: Action.FIX_BOM, LineStatus.DNP: Action.NOTHING,
    LineStatus.ERROR: Action.CHECK_AGAIN, LineStatus.OTHER_MAKER: Action.CONFIRM_MAKER,
    LineStatus.QUOTE: Action.GET_QUOTE, LineStatus.OBSOLETE: Action.REVIEW_LIFECYCLE,
    LineStatus.NOT_ROHS: Action.GET_QUOTE,
}


@dataclass(frozen=True)
class BuyUp:
    """A higher price break planned because it costs less in total: buy `extra` more, save `saving`."""

    extra: int
    saving: Decimal


@dataclass(frozen=True)
class Purchase:
    """The planner's buy decision for one offer: how many, at what unit and extended price."""

    offer: Offer
    buy_qty: int
    unit_price: Decimal | None  # None when the offer has no list price
    ext_price: Decimal | None
    covers_need: bool
    allocated: int = 0  # the part of the line's need this purchase is for (0: not said, = buy_qty)
    buy_up: BuyUp | None = None  # set when buy_qty was raised to a cheaper break
    backorder: bool = False  # more than the stock: delivered after the lead time

    @property
    def excess(self) -> int:
        """Parts bought beyond the need this purchase is for (MOQ, multiple, buy-up)."""
        return max(0, self.buy_qty - (self.allocated or self.buy_qty))


def totals_of(results: Iterable[LineResult]) -> dict[str, Decimal]:
    """Extended cost per currency: prices in different currencies are never added up."""
    totals: dict[str, Decimal] = {}
    for result in results:
        for purchase in result.purchases:
            if purchase.ext_price is not None:
                currency = purchase.offer.currency
                totals[currency] = totals.get(currency, Decimal(0)) + purchase.ext_price
    return totals


@dataclass(frozen=True)
class Overbuy:
    """A covering plan whose parts over need are worth too much to buy without a person's approval.

    `purchases` is that plan (a reel, a large MOQ); `chosen` says whether the line buys it, or
    instead what stock sells without it (the line's own purchases) with the rest to quote.
    """

    purchases: tuple[Purchase, ...]
    excess: int
    excess_value: Decimal
    cost: Decimal
    chosen: bool


@dataclass(frozen=True)
class LineResult:
    """Everything the outputs say about one BOM line.

    `purchases` holds every buy planned for the line (bonded release, splits); `purchase` is
    the first of them, kept for readers that show one offer. Either may be given.
    """

    line: BomLine
    need: int
    status: LineStatus
    reason: str = ""
    purchase: Purchase | None = None
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    stock: Mapping[str, int | None] = field(default_factory=dict)  # source -> stock; None: not checked
    moq: int | None = None
    ncnr: bool | None = None
    lead_time_weeks: int | None = None
    purchases: tuple[Purchase, ...] = ()
    need_base: int | None = None  # qty per board x boards; None: the same as `need`
    notes: tuple[str, ...] = ()  # planning remarks: buy-up, excess, NCNR risk, shared stock
    shortage: int = 0  # parts of the need no offer can supply now
    from_spare: int = 0  # parts of the need covered by what earlier lines of the part bought over theirs
    # Set when the line is planned on this alternate because its own MPN cannot supply the need;
    # `lookups`, `stock` and `purchases` are then the alternate's.
    alternate: Alternate | None = None
    other_parts: tuple[PartAnswers, ...] = ()  # the line's other parts asked about (primary, alternates)
    # Failed or uncached answers about alternates the line's decision rested on: not fully checked.
    unanswered: tuple[Lookup, ...] = ()
    action: Action | None = None  # None: not set by the planner; the status's own action is used
    decisions: tuple[str, ...] = ()  # every decision a person must take on the line, the action's first
    lifecycle: Lifecycle = Lifecycle.UNKNOWN  # of the part planned (the worst a source says)
    lifecycle_text: str = ""  # the source's own words for it
    last_buy_date: dt.date | None = None
    rohs: Compliance = Compliance.UNKNOWN
    rohs_text: str = ""  # sources disagreeing on RoHS ("not compliant at …; compliant at …")
    reach: Compliance = Compliance.UNKNOWN
    overbuy: Overbuy | None = None  # set when the covering plan's excess needs approval
    # Parts of the need the plan asks a supplier to quote: every part it puts no price on (no list
    # price, quote-only stock, a refused overbuy, another maker's or a non-compliant part not
    # bought, a shortfall no backorder prices). `shortage` is another count: the parts no stock
    # supplies now, some of which a backorder may price.
    to_quote: int = 0
    spare_offers: tuple[Offer, ...] = ()  # offers of the spare parts other lines bought that this one uses

    def __post_init__(self) -> None:
        if self.purchases and self.purchase is None:
            object.__setattr__(self, "purchase", self.purchases[0])
        elif self.purchase is not None and not self.purchases:
            object.__setattr__(self, "purchases", (self.purchase,))
        if self.need_base is None:
            object.__setattr__(self, "need_base", self.need)
        if self.action is None:
            object.__setattr__(self, "action", STATUS_ACTIONS[self.status])

    @property
    def planned_mpn(self) -> str | None:
        """The part the line is planned on, bought or not: the alternate's MPN when on one, else its own."""
        return self.alternate.mpn if self.alternate else self.line.mpn

    @property
    def planned_manufacturer(self) -> str | None:
        """The maker the BOM names for the part the line is planned on (the alternate's, when on one)."""
        return self.alternate.manufacturer if self.alternate else self.line.manufacturer

    @property
    def bought(self) -> bool:
        """Some of the need is bought: a purchase, or parts other lines bought over their need."""
        return bool(self.purchases) or self.from_spare > 0

    @property
    def bought_mpn(self) -> str | None:
        """The MPN the plan buys (the alternate's when on one); None when nothing is bought."""
        return self.planned_mpn if self.bought else None

    @property
    def bought_manufacturer(self) -> str | None:
        """The maker of what is bought, as the offer bought names it; None when nothing is bought.

        A line covered by other lines' spare parts names the maker of the offers those came from;
        an offer naming no maker leaves the BOM's.
        """
        if not self.bought:
            return None
        bought = [p.offer for p in self.purchases] or list(self.spare_offers)
        makers = [offer.manufacturer for offer in bought if offer.manufacturer]
        return makers[0] if makers else self.planned_manufacturer

    @property
    def excess_qty(self) -> int:
        """Parts bought beyond the need (MOQ, multiple, reel, buy-up, minimum release)."""
        return sum(purchase.excess for purchase in self.purchases)

    @property
    def excess_value(self) -> Decimal:
        """What the parts over need cost, at the price paid for them (0 without a price)."""
        return sum((purchase.excess * purchase.unit_price for purchase in self.purchases
                    if purchase.unit_price is not None), Decimal(0))

    @property
    def unpriced_qty(self) -> int:
        """Parts of the need the plan puts no price on (not found, quote, short without a backorder)."""
        if self.status is LineStatus.DNP:
            return 0
        priced = sum(purchase.allocated or purchase.buy_qty for purchase in self.purchases
                     if purchase.ext_price is not None)
        return max(0, self.need - self.from_spare - priced)

    @property
    def priced(self) -> bool:
        """Every part of the need has a price in the plan (a shortfall at a backorder price included)."""
        return self.unpriced_qty == 0

    @property
    def shortfall_backorder(self) -> Purchase | None:
        """The backorder a shortfall is priced at, when the plan has one."""
        return next((p for p in self.purchases if p.backorder), None) if self.shortage else None

    @property
    def need_attrition(self) -> int:
        return self.need - (self.need_base or 0)

    @property
    def buy_qty(self) -> int:
        return sum(purchase.buy_qty for purchase in self.purchases)

    @property
    def any_ncnr(self) -> bool:
        return any(purchase.offer.ncnr for purchase in self.purchases)

    @property
    def ncnr_risk(self) -> bool:
        """An open-market NCNR purchase with parts over need: the excess can never be returned.

        Bonded stock is left out: the customer is already committed to all of it.
        """
        return any(purchase.offer.ncnr and not purchase.offer.bonded and purchase.excess > 0
                   for purchase in self.purchases)

    @property
    def bought_up(self) -> bool:
        return any(purchase.buy_up is not None for purchase in self.purchases)

    @property
    def split(self) -> bool:
        return len(self.purchases) > 1

    @property
    def currency(self) -> str | None:
        """The one currency of the line's purchases; None when it has none or (never planned) several."""
        currencies = {purchase.offer.currency for purchase in self.purchases}
        return currencies.pop() if len(currencies) == 1 else None

    @property
    def ext_price(self) -> Decimal | None:
        """The line's purchases added up; None without a price or a single currency."""
        prices = [purchase.ext_price for purchase in self.purchases]
        if not prices or self.currency is None or any(price is None for price in prices):
            return None
        return sum((price for price in prices if price is not None), Decimal(0))

    @property
    def unit_price(self) -> Decimal | None:
        """The break price; for a line split across offers, the average (ext_price / buy_qty)."""
        if len(self.purchases) == 1:
            return self.purchases[0].unit_price
        ext = self.ext_price
        if ext is None or not self.buy_qty:
            return None
        return (ext / self.buy_qty).quantize(Decimal("0.0001"))  # an average: four places say enough


@dataclass(frozen=True)
class Scenario:
    """The plan for one build quantity."""

    boards: int
    results: tuple[LineResult, ...]

    def count(self, status: LineStatus) -> int:
        return sum(1 for result in self.results if result.status is status)

    @property
    def totals(self) -> dict[str, Decimal]:
        return totals_of(self.results)

    @property
    def per_board(self) -> dict[str, Decimal]:
        """Total cost per currency divided by the boards built."""
        return {currency: total / self.boards for currency, total in self.totals.items()}

    @property
    def coverage(self) -> Decimal:
        """Share of the lines to buy (DNP left out) whose need stock covers now, 0..1."""
        to_buy = [r for r in self.results if r.status is not LineStatus.DNP]
        if not to_buy:
            return Decimal(1)
        return Decimal(sum(1 for r in to_buy if r.status is LineStatus.OK)) / len(to_buy)

    @property
    def shortages(self) -> int:
        return self.count(LineStatus.SHORT)

    @property
    def ncnr_lines(self) -> int:
        return sum(1 for result in self.results if result.any_ncnr)

    @property
    def to_buy(self) -> tuple[LineResult, ...]:
        """The lines to buy: every line but DNP."""
        return tuple(result for result in self.results if result.status is not LineStatus.DNP)

    @property
    def unpriced(self) -> tuple[LineResult, ...]:
        """Lines to buy whose need is not all priced: the total leaves them (or part of them) out."""
        return tuple(result for result in self.to_buy if not result.priced)

    @property
    def priced_lines(self) -> int:
        return len(self.to_buy) - len(self.unpriced)

    @property
    def short_parts(self) -> int:
        """Parts short over all lines: what no offer can supply now."""
        return sum(result.shortage for result in self.results)

    @property
    def excess(self) -> dict[str, Decimal]:
        """Value of the parts bought over need, per currency."""
        excess: dict[str, Decimal] = {}
        for result in self.results:
            for purchase in result.purchases:
                if purchase.excess and purchase.unit_price is not None:
                    value = purchase.excess * purchase.unit_price
                    excess[purchase.offer.currency] = excess.get(purchase.offer.currency, Decimal(0)) + value
        return excess

    @property
    def excess_share(self) -> dict[str, Decimal]:
        """The excess as a share of the total, per currency (0..1)."""
        totals = self.totals
        return {currency: value / totals[currency] for currency, value in self.excess.items()
                if totals.get(currency)}

    def actions(self) -> dict[Action, int]:
        """Lines per action, in the order of the fixed list."""
        counts = {action: 0 for action in Action}
        for result in self.results:
            if result.action is not None:
                counts[result.action] += 1
        return {action: count for action, count in counts.items() if count}


@dataclass(frozen=True, repr=False)
class Report:
    """The result of checking one BOM.

    `boards` and `results` are the first build quantity's; `scenarios` holds one plan per
    quantity asked for (the first one again first).
    """

    bom: Bom
    boards: int
    results: tuple[LineResult, ...]
    sources: tuple[SourceStatus, ...]
    checked_at: datetime
    currency: str = "USD"
    scenarios: tuple[Scenario, ...] = ()
    attrition: str = ""  # the default attrition as the user gave it, e.g. "2% + 5"

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run() formats the repr of its task's result when it restores
        # the SIGINT handler, and the full repr of a 5,000-line report takes seconds.
        return f"Report({str(self.bom.path)!r}, lines={len(self.results)}, boards={self.boards})"

    def __post_init__(self) -> None:
        if not self.scenarios:
            object.__setattr__(self, "scenarios", (Scenario(self.boards, self.results),))

    def count(self, status: LineStatus) -> int:
        return self.scenarios[0].count(status)

    @property
    def totals(self) -> dict[str, Decimal]:
        """Extended cost per currency: prices in different currencies are never added up."""
        return self.scenarios[0].totals

    @property
    def all_checked(self) -> bool:
        """True when every line got its answers: no ERROR line, and no source failed for any line
        (a line answered by one source while another's call failed, or whose answer --offline
        did not find in the cache, is not fully checked; nor is one whose choice of alternate, at any
        build quantity, rested on an answer that failed: `LineResult.unanswered`)."""
        failed = (lookup.failed for result in self.results for lookup in result.lookups.values())
        unanswered = (result.unanswered for scenario in self.scenarios for result in scenario.results)
        return self.count(LineStatus.ERROR) == 0 and not any(failed) and not any(unanswered)
