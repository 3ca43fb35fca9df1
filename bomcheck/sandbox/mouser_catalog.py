"""What the sandbox's Mouser carries: the shared synthetic catalog seen as Mouser listings (pure, no I/O).

Rules (deterministic: sha256 of the upper-cased MPN, never Python's `hash()`):

- Mouser lists exactly the parts the catalog finds (`catalog.is_found`), each maker's part of a
  number several makers share (`catalog.SECOND_SOURCES`) separately; a Mouser number is the
  maker's prefix, '-', the MPN ('595-LM358DR'); numbers of makers without a known prefix get a
  hashed three-digit one.
- One stock, one price ladder per Mouser number (USD, from the cheapest first break the catalog
  has for the part, a little dearer: Mouser sells at list); no priced offer in the catalog = no
  ladder (a quote part). Now and then `Min` = `Mult` > 1 (sold in tens, or reel only).
- About one listing in three is answered in the 2021 shape: no `AvailabilityInStock`, no
  `AvailabilityOnOrder` (`legacy`).
- Lifecycle mostly '' (Mouser says nothing), sometimes 'New Product', 'End of Life', 'Not
  Recommended for New Designs' or 'Obsolete' (then `IsDiscontinued` and a suggested replacement);
  never one of those risks for a part the catalog calls Active, nor for the demo's stocked
  alternate (`STOCKED_ALTERNATE_MPN`), so that the sources tell one story.
- `ZERO_STOCK_MPN` has no stock at Mouser either; nothing says NCNR (Mouser has no such field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bomcheck.sandbox import catalog
from bomcheck.sandbox.catalog import CatalogPart, Dice

# Mouser's own prefixes for the catalog's makers (as Mouser really numbers them).
PREFIXES: dict[str, str] = {
    "TI": "595", "STMICRO": "511", "MURATA": "81", "SAMSUNGEM": "187", "KEMET": "80", "YAGEO": "603",
    "PANASONIC": "667", "VISHAY": "71", "WURTH": "710", "DIODES": "621", "LITTELFUSE": "576",
    "ONSEMI": "863", "MCHP": "579", "ADI": "584", "FTDI": "895", "ESPRESSIF": "356", "LITEON": "859",
    "ABRACON": "815", "GCT": "640", "JST": "306", "AMPHENOL": "649", "NXP": "771", "INFINEON": "726",
    "RENESAS": "968", "ROHM": "755", "BOURNS": "652", "TDK": "810",
}
LIFECYCLES = ("", "", "", "", "", "", "", "", "", "", "", "", "", "", "New Product", "New Product",
              "End of Life", "Not Recommended for New Designs", "Obsolete")
_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class MouserListing:
    """One Mouser number: the part, Mouser's stock and terms for it, and how its answer is shaped."""

    mouser_pn: str
    part: CatalogPart
    stock: int
    factory_stock: int
    on_order: tuple[tuple[date, int], ...]
    moq: int
    multiple: int
    breaks: tuple[tuple[int, Decimal], ...]  # (quantity, USD unit price), ascending
    lead_days: int
    lifecycle: str
    discontinued: bool
    replacement: str
    rohs: str
    packagings: tuple[str, ...]
    standard_pack: int
    legacy: bool  # answered in the 2021 shape: no AvailabilityInStock, no AvailabilityOnOrder


def _dice(key: str) -> Dice:
    """Numbers drawn from sha256("mouser:<key>:<n>"), the same in every process."""
    return Dice(key, "mouser")


def _key(text: str) -> str:
    return text.strip().upper()


def mouser_pn(part: CatalogPart) -> str:
    """Mouser's number for a catalog part: its maker's prefix, '-', the MPN."""
    prefix = PREFIXES.get(part.mfr_cd) or str(_dice(f"prefix|{part.mfr_cd}").between(100, 999))
    return f"{prefix}-{part.part_num}"


def _exact_parts(mpn: str) -> list[CatalogPart]:
    """Every maker's part numbered exactly `mpn` (one, several for second-sourced numbers, or none)."""
    key = _key(mpn)
    if not catalog.is_found(key):
        return []
    return [part for part in catalog.search(key) if part.part_num == key]


def exact(term: str) -> list[MouserListing]:
    """The listings a `partSearchOptions: Exact` search finds: by Mouser number, else by MPN."""
    key = _key(term)
    prefix, _, rest = key.partition("-")
    if prefix.isdigit() and rest:
        by_number = [part for part in _exact_parts(rest) if mouser_pn(part) == key]
        if by_number:
            return [listing(part) for part in by_number]
    return [listing(part) for part in _exact_parts(key)]


def begins_with(term: str) -> list[MouserListing]:
    """What a non-exact search finds: every listing whose MPN starts with `term` (the exact ones too)."""
    key = _key(term)
    return [listing(part) for part in catalog.search(key) if part.part_num.startswith(key)]


def _packaging(part: CatalogPart) -> tuple[tuple[str, ...], int]:
    """(Mouser's packaging names, the standard pack): reels come as Reel, Cut Tape and MouseReel."""
    bulk = [sp for source in part.sources for sp in source.parts if sp.pack_size > 1]
    if not bulk:
        return ("Cut Tape",), 1
    pack = max(sp.pack_size for sp in bulk)
    container = bulk[0].container_type
    if container in ("Tray", "Bulk", "Tube"):
        return (container,), pack
    return ("Reel", "Cut Tape", "MouseReel"), pack


def _first_price(part: CatalogPart) -> Decimal | None:
    prices = [sp.breaks[0].price for source in part.sources for sp in source.parts if sp.breaks]
    return min(prices) if prices else None


def _ladder(dice: Dice, base: Decimal, moq: int, multiple: int, pack: int
            ) -> tuple[tuple[int, Decimal], ...]:
    quantities = [moq] + [q for q in (10, 25, 100, 250, 500, 1000, 2500, pack)
                          if q > moq and q % multiple == 0]
    quantities = sorted(set(quantities))[: dice.between(3, 6)]
    ladder: list[tuple[int, Decimal]] = []
    price = base
    for quantity in quantities:
        rounded = max(_STEP, price.quantize(_STEP, rounding=ROUND_HALF_UP))
        ladder.append((quantity, min(rounded, ladder[-1][1]) if ladder else rounded))
        price = price * Decimal(dice.between(82, 97)) / 100
    return tuple(ladder)


def listing(part: CatalogPart) -> MouserListing:
    """Mouser's listing of one catalog part (see the module's rules)."""
    number = mouser_pn(part)
    dice = _dice(number)
    packagings, pack = _packaging(part)
    terms = dice.below(20)
    if terms < 15 or pack == 1:
        moq = multiple = 1
    elif terms < 18:
        moq = multiple = dice.pick((10, 25, 100))
    else:
        moq = multiple = pack  # reel only
        packagings = packagings[:1]
    base = _first_price(part)
    breaks = _ladder(dice, base * Decimal(dice.between(100, 125)) / 100, moq, multiple, pack) if base else ()
    stock = dice.between(1, 250) * 100 + dice.below(100)
    if dice.chance(20) or part.part_num == catalog.ZERO_STOCK_MPN:
        stock = 0
    lifecycle = dice.pick(LIFECYCLES)
    if lifecycle not in ("", "New Product") and (part.status == "Active"
                                                 or part.part_num == catalog.STOCKED_ALTERNATE_MPN):
        lifecycle = ""  # one story across the sandbox's sources: what Arrow sells as active is active here
    obsolete = lifecycle == "Obsolete"
    on_order: tuple[tuple[date, int], ...] = ()
    if dice.chance(25):
        due = date.today() + timedelta(days=dice.between(10, 200))
        on_order = ((due, max(multiple, dice.between(1, 40) * 100)),)
    variants = catalog.family_variants(part.part_num)
    return MouserListing(
        mouser_pn=number,
        part=part,
        stock=0 if obsolete else stock,
        factory_stock=dice.between(1, 60) * 500 if dice.chance(30) else 0,
        on_order=on_order,
        moq=moq,
        multiple=multiple,
        breaks=breaks,
        lead_days=dice.between(14, 210),
        lifecycle=lifecycle,
        discontinued=obsolete,
        replacement=variants[0] if obsolete and variants else "",
        rohs=dice.pick(("RoHS Compliant",) * 9 + ("RoHS Compliant By Exemption",)),
        packagings=packagings,
        standard_pack=pack,
        legacy=dice.chance(33),
    )
