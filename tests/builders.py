"""What many tests share (one place, no copies): the default sources' statuses, the result headers,
and the one way tests build an offer and a source's answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bomcheck.model import BomLine, Lookup, LookupStatus, Offer, PriceBreak, SourceStatus

# The statuses of a run that asked both default sources, as runtime.open_sources labels them.
ARROW_STATUS = SourceStatus("Arrow", True, column="Arrow Stock", rank=0,
                            link_domains=("arrow.com", "verical.com"))
BONDED_STATUS = SourceStatus("DigiKey Bonded", True, column="DigiKey Bonded", rank=1,
                             link_domains=("digikey.com",))
DEFAULT_SOURCES = (ARROW_STATUS, BONDED_STATUS)
# The result headers of a report on those two sources, as the README's output section lists them.
RESULT_HEADERS = ("Status", "Action", "Need", "Buy Qty", "Short", "Unit Price", "Ext. Price", "Excess",
                  "Excess Value", "Best Source", "Maker Bought", "Arrow Stock", "DigiKey Bonded", "MOQ",
                  "NCNR", "Lifecycle", "RoHS", "Lead Time (wk)", "Notes")


def bom_line(**fields: Any) -> BomLine:
    """A BOM line of part X, 2 per board, on row 2, unless `fields` say otherwise."""
    return BomLine(row=fields.pop("row", 2), mpn=fields.pop("mpn", "X"), qty=fields.pop("qty", 2), **fields)


def make_offer(mpn: str = "X", *, source: str = "Arrow", seller: str = "Arrow Americas (ACNA)",
               maker: str = "Maker", stock: int = 1000, price: str | None = "1.00", **fields: Any) -> Offer:
    """An offer of `mpn`: one price break at 1 piece for `price` (None: no list price) unless
    `breaks` is given; its SKU is "<seller>-<mpn>" unless `sku` is. Other Offer fields as given."""
    if "breaks" not in fields:
        fields["breaks"] = (PriceBreak(1, Decimal(price)),) if price is not None else ()
    fields.setdefault("sku", f"{seller}-{mpn}")
    return Offer(source=source, seller=seller, mpn=mpn, manufacturer=maker, stock=stock, **fields)


def found(*offers: Offer) -> dict[str, Lookup]:
    """The FOUND answer of each source these offers come from, as a line's lookups."""
    by_source: dict[str, list[Offer]] = {}
    for offer in offers:
        by_source.setdefault(offer.source, []).append(offer)
    return {name: Lookup(name, LookupStatus.FOUND, offers=tuple(group)) for name, group in by_source.items()}


# ---------------------------------------------------------------- waiting on folders (watch tests)


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until it holds; fail the test at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """wait_until for code outside an event loop (a service run as a process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def names(folder: Path) -> list[str]:
    """The names in a folder, sorted; none when it does not exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def csv_bom(*mpns: str) -> str:
    """A minimal CSV BOM: one line per MPN, quantities 1, 2, 3..."""
    return "MPN,Qty\n" + "".join(f"{mpn},{n + 1}\n" for n, mpn in enumerate(mpns))
