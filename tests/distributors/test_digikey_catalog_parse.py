"""DigiKey catalog (Product Information v4) parsing: the real samples and every trap, worked out by hand."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bomcheck.distributors.digikey_catalog_parse import (
    NOT_ORDERABLE,
    CatalogProduct,
    catalog_lookup,
    lead_weeks,
    own_stock,
    packaging_kind,
    parse_details,
    parse_keyword,
    parse_product,
    reach,
    rohs,
    same_maker,
)
from bomcheck.model import (
    Action,
    Availability,
    BomLine,
    Compliance,
    Lifecycle,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    Packaging,
    PriceBreak,
    Query,
)
from bomcheck.pricing import plan_lines
from bomcheck.pricing.facts import quote_only
from bomcheck.pricing.offers import distinct_stock

DATA = Path(__file__).parent.parent / "data" / "digikey_catalog"
AP2114 = "v4_productdetails_AP2114H-3.3TRG1_tr-ct-digireel.json"
LM4040 = "v4_productdetails_LM4040DIX3-5.0+T_active-ncnr.json"
WURTH = "v4_productdetails_860020474012_ct-and-tape-box-moq800.json"
FP301 = "v4_keyword_product-object_FP-301_spool-moq1000_digispool.json"
KA78 = "handmade_productdetails_KA78L05AMTF_obsolete_ncnr_moq0.json"
BC847 = "handmade_productdetails_BC847BLT1G_marketplace_holds_all_stock.json"
LL4148 = "handmade_keyword_LL4148_4_makers.json"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def product_of(name: str) -> CatalogProduct:
    answer = parse_details(load(name))
    assert len(answer.exact) == 1
    return answer.exact[0]


def by_sku(product: CatalogProduct) -> dict[str, Offer]:
    return {offer.sku: offer for offer in product.offers}


def D(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------- the real samples


def test_ap2114_tape_reel_cut_tape_and_digi_reel_are_three_offers_of_one_stock():
    answer = parse_details(load(AP2114))
    assert answer.locale is not None
    assert (answer.locale.site, answer.locale.language, answer.locale.currency) == ("US", "en", "USD")
    product = answer.exact[0]
    assert (product.mpn, product.manufacturer, product.manufacturer_id) == (
        "AP2114H-3.3TRG1", "Diodes Incorporated", 31)
    offers = by_sku(product)
    assert list(offers) == ["AP2114H-3.3TRG1DITR-ND", "AP2114H-3.3TRG1DICT-ND", "AP2114H-3.3TRG1DIDKR-ND"]
    reel, cut, digi = offers.values()
    # Tape & reel: the MOQ is the reel, bought in whole reels
    assert (reel.stock, reel.moq, reel.multiple, reel.spq) == (4000, 4000, 4000, 4000)
    assert reel.packaging_kind is Packaging.REEL and reel.packaging == "Tape & Reel (TR)"
    assert reel.breaks[0] == PriceBreak(4000, D("0.12068"))
    assert reel.breaks[-1] == PriceBreak(100000, D("0.0875"))
    assert reel.fees == 0
    # cut tape: any quantity from 1
    assert (cut.stock, cut.moq, cut.multiple) == (5409, 1, 1)
    assert cut.packaging_kind is Packaging.CUT_TAPE
    assert [b.min_qty for b in cut.breaks] == [1, 10, 25, 100, 250, 500, 1000]
    assert cut.breaks[1].unit_price == D("0.365")
    # Digi-Reel: cut tape's prices plus a 7.00 reeling fee once per reel
    assert digi.packaging_kind is Packaging.DIGI_REEL and digi.fees == D("7.0")
    assert digi.breaks == cut.breaks and (digi.stock, digi.moq, digi.multiple) == (5409, 1, 1)
    # QuantityAvailable 5409 = what CT shows: the three share one stock, counted once
    assert product.own_stock == 5409 and product.marketplace_stock == 0
    assert reel.stock_pool and reel.stock_pool == cut.stock_pool == digi.stock_pool
    assert distinct_stock(product.offers) == 5409
    for offer in product.offers:
        assert offer.source == "DigiKey" and offer.seller == "DigiKey" and offer.where == "DigiKey"
        assert offer.currency == "USD" and offer.marketplace is False
        assert offer.ncnr is False and offer.lead_time_weeks == 8
        assert offer.lifecycle is Lifecycle.ACTIVE and offer.lifecycle_text == "Active"
        assert offer.rohs is Compliance.COMPLIANT and offer.reach is Compliance.COMPLIANT
        assert (offer.eccn, offer.hts) == ("EAR99", "8542.39.0060")
        assert ("RoHS", "ROHS3 Compliant") in offer.compliance
        assert ("MSL", "3 (168 Hours)") in offer.compliance
        assert dict(offer.links)["datasheet"] == "https://www.diodes.com/assets/Datasheets/AP2114.pdf"
        assert offer.availability_kind is Availability.IN_STOCK
        assert offer.description == "IC REG LINEAR 3.3V 1A SOT-223-3"


def test_lm4040_is_active_and_ncnr_with_an_empty_reel():
    product = product_of(LM4040)
    reel, cut, digi = product.offers
    assert all(offer.ncnr is True for offer in product.offers)
    assert all(offer.lifecycle is Lifecycle.ACTIVE for offer in product.offers)
    assert (reel.stock, reel.moq, reel.multiple) == (0, 2500, 2500)
    # none on the reel, but BackOrderNotAllowed is false: a priced backorder for its 10 weeks
    assert reel.availability_kind is Availability.BACKORDER and reel.breaks and not quote_only(reel)
    assert (cut.stock, digi.stock, product.own_stock) == (915, 915, 915)
    assert digi.fees == D("7.0") and reel.lead_time_weeks == 10
    assert distinct_stock(product.offers) == 915
    assert product.manufacturer == "Analog Devices Inc./Maxim Integrated"


def test_an_empty_packaging_of_a_part_digikey_takes_no_backorder_for_has_no_price_to_plan():
    body = load(LM4040)
    body["Product"]["BackOrderNotAllowed"] = True
    reel = parse_details(body).exact[0].offers[0]
    assert reel.stock == 0 and reel.availability_kind is Availability.NO_STOCK and quote_only(reel)


def test_a_part_out_of_stock_everywhere_is_priced_as_a_digikey_backorder():
    """Only the empty reel: 2,500 are priced at its 2,500 break for its 10 weeks, not left unpriced."""
    reel = product_of(LM4040).offers[0]
    line = BomLine(row=2, mpn="LM4040DIX3-5.0+T", manufacturer="Analog Devices", qty=1)
    lookup = Lookup("DigiKey", LookupStatus.FOUND, offers=(reel,))
    result = plan_lines([(line, {"DigiKey": lookup})], boards=2500, currency="USD")[0]
    assert result.status is LineStatus.SHORT and result.priced
    (purchase,) = result.purchases
    assert purchase.backorder and purchase.buy_qty == 2500 and purchase.unit_price == D("0.52655")
    assert result.lead_time_weeks == 10


def test_wurth_cut_tape_and_tape_and_box_are_separate_stocks():
    product = product_of(WURTH)
    cut, box = product.offers
    # QuantityAvailable 3596 = 396 + 3200: two stocks, not one shown twice
    assert product.own_stock == 3596 and not cut.stock_pool and not box.stock_pool
    assert distinct_stock(product.offers) == 3596
    assert (cut.stock, cut.moq, cut.multiple, cut.packaging_kind) == (396, 1, 1, Packaging.CUT_TAPE)
    assert (box.stock, box.moq, box.multiple, box.spq) == (3200, 800, 800, 800)
    assert box.packaging_kind is Packaging.BOX
    assert box.breaks == (PriceBreak(800, D("0.1242")), PriceBreak(1600, D("0.1179")))
    assert box.manufacturer == "Würth Elektronik" and box.lead_time_weeks == 27


def test_fp301_bare_keyword_product_object_spool_and_digi_spool():
    product = parse_product(load(FP301), "USD")
    assert product is not None and product.mpn == "FP-301 1/16\" CR 1000'"
    spool, digi_spool = product.offers
    assert (spool.stock, spool.moq, spool.multiple, spool.packaging_kind) == (0, 1000, 1000, Packaging.REEL)
    assert (digi_spool.stock, digi_spool.moq, digi_spool.multiple) == (2157, 1, 1)
    assert digi_spool.packaging == "Digi-Spool®, Continuous Spool" and digi_spool.fees == 0
    # odd breaks kept as given; UnitPrice read as text (TotalPrice 7.26999 is not used)
    assert [b.min_qty for b in digi_spool.breaks] == [1, 2, 3, 5, 7, 10, 25, 50, 100]
    assert digi_spool.breaks[4].unit_price == D("1.03857")
    assert product.own_stock == 2157 and spool.lead_time_weeks == 4
    assert "FP116C-1000-ND" in product.other_names and product.has_number("fp116c-1000-nd")


def test_fp301_in_a_keyword_answer_with_an_upper_case_site():
    body = {"Products": [load(FP301)], "ProductsCount": 1, "ExactMatches": [load(FP301)],
            "SearchLocaleUsed": {"Site": "US", "Language": "en", "Currency": "USD"}}
    answer = parse_keyword(body, "FP-301 1/16\" CR 1000'")
    assert answer.locale is not None and answer.locale.site == "US"
    assert len(answer.exact) == 1 and answer.others == ()
    lookup = catalog_lookup(answer, Query(mpn="FP-301 1/16\" CR 1000'", manufacturer="3M"))
    assert lookup.status is LookupStatus.FOUND and len(lookup.offers) == 2 and lookup.message == ""


# --------------------------------------------------------------------------- the traps


def test_obsolete_ncnr_reel_and_cut_tape_with_moq_0_are_not_orderable():
    product = product_of(KA78)
    reel, cut, digi = product.offers
    for offer in (reel, cut):
        assert offer.breaks == () and offer.availability == NOT_ORDERABLE
        assert offer.availability_kind is Availability.OTHER
        assert offer.moq == 1  # never "MOQ 0"; without breaks it is never planned at a price
    assert digi.breaks[0] == PriceBreak(1, D("0.41")) and digi.fees == D("7.0")
    for offer in product.offers:
        assert offer.lifecycle is Lifecycle.OBSOLETE and offer.lifecycle_text == "Obsolete"
        assert offer.last_buy_date == date(2019, 7, 31)
        assert offer.ncnr is True and offer.lead_time_weeks == 52 and offer.stock == 0
        # protocol-relative datasheet URL made absolute
        assert dict(offer.links)["datasheet"].startswith("https://mm.digikey.com/Volume0/")


def test_marketplace_holds_all_the_stock_digikey_itself_has_none():
    product = product_of(BC847)
    assert product.own_stock == 0 and product.marketplace_stock == 21836970
    offers = by_sku(product)
    market = offers["2156-BC847BLT1G-OS-ND"]
    assert market.marketplace is True and market.seller == "Rochester Electronics, LLC (Marketplace)"
    assert market.where == "DigiKey: Rochester Electronics, LLC (Marketplace)"
    assert (market.stock, market.moq, market.multiple) == (21836970, 11539, 1)  # MaxQuantityForDistribution 0
    assert market.packaging_kind is Packaging.BULK and not market.stock_pool
    assert all(o.stock == 0 and o.marketplace is False for sku, o in offers.items() if sku != market.sku)
    assert all(o.lead_time_weeks is None for o in product.offers)  # ManufacturerLeadWeeks null
    lookup = catalog_lookup(parse_details(load(BC847)), Query(mpn="BC847BLT1G"))
    assert lookup.status is LookupStatus.FOUND
    assert "DigiKey stocks none itself; 21,836,970 at Marketplace sellers" in lookup.message
    assert own_stock(lookup) == 0  # the DigiKey Stock column: not the Marketplace's
    assert distinct_stock(lookup.offers) == 21836970  # the planner may still buy it, marked Marketplace


def test_an_mpn_of_several_makers_is_ambiguous_without_a_maker():
    answer = parse_keyword(load(LL4148), "LL4148")
    assert len(answer.exact) == 4 and answer.others == ("LL4148-GS18",)
    lookup = catalog_lookup(answer, Query(mpn="LL4148"))
    assert lookup.status is LookupStatus.AMBIGUOUS
    assert lookup.message.startswith("4 manufacturers make a part numbered LL4148 at DigiKey: onsemi, Vishay")
    assert lookup.message.endswith("add the manufacturer to the BOM line")
    assert "LL4148 (Micro Commercial Co)" in lookup.candidates
    assert len(lookup.offers) == 1 + 1 + 2 + 1 + 2  # every maker's packagings (onsemi has three)


@pytest.mark.parametrize(("maker", "sku"), [
    ("onsemi", "LL4148FSCT-ND"),
    ("ONSEMI ", "LL4148FSCT-ND"),
    ("Vishay", "LL4148-GS08TR-ND"),  # the first words of "Vishay General Semiconductor - Diodes Division"
    ("Diotec Semiconductor AG", "4878-LL4148TR-ND"),
])
def test_the_bom_maker_chooses_among_exact_matches(maker: str, sku: str):
    lookup = catalog_lookup(parse_keyword(load(LL4148), "LL4148"), Query(mpn="LL4148", manufacturer=maker))
    assert lookup.status is LookupStatus.FOUND
    assert sku in {offer.sku for offer in lookup.offers}
    assert len({offer.manufacturer for offer in lookup.offers}) == 1


def test_facts_of_each_maker_in_the_keyword_answer():
    products = {p.manufacturer.split()[0]: p for p in parse_keyword(load(LL4148), "LL4148").exact}
    vishay, mcc, diotec = products["Vishay"], products["Micro"], products["Diotec"]
    assert vishay.offers[0].ncnr is True and vishay.offers[0].lead_time_weeks == 14
    assert mcc.offers[0].lifecycle is Lifecycle.OBSOLETE and mcc.offers[0].lead_time_weeks is None  # "0"
    assert mcc.offers[0].breaks == ()  # empty pricing: not orderable
    assert mcc.offers[1].marketplace is True and mcc.own_stock == 0 and mcc.marketplace_stock == 50000
    assert diotec.offers[0].lifecycle is Lifecycle.DISCONTINUED
    assert diotec.offers[0].lifecycle_text == "Discontinued at Digi-Key (discontinued)"
    assert diotec.offers[0].lead_time_weeks is None  # "99"


def test_a_maker_none_of_the_exact_matches_has_is_still_ambiguous():
    query = Query(mpn="LL4148", manufacturer="Nexperia")
    lookup = catalog_lookup(parse_keyword(load(LL4148), "LL4148"), query)
    assert lookup.status is LookupStatus.AMBIGUOUS and lookup.message.endswith("none is Nexperia")


def test_the_bom_digikey_number_chooses_first():
    query = Query(mpn="LL4148", manufacturer="Nexperia", digikey_pn="ll4148-gs08tr-nd")
    lookup = catalog_lookup(parse_keyword(load(LL4148), "LL4148"), query)
    assert lookup.status is LookupStatus.FOUND
    assert {o.sku for o in lookup.offers} == {"LL4148-GS08TR-ND"}
    assert "made by Vishay General Semiconductor - Diodes Division" in lookup.message


def test_no_exact_match_is_not_found_with_the_near_misses():
    body = load(LL4148)
    body["ExactMatches"] = []
    body["Products"] = body["Products"][:1]
    lookup = catalog_lookup(parse_keyword(body, "LL4148"), Query(mpn="LL4148"))
    assert lookup.status is LookupStatus.NOT_FOUND
    assert lookup.message == "not found at DigiKey (no exact match; DigiKey lists LL4148-GS18)"
    assert lookup.candidates == ("LL4148-GS18",)


def test_products_with_the_keyword_as_mpn_count_when_exact_matches_is_empty():
    body = load(LL4148)
    body["ExactMatches"] = []
    answer = parse_keyword(body, "ll 4148")
    assert len(answer.exact) == 4


def test_a_digikey_number_only_line_learns_its_mpn():
    query = Query(mpn=None, digikey_pn="175-LM4040DIX3-5.0+TCT-ND")
    lookup = catalog_lookup(parse_details(load(LM4040)), query, asked="175-LM4040DIX3-5.0+TCT-ND")
    assert lookup.status is LookupStatus.FOUND
    assert ("MPN LM4040DIX3-5.0+T (Analog Devices Inc./Maxim Integrated) from DigiKey number "
            "175-LM4040DIX3-5.0+TCT-ND") in lookup.message


# --------------------------------------------------------------------------- single fields


@pytest.mark.parametrize(("given", "weeks"), [
    ("52", 52), ("4", 4), ("0", None), ("99", None), (None, None), ("", None), ("n/a", None), (10, 10),
])
def test_lead_weeks_unknown_is_none(given: Any, weeks: int | None):
    assert lead_weeks(given) == weeks


@pytest.mark.parametrize(("text", "value"), [
    ("ROHS3 Compliant", Compliance.COMPLIANT), ("RoHS Compliant", Compliance.COMPLIANT),
    ("RoHS Compliant by Exemption", Compliance.EXEMPT), ("RoHS non-compliant", Compliance.NOT_COMPLIANT),
    ("Non-RoHS Compliant", Compliance.NOT_COMPLIANT), ("Vendor undefined", Compliance.UNKNOWN),
    ("", Compliance.UNKNOWN),
])
def test_rohs_words(text: str, value: Compliance):
    assert rohs(text) is value


def test_reach_words():
    assert reach("REACH Unaffected") is Compliance.COMPLIANT
    assert reach("REACH Affected") is Compliance.NOT_COMPLIANT  # an SVHC to declare: a decision
    assert reach("Vendor Undefined") is Compliance.UNKNOWN


@pytest.mark.parametrize(("package", "kind"), [
    ({"Id": 1, "Name": "Tape & Reel (TR)"}, Packaging.REEL),
    ({"Id": 243, "Name": "Digi-Reel®"}, Packaging.DIGI_REEL),
    ({"Id": 62, "Name": "Bag"}, Packaging.BULK),
    ({"Id": 17, "Name": "Tray"}, Packaging.TRAY),
    ({"Id": 999, "Name": "Tube"}, Packaging.TUBE),
    ({"Id": 998, "Name": "Strip"}, Packaging.OTHER),
    (None, Packaging.UNKNOWN),
])
def test_packaging_kinds(package: Any, kind: Packaging):
    assert packaging_kind(package) is kind


def test_my_pricing_wins_over_standard_pricing_and_currency_is_the_locale_used():
    body = load(AP2114)
    body["SearchLocaleUsed"]["Currency"] = "eur"
    cut = body["Product"]["ProductVariations"][1]
    cut["MyPricing"] = [{"BreakQuantity": 1, "UnitPrice": 0.5, "TotalPrice": 0.5}]
    offers = by_sku(parse_details(body, "USD").exact[0])
    assert offers["AP2114H-3.3TRG1DICT-ND"].breaks == (PriceBreak(1, D("0.5")),)
    assert offers["AP2114H-3.3TRG1DICT-ND"].currency == "EUR"


def test_missing_ncnr_is_unknown_not_no():
    body = load(AP2114)
    del body["Product"]["Ncnr"]
    assert all(o.ncnr is None for o in parse_details(body).exact[0].offers)


def test_end_of_life_on_an_active_part_is_last_time_buy():
    body = load(AP2114)
    body["Product"]["EndOfLife"] = True
    body["Product"]["DateLastBuyChance"] = "2027-03-31"
    offer = parse_details(body).exact[0].offers[0]
    assert offer.lifecycle is Lifecycle.LAST_TIME_BUY and offer.lifecycle_text == "Active (end of life)"
    assert offer.last_buy_date == date(2027, 3, 31)


def test_malformed_variations_and_products_are_skipped():
    body = load(AP2114)
    variations = body["Product"]["ProductVariations"]
    variations.insert(0, {"PackageType": {"Id": 2}})  # no DigiKey number
    variations.insert(0, "junk")
    assert len(parse_details(body).exact[0].offers) == 3
    assert parse_details({"Product": {"Description": {}}}).exact == ()
    assert parse_details([]).exact == () and parse_keyword({}, "X").exact == ()


def test_same_maker():
    assert same_maker("Würth", "Würth Elektronik")
    assert same_maker("diodes incorporated", "Diodes  Incorporated")
    assert not same_maker("ON", "ON Shore Technology")  # too short to say
    assert not same_maker("Diodes", "Diotec Semiconductor")
    assert not same_maker("", "onsemi")


# --------------------------------------------------------------------------- planned by hand


def _plan(boards: int, *lines: tuple[BomLine, str, str]):
    """Plan lines each answered by one sample (productdetails answers, or a keyword body)."""
    answered = []
    for line, name, kind in lines:
        answer = parse_details(load(name)) if kind == "details" else parse_keyword(load(name), line.mpn or "")
        query = Query(mpn=line.mpn, manufacturer=line.manufacturer)
        answered.append((line, {"DigiKey": catalog_lookup(answer, query)}))
    return plan_lines(answered, boards, "USD")


def test_a_bom_of_the_sample_parts_plans_as_worked_out_by_hand():
    lines = (
        (BomLine(row=2, mpn="AP2114H-3.3TRG1", manufacturer="Diodes Incorporated", qty=1), AP2114, "details"),
        (BomLine(row=3, mpn="LM4040DIX3-5.0+T", manufacturer="Maxim", qty=1), LM4040, "details"),
        (BomLine(row=4, mpn="860020474012", manufacturer="Würth Elektronik", qty=3), WURTH, "details"),
        (BomLine(row=5, mpn="KA78L05AMTF", manufacturer="onsemi", qty=1), KA78, "details"),
        (BomLine(row=6, mpn="BC847BLT1G", manufacturer="onsemi", qty=2), BC847, "details"),
        (BomLine(row=7, mpn="LL4148", manufacturer="onsemi", qty=4), LL4148, "keyword"),
    )
    ap, lm, wurth, ka, bc, ll = _plan(100, *lines)
    # AP2114H, need 100: cut tape 100 x 0.2265 = 22.65; Digi-Reel the same + 7.00; a reel is 4000
    assert ap.status is LineStatus.OK and ap.purchase is not None
    assert (ap.purchase.offer.sku, ap.purchase.buy_qty, ap.purchase.ext_price) == (
        "AP2114H-3.3TRG1DICT-ND", 100, D("22.6500"))
    assert ap.stock["DigiKey"] == 5409
    # LM4040, need 100: cut tape 100 x 0.8209 = 82.09; NCNR; active; no excess, so no NCNR risk
    assert lm.purchase is not None and lm.purchase.offer.sku == "175-LM4040DIX3-5.0+TCT-ND"
    assert lm.purchase.ext_price == D("82.0900") and lm.ncnr is True and not lm.ncnr_risk
    assert lm.purchase.offer.lifecycle is Lifecycle.ACTIVE
    # 860020474012, need 300: cut tape 300 x 0.1422 = 42.66 beats a box of 800 at 99.36
    assert wurth.purchase is not None
    assert (wurth.purchase.offer.sku, wurth.purchase.buy_qty, wurth.purchase.ext_price) == (
        "732-8829-1-ND", 300, D("42.6600"))
    # KA78L05AMTF: obsolete, no stock in any packaging (only the Digi-Reel is orderable, NCNR):
    # an obsolete part is never backordered (it will not be made again): nothing bought, OBSOLETE
    assert ka.status is LineStatus.OBSOLETE and ka.purchase is None
    assert ka.lifecycle is Lifecycle.OBSOLETE and ka.ncnr is True
    # BC847BLT1G, need 200: DigiKey holds none; the Marketplace seller's MOQ is 11539 at 0.0261
    assert bc.status is LineStatus.OK and bc.purchase is not None
    assert bc.purchase.offer.marketplace is True and bc.purchase.buy_qty == 11539
    assert bc.purchase.ext_price == D("0.0261") * 11539
    assert bc.action is not Action.BUY and bc.overbuy is not None  # 11339 over need: a decision
    assert bc.stock["DigiKey"] == 0  # the DigiKey Stock column: DigiKey's own, not the Marketplace's
    # LL4148 by onsemi, need 400: cut tape 400 x 0.0337 = 13.48
    assert ll.purchase is not None and (ll.purchase.offer.sku, ll.purchase.ext_price) == (
        "LL4148FSCT-ND", D("13.4800"))


def test_at_larger_quantities_the_reel_and_the_box_win():
    lines = (
        (BomLine(row=2, mpn="AP2114H-3.3TRG1", qty=40), AP2114, "details"),
        (BomLine(row=3, mpn="860020474012", qty=10), WURTH, "details"),
    )
    ap, wurth = _plan(100, *lines)
    # need 4000: one reel, 4000 x 0.12068 = 482.72 (cut tape: 4000 x 0.14941 = 597.64)
    assert ap.purchase is not None
    assert (ap.purchase.offer.sku, ap.purchase.buy_qty, ap.purchase.ext_price) == (
        "AP2114H-3.3TRG1DITR-ND", 4000, D("482.72000"))
    # need 1000: cut tape has 396, so whole boxes of 800: 1600 x 0.1179 = 188.64
    assert wurth.purchase is not None
    assert (wurth.purchase.offer.sku, wurth.purchase.buy_qty, wurth.purchase.ext_price) == (
        "732-8829-3-ND", 1600, D("188.6400"))


def test_digi_spool_in_stock_beats_a_cheaper_spool_with_none():
    product = parse_product(load(FP301), "USD")
    assert product is not None
    line = BomLine(row=2, mpn=product.mpn, qty=1000)
    lookup = Lookup("DigiKey", LookupStatus.FOUND, offers=product.offers)
    (result,) = plan_lines([(line, {"DigiKey": lookup})], 1, "USD")
    # the spool (1000 x 0.34128 = 341.28) has no stock; the Digi-Spool has 2157: 1000 x 0.7533
    assert result.purchase is not None and result.purchase.offer.sku == "19-FP-3011/16\"CR1000'-DS-ND"
    assert result.purchase.ext_price == D("753.3000") and result.status is LineStatus.OK


def test_one_stock_shown_in_three_packagings_is_never_bought_twice():
    # need 6000 of AP2114H: DigiKey has 5409 in all. The reel (4000 at 0.12068) is the cheapest
    # piece; cut tape and Digi-Reel are the same stock, so the rest stays short rather than being
    # promised twice.
    (ap,) = _plan(60, (BomLine(row=2, mpn="AP2114H-3.3TRG1", qty=100), AP2114, "details"))
    assert ap.status is LineStatus.SHORT
    assert sum(p.buy_qty for p in ap.purchases if not p.backorder) <= 5409
