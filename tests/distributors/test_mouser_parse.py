"""Mouser answers parsed: locale prices, numbers as strings, the real samples worked out by hand, matching."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bomcheck.distributors.mouser_match import lookup_for, term_problem
from bomcheck.distributors.mouser_parse import (
    decimal_mark_of,
    lead_time_weeks,
    lifecycle_of,
    mouser_offer,
    packaging_of,
    parse_answer,
    parse_count,
    parse_price,
    rohs_of,
    stock_of,
)
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.lookups.cache_codec import lookup_from_json, lookup_to_json
from bomcheck.model import (
    Availability,
    BomLine,
    Compliance,
    Lifecycle,
    LineStatus,
    LookupStatus,
    Packaging,
    PriceBreak,
    Query,
)
from bomcheck.pricing.lines import plan_line

DATA = Path(__file__).parent.parent / "data" / "mouser"
FOUND = "v1_partnumber_710-696101000002_2021.json"
MISS = "v1_partnumber_695120004001_2021_no-result.json"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def sample_part() -> dict[str, Any]:
    return copy.deepcopy(load(FOUND)["SearchResults"]["Parts"][0])


def answer_of(*parts: dict[str, Any], errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"Errors": errors or [], "SearchResults": {"NumberOfResult": len(parts), "Parts": list(parts)}}


def part(mpn: str, maker: str, mouser_pn: str, **fields: Any) -> dict[str, Any]:
    raw = sample_part()
    raw.update(ManufacturerPartNumber=mpn, Manufacturer=maker, MouserPartNumber=mouser_pn, **fields)
    return raw


# --------------------------------------------------------------------------- the price parser


@pytest.mark.parametrize(("text", "currency", "expected"), [
    ("$0.25", "USD", "0.25"),
    ("6,85 €", "EUR", "6.85"),
    ("0,419 €", "EUR", "0.419"),
    ("6.817,20 kr", "SEK", "6817.20"),
    ("1,234.50", "USD", "1234.50"),
    ("1,234.50", None, "1234.50"),  # both marks: the last one is the decimal mark, whatever the currency
    ("$1,234,567.891", "USD", "1234567.891"),
    ("1.234.567,8 kr", "SEK", "1234567.8"),
    ("6,817.20 kr", "SEK", "6817.20"),
    ("€6.85", "EUR", "6.85"),  # an English-language euro site
    ("1\u00a0234,50 €", "EUR", "1234.50"),  # French: no-break space groups
    ("1\u202f234,50 €", "EUR", "1234.50"),  # narrow no-break space
    ("6 817,20 kr", "SEK", "6817.20"),
    ("CHF 1'234.50", "CHF", "1234.50"),
    ("1\u2019234.50 CHF", "CHF", "1234.50"),
    ("₹1,23,456.00", "INR", "123456.00"),  # lakh grouping
    ("$0.627", "USD", "0.627"),
    ("1,5 €", "EUR", "1.5"),
    ("12", None, "12"),
    # a lone mark before three digits: the integer part, the symbol's side, then the currency decide
    ("0,419", None, "0.419"),
    ("$1,234", "USD", "1234"),
    ("1,234 €", "EUR", "1.234"),
    ("1.234 €", "EUR", "1234"),
    ("¥1,234", "JPY", "1234"),
    ("1,234", "EUR", "1.234"),
    ("1.234", "USD", "1.234"),
])
def test_prices_in_every_locale(text, currency, expected):
    assert parse_price(text, currency) == Decimal(expected)


@pytest.mark.parametrize("text", ["", None, "Quote", "N/A", "-", "$-1.00", "-0,50 €", "1,2,3", "1,234,5",
                                  True])
def test_prices_that_are_not_prices(text):
    assert parse_price(text, "USD") is None


def test_an_undecidable_price_is_none_not_a_guess():
    # '1.234' without currency, symbol or hint could be 1.234 or 1234: a thousand times apart
    assert parse_price("1.234") is None
    assert parse_price("1.234", decimal_mark=",") == Decimal("1234")
    assert parse_price("1.234", decimal_mark=".") == Decimal("1.234")


def test_the_answers_other_prices_decide_a_lone_mark():
    assert decimal_mark_of(["6,85 €", "1,234 €"]) == ","
    assert decimal_mark_of(["$0.25", "$1,234"]) == "."
    assert decimal_mark_of(["1,234", "2.345"]) is None  # neither says anything
    assert decimal_mark_of(["0,5 kr", "0.5 kr"]) is None  # contradictory: no hint


def test_json_numbers_are_read_exactly():
    assert parse_price(0.1, "USD") == Decimal("0.1")
    assert parse_price(3, "USD") == Decimal(3)


# --------------------------------------------------------------------------- numbers as text


@pytest.mark.parametrize(("text", "expected"), [
    ("1498379", 1498379), ("1,498,379", 1498379), ("6.809 Auf Lager", 6809), ("6 809 En stock", 6809),
    ("500 In Stock", 500), ("None", None), ("", None), (None, None), ("1,5", None), (12, 12),
])
def test_counts(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(("text", "weeks"), [
    ("63 Days", 9), ("161 Days", 23), ("178 Days", 26), ("1 Days", 1), ("0 Days", None), ("", None),
    (None, None), ("8 Weeks", 8), ("63 Tage", 9),
])
def test_lead_time_days_become_whole_weeks_rounded_up(text, weeks):
    assert lead_time_weeks(text) == weeks


# --------------------------------------------------------------------------- the real samples


def test_the_real_2021_answer_worked_out_by_hand():
    answer = parse_answer(load(FOUND))
    assert answer.total == 1 and not answer.truncated
    (found,) = answer.parts
    assert (found.mouser_pn, found.mpn, found.manufacturer) == ("710-696101000002", "696101000002",
                                                                "Wurth Elektronik")
    offer = found.offer
    assert offer.source == "Mouser" and offer.seller == "Mouser" and offer.sku == "710-696101000002"
    assert offer.description == "Fuse Holder Accessories WR-FSH BLOCKS PCB CLIP COVER THT"
    assert offer.stock == 500  # no AvailabilityInStock in 2021: the number in "500 In Stock"
    assert offer.availability == "500 In Stock"  # FactoryStock "0" adds nothing
    assert offer.availability_kind is Availability.IN_STOCK
    assert (offer.moq, offer.multiple) == (1, 1)
    assert offer.currency == "USD"
    assert offer.breaks == (PriceBreak(1, Decimal("0.66")), PriceBreak(10, Decimal("0.627")),
                            PriceBreak(50, Decimal("0.595")), PriceBreak(100, Decimal("0.531")))
    assert offer.lead_time_weeks == 23  # 161 days = 23 weeks exactly
    assert offer.ncnr is None  # Mouser has no NCNR field: unknown, never "no"
    assert offer.lifecycle is Lifecycle.UNKNOWN and offer.lifecycle_text == ""  # "" says nothing
    assert offer.rohs is Compliance.COMPLIANT and offer.reach is Compliance.UNKNOWN
    assert (offer.hts, offer.eccn) == ("8536908585", "EAR99")  # USHTS, not CNHTS
    assert ("CNHTS", "8536100000") in offer.compliance and ("RoHS", "RoHS Compliant") in offer.compliance
    assert (offer.packaging, offer.packaging_kind, offer.spq) == ("Bulk", Packaging.BULK, 200)
    assert offer.marketplace is False
    assert offer.pipeline == ()
    assert dict(offer.links) == {
        "detail": "https://www.mouser.com/ProductDetail/Wurth-Elektronik/696101000002?qs=%252BEew9%252B0nqrA0cx9mOnCWEw%3D%3D",
        "datasheet": "https://www.mouser.com/datasheet/2/445/696101000002-1720094.pdf",
        "image": "https://www.mouser.com/images/wurthelectronics/images/696101000002_DSL.JPG",
    }


def test_the_real_miss_is_not_found():
    answer = parse_answer(load(MISS))
    assert answer.parts == () and answer.total == 0
    lookup = lookup_for(Query(mpn="695120004001"), answer.parts)
    assert lookup.status is LookupStatus.NOT_FOUND and lookup.message == "not found at Mouser"


@pytest.mark.parametrize(("per_board", "boards", "buy", "unit", "ext", "bought_up"), [
    (3, 10, 30, "0.627", "18.810", False),  # 30 at the 10+ break
    (3, 15, 45, "0.627", "28.215", False),  # 50 at 0.595 = 29.75 would cost more
    (3, 16, 50, "0.595", "29.750", True),  # 48 at 0.627 = 30.096: 50 at 0.595 is 0.346 cheaper
    (1, 120, 120, "0.531", "63.720", False),
])
def test_the_real_sample_plans_as_worked_out_by_hand(per_board, boards, buy, unit, ext, bought_up):
    lookup = lookup_for(Query(mpn="696101000002", manufacturer="Würth Elektronik"),
                        parse_answer(load(FOUND)).parts)
    assert lookup.status is LookupStatus.FOUND and lookup.message == ""  # Würth = Wurth
    line = BomLine(row=2, mpn="696101000002", manufacturer="Würth Elektronik", qty=per_board)
    result = plan_line(line, {"Mouser": lookup}, boards)
    assert result.status is LineStatus.OK
    assert (result.buy_qty, result.unit_price, result.ext_price) == (buy, Decimal(unit), Decimal(ext))
    assert result.bought_up is bought_up
    assert result.ncnr is None and result.lead_time_weeks == 23
    assert result.stock == {"Mouser": 500}


def test_a_need_beyond_the_stock_is_short():
    lookup = lookup_for(Query(mpn="696101000002"), parse_answer(load(FOUND)).parts)
    result = plan_line(BomLine(row=2, mpn="696101000002", qty=1), {"Mouser": lookup}, 600)
    assert result.status is LineStatus.SHORT and result.shortage == 100


# --------------------------------------------------------------------------- field traps


def test_stock_prefers_availability_in_stock_and_reads_localised_text_otherwise():
    assert stock_of({"AvailabilityInStock": "1498379", "Availability": "12 In Stock"}) == 1498379
    assert stock_of({"AvailabilityInStock": None, "Availability": "6809 In Stock"}) == 6809
    assert stock_of({"Availability": "6.809 Auf Lager"}) == 6809
    assert stock_of({"Availability": "在庫 6809"}) == 6809
    assert stock_of({"Availability": "None"}) == 0
    assert stock_of({"AvailabilityInStock": "0", "Availability": "On Order"}) == 0


def test_min_and_mult_are_strings_and_mult_is_the_order_multiple():
    raw = part("GRM155R71C104KA88D", "Murata Electronics", "81-GRM155R71C104KA88D", Min="10", Mult="10",
               PriceBreaks=[{"Quantity": 10, "Price": "$0.10", "Currency": "USD"},
                            {"Quantity": 100, "Price": "$0.09", "Currency": "USD"}])
    offer = mouser_offer(raw)
    assert (offer.moq, offer.multiple) == (10, 10)
    line = BomLine(row=2, mpn="GRM155R71C104KA88D", qty=7)
    result = plan_line(line, {"Mouser": lookup_for(Query(mpn="GRM155R71C104KA88D"), parse_answer(
        answer_of(raw)).parts)}, 3)
    assert result.buy_qty == 30  # 21 needed, in tens: never 21


def test_min_below_the_first_break_is_raised_to_it():
    raw = part("X", "Y", "1-X", Min="1", PriceBreaks=[{"Quantity": 25, "Price": "$1.00", "Currency": "USD"}])
    assert mouser_offer(raw).moq == 25


def test_locale_prices_of_a_whole_answer():
    euro = part("LM358DR", "Texas Instruments", "595-LM358DR", PriceBreaks=[
        {"Quantity": 1, "Price": "6,85 €", "Currency": "EUR"},
        {"Quantity": 10, "Price": "1,234 €", "Currency": "EUR"},  # ambiguous alone; the answer says ','
        {"Quantity": 100, "Price": "0,419 €", "Currency": "EUR"},
    ])
    (found,) = parse_answer(answer_of(euro)).parts
    assert found.offer.currency == "EUR"
    assert [b.unit_price for b in found.offer.breaks] == [Decimal("6.85"), Decimal("1.234"), Decimal("0.419")]
    crowns = part("BIG", "Maker", "1-BIG", PriceBreaks=[
        {"Quantity": 1, "Price": "6.817,20 kr", "Currency": "SEK"},
        {"Quantity": 5, "Price": "6.100 kr", "Currency": "SEK"},
    ])
    (found,) = parse_answer(answer_of(crowns)).parts
    assert [b.unit_price for b in found.offer.breaks] == [Decimal("6817.20"), Decimal("6100")]


def test_prices_without_a_currency_are_dropped_unless_the_symbol_names_one():
    bare = part("X", "Y", "1-X", PriceBreaks=[{"Quantity": 1, "Price": "$0.25"}])
    assert mouser_offer(bare).breaks == () and mouser_offer(bare).currency == ""
    euro = part("X", "Y", "1-X", PriceBreaks=[{"Quantity": 1, "Price": "0,25 €"}])
    assert mouser_offer(euro).currency == "EUR"
    assert mouser_offer(euro).breaks == (PriceBreak(1, Decimal("0.25")),)


def test_breaks_in_a_second_currency_and_unreadable_breaks_are_dropped():
    raw = part("X", "Y", "1-X", PriceBreaks=[
        {"Quantity": 10, "Price": "$0.20", "Currency": "USD"},
        {"Quantity": 1, "Price": "$0.25", "Currency": "USD"},
        {"Quantity": 100, "Price": "0,15 €", "Currency": "EUR"},
        {"Quantity": 1000, "Price": "Quote", "Currency": "USD"},
        {"Quantity": 5000, "Price": "$0.00", "Currency": "USD"},
    ])
    offer = mouser_offer(raw)
    assert offer.breaks == (PriceBreak(1, Decimal("0.25")), PriceBreak(10, Decimal("0.20")))


def test_pipeline_and_factory_stock():
    raw = part("X", "Y", "1-X", AvailabilityInStock="0", Availability="None", FactoryStock="12,000",
               AvailabilityOnOrder=[{"Quantity": 2500, "Date": "2027-01-18T00:00:00"},
                                    {"Quantity": 0, "Date": "2027-02-01T00:00:00"}])
    offer = mouser_offer(raw)
    # none in stock, but priced with a lead time: Mouser takes it as a backorder
    assert offer.stock == 0 and offer.breaks and offer.availability_kind is Availability.BACKORDER
    assert [(d.quantity, d.due) for d in offer.pipeline] == [(2500, date(2027, 1, 18))]
    assert offer.availability == "None; factory stock 12000"
    unpriced = mouser_offer(part("X", "Y", "1-X", AvailabilityInStock="0", PriceBreaks=[]))
    assert unpriced.availability_kind is Availability.NO_STOCK


@pytest.mark.parametrize(("status", "discontinued", "lifecycle"), [
    ("", "false", Lifecycle.UNKNOWN),
    (None, None, Lifecycle.UNKNOWN),
    ("New Product", "false", Lifecycle.ACTIVE),
    ("Obsolete", "true", Lifecycle.OBSOLETE),
    ("End of Life", "false", Lifecycle.LAST_TIME_BUY),
    ("Not Recommended for New Designs", "false", Lifecycle.NRND),
    ("", "true", Lifecycle.DISCONTINUED),
    ("", "false ", Lifecycle.UNKNOWN),
    ("Factory Special Order", "false", Lifecycle.UNKNOWN),
])
def test_lifecycle(status, discontinued, lifecycle):
    assert lifecycle_of(status, discontinued)[0] is lifecycle


def test_lifecycle_keeps_mousers_words():
    assert lifecycle_of("Factory Special Order", "false") == (Lifecycle.UNKNOWN, "Factory Special Order")
    assert lifecycle_of("", "true") == (Lifecycle.DISCONTINUED, "Discontinued at Mouser")


@pytest.mark.parametrize(("text", "rohs"), [
    ("RoHS Compliant", Compliance.COMPLIANT), ("RoHS Compliant By Exemption", Compliance.EXEMPT),
    ("Not RoHS Compliant", Compliance.NOT_COMPLIANT), ("RoHS Non-Compliant", Compliance.NOT_COMPLIANT),
    ("", Compliance.UNKNOWN), ("Details", Compliance.UNKNOWN),
])
def test_rohs(text, rohs):
    assert rohs_of(text) is rohs


def test_packaging_lists_every_kind_and_a_small_buy_is_cut_tape():
    attributes = [{"AttributeName": "Packaging", "AttributeValue": "Reel"},
                  {"AttributeName": "Packaging", "AttributeValue": "Cut Tape"},
                  {"AttributeName": "Packaging", "AttributeValue": "MouseReel"},
                  {"AttributeName": "Standard Pack Qty", "AttributeValue": "10,000"}]
    assert packaging_of(attributes) == ("Reel, Cut Tape, MouseReel", Packaging.CUT_TAPE, 10000)
    tray = [{"AttributeName": "Packaging", "AttributeValue": "Tray"}]
    assert packaging_of(tray) == ("Tray", Packaging.TRAY, None)
    assert packaging_of(None) == ("", Packaging.UNKNOWN, None)


def test_ncnr_is_unknown_unless_mouser_says_it():
    assert mouser_offer(sample_part()).ncnr is None
    said = part("X", "Y", "1-X", InfoMessages=["This product is Non-Cancellable and Non-Returnable (NCNR)."])
    assert mouser_offer(said).ncnr is True
    restricted = part("X", "Y", "1-X", RestrictionMessage="Non-returnable")
    assert mouser_offer(restricted).ncnr is True


def test_protocol_relative_and_empty_links():
    raw = part("X", "Y", "1-X", DataSheetUrl="", ImagePath="//www.mouser.com/images/x.jpg")
    assert dict(mouser_offer(raw).links) == {"detail": raw["ProductDetailUrl"],
                                             "image": "https://www.mouser.com/images/x.jpg"}


# --------------------------------------------------------------------------- errors inside 200 answers


BAD_KEY = {"Id": 0, "Code": "Invalid", "Message": "Invalid unique identifier.",
           "ResourceKey": "InvalidIdentifier", "ResourceFormatString": None, "ResourceFormatString2": None,
           "PropertyName": "API Key"}


def test_a_bad_key_stops_the_source_with_one_clear_line():
    with pytest.raises(SourceUnavailable) as caught:
        parse_answer({"Errors": [BAD_KEY], "SearchResults": None})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Mouser rejected the API key (Invalid unique identifier.")
    assert "Search API key" in message and "Mouser not checked" in message


def test_errors_are_read_before_the_results():
    body = answer_of(sample_part(), errors=[{"Code": "Invalid", "Message": "Invalid unique identifier."}])
    with pytest.raises(SourceUnavailable):
        parse_answer(body)


def test_other_errors_fail_the_call():
    body = {"Errors": [{"Id": 1, "Code": "Required", "Message": "Part Number is required.",
                        "PropertyName": "mouserPartNumber"}], "SearchResults": None}
    with pytest.raises(SourceError) as caught:
        parse_answer(body)
    assert type(caught.value) is SourceError and not caught.value.retryable
    assert str(caught.value) == "Mouser: Part Number is required. (Required mouserPartNumber)"


def test_a_spent_daily_limit_stops_the_source_and_a_minute_throttle_may_be_retried():
    with pytest.raises(SourceUnavailable, match="daily limit"):
        parse_answer({"Errors": [{"Code": "TooManyRequests", "Message": "Maximum calls per day exceeded."}]})
    with pytest.raises(SourceError) as caught:
        parse_answer({"Errors": [{"Code": "TooManyRequests", "Message": "Too many requests per minute."}]})
    assert type(caught.value) is SourceError and caught.value.retryable


@pytest.mark.parametrize("body", [[], "text", {"Errors": []}, {"Errors": None, "SearchResults": []}])
def test_answers_of_the_wrong_shape(body):
    with pytest.raises(SourceError, match=r"^Mouser: unexpected answer"):
        parse_answer(body)


def test_malformed_parts_are_skipped():
    body = answer_of(sample_part(), {"Description": "no numbers at all"})
    body["SearchResults"]["Parts"].append("not an object")
    assert [p.mpn for p in parse_answer(body).parts] == ["696101000002"]


# --------------------------------------------------------------------------- matching back


def test_a_batch_answer_maps_back_by_number_never_by_position():
    # asked A|B|C; Mouser answers C, a prefix variant of A, then A, and nothing for B
    parts = parse_answer(answer_of(
        part("LM358DR", "Texas Instruments", "595-LM358DR"),
        part("NE555DRG4", "Texas Instruments", "595-NE555DRG4"),
        part("NE555DR", "Texas Instruments", "595-NE555DR"),
    )).parts
    lookups = {mpn: lookup_for(Query(mpn=mpn), parts) for mpn in ("ne555dr", "XYZ-NOTFOUND-1", "LM358DR")}
    assert [o.sku for o in lookups["ne555dr"].offers] == ["595-NE555DR"]
    assert lookups["XYZ-NOTFOUND-1"].status is LookupStatus.NOT_FOUND
    assert [o.sku for o in lookups["LM358DR"].offers] == ["595-LM358DR"]


def test_the_boms_maker_chooses_among_exact_matches():
    parts = parse_answer(answer_of(
        part("LM358", "Texas Instruments", "595-LM358"),
        part("LM358", "STMicroelectronics", "511-LM358"),
        part("LM358", "onsemi", "863-LM358"),
    )).parts
    chosen = lookup_for(Query(mpn="LM358", manufacturer="stmicroelectronics"), parts)
    assert chosen.status is LookupStatus.FOUND and [o.sku for o in chosen.offers] == ["511-LM358"]
    unnamed = lookup_for(Query(mpn="LM358"), parts)
    assert unnamed.status is LookupStatus.AMBIGUOUS
    assert unnamed.candidates == ("LM358 (Texas Instruments)", "LM358 (STMicroelectronics)", "LM358 (onsemi)")
    assert unnamed.message.endswith("add the manufacturer to the BOM line")
    elsewhere = lookup_for(Query(mpn="LM358", manufacturer="Rohm"), parts)
    assert elsewhere.status is LookupStatus.AMBIGUOUS and elsewhere.message.endswith("none is Rohm")


def test_one_maker_other_than_the_boms_is_found_with_a_note():
    samsung = part("CL10A106KP8NNNC", "Samsung Electro-Mechanics", "187-CL10A106KP8NNNC")
    parts = parse_answer(answer_of(samsung)).parts
    lookup = lookup_for(Query(mpn="CL10A106KP8NNNC", manufacturer="Murata"), parts)
    assert lookup.status is LookupStatus.FOUND
    assert lookup.message == "Mouser's CL10A106KP8NNNC is made by Samsung Electro-Mechanics, not Murata"


def test_a_mouser_number_only_line_is_found_by_its_mouser_number():
    parts = parse_answer(load(FOUND)).parts
    lookup = lookup_for(Query(mpn=None, mouser_pn="710-696101000002"), parts)
    assert lookup.status is LookupStatus.FOUND and lookup.offers[0].mpn == "696101000002"


def test_the_boms_mouser_number_is_preferred_among_the_mpns_parts():
    parts = parse_answer(answer_of(part("X1", "Maker", "100-X1"), part("X1", "Maker", "100-X1-CT"))).parts
    lookup = lookup_for(Query(mpn="X1", mouser_pn="100-X1-CT"), parts)
    assert [o.sku for o in lookup.offers] == ["100-X1-CT"]
    stale = lookup_for(Query(mpn="X1", mouser_pn="100-OLD"), parts)
    assert len(stale.offers) == 2 and "Mouser number 100-OLD is not among" in stale.message


def test_a_suggested_replacement_of_a_discontinued_part_is_said():
    raw = part("OLD1", "Maker", "1-OLD1", LifecycleStatus="Obsolete", IsDiscontinued="true",
               SuggestedReplacement="NEW1")
    lookup = lookup_for(Query(mpn="OLD1"), parse_answer(answer_of(raw)).parts)
    assert lookup.offers[0].lifecycle is Lifecycle.OBSOLETE
    assert lookup.message == "Mouser suggests NEW1 instead of 1-OLD1"


def test_numbers_mouser_cannot_take():
    assert term_problem("LM358DR") == ""
    assert "3 to 40" in term_problem("R1")
    assert "3 to 40" in term_problem("X" * 41)
    assert "'|'" in term_problem("A|B")


def test_a_mouser_answer_survives_the_disk_cache_exactly():
    raw = sample_part()
    raw["AvailabilityOnOrder"] = [{"Quantity": 2500, "Date": "2027-01-18T00:00:00"}]
    lookup = lookup_for(Query(mpn="696101000002"), parse_answer(answer_of(raw)).parts)
    kept = lookup_from_json(lookup_to_json(lookup))
    assert kept == lookup and kept.offers[0].ncnr is None and kept.offers[0].packaging_kind is Packaging.BULK


def test_the_boms_maker_names_mousers_longer_name_without_a_remark():
    parts = parse_answer(answer_of(part("CL10A106KP8NNNC", "Samsung Electro-Mechanics", "187-CL10A1")))
    lookup = lookup_for(Query(mpn="CL10A106KP8NNNC", manufacturer="Samsung"), parts.parts)
    assert lookup.status is LookupStatus.FOUND and "made by" not in lookup.message
    other = lookup_for(Query(mpn="CL10A106KP8NNNC", manufacturer="Yageo"), parts.parts)
    assert "made by Samsung Electro-Mechanics, not Yageo" in other.message
