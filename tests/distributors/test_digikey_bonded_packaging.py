"""DigiKey bonded items' PackType reads as the catalog's packaging words do (issue 15: packaging)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bomcheck.distributors.digikey_parse import bonded_item_from_json, bonded_offer, parse_products
from bomcheck.model import Packaging

DATA = Path(__file__).parent.parent / "data" / "digikey"

PACK_TYPES = {
    # PackType as DigiKey writes it -> the normalised packaging
    "Tape & Reel (TR)": Packaging.REEL,
    "Cut Tape (CT)": Packaging.CUT_TAPE,
    "Digi-Reel®": Packaging.DIGI_REEL,
    "Tube": Packaging.TUBE,
    "Tray": Packaging.TRAY,
    "Bulk": Packaging.BULK,
    "Some new wrapping": Packaging.OTHER,  # said, but not one bomcheck knows
    "": Packaging.UNKNOWN,  # not said: unknown, never a guess
}


@pytest.mark.parametrize(("pack_type", "kind"), PACK_TYPES.items(), ids=PACK_TYPES.keys())
def test_a_bonded_pack_type_is_normalised(pack_type: str, kind: Packaging) -> None:
    item = bonded_item_from_json({"DigiKeyPartNumber": "311-1-ND", "PackType": pack_type})
    offer = bonded_offer(item)
    assert (offer.packaging, offer.packaging_kind) == (pack_type, kind)


def test_the_recorded_answer_s_pack_type() -> None:
    _, yageo, _ = parse_products(json.loads((DATA / "products_bare_list.json").read_text(encoding="utf-8")))
    assert bonded_offer(yageo).packaging_kind is Packaging.CUT_TAPE  # "Cut Tape (CT)"
