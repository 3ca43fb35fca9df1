"""Arrow's words read as bomcheck's vocabulary: placeholders as unknown, availability, dates, part facts."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bomcheck.distributors.arrow_parse import (
    availability_kind,
    delivery_date,
    is_marketplace,
    lifecycle_of,
    parse_response,
)
from bomcheck.model import Availability, Compliance, Lifecycle, Offer, Packaging

DATA = Path(__file__).parent.parent / "data" / "arrow"
SAMPLE_04 = "v4_token_lm358_04_LM358DR_quote-with-stock-no-prices_cstrp-pipeline.json"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def offers_of(body: Any) -> dict[str, Offer]:
    (part,) = parse_response(body).parts
    return {offer.sku: offer for offer in part.offers}


def with_part(body: Any, **changes: Any) -> Any:
    body = copy.deepcopy(body)
    body["itemserviceresult"]["data"][0]["PartList"][0].update(changes)
    return body


def source_parts(body: Any) -> list[dict[str, Any]]:
    part = body["itemserviceresult"]["data"][0]["PartList"][0]
    return [sp for site in part["InvOrg"]["webSites"] for source in site["sources"]
            for sp in source["sourceParts"]]


# --------------------------------------------------------------------------- the real v4 answer


def test_real_answer_verical_lead_time_zero_is_unknown_arrow_six_weeks_kept() -> None:
    offers = offers_of(load(SAMPLE_04))
    assert offers["60616932"].lead_time_weeks is None  # Verical: mfrLeadTime 0 on every offer
    assert offers["V72:2272_07275158"].lead_time_weeks == 6


def test_real_answer_availability_kinds_and_packaging() -> None:
    offers = offers_of(load(SAMPLE_04))
    assert offers["60616932"].availability_kind is Availability.IN_STOCK
    quote = offers["V39:1801_07275158"]
    assert quote.availability_kind is Availability.QUOTE and quote.stock == 2500 and not quote.breaks
    cut = offers["V72:2272_07275158"]
    assert cut.availability_kind is Availability.CUT_STRIPS
    assert cut.packaging == "Cut Strips" and cut.packaging_kind is Packaging.CUT_TAPE
    assert offers["V36:1790_07275158"].packaging_kind is Packaging.UNKNOWN  # containerType ""


def test_real_answer_pipeline_dates_parsed() -> None:
    offers = offers_of(load(SAMPLE_04))
    (delivery,) = offers["V72:2272_07275158"].pipeline
    assert (delivery.date, delivery.due, delivery.quantity) == ("21-MAR-2023", date(2023, 3, 21), 2435)


def test_real_answer_part_facts_on_every_offer() -> None:
    offers = offers_of(load(SAMPLE_04))
    for offer in offers.values():
        assert offer.lifecycle is Lifecycle.ACTIVE and offer.lifecycle_text == "Active"
        assert offer.rohs is Compliance.COMPLIANT  # eurohs Compliant
        assert offer.reach is Compliance.UNKNOWN  # Arrow lists no REACH: unknown, never "fine"
    assert offers["60616932"].marketplace is True  # the Verical.com web site
    assert offers["66348393"].marketplace is True
    assert offers["V72:2272_07275158"].marketplace is False  # arrow.com / ACNA


# --------------------------------------------------------------------------- hand-written variations


def test_lead_time_99_with_tariff_flag_is_unknown() -> None:
    body = load(SAMPLE_04)
    for sp in source_parts(body):
        if sp["sourcePartId"] == "V72:2272_07275158":
            sp["mfrLeadTime"], sp["tariffFlag"] = 99, True
        if sp["sourcePartId"] == "V36:1790_07275158":
            sp["mfrLeadTime"] = "14"
    offers = offers_of(body)
    assert offers["V72:2272_07275158"].lead_time_weeks is None
    assert offers["V36:1790_07275158"].lead_time_weeks == 14


@pytest.mark.parametrize(("status", "lifecycle"), [
    ("Active", Lifecycle.ACTIVE), ("NRND", Lifecycle.NRND), ("Obsolete", Lifecycle.OBSOLETE),
    ("", Lifecycle.UNKNOWN), ("Preliminary", Lifecycle.UNKNOWN), (" obsolete ", Lifecycle.OBSOLETE),
])
def test_status_becomes_lifecycle(status: str, lifecycle: Lifecycle) -> None:
    offers = offers_of(with_part(load(SAMPLE_04), status=status))
    assert {offer.lifecycle for offer in offers.values()} == {lifecycle}
    assert {offer.lifecycle_text for offer in offers.values()} == {status.strip()}


def test_missing_status_is_unknown_not_active() -> None:
    body = load(SAMPLE_04)
    del body["itemserviceresult"]["data"][0]["PartList"][0]["status"]
    assert {o.lifecycle for o in offers_of(body).values()} == {Lifecycle.UNKNOWN}
    assert lifecycle_of("") is Lifecycle.UNKNOWN


@pytest.mark.parametrize(("compliance", "rohs"), [
    ([{"displayLabel": "eurohs", "displayValue": "Non Compliant"}], Compliance.NOT_COMPLIANT),
    ([{"displayLabel": "eurohs", "displayValue": "Unknown"}], Compliance.UNKNOWN),
    ([{"displayLabel": "EURoHS", "displayValue": "Compliant with Exemption"}], Compliance.EXEMPT),
    # China RoHS is another law: it never makes a part EU-RoHS compliant
    ([{"displayLabel": "cnrohs", "displayValue": "Compliant"}], Compliance.UNKNOWN),
    ([], Compliance.UNKNOWN),
])
def test_eu_rohs_from_env_data(compliance: list[dict[str, str]], rohs: Compliance) -> None:
    offers = offers_of(with_part(load(SAMPLE_04), EnvData={"compliance": compliance}))
    assert {offer.rohs for offer in offers.values()} == {rohs}


def test_unknown_or_missing_availability_code_never_in_stock() -> None:
    body = load(SAMPLE_04)
    for sp in source_parts(body):
        if sp["sourcePartId"] == "60616932":
            sp["Availability"][0]["availabilityCd"] = "BACKORD"
        if sp["sourcePartId"] == "66348393":
            del sp["Availability"][0]["availabilityCd"]
    offers = offers_of(body)
    assert offers["60616932"].availability_kind is Availability.OTHER
    assert offers["60616932"].stock == 2403  # fohQty as given; the kind says it is not plain stock
    assert offers["66348393"].availability_kind is Availability.UNKNOWN
    assert availability_kind(["INSTKEU"]) is Availability.IN_STOCK_EU
    assert availability_kind(["NOSTK"]) is Availability.NO_STOCK
    assert availability_kind(["INSTK", "QUOTE"]) is Availability.OTHER  # disagreeing codes


@pytest.mark.parametrize(("text", "due"), [
    ("20200622", date(2020, 6, 22)),  # the seed
    ("05-APR-2024", date(2024, 4, 5)),  # real v4
    ("5-apr-2024", date(2024, 4, 5)),
    ("2024-04-05", date(2024, 4, 5)),
    ("2024-04-05T00:00:00", date(2024, 4, 5)),
    ("31-FEB-2024", None),
    ("20241341", None),
    ("soon", None),
    ("", None),
])
def test_delivery_dates(text: str, due: date | None) -> None:
    assert delivery_date(text) == due


def test_v3_pools_say_marketplace_by_source_code() -> None:
    (part,) = parse_response(load("v3_bav99_seed.json")).parts
    verical, europe = part.offers
    assert verical.marketplace is True and europe.marketplace is False
    assert is_marketplace("MANUSTK") is None  # a pool not documented either way
    assert is_marketplace("VERICAL", "Verical.com") is True
    assert is_marketplace("ASIA", "arrow.com") is False


def test_source_currency_can_is_cad() -> None:
    body = load(SAMPLE_04)
    part = body["itemserviceresult"]["data"][0]["PartList"][0]
    for site in part["InvOrg"]["webSites"]:
        for source in site["sources"]:
            source["currency"] = "CAN"
    assert {offer.currency for offer in offers_of(body).values()} == {"CAD"}


def test_a_field_is_read_whatever_its_case_and_a_non_mapping_has_none():
    from bomcheck.distributors import fields

    answer = {"PartNumber": "LM358DR", "quantityAvailable": 5}
    assert fields.get(answer, "PartNumber") == "LM358DR"
    assert fields.get(answer, "partNumber") == "LM358DR"  # camelCase and PascalCase alike
    assert fields.get(answer, "QuantityAvailable") == 5
    assert fields.get(answer, "Missing") is None
    assert fields.get(["PartNumber"], "PartNumber") is None and fields.get(None, "x") is None
