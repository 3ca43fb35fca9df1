"""The sandbox's DigiKey catalog products: packagings derived from the synthetic catalog, plus the traps.

Pure and deterministic (sha256 of the MPN, never Python's `hash()`). A part the synthetic catalog
finds (`catalog.is_found`) is a DigiKey product of the same maker; generic numbers several makers
sell (`catalog.SECOND_SOURCES`) are one product per maker. Packagings:

- reels (most parts): Tape & Reel (MOQ = reel, whole reels), Cut Tape (MOQ 1) and Digi-Reel® (MOQ 1,
  reeling fee 7.00), showing ONE stock as DigiKey does: CT and DKR show all of it, TR the whole
  reels in it; QuantityAvailable is that stock (not the sum);
- trays and bulk parts: one variation, MOQ 1.

DigiKey numbers are `{maker prefix}-{MPN}{TR|CT|DKR|TRAY|BULK}-ND` (the real style of
"175-LM4040DIX3-5.0+TCT-ND"), so productdetails can find the product again from the number; the
numbers the bonded demo uses (`catalog.digikey_pn`) of the demo parts are among OtherNames and
resolve too. Any other well-formed number (a real one, from a user's cart) is the product of a
made-up MPN, `SANDBOX-{number without -ND}`, found or not as that MPN is.

Traps, fixed rather than drawn (from digikey-catalog.md and its samples):
- MARKETPLACE_ONLY_MPN: no stock in any DigiKey packaging, 21,836,970 at a Marketplace seller
  (Bulk, MOQ 11,539, MaxQuantityForDistribution 0); ManufacturerLeadWeeks null.
- OBSOLETE_MPN: Obsolete and NCNR; TR and CT with MOQ 0 and no price; the Digi-Reel still priced;
  no stock; lead "52"; DateLastBuyChance 2019-07-31.
- MULTI_MAKER_MPN: four makers' exact matches (one NCNR, one Obsolete with only Marketplace stock,
  one "Discontinued at Digi-Key" with lead "99").
- ACTIVE_NCNR_MPN: an active NCNR part with an empty reel (the real LM4040DIX3-5.0+T answer).
- DIGI_REEL_MPN: the real AP2114H-3.3TRG1 trio (TR 4000, CT/DKR 5409, Digi-Reel fee 7.00).
- catalog.NCNR_MPN is NCNR here too; catalog.ZERO_STOCK_MPN has no stock here either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from bomcheck.sandbox import catalog

MARKETPLACE_ONLY_MPN = "BC847BLT1G"
OBSOLETE_MPN = "KA78L05AMTF"
MULTI_MAKER_MPN = "LL4148"
ACTIVE_NCNR_MPN = "LM4040DIX3-5.0+T"
DIGI_REEL_MPN = "AP2114H-3.3TRG1"
LEAD_NULL_MPN = MARKETPLACE_ONLY_MPN
DIGI_REEL_FEE = Decimal("7.00")
NO_CAP = 999999999  # MaxQuantityForDistribution: no cap

_TR, _CT, _DKR, _BULK, _TRAY = (1, "Tape & Reel (TR)"), (2, "Cut Tape (CT)"), (243, "Digi-Reel®"), \
    (3, "Bulk"), (17, "Tray")
_PREFIXES = {"Texas Instruments": "296", "STMicroelectronics": "497", "onsemi": "488", "Murata": "490",
             "Yageo": "311", "Diodes Incorporated": "31", "Microchip Technology": "150",
             "Analog Devices": "505", "Analog Devices Inc./Maxim Integrated": "175",
             "Würth Elektronik": "732",
             "Vishay General Semiconductor - Diodes Division": "112", "Micro Commercial Co": "353",
             "Diotec Semiconductor": "4878"}
_CT_STEPS = ((1, "1"), (10, "0.62"), (25, "0.52"), (100, "0.39"), (250, "0.33"), (500, "0.29"),
             (1000, "0.26"))
_PRICE_STEP = Decimal("0.00001")


@dataclass(frozen=True)
class Variation:
    """One ProductVariation: a packaging with its DigiKey number, stock, MOQ and USD price ladder."""

    number: str
    package: tuple[int, str]
    stock: int
    moq: int
    standard_package: int
    breaks: tuple[tuple[int, Decimal], ...]  # (BreakQuantity, USD UnitPrice); empty: not orderable
    marketplace: bool = False
    supplier: str = ""  # "" : the maker
    fee: Decimal = Decimal(0)
    max_quantity: int = NO_CAP


@dataclass(frozen=True)
class Product:
    """One DigiKey Product, everything the sandbox answers about it."""

    mpn: str
    maker: str
    description: str
    variations: tuple[Variation, ...]
    own_stock: int  # DigiKey's own stock: one figure however many packagings show it
    status: tuple[int, str] = (0, "Active")
    ncnr: bool = False
    lead_weeks: str | None = "8"
    last_buy: str | None = None
    discontinued: bool = False
    end_of_life: bool = False
    rohs: str = "ROHS3 Compliant"
    reach: str = "REACH Unaffected"
    eccn: str = "EAR99"
    hts: str = "8542.39.0001"
    other_names: tuple[str, ...] = field(default=())

    @property
    def quantity_available(self) -> int:
        """QuantityAvailable as DigiKey gives it: its own stock plus the Marketplace's."""
        return self.own_stock + sum(v.stock for v in self.variations if v.marketplace)

    @property
    def maker_id(self) -> int:
        return int(_PREFIXES.get(self.maker) or 100 + _dice(self.maker, "maker-id") % 900)


def _dice(key: str, salt: str, n: int = 0) -> int:
    return int.from_bytes(hashlib.sha256(f"dk-catalog:{salt}:{key}:{n}".encode()).digest()[:8], "big")


def _prefix(maker: str) -> str:
    return _PREFIXES.get(maker) or str(100 + _dice(maker, "prefix") % 900)


def number_of(mpn: str, maker: str, code: str) -> str:
    """The DigiKey number of one packaging: `{prefix}-{MPN}{TR|CT|DKR|TRAY|BULK}-ND`."""
    return f"{_prefix(maker)}-{mpn}{code}-ND"


def _ladder(base: Decimal, steps: Sequence[tuple[int, str]]) -> tuple[tuple[int, Decimal], ...]:
    return tuple((qty, max(_PRICE_STEP, (base * Decimal(share)).quantize(_PRICE_STEP, ROUND_HALF_UP)))
                 for qty, share in steps)


def _reel_trio(mpn: str, maker: str, stock: int, reel: int, base: Decimal) -> tuple[Variation, ...]:
    cut = _ladder(base, _CT_STEPS)
    reel_breaks = _ladder(base, ((reel, "0.21"), (reel * 2, "0.2"), (reel * 5, "0.19")))
    return (
        Variation(number_of(mpn, maker, "TR"), _TR, stock // reel * reel, reel, reel, reel_breaks),
        Variation(number_of(mpn, maker, "CT"), _CT, stock, 1, 0, cut),
        Variation(number_of(mpn, maker, "DKR"), _DKR, stock, 1, 0, cut, fee=DIGI_REEL_FEE),
    )


# --------------------------------------------------------------------------- drawn from the catalog


def _base_price(part: catalog.CatalogPart) -> Decimal:
    singles = [sp.breaks[0].price for source in part.sources for sp in source.parts if sp.breaks
               and sp.pack_size == 1]
    if singles:
        return min(singles)
    bulk = [sp.breaks[0].price for source in part.sources for sp in source.parts if sp.breaks]
    return min(bulk) * Decimal("2.5") if bulk else Decimal("0.50")


def _drawn(part: catalog.CatalogPart, maker: str) -> Product:
    key = f"{part.part_num}|{maker}"
    packs = [sp for source in part.sources for sp in source.parts if sp.pack_size > 1]
    container = next((sp.container_type for sp in packs if sp.container_type), "")
    pack = max((sp.pack_size for sp in packs), default=1000)
    stock = 0 if _dice(key, "empty") % 5 == 0 else 1 + _dice(key, "stock") % 50000
    if part.part_num == catalog.ZERO_STOCK_MPN:
        stock = 0
    base = _base_price(part)
    if container in ("Tray", "Bulk"):
        package = _TRAY if container == "Tray" else _BULK
        number = number_of(part.part_num, maker, "TRAY" if container == "Tray" else "BULK")
        variations: tuple[Variation, ...] = (
            Variation(number, package, stock, 1, pack, _ladder(base, _CT_STEPS)),)
    else:
        variations = _reel_trio(part.part_num, maker, stock, pack, base)
    lead_draw = _dice(key, "lead") % 20
    other = catalog.digikey_pn(part.part_num) if maker == part.mfr_name else ""
    return Product(
        mpn=part.part_num,
        maker=maker,
        description=part.description[:60].upper(),
        variations=variations,
        own_stock=stock,
        ncnr=part.part_num == catalog.NCNR_MPN or _dice(key, "ncnr") % 20 == 0,
        lead_weeks=None if lead_draw == 0 else str(4 + _dice(key, "weeks") % 26),
        eccn=part.eccn_code,
        hts=part.hts_code or "8542.39.0001",
        other_names=(other,) if other else (),
    )


# --------------------------------------------------------------------------- the traps


def _traps() -> dict[str, tuple[Product, ...]]:
    onsemi = "onsemi"
    bc847_cut = ((1, Decimal("0.18")), (10, Decimal("0.108")), (100, Decimal("0.0493")))
    ka78_digi = ((1, Decimal("0.41")), (10, Decimal("0.326")), (100, Decimal("0.2204")))
    bc847 = Product(
        MARKETPLACE_ONLY_MPN, onsemi, "TRANS NPN 45V 0.1A SOT23-3", (
            Variation(number_of(MARKETPLACE_ONLY_MPN, onsemi, "TR"), _TR, 0, 3000, 3000,
                      ((3000, Decimal("0.0236")), (6000, Decimal("0.0212")))),
            Variation(number_of(MARKETPLACE_ONLY_MPN, onsemi, "CT"), _CT, 0, 1, 0, bc847_cut),
            Variation(number_of(MARKETPLACE_ONLY_MPN, onsemi, "DKR"), _DKR, 0, 1, 0, bc847_cut,
                      fee=DIGI_REEL_FEE),
            Variation(f"2156-{MARKETPLACE_ONLY_MPN}-OS-ND", _BULK, 21836970, 11539, 0,
                      ((11539, Decimal("0.0261")),), marketplace=True, supplier="Rochester Electronics, LLC",
                      max_quantity=0),
        ), own_stock=0, lead_weeks=None)
    ka78 = Product(
        OBSOLETE_MPN, onsemi, "IC REG LINEAR 5V 100MA TO92-3", (
            Variation(number_of(OBSOLETE_MPN, onsemi, "TR"), _TR, 0, 0, 2000, ()),
            Variation(number_of(OBSOLETE_MPN, onsemi, "CT"), _CT, 0, 0, 0, ()),
            Variation(number_of(OBSOLETE_MPN, onsemi, "DKR"), _DKR, 0, 1, 0, ka78_digi, fee=DIGI_REEL_FEE),
        ), own_stock=0, status=(1, "Obsolete"), ncnr=True, lead_weeks="52", last_buy="2019-07-31T05:00:00Z")
    vishay, mcc, diotec = ("Vishay General Semiconductor - Diodes Division", "Micro Commercial Co",
                           "Diotec Semiconductor")
    ll = MULTI_MAKER_MPN
    ll4148 = (
        Product(ll, onsemi, "DIODE GEN PURP 100V 200MA SOD80",
                _reel_trio(ll, onsemi, 10634, 10000, Decimal("0.10")), own_stock=10634, hts="8541.10.0070"),
        Product(ll, vishay, "DIODE GEN PURP 75V 150MA MINIMELF", (
            Variation(number_of(ll, vishay, "TR"), _TR, 0, 2500, 2500, ((2500, Decimal("0.0284")),)),
        ), own_stock=0, ncnr=True, lead_weeks="14", hts="8541.10.0070"),
        Product(ll, mcc, "DIODE GEN PURP 100V 150MA MINIMELF", (
            Variation(number_of(ll, mcc, "TR"), _TR, 0, 2500, 2500, ()),
            Variation(f"4878-{ll}-TP-ND", _TR, 50000, 2500, 2500, ((2500, Decimal("0.0199")),),
                      marketplace=True, supplier=mcc, max_quantity=0),
        ), own_stock=0, status=(1, "Obsolete"), lead_weeks="0", hts="8541.10.0070"),
        Product(ll, diotec, "DIODE GEN PURP 100V 300MA MINIMELF", (
            Variation(number_of(ll, diotec, "TR"), _TR, 0, 10000, 10000, ((10000, Decimal("0.0142")),)),
        ), own_stock=0, status=(2, "Discontinued at Digi-Key"), discontinued=True, lead_weeks="99",
            hts="8541.10.0070"),
    )
    adi = "Analog Devices Inc./Maxim Integrated"
    lm4040 = Product(ACTIVE_NCNR_MPN, adi, "IC VREF SHUNT 5V SC70",
                     replace_stock(_reel_trio(ACTIVE_NCNR_MPN, adi, 915, 2500, Decimal("2.00")), reel=0),
                     own_stock=915, ncnr=True, lead_weeks="10")
    diodes = "Diodes Incorporated"
    ap2114 = Product(DIGI_REEL_MPN, diodes, "IC REG LINEAR 3.3V 1A SOT-223-3",
                     _reel_trio(DIGI_REEL_MPN, diodes, 5409, 4000, Decimal("0.61")), own_stock=5409)
    return {MARKETPLACE_ONLY_MPN: (bc847,), OBSOLETE_MPN: (ka78,), MULTI_MAKER_MPN: ll4148,
            ACTIVE_NCNR_MPN: (lm4040,), DIGI_REEL_MPN: (ap2114,)}


def replace_stock(trio: tuple[Variation, ...], *, reel: int) -> tuple[Variation, ...]:
    """The trio with the reel's stock set to `reel` (an empty reel beside cut tape in stock)."""
    return (replace(trio[0], stock=reel), *trio[1:])


_TRAPS = _traps()


# --------------------------------------------------------------------------- lookups


def exact_products(mpn: str) -> tuple[Product, ...]:
    """Every maker's product whose MPN is exactly this one (case-insensitive): keyword ExactMatches."""
    key = mpn.strip().upper()
    if key in _TRAPS:
        return _TRAPS[key]
    part = catalog.lookup(key)
    if part is None:
        return ()
    makers = [part.mfr_name, *(name for _, name in catalog.SECOND_SOURCES.get(key, ()))]
    return tuple(_drawn(part, maker) for maker in makers)


def near_products(mpn: str) -> tuple[Product, ...]:
    """Longer numbers a keyword search also lists (the synthetic catalog's family variants)."""
    key = mpn.strip().upper()
    return tuple(product for variant in catalog.family_variants(key) for product in exact_products(variant)
                 if variant != key)[:5]


# No code is the end of another, so "{MPN}{code}" never spells another part's number.
_CODES = ("DKR", "TR", "CT", "TRAY", "BULK")


def _known_numbers() -> dict[str, str]:
    """The bonded demo's DigiKey numbers of the demo parts -> their MPN."""
    mpns = (*catalog.DEMO_MPNS, *catalog.BONDED_DEMO_MPNS)
    return {catalog.digikey_pn(mpn).upper(): mpn for mpn in mpns}


_KNOWN = _known_numbers()


def by_number(number: str) -> Product | None:
    """The product a DigiKey number (one of its variations' numbers or other names) belongs to."""
    wanted = number.strip().upper()
    if wanted in _KNOWN:
        products = exact_products(_KNOWN[wanted])
        return products[0] if products else None
    if not wanted.endswith("-ND"):
        return None
    stem = wanted[:-3]
    head, _, tail = stem.partition("-")
    rests = [tail, stem] if head.isdigit() else [stem]
    mpns: dict[str, None] = {}
    for rest in rests:
        mpns[rest] = None
        mpns[rest.rsplit("-", 1)[0]] = None  # "LL4148-TP", "BC847BLT1G-OS": a seller's suffix
        for code in _CODES:
            if code and rest.endswith(code):
                mpns[rest[: -len(code)]] = None
    for mpn in mpns:
        for product in exact_products(mpn):
            if any(v.number.upper() == wanted for v in product.variations):
                return product
    return _made_up_for(wanted)


# The MPN the sandbox gives a DigiKey number it did not make: it says it is made up.
MADE_UP_PREFIX = "SANDBOX-"


def _made_up_for(number: str) -> Product | None:
    """A product for a DigiKey number the catalog did not make (a real one, from a user's cart):
    DigiKey knows its numbers, so the sandbox answers most of them too (the unlucky twelfth not),
    under an MPN that says it is made up, and one of its packagings carries the number asked."""
    if not re.fullmatch(r"[0-9A-Z][0-9A-Z./#+-]*-ND", number) or number in catalog.NAMED_NUMBERS.get():
        return None  # a line with an MPN of its own: a made-up one would contradict it
    products = exact_products(MADE_UP_PREFIX + number[:-3])
    if not products:
        return None
    first, *rest = products[0].variations
    return replace(products[0], variations=(replace(first, number=number), *rest))


def by_mpn(mpn: str, maker_id: int | None = None) -> Product | None:
    """productdetails called with an MPN: the maker's product when `manufacturerId` says, else the first."""
    products = exact_products(mpn)
    if maker_id is not None:
        products = tuple(p for p in products if p.maker_id == maker_id) or products
    return products[0] if products else None
