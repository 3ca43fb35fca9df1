"""Sellers' own part numbers: which seller a header, group label or cell names, and whose a number is."""

from __future__ import annotations

import re
import unicodedata

from bomcheck.bom.aliases import SELLER_NAMES, SELLERS
from bomcheck.bom.shapes import mouser_shaped, seller_number_shape
from bomcheck.model import seller_label

SELLER_ROLES = tuple(SELLERS)  # digikey_pn, mouser_pn, lcsc_pn, farnell_pn, ..., other_pn
_NAME_RE = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(name) for name in sorted(SELLER_NAMES, key=len, reverse=True)) + r")"
    r"(?![^\W_])", re.IGNORECASE)
# Words of a seller's column that hold no order number: its price, stock, quantity, link...
_NOT_A_NUMBER_RE = re.compile(r"price|cost|preis|prix|prezzo|precio|cena|цена|价|€|\$|stock|avail|moq|qty|"
                              r"quant|menge|lead|link|url|web|datasheet|total|mult|pack", re.IGNORECASE)


def seller_named(text: str | None) -> str | None:
    """The role of the seller a header, group label or cell names ('N. Mouser' -> 'mouser_pn'), or None."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).casefold()
    match = _NAME_RE.search(folded)
    return SELLER_NAMES[match.group(1)] if match else None


def names_no_number(header: str) -> bool:
    """A seller's column that holds a price, a stock figure, a quantity or a link, not its number."""
    return bool(_NOT_A_NUMBER_RE.search(header))


def number_role(number: str, seller: str | None = None) -> str:
    """Whose order number `number` is: its shape when that is certain (…-ND, C12345), else the seller
    named for it (column or row), else Mouser's prefix, else 'other_pn'."""
    certain = seller_number_shape(number)
    if certain:
        return certain
    if seller and seller != "other_pn":
        return seller
    if mouser_shaped(number):
        return "mouser_pn"
    return seller or "other_pn"


def label(role: str) -> str:
    """How a seller role is said to the user: 'mouser_pn' -> 'Mouser'."""
    return seller_label(role)
