"""DigiKey Product Information v4 answers as products and offers: THE field mapping, exact-match selection."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bomcheck.distributors import fields
from bomcheck.model import (
    Availability,
    Compliance,
    Lifecycle,
    Lookup,
    LookupStatus,
    Offer,
    Packaging,
    PriceBreak,
    Query,
    maker_key,
    normalize_mpn,
)

log = logging.getLogger(__name__)

SOURCE_NAME = "DigiKey"
SELLER = "DigiKey"
UNKNOWN_LEAD_WEEKS = (0, 99)  # ManufacturerLeadWeeks placeholders: "0" on stocked parts, "99" on odd ones
NOT_ORDERABLE = "not orderable (no price, MOQ 0)"

# PackageType ids seen in real answers (digikey-catalog.md §4) and what they are.
_PACKAGE_IDS: dict[int, Packaging] = {
    1: Packaging.REEL,  # Tape & Reel (TR)
    2: Packaging.CUT_TAPE,  # Cut Tape (CT)
    243: Packaging.DIGI_REEL,  # Digi-Reel®
    3: Packaging.BULK,
    6: Packaging.TUBE,
    61: Packaging.BOX,
    62: Packaging.BULK,  # Bag
    17: Packaging.TRAY,
    4: Packaging.BOX,  # Tape & Box (TB): an ammo pack, bought in whole boxes
    241: Packaging.REEL,  # Spool: a full reel of wire or tubing
    839: Packaging.OTHER,  # Digi-Spool®: cut to length from a spool, no fee
}
_PACKAGE_WORDS: tuple[tuple[str, Packaging], ...] = (
    ("digi-reel", Packaging.DIGI_REEL),
    ("digi-spool", Packaging.OTHER),
    ("cut tape", Packaging.CUT_TAPE),
    ("tape & reel", Packaging.REEL),
    ("tape & box", Packaging.BOX),
    ("spool", Packaging.REEL),
    ("tube", Packaging.TUBE),
    ("tray", Packaging.TRAY),
    ("bulk", Packaging.BULK),
    ("bag", Packaging.BULK),
    ("box", Packaging.BOX),
)
# Packagings sold only in whole manufacturer packs: the order multiple is the standard package.
# DigiKey has no "order multiple" field; cut tape, Digi-Reel and the rest take any quantity >= MOQ.
_WHOLE_PACK_IDS = frozenset({1, 4, 241})
_WHOLE_PACK_WORDS = ("tape & reel", "tape & box", "spool")

# ProductStatus.Status words (case-folded) -> lifecycle. Seen: Active, Obsolete, Discontinued at
# Digi-Key; the others are DigiKey's website filter values (UNCONFIRMED in the API).
_STATUS_WORDS: tuple[tuple[str, Lifecycle], ...] = (
    ("discontinued", Lifecycle.DISCONTINUED),
    ("obsolete", Lifecycle.OBSOLETE),
    ("not for new design", Lifecycle.NRND),
    ("nrnd", Lifecycle.NRND),
    ("last time buy", Lifecycle.LAST_TIME_BUY),
    ("active", Lifecycle.ACTIVE),
)


@dataclass(frozen=True)
class SearchLocale:
    """What DigiKey says it answered in (`SearchLocaleUsed`); a currency it does not offer falls back."""

    site: str
    language: str
    currency: str


@dataclass(frozen=True)
class CatalogProduct:
    """One DigiKey `Product`: its identity, one Offer per packaging variation, and DigiKey's own stock."""

    mpn: str
    manufacturer: str
    manufacturer_id: int | None
    description: str
    offers: tuple[Offer, ...]
    own_stock: int  # what DigiKey itself holds: QuantityAvailable without Marketplace variations
    marketplace_stock: int
    other_names: tuple[str, ...] = ()

    @property
    def digikey_pns(self) -> tuple[str, ...]:
        return tuple(offer.sku for offer in self.offers)

    def has_number(self, number: str) -> bool:
        """Whether `number` is one of this product's DigiKey numbers (or other names DigiKey lists)."""
        wanted = normalize_mpn(number)
        return bool(wanted) and any(normalize_mpn(name) == wanted
                                    for name in (*self.digikey_pns, *self.other_names))


@dataclass(frozen=True)
class CatalogAnswer:
    """One keyword or productdetails answer: the locale used, the exact products, the near misses."""

    locale: SearchLocale | None
    exact: tuple[CatalogProduct, ...]
    others: tuple[str, ...] = ()  # MPNs of non-exact keyword results, for the "not found" message


# --------------------------------------------------------------------------- tolerant readers


_get = fields.get


def _mappings(value: Any) -> Iterator[Mapping[str, Any]]:
    return (item for item in (value if isinstance(value, list) else []) if isinstance(item, Mapping))


def _bool_or_none(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() not in ("true", "false", "yes", "no", "1", "0"):
        return None
    return fields.boolean(value)


def parse_locale(body: Any) -> SearchLocale | None:
    used = _get(body, "SearchLocaleUsed")
    if not isinstance(used, Mapping):
        return None
    return SearchLocale(
        site=fields.text(_get(used, "Site")).upper(),  # "us" in 2025 answers, "US" in others
        language=fields.text(_get(used, "Language")).lower(),
        currency=fields.text(_get(used, "Currency")).upper(),
    )


# --------------------------------------------------------------------------- field mapping


def lead_weeks(value: Any) -> int | None:
    """ManufacturerLeadWeeks (a string, or null) as weeks; placeholders 0 and 99 are unknown (None)."""
    weeks = fields.integer(value)
    if weeks is None or weeks < 0 or weeks in UNKNOWN_LEAD_WEEKS:
        return None
    return weeks


def packaging_kind(package_type: Any) -> Packaging:
    """A PackageType {Id, Name} as one Packaging value: by id, else by the words of its name."""
    package_id = fields.integer(_get(package_type, "Id"))
    if package_id in _PACKAGE_IDS:
        return _PACKAGE_IDS[package_id]
    name = fields.text(_get(package_type, "Name")).casefold()
    for word, kind in _PACKAGE_WORDS:
        if word in name:
            return kind
    return Packaging.OTHER if name else Packaging.UNKNOWN


def _whole_packs(package_type: Any) -> bool:
    if fields.integer(_get(package_type, "Id")) in _WHOLE_PACK_IDS:
        return True
    name = fields.text(_get(package_type, "Name")).casefold()
    return any(word in name for word in _WHOLE_PACK_WORDS) and "digi-" not in name


def lifecycle(product: Mapping[str, Any]) -> tuple[Lifecycle, str]:
    """(value, DigiKey's words) from ProductStatus, then the Discontinued / EndOfLife flags."""
    status = fields.text(_get(_get(product, "ProductStatus"), "Status"))
    words = status.casefold()
    value = next((kind for word, kind in _STATUS_WORDS if word in words), Lifecycle.UNKNOWN)
    flags: list[str] = []
    if fields.boolean(_get(product, "EndOfLife")):
        flags.append("end of life")
        if value in (Lifecycle.ACTIVE, Lifecycle.UNKNOWN, Lifecycle.NRND):
            value = Lifecycle.LAST_TIME_BUY
    if fields.boolean(_get(product, "Discontinued")):
        flags.append("discontinued")
        if value in (Lifecycle.ACTIVE, Lifecycle.UNKNOWN):
            value = Lifecycle.DISCONTINUED
    text = status + (f" ({', '.join(flags)})" if flags and status else ", ".join(flags))
    return value, text


def _date(value: Any) -> date | None:
    """DateLastBuyChance ("2019-07-31T05:00:00Z", a date, or null) as a date; unreadable = None."""
    text = fields.text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def rohs(text: str) -> Compliance:
    """RohsStatus: "ROHS3 Compliant", "RoHS Compliant by Exemption", "RoHS non-compliant", ..."""
    words = text.casefold()
    if "exempt" in words:
        return Compliance.EXEMPT
    if re.search(r"\bnon\b|non-|not compliant", words):
        return Compliance.NOT_COMPLIANT
    if "compliant" in words:
        return Compliance.COMPLIANT
    return Compliance.UNKNOWN


def reach(text: str) -> Compliance:
    """ReachStatus: "REACH Unaffected" (no SVHC) or "REACH Affected" (SVHC to declare: a decision)."""
    words = text.casefold()
    if "unaffected" in words:
        return Compliance.COMPLIANT
    if "affected" in words:
        return Compliance.NOT_COMPLIANT
    return Compliance.UNKNOWN


def _url(value: Any) -> str:
    """An http(s) URL; protocol-relative `//mm.digikey.com/...` gets https."""
    url = fields.text(value)
    if url.startswith("//"):
        url = "https:" + url
    return url if url.startswith(("https://", "http://")) else ""


def price_breaks(pricing: Any) -> tuple[PriceBreak, ...]:
    """A pricing list ascending by BreakQuantity; UnitPrice via its decimal text (TotalPrice ignored:
    it carries float noise such as 7.26999)."""
    by_qty: dict[int, Decimal] = {}
    for tier in _mappings(pricing):
        quantity = fields.integer(_get(tier, "BreakQuantity"))
        price = fields.price(_get(tier, "UnitPrice"))
        if quantity is None or quantity < 1 or price is None:
            continue
        by_qty.setdefault(quantity, price)
    return tuple(PriceBreak(qty, by_qty[qty]) for qty in sorted(by_qty))


@dataclass(frozen=True)
class _ProductFacts:
    """What every variation of one product shares."""

    mpn: str
    manufacturer: str
    description: str
    ncnr: bool | None
    lead_time_weeks: int | None
    lifecycle: Lifecycle
    lifecycle_text: str
    last_buy_date: date | None
    rohs: Compliance
    reach: Compliance
    eccn: str
    hts: str
    compliance: tuple[tuple[str, str], ...]
    links: tuple[tuple[str, str], ...]
    backorder_allowed: bool = True  # BackOrderNotAllowed false or absent


def _facts(product: Mapping[str, Any]) -> _ProductFacts:
    description = _get(product, "Description")
    classes = _get(product, "Classifications")
    rohs_text = fields.text(_get(classes, "RohsStatus"))
    reach_text = fields.text(_get(classes, "ReachStatus"))
    msl = fields.text(_get(classes, "MoistureSensitivityLevel"))
    state, state_text = lifecycle(product)
    links = tuple((kind, url) for kind, url in (
        ("datasheet", _url(_get(product, "DatasheetUrl"))),
        ("product detail", _url(_get(product, "ProductUrl"))),
    ) if url)
    return _ProductFacts(
        mpn=fields.text(_get(product, "ManufacturerProductNumber")),
        manufacturer=fields.text(_get(_get(product, "Manufacturer"), "Name")),
        description=(fields.text(_get(description, "ProductDescription"))
                     or fields.text(_get(description, "DetailedDescription"))),
        ncnr=_bool_or_none(_get(product, "Ncnr")),
        lead_time_weeks=lead_weeks(_get(product, "ManufacturerLeadWeeks")),
        lifecycle=state,
        lifecycle_text=state_text,
        last_buy_date=_date(_get(product, "DateLastBuyChance")),
        rohs=rohs(rohs_text),
        reach=reach(reach_text),
        eccn=fields.text(_get(classes, "ExportControlClassNumber")),
        hts=fields.text(_get(classes, "HtsusCode")),
        compliance=tuple((label, value) for label, value in (
            ("RoHS", rohs_text), ("REACH", reach_text), ("MSL", " ".join(msl.split()))) if value),
        links=links,
        backorder_allowed=_bool_or_none(_get(product, "BackOrderNotAllowed")) is not True,
    )


def variation_offer(facts: _ProductFacts, variation: Mapping[str, Any], currency: str,
                    stock_pool: str = "") -> Offer:
    """THE mapping of one ProductVariation to an Offer.

    - sku: DigiKeyProductNumber; packaging: PackageType.Name as given, packaging_kind normalised.
    - stock: QuantityAvailableforPackageType (the product's QuantityAvailable includes Marketplace
      stock and is never used for an offer).
    - breaks: MyPricing when the answer has any (an account's prices), else StandardPricing.
    - not orderable: MinimumOrderQuantity 0 or no pricing (obsolete TR/CT) -> no breaks, so it is
      never planned at a price; availability says "not orderable".
    - moq: MinimumOrderQuantity, at least the first break. multiple: the standard package on
      Tape & Reel, Tape & Box and Spool (whole packs: the TR MOQ is the reel), else 1 (cut tape,
      Digi-Reel: any quantity from the MOQ up). spq: StandardPackage when > 0 (0 is common).
    - fees: DigiReelFee (7.0 on Digi-Reel), once per order of the offer; 0 elsewhere.
    - marketplace: MarketPlace; the seller is then the Supplier (a third party), else DigiKey.
    - MaxQuantityForDistribution is ignored: 0 appears on Marketplace items that can be bought.
    """
    package = _get(variation, "PackageType")
    kind = packaging_kind(package)
    stock = max(0, fields.integer(_get(variation, "QuantityAvailableforPackageType")) or 0)
    moq_given = fields.integer(_get(variation, "MinimumOrderQuantity")) or 0
    breaks = price_breaks(_get(variation, "MyPricing")) or price_breaks(_get(variation, "StandardPricing"))
    if breaks and not currency:
        log.debug("DigiKey: dropping prices of %s: no currency", _get(variation, "DigiKeyProductNumber"))
        breaks = ()
    orderable = moq_given > 0 and bool(breaks)
    if not orderable:
        breaks = ()
    standard_package = max(0, fields.integer(_get(variation, "StandardPackage")) or 0)
    moq = max(1, moq_given, breaks[0].min_qty if breaks else 1)
    multiple = (standard_package or moq) if _whole_packs(package) else 1
    marketplace = fields.boolean(_get(variation, "MarketPlace"))
    supplier = fields.text(_get(_get(variation, "Supplier"), "Name"))
    fee = fields.price(_get(variation, "DigiReelFee")) or Decimal(0)
    if not orderable:
        availability, availability_kind = NOT_ORDERABLE, Availability.OTHER
    else:
        # DigiKey takes orders beyond its stock for the lead time unless the product says it does not
        availability, availability_kind = "", (
            Availability.IN_STOCK if stock else
            Availability.BACKORDER if facts.backorder_allowed else Availability.NO_STOCK)
    return Offer(
        source=SOURCE_NAME,
        seller=f"{supplier or 'a seller'} (Marketplace)" if marketplace else SELLER,
        mpn=facts.mpn,
        manufacturer=facts.manufacturer,
        sku=fields.text(_get(variation, "DigiKeyProductNumber")),
        stock=stock,
        moq=moq,
        multiple=max(1, multiple),
        breaks=breaks,
        currency=currency,
        ncnr=facts.ncnr,
        lead_time_weeks=facts.lead_time_weeks,
        description=facts.description,
        availability=availability,
        packaging=fields.text(_get(package, "Name")),
        eccn=facts.eccn,
        hts=facts.hts,
        compliance=facts.compliance,
        links=facts.links,
        lifecycle=facts.lifecycle,
        lifecycle_text=facts.lifecycle_text,
        last_buy_date=facts.last_buy_date,
        rohs=facts.rohs,
        reach=facts.reach,
        marketplace=marketplace,
        availability_kind=availability_kind,
        packaging_kind=kind,
        spq=standard_package or None,
        fees=fee,
        stock_pool="" if marketplace else stock_pool,
    )


def parse_product(product: Any, currency: str) -> CatalogProduct | None:
    """One `Product` (prices in `currency`, the answer's SearchLocaleUsed.Currency); None if malformed.

    DigiKey's own stock is QuantityAvailable minus the Marketplace variations' stock (a real
    answer holds 0 in every DigiKey packaging and 21.8 million at a Marketplace seller). Its cut
    tape, Digi-Reel and reel are often one physical stock shown in each (AP2114H: TR 4000, CT
    5409, DKR 5409, total 5409): when the variations add up to more than the total, they share
    one `stock_pool` so the planner neither counts nor buys it twice.
    """
    if not isinstance(product, Mapping):
        return None
    facts = _facts(product)
    variations = list(_mappings(_get(product, "ProductVariations")))
    if not facts.mpn:
        log.debug("DigiKey: skipping a product without ManufacturerProductNumber")
        return None
    stocks = [(fields.boolean(_get(v, "MarketPlace")),
               max(0, fields.integer(_get(v, "QuantityAvailableforPackageType")) or 0)) for v in variations]
    marketplace_stock = sum(stock for market, stock in stocks if market)
    own_stocks = [stock for market, stock in stocks if not market]
    total = fields.integer(_get(product, "QuantityAvailable"))
    own = max(0, total - marketplace_stock) if total is not None else max(own_stocks, default=0)
    shared = sum(own_stocks) > own or total is None
    pool = f"{normalize_mpn(facts.mpn)}|{' '.join(facts.manufacturer.split()).casefold()}" if shared else ""
    offers: list[Offer] = []
    for variation in variations:
        if not fields.text(_get(variation, "DigiKeyProductNumber")):
            log.debug("DigiKey: skipping a variation of %s without DigiKeyProductNumber", facts.mpn)
            continue
        try:
            offers.append(variation_offer(facts, variation, currency, pool))
        except (TypeError, ValueError, ArithmeticError) as exc:
            log.debug("DigiKey: skipping a malformed variation of %s: %s", facts.mpn, exc)
    manufacturer = _get(product, "Manufacturer")
    return CatalogProduct(
        mpn=facts.mpn,
        manufacturer=facts.manufacturer,
        manufacturer_id=fields.integer(_get(manufacturer, "Id")),
        description=facts.description,
        offers=tuple(offers),
        own_stock=own,
        marketplace_stock=marketplace_stock,
        other_names=tuple(fields.text(name) for name in _get(product, "OtherNames") or []
                          if fields.text(name)) if isinstance(_get(product, "OtherNames"), list) else (),
    )


def _currency(body: Any, asked: str) -> tuple[SearchLocale | None, str]:
    locale = parse_locale(body)
    return locale, (locale.currency if locale and locale.currency else asked.strip().upper())


def parse_details(body: Any, asked_currency: str = "") -> CatalogAnswer:
    """A ProductDetails answer `{SearchLocaleUsed, Product}` (a bare Product is read too)."""
    locale, currency = _currency(body, asked_currency)
    raw = _get(body, "Product")
    if raw is None and _get(body, "ManufacturerProductNumber") is not None:
        raw = body
    product = parse_product(raw, currency)
    return CatalogAnswer(locale, (product,) if product else ())


def parse_keyword(body: Any, keyword: str, asked_currency: str = "") -> CatalogAnswer:
    """A KeywordResponse: `ExactMatches` are the answer; `Products` whose MPN is the keyword count as
    exact too (in case ExactMatches is left empty); the other Products are near misses."""
    locale, currency = _currency(body, asked_currency)
    key = normalize_mpn(keyword)
    exact: list[CatalogProduct] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()

    def add(product: CatalogProduct) -> None:
        identity = (normalize_mpn(product.mpn), product.digikey_pns)
        if identity not in seen:
            seen.add(identity)
            exact.append(product)

    for raw in _mappings(_get(body, "ExactMatches")):
        product = parse_product(raw, currency)
        if product is not None:
            add(product)
    others: list[str] = []
    for raw in _mappings(_get(body, "Products")):
        mpn = fields.text(_get(raw, "ManufacturerProductNumber"))
        if mpn and normalize_mpn(mpn) == key:
            product = parse_product(raw, currency)
            if product is not None:
                add(product)
        elif mpn and mpn not in others:
            others.append(mpn)
    return CatalogAnswer(locale, tuple(exact), tuple(others))


# --------------------------------------------------------------------------- which product answers


def choose(products: Sequence[CatalogProduct], query: Query) -> tuple[list[CatalogProduct], str]:
    """The exact products for a BOM line, and a note when the choice needs a word.

    The products whose MPN is the line's (normalised) are preferred over those DigiKey matched
    through another name. Among several makers, the line's DigiKey number picks its product, then
    the line's manufacturer (compared by maker_key); with several makers left the caller says
    AMBIGUOUS.
    """
    if not products:
        return [], ""
    key = query.mpn_key
    same_mpn = [p for p in products if key and normalize_mpn(p.mpn) == key]
    chosen = same_mpn or list(products)
    note = ""
    if key and not same_mpn:
        note = f"DigiKey matched it as {', '.join(dict.fromkeys(p.mpn for p in chosen))}"
    if query.digikey_pn:
        numbered = [p for p in chosen if p.has_number(query.digikey_pn)]
        if numbered:
            return numbered, note
    if len(_makers(chosen)) > 1 and query.manufacturer:
        by_maker = [p for p in chosen if same_maker(query.manufacturer, p.manufacturer)]
        if by_maker:
            return by_maker, note
    return chosen, note


def same_maker(wanted: str, name: str) -> bool:
    """Whether a BOM's manufacturer names DigiKey's: model.maker_key equal (aliases: TI = Texas
    Instruments), else the shorter name's words begin the longer's and hold 4+ letters ("Vishay" ~
    "Vishay General Semiconductor - Diodes Division", "Würth" ~ "Würth Elektronik"; "ON" alone is
    too short to say)."""
    if not wanted.strip() or not name.strip():
        return False
    if maker_key(wanted) == maker_key(name):
        return True
    short, long = sorted((_WORD.findall(wanted.casefold()), _WORD.findall(name.casefold())), key=len)
    return len("".join(short)) >= 4 and long[: len(short)] == short


_WORD = re.compile(r"\w+")


def _makers(products: Sequence[CatalogProduct]) -> dict[object, str]:
    makers: dict[object, str] = {}
    for product in products:
        makers.setdefault(maker_key(product.manufacturer), product.manufacturer)
    return makers


def catalog_lookup(answer: CatalogAnswer, query: Query, *, asked: str = "") -> Lookup:
    """The Lookup a keyword or productdetails answer gives a line (see `choose`)."""
    chosen, note = choose(answer.exact, query)
    if not chosen:
        message = "not found at DigiKey"
        if answer.others:
            shown = ", ".join(answer.others[:3]) + (", …" if len(answer.others) > 3 else "")
            message += f" (no exact match; DigiKey lists {shown})"
        return Lookup(SOURCE_NAME, LookupStatus.NOT_FOUND, message=message, candidates=answer.others)
    offers = tuple(offer for product in chosen for offer in product.offers)
    makers = _makers(chosen)
    mpn = chosen[0].mpn
    if len(makers) > 1:
        message = f"{len(makers)} manufacturers make a part numbered {mpn} at DigiKey: " + ", ".join(
            makers.values())
        message += (f"; none is {query.manufacturer}" if query.manufacturer
                    else "; add the manufacturer to the BOM line")
        candidates = tuple(f"{p.mpn} ({p.manufacturer})" for p in chosen)
        return Lookup(SOURCE_NAME, LookupStatus.AMBIGUOUS, offers=offers, message=message,
                      candidates=candidates)
    notes = [note] if note else []
    product = chosen[0]
    if query.manufacturer and not same_maker(query.manufacturer, product.manufacturer):
        notes.append(f"DigiKey's {mpn} is made by {product.manufacturer}")
    if product.marketplace_stock and not product.own_stock:
        notes.append(f"DigiKey stocks none itself; {product.marketplace_stock:,} at Marketplace sellers")
    if not product.offers:
        notes.append("listed at DigiKey without any packaging")
    elif not any(offer.breaks for offer in product.offers):
        notes.append("not orderable at DigiKey (no price in any packaging)")
    if asked and not query.mpn:
        notes.append(f"MPN {mpn} ({product.manufacturer}) from DigiKey number {asked}")
    return Lookup(SOURCE_NAME, LookupStatus.FOUND, offers=offers, message="; ".join(notes))


def own_stock(lookup: Lookup) -> int | None:
    """DigiKey's own stock in a Lookup of this source (Marketplace left out; a shared pool once)."""
    if lookup.status is not LookupStatus.FOUND and not lookup.offers:
        return None
    pools: dict[str, int] = {}
    total = 0
    for offer in lookup.offers:
        if offer.marketplace:
            continue
        if offer.stock_pool:
            pools[offer.stock_pool] = max(pools.get(offer.stock_pool, 0), offer.stock)
        else:
            total += offer.stock
    return total + sum(pools.values())
