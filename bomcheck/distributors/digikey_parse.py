"""DigiKey Supply Chain answers as bonded items, offers and locations: THE field mapping, tolerant parsing."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bomcheck.distributors import fields
from bomcheck.distributors.digikey_catalog_parse import packaging_kind
from bomcheck.model import Offer, PriceBreak

log = logging.getLogger(__name__)

NCNR_NO_DATE = ("1858-11-17", "0001-01-01")  # the seed's "no NCNR" sentinel, and .NET's default


@dataclass(frozen=True)
class BondedItem:
    """One BondedInventoryProductResponse, field by field, plus the quantity we may release."""

    digikey_pn: str
    mpn: str
    customer_pn: str
    description: str
    manufacturer: str
    unit_price: Decimal | None
    pack_type: str
    country_of_origin: str
    reserve_quantity: int
    backorder_reserve_quantity: int
    vendor_lead_weeks: int | None
    customer_id: int | None
    ncnr: bool
    ncnr_date_signed: str | None
    min_release_override: bool
    min_quantity_threshold: int
    standard_package: int
    ncnr_quantity: str | None = None  # typed int, described as a date: kept as written
    quantity: int = 0  # what bomcheck treats as releasable stock, see bonded_item_from_json
    quantity_field: str = "ReserveQuantity"  # the answer's field `quantity` was read from

    @property
    def min_release_qty(self) -> int:
        """The seed's rule: override TRUE → threshold if > 0 else 1; FALSE → StandardPackage."""
        if self.min_release_override:
            return self.min_quantity_threshold if self.min_quantity_threshold > 0 else 1
        return max(1, self.standard_package)


# --------------------------------------------------------------------------- field mapping


def folded_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`obj` with its keys case-folded, so DigiKey's PascalCase and camelCase read alike."""
    return {str(key).casefold(): value for key, value in obj.items()}


def _price(value: Any) -> Decimal | None:
    """DigiKey's UnitPrice; 0 means no price was set, so it counts as unknown."""
    amount = fields.price(value)
    return amount if amount else None


def _date(value: Any) -> str | None:
    text = fields.text(value)
    if not text or text.startswith(NCNR_NO_DATE):
        return None
    return text


# The on-hand counts other DigiKey APIs name, taken first when a bonded answer has one. The seed's
# BondedInventoryProductResponse has none: its ReserveQuantity ("the quantity reserved on backorder
# on the master/program") is the only count left (digikey.md: "Field meanings the seed muddles").
QUANTITY_FIELDS = ("QuantityAvailable", "Quantity")


def bonded_item_from_json(obj: Mapping[str, Any]) -> BondedItem:
    """THE mapping from one product of a Supply Chain answer to a BondedItem.

    The public spec is incomplete; every assumption about the wire format lives here:
    - keys are matched case-insensitively (PascalCase per the seed, camelCase tolerated);
      unknown keys are ignored; an item needs a DigiKeyPartNumber or ManufacturerPartNumber.
    - quantity (stock we may release): `QuantityAvailable`, else `Quantity`, if the answer
      has such a key; otherwise `ReserveQuantity` — the seed's only on-hand-looking count
      (its description, "reserved on backorder", is muddled). BackOrderReserveQuantity is
      never counted as stock.
    - UnitPrice: a number via Decimal(str(x)); missing, zero or negative = unknown (None), so
      a bonded offer without a real price is never planned at price 0.
    - VendorLeadWeeks: a string per the seed ("12", "12 weeks"); unparseable → None.
    - NonCancelable true = NCNR. NcnrDateSigned (and NcnrQuantity, typed int but described
      as a date) on the sentinel 1858-11-17 (or 0001-01-01) = no date (None).
    - StandardPackage missing or 0 counts as 1 for the minimum release quantity.
    """
    if not isinstance(obj, Mapping):
        raise TypeError("a bonded product must be a JSON object")
    item = folded_keys(obj)
    digikey_pn = fields.text(item.get("digikeypartnumber"))
    mpn = fields.text(item.get("manufacturerpartnumber"))
    if not digikey_pn and not mpn:
        raise ValueError("a bonded product without DigiKeyPartNumber or ManufacturerPartNumber")
    reserve = max(0, fields.integer(item.get("reservequantity")) or 0)
    quantity, quantity_field = reserve, "ReserveQuantity"
    for key in QUANTITY_FIELDS:
        given = fields.integer(item.get(key.casefold()))
        if given is not None:
            quantity, quantity_field = max(0, given), key
            break
    ncnr_quantity = item.get("ncnrquantity")
    return BondedItem(
        digikey_pn=digikey_pn,
        mpn=mpn,
        customer_pn=fields.text(item.get("customerpartnumber")),
        description=fields.text(item.get("productdescription")),
        manufacturer=fields.text(item.get("manufacturer")),
        unit_price=_price(item.get("unitprice")),
        pack_type=fields.text(item.get("packtype")),
        country_of_origin=fields.text(item.get("countryoforigin")),
        reserve_quantity=reserve,
        backorder_reserve_quantity=max(0, fields.integer(item.get("backorderreservequantity")) or 0),
        vendor_lead_weeks=fields.integer(item.get("vendorleadweeks")),
        customer_id=fields.integer(item.get("customerid")),
        ncnr=fields.boolean(item.get("noncancelable")),
        ncnr_date_signed=_date(item.get("ncnrdatesigned")),
        min_release_override=fields.boolean(item.get("minimumreleasequantityoverride")),
        min_quantity_threshold=max(0, fields.integer(item.get("minimumquantitythreshold")) or 0),
        standard_package=max(0, fields.integer(item.get("standardpackage")) or 0),
        ncnr_quantity=_date(ncnr_quantity) if ncnr_quantity not in (0, "0") else None,
        quantity=quantity,
        quantity_field=quantity_field,
    )


_PRODUCT_KEYS = frozenset({"digikeypartnumber", "manufacturerpartnumber"})


def _looks_like_product(obj: Mapping[str, Any]) -> bool:
    return any(str(key).casefold() in _PRODUCT_KEYS for key in obj)


def _product_objects(body: Any, depth: int = 0) -> Iterator[Any]:
    """Product objects wherever a tolerable answer keeps them: a bare list, an object holding
    a list (`{"Products": [...]}` or any one list value), a single product object, or one
    more level (e.g. locations that each hold their products)."""
    if depth > 3:
        return
    if isinstance(body, list):
        for element in body:
            if isinstance(element, Mapping) and not _looks_like_product(element) and any(
                isinstance(value, list) for value in element.values()
            ):
                yield from _product_objects(element, depth + 1)
            else:
                yield element
    elif isinstance(body, Mapping):
        if _looks_like_product(body):
            yield body
            return
        for value in body.values():
            if isinstance(value, list):
                yield from _product_objects(value, depth + 1)


def product_keys(body: Any) -> list[str]:
    """The field names of the first product of an answer, as DigiKey wrote them ([] without one)."""
    for obj in _product_objects(body):
        if isinstance(obj, Mapping):
            return [str(key) for key in obj]
    return []


def parse_products(body: Any) -> list[BondedItem]:
    """Every well-formed bonded product of an answer; malformed ones are skipped and logged."""
    items: list[BondedItem] = []
    for obj in _product_objects(body):
        try:
            items.append(bonded_item_from_json(obj))
        except (TypeError, ValueError) as exc:
            log.debug("DigiKey: skipping a malformed bonded product: %s", exc)
    return items


def bonded_offer(item: BondedItem, currency: str = "USD") -> Offer:
    """The Offer a bonded item makes: its releasable quantity at its unit price, NCNR as signed."""
    breaks = (PriceBreak(1, item.unit_price),) if item.unit_price is not None else ()
    return Offer(
        source="DigiKey Bonded",
        seller="DigiKey bonded inventory",
        mpn=item.mpn or item.digikey_pn,
        manufacturer=item.manufacturer,
        sku=item.digikey_pn,
        stock=item.quantity,
        moq=item.min_release_qty,
        multiple=1,
        breaks=breaks,
        currency=currency or "USD",
        ncnr=item.ncnr,
        lead_time_weeks=item.vendor_lead_weeks,
        description=item.description,
        bonded=True,
        packaging=item.pack_type,
        packaging_kind=packaging_kind({"Name": item.pack_type}),  # the catalog's words: "Tape & Reel (TR)"
        country_of_origin=item.country_of_origin,
    )


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class BondedLocation:
    """One CustomerLocationResponse: an account location, whether it holds bonded stock, its currency."""

    customer_id: int | None
    bonded_inventory: bool
    currency: str
    shipping_address: Mapping[str, str]


def location_currencies(locations: Sequence[BondedLocation]) -> dict[int, str]:
    """Each location's currency by its CustomerId: the currency of the products carrying that CustomerId."""
    return {location.customer_id: location.currency.upper() for location in locations
            if location.customer_id is not None and location.currency}


def parse_locations(body: Any) -> list[BondedLocation]:
    """Every CustomerLocationResponse of an answer (a bare list, an object holding one, or one)."""
    if isinstance(body, Mapping):
        lists = [value for value in body.values() if isinstance(value, list)]
        is_location = "customerid" in folded_keys(body)
        body = lists[0] if lists and not is_location else [body]
    locations: list[BondedLocation] = []
    for obj in body if isinstance(body, list) else []:
        if not isinstance(obj, Mapping):
            continue
        item = folded_keys(obj)
        address = item.get("shippingaddress")
        locations.append(BondedLocation(
            customer_id=fields.integer(item.get("customerid")),
            bonded_inventory=fields.boolean(item.get("bondedinventory")),
            currency=fields.text(item.get("currency")).upper(),
            shipping_address={str(k): fields.text(v) for k, v in address.items()}
            if isinstance(address, Mapping) else {},
        ))
    return locations
