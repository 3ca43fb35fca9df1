"""What a column's cells hold, as shares: MPN-like, designators, whole numbers, sellers' numbers, makers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bomcheck.bom.cells import CellValue, is_empty, is_number, text, whole_number
from bomcheck.bom.sellers import seller_named
from bomcheck.bom.shapes import (
    designator_cell_like,
    manufacturer_like,
    mouser_shaped,
    mpn_like,
    seller_number_shape,
)

_SIZE_CODES = frozenset({201, 402, 603, 805, 1005, 1206, 1210, 1608, 1812, 2010, 2012, 2512, 3216})
_DNP_CELLS = frozenset({"DNP", "DNI", "DNF", "NF", "NP"})


@dataclass(frozen=True)
class Profile:
    """What the non-empty cells of one column look like (ratios 0..1 over `count` cells)."""

    count: int
    mpn: float = 0.0
    refdes: float = 0.0
    standard_refdes: float = 0.0  # cells with a designator such as 'C12' (not only 'Rfbb', 'Cin')
    whole: float = 0.0
    fraction: float = 0.0  # numbers with decimals: prices, not part numbers
    sizes: float = 0.0  # footprint sizes stored as numbers (603, 1206): not quantities
    digikey: float = 0.0
    lcsc: float = 0.0
    mouser: float = 0.0
    mouser_lettered: float = 0.0  # Mouser-shaped with a letter: '595-LM358DR', not '22-27-2031' (a Molex MPN)
    manufacturer: float = 0.0
    seller: float = 0.0  # cells naming a seller ('MOUSER', 'JLCPCB')
    dnp: float = 0.0
    prose: float = 0.0

    def certain_seller(self) -> tuple[str, float] | None:
        """The seller whose numbers fill the column for sure (DigiKey '…-ND', LCSC 'C…'), with its share."""
        for role, share in (("digikey_pn", self.digikey), ("lcsc_pn", self.lcsc)):
            if share >= 0.8:
                return role, share
        return None

    def mostly_mouser(self) -> bool:
        """Cells that are Mouser's numbers ('595-LM358DR'): its 2-3 digit prefix, a dash, the maker's
        number, on nearly every cell; a column of MPNs with dashes ('RC0603FR-0710KL', '1N4148W-7-F')
        has no such prefix, and one of Molex numbers ('22-27-2031') no letters."""
        return self.count >= 2 and self.mouser >= 0.8 and self.mouser_lettered >= 0.5 * self.mouser


def profile(values: Sequence[CellValue]) -> Profile:
    texts = [t for t in (text(v) for v in values) if t]
    if not texts:
        return Profile(0)
    n = len(texts)

    def ratio(test: Callable[[str], bool]) -> float:
        return sum(1 for t in texts if test(t)) / n

    wholes = [whole_number(v) for v in values if not is_empty(v)]
    designators = [designator_cell_like(t) for t in texts]
    return Profile(
        count=n,
        mpn=ratio(mpn_like),
        refdes=sum(1 for listed, _ in designators if listed) / n,
        standard_refdes=sum(1 for listed, standard in designators if listed and standard) / n,
        whole=sum(1 for w in wholes if w is not None and 0 <= w <= 100_000) / n,
        sizes=sum(1 for w in wholes if w in _SIZE_CODES) / n,
        fraction=sum(1 for v in values if not is_empty(v) and whole_number(v) is None and is_number(v)) / n,
        digikey=ratio(lambda t: seller_number_shape(t) == "digikey_pn"),
        lcsc=ratio(lambda t: seller_number_shape(t) == "lcsc_pn"),
        mouser=ratio(mouser_shaped),
        mouser_lettered=ratio(lambda t: mouser_shaped(t) and any(ch.isalpha() for ch in t)),
        manufacturer=ratio(manufacturer_like),
        seller=ratio(lambda t: seller_named(t) is not None and len(t) <= 30),
        dnp=ratio(lambda t: t.upper() in _DNP_CELLS),
        prose=ratio(lambda t: t.count(" ") >= 2 or len(t) > 40),
    )
