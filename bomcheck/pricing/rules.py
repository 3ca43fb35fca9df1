"""The user's planning rules beyond need and price: RoHS, other makers, excess, and the day it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DEFAULT_MAX_EXCESS = Decimal(100)
DEFAULT_EXCESS_RATIO = Decimal(5)


@dataclass(frozen=True)
class Rules:
    """How the planner decides what a person must approve.

    An excess needs approval when its value (parts over need at the price paid) is above
    `max_excess` (in the currency the line is priced in; None: never) AND above `excess_ratio`
    times the value of the need itself. `today` makes on-order dates before it "was due".
    """

    require_rohs: bool = False
    allow_other_maker: bool = False
    max_excess: Decimal | None = DEFAULT_MAX_EXCESS
    excess_ratio: Decimal = DEFAULT_EXCESS_RATIO
    today: date | None = None


DEFAULT_RULES = Rules()


_NEVER = frozenset({"none", "never", "off", "no"})


def parse_max_excess(text: str) -> Decimal | None:
    """`250` or `250.50` (an amount in the line's currency; `0`: every excess), `none`: never ask.

    Raises ValueError with what to write instead.
    """
    words = text.strip().casefold()
    if words in _NEVER:
        return None
    try:
        value = Decimal(words.replace(",", "").replace("_", ""))
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not an amount: write e.g. 100 (in the line's currency), or none "
                         "for never")
    return value
