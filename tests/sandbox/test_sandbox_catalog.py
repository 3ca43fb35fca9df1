"""The sandbox catalog: stable across processes, prefix search, not-found rules, sane offers, bonded demo."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from bomcheck.sandbox import SANDBOX_DIGIKEY_ACCOUNT_ID, catalog
from bomcheck.sandbox.catalog import (
    BONDED_DEMO_MPNS,
    DEMO_MPNS,
    LAST_TIER_MAX,
    NCNR_MPN,
    NCNR_NOT_SIGNED,
    NOT_FOUND_MPN,
    ZERO_STOCK_MPN,
    CatalogPart,
    bonded_inventory,
    bonded_record,
    digikey_pn,
    is_found,
    lookup,
    search,
)

SYNTHETIC = [f"TST{n:04d}-{suffix}" for n in range(150) for suffix in ("A", "7R")]
SAMPLE = [*DEMO_MPNS, *SYNTHETIC]


def _found(mpns: list[str]) -> list[CatalogPart]:
    return [part for part in map(lookup, mpns) if part is not None]


def _offers(parts: list[CatalogPart]):
    for part in parts:
        for source in part.sources:
            for offer in source.parts:
                yield part, source, offer


# --------------------------------------------------------------------------- determinism


def test_the_same_mpn_gives_the_same_part_twice_and_in_any_case():
    assert lookup("LM358DR") == lookup("LM358DR")
    assert lookup("lm358dr") == lookup("LM358DR")
    assert search("bav99") == search("BAV99")


def test_another_process_with_another_hash_seed_builds_the_same_part():
    code = "from bomcheck.sandbox import catalog; print(repr(catalog.lookup('STM32F103C8T6', 'EUR')))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            check=True).stdout.strip()
    assert output == repr(lookup("STM32F103C8T6", "EUR"))


def test_distinct_mpns_get_distinct_data():
    first, second = lookup("LM358DR"), lookup("NE555DR")
    assert first is not None and second is not None
    assert first.item_id != second.item_id
    assert first.sources != second.sources
    assert len({part.item_id for part in _found(SAMPLE)}) == len(_found(SAMPLE))


# --------------------------------------------------------------------------- search


def test_prefix_search_returns_the_exact_part_and_variants_that_start_with_the_token():
    parts = search("BAV99")
    numbers = [part.part_num for part in parts]
    assert "BAV99" in numbers and len(numbers) > 1
    assert all(number.startswith("BAV99") for number in numbers)
    assert len(numbers) == len(set(numbers))
    for part in parts:  # every variant is a lookup target of its own, with the same data
        assert lookup(part.part_num) == part


def test_search_finds_the_demo_parts_under_their_prefix():
    assert "LM358DR" in [part.part_num for part in search("LM358")]


def test_family_size_stays_small_and_the_exact_match_is_not_always_first():
    tokens = [mpn for mpn in SAMPLE if is_found(mpn)]
    exact_first = []
    for token in tokens:
        parts = search(token)
        assert 1 <= len(parts) <= 6 + len(DEMO_MPNS)
        assert len(catalog.family_variants(token)) <= 5
        exact_first.append(parts[0].part_num == token.upper())
    assert any(exact_first) and not all(exact_first)


def test_a_token_that_is_only_a_prefix_finds_variants_but_not_itself():
    token = next(t for t in SYNTHETIC if not is_found(t) and catalog.family_variants(t))
    numbers = [part.part_num for part in search(token)]
    assert numbers and token not in numbers
    assert all(number.startswith(token) for number in numbers)


# --------------------------------------------------------------------------- not found


@pytest.mark.parametrize("mpn", [NOT_FOUND_MPN, "abc-notfound", "LM358-Obsolete", "", "   "])
def test_marked_mpns_are_never_found_and_search_finds_nothing(mpn):
    assert not is_found(mpn)
    assert lookup(mpn) is None
    assert search(mpn) == []


def test_about_one_in_twelve_other_mpns_is_not_found_and_lookup_agrees():
    names = [f"PN-{n}" for n in range(3000)]
    missing = [name for name in names if not is_found(name)]
    assert 0.05 < len(missing) / len(names) < 0.12
    assert all(lookup(name) is None for name in missing[:50])
    assert all(lookup(name) is not None for name in names[:200] if is_found(name))


# --------------------------------------------------------------------------- offers


def test_every_offer_is_well_formed():
    parts = _found(SAMPLE)
    assert len(parts) > 250
    for part in parts:
        assert 1 <= len(part.sources) <= 3
        assert len({s.source_cd for s in part.sources}) == len(part.sources)
        assert part.mfr_cd and part.mfr_name and part.description
    for part, source, offer in _offers(parts):
        assert source.source_cd in catalog.SOURCE_NAMES and source.currency == "USD"
        assert 1 <= len(source.parts) <= 2
        assert offer.moq >= 1 and offer.pack_size >= 1
        assert offer.moq % offer.pack_size == 0
        assert 0 <= offer.stock <= 50000 and 0 <= offer.lead_weeks <= 26
        assert (offer.availability_cd == "QUOTE") or offer.breaks
        for day, quantity in offer.pipeline:
            assert re.fullmatch(r"\d\d-[A-Z]{3}-20\d\d", day) and quantity > 0
        if not offer.breaks:
            continue
        assert 1 <= len(offer.breaks) <= 6
        quantities = [b.min_qty for b in offer.breaks]
        prices = [b.price for b in offer.breaks]
        assert quantities == sorted(set(quantities)), part.part_num
        assert all(a >= b for a, b in itertools.pairwise(prices)), part.part_num
        assert all(p > 0 and p == p.quantize(Decimal("0.0001")) for p in prices)
        assert all(b.max_qty == nxt.min_qty - 1 for b, nxt in itertools.pairwise(offer.breaks))
        assert offer.breaks[-1].max_qty in (LAST_TIER_MAX, 999999999)


def test_the_catalog_shows_the_variety_real_answers_have():
    offers = [offer for _, _, offer in _offers(_found(SAMPLE))]
    assert any(not o.breaks for o in offers)  # QUOTE offers without prices
    assert any(o.ncnr for o in offers) and sum(o.ncnr for o in offers) < len(offers) / 4
    assert any(o.stock == 0 for o in offers) and any(o.stock > 1000 for o in offers)
    assert any(o.pipeline for o in offers)
    assert any(o.pack_size == 1 and o.moq == 2000 for o in offers)
    assert any(o.breaks and o.breaks[0].min_qty < o.moq for o in offers)  # MOQ above the first tier
    assert {o.pack_size for o in offers} >= {1, 2500, 3000}
    assert {o.availability_cd for o in offers} >= {"INSTK", "INSTKEU", "CSTRP", "NOSTK", "QUOTE"}
    all_prices = [b.price for o in offers for b in o.breaks]
    assert min(all_prices) < Decimal("0.05") and max(all_prices) > Decimal("5")


# --------------------------------------------------------------------------- demo constants


def test_demo_parts_are_found_and_the_special_ones_behave():
    assert all(is_found(mpn) for mpn in DEMO_MPNS)
    assert len(DEMO_MPNS) >= 25 and len(set(DEMO_MPNS)) == len(DEMO_MPNS)
    assert {ZERO_STOCK_MPN, NCNR_MPN} <= set(DEMO_MPNS)
    assert NOT_FOUND_MPN not in DEMO_MPNS and not is_found(NOT_FOUND_MPN)

    zero = [offer for _, _, offer in _offers([lookup(ZERO_STOCK_MPN)])]
    assert zero and all(offer.stock == 0 for offer in zero)
    assert any(offer.breaks for offer in zero)  # found, priced, just not in stock

    ncnr = [offer for _, _, offer in _offers([lookup(NCNR_MPN)])]
    assert ncnr and all(offer.ncnr for offer in ncnr)
    assert any(offer.stock > 0 and offer.breaks for offer in ncnr)


# --------------------------------------------------------------------------- bonded


def test_the_demo_account_holds_the_bonded_demo_parts():
    records = bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)
    assert [r.manufacturer_part_number for r in records] == list(BONDED_DEMO_MPNS)
    assert set(BONDED_DEMO_MPNS) <= set(DEMO_MPNS)
    assert all(is_found(mpn) for mpn in BONDED_DEMO_MPNS)
    numbers = [r.digikey_part_number for r in records]
    assert all(number.endswith("-ND") for number in numbers) and len(set(numbers)) == len(numbers)
    assert numbers == [digikey_pn(mpn) for mpn in BONDED_DEMO_MPNS]
    assert bonded_inventory(int(SANDBOX_DIGIKEY_ACCOUNT_ID)) == records


def test_bonded_lines_cover_every_minimum_release_rule_and_ncnr():
    records = bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)
    by_rule = {
        "pack": [r for r in records if not r.minimum_release_quantity_override],
        "one": [r for r in records if r.minimum_release_quantity_override
                and r.minimum_quantity_threshold == 0],
        "threshold": [r for r in records if r.minimum_release_quantity_override
                      and r.minimum_quantity_threshold > 0],
    }
    assert all(by_rule.values())
    assert all(r.minimum_release_quantity == r.standard_package for r in by_rule["pack"])
    assert all(r.minimum_release_quantity == 1 for r in by_rule["one"])
    assert all(r.minimum_release_quantity == r.minimum_quantity_threshold for r in by_rule["threshold"])
    assert any(r.reserve_quantity == 0 for r in records)
    ncnr = [r for r in records if r.non_cancelable]
    assert ncnr and all(r.ncnr_date_signed != NCNR_NOT_SIGNED for r in ncnr)
    assert all(r.ncnr_date_signed == NCNR_NOT_SIGNED for r in records if not r.non_cancelable)
    assert all(isinstance(r.unit_price, Decimal) and r.unit_price > 0 for r in records)
    assert all(r.vendor_lead_weeks.isdigit() for r in records)


def test_other_accounts_have_no_bonded_inventory_and_parts_are_found_by_digikey_number():
    assert bonded_inventory("999") == [] and catalog.bonded_locations("999") == []
    number = digikey_pn("LM358DR")
    record = bonded_record(SANDBOX_DIGIKEY_ACCOUNT_ID, number.lower())
    assert record is not None and record.manufacturer_part_number == "LM358DR"
    assert bonded_record(SANDBOX_DIGIKEY_ACCOUNT_ID, "NOPE-ND") is None
    assert bonded_record("999", number) is None


# --------------------------------------------------------------------------- currency


def test_prices_convert_with_the_fixed_rates():
    usd, eur = lookup("STM32F103C8T6"), lookup("STM32F103C8T6", "eur")
    assert usd is not None and eur is not None
    assert {s.currency for s in eur.sources} == {"EUR"}
    for usd_source, eur_source in zip(usd.sources, eur.sources, strict=True):
        for usd_offer, eur_offer in zip(usd_source.parts, eur_source.parts, strict=True):
            assert [b.min_qty for b in usd_offer.breaks] == [b.min_qty for b in eur_offer.breaks]
            for usd_break, eur_break in zip(usd_offer.breaks, eur_offer.breaks, strict=True):
                assert eur_break.price == (usd_break.price * Decimal("0.92")).quantize(Decimal("0.0001"))
    jpy = lookup("STM32F103C8T6", "JPY")
    assert jpy is not None and jpy.sources[0].currency == "JPY"
    first_usd = next(b.price for s in usd.sources for o in s.parts for b in o.breaks)
    first_jpy = next(b.price for s in jpy.sources for o in s.parts for b in o.breaks)
    assert first_jpy == first_usd * 150


@pytest.mark.parametrize(("asked", "expected"), [("XYZ", "USD"), ("", "USD"), (None, "USD"),
                                                 ("CAN", "CAD"), (" gbp ", "GBP")])
def test_unknown_currencies_keep_usd_and_known_ones_are_normalised(asked, expected):
    part = lookup("LM358DR", asked)
    assert part is not None and {s.currency for s in part.sources} == {expected}


def test_second_sourced_generics_come_from_several_makers_under_one_number():
    for mpn, makers in catalog.SECOND_SOURCES.items():
        exact = [part for part in catalog.search(mpn) if part.part_num == mpn]
        names = [part.mfr_name for part in exact]
        assert len(names) == len(set(names)) == 1 + len(makers), mpn
        assert {name for _, name in makers} <= set(names)
        primary = catalog.lookup(mpn)
        assert primary.mfr_name not in {name for _, name in makers}  # the family's own maker
        others = [part for part in exact if part.mfr_name != primary.mfr_name]
        assert all(part.sources != primary.sources for part in others)  # their own offers
