"""The results as JSON for scripts and RFQ systems: each line's facts, action and excess, per quantity."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bomcheck.files import atomic_write_text
from bomcheck.model import (
    Alternate,
    LineResult,
    LineStatus,
    Offer,
    Overbuy,
    Packaging,
    PartAnswers,
    Purchase,
    Report,
    Scenario,
    SourceStatus,
)
from bomcheck.output.failures import run_failures


def report_to_dict(report: Report) -> dict[str, Any]:
    """A JSON-ready view of the report; money as strings so no digit is lost to floats.

    The top level mirrors the first build quantity (`mirrors_boards` says which); `scenarios`
    holds one block per quantity, each with its own totals and lines.
    """
    first = report.scenarios[0]
    return {
        "file": str(report.bom.path),
        "sheet": report.bom.sheet,
        "checked_at": report.checked_at.isoformat(timespec="seconds"),
        "boards": report.boards,
        "boards_all": [scenario.boards for scenario in report.scenarios],
        # totals, counts, actions and lines below are this quantity's; scenarios[] has every one
        "mirrors_boards": first.boards,
        "attrition": report.attrition,
        "currency": report.currency,
        "sources": [_source(s, report.checked_at) for s in report.sources],
        "totals": {currency: _money(total) for currency, total in report.totals.items()},
        "counts": {status.value: report.count(status) for status in LineStatus},
        **_quantity_totals(first),
        "not_checked": run_failures(report).as_dict(),  # lines some source failed for, why
        "lines": [_line(result) for result in report.results],
        "scenarios": [_scenario(scenario) for scenario in report.scenarios],
        "warnings": list(report.bom.warnings),  # what the reader said about the whole file
    }


def _source(status: SourceStatus, now: datetime) -> dict[str, Any]:
    """How a source took part, and the age of its data: 'live' or 'cached, oldest ...'."""
    return {"name": status.name, "checked": status.checked, "message": status.message,
            "data_age": status.data_age(now), "from_cache": status.from_cache,
            "oldest_fetched_at": status.oldest.isoformat(timespec="seconds") if status.oldest else None}


def _scenario(scenario: Scenario) -> dict[str, Any]:
    """One build quantity: its costs per currency, coverage, counts, honest totals and its lines."""
    return {
        "boards": scenario.boards,
        "totals": {currency: _money(total) for currency, total in scenario.totals.items()},
        "per_board": {currency: _money(value) for currency, value in scenario.per_board.items()},
        "coverage": str(scenario.coverage.quantize(Decimal("0.0001"))),
        "counts": {status.value: scenario.count(status) for status in LineStatus},
        "ncnr_lines": scenario.ncnr_lines,
        **_quantity_totals(scenario),
        "lines": [_line(result) for result in scenario.results],
        "lines_on_alternates": sum(1 for r in scenario.results if r.alternate),
        # at this quantity, for a buyer to approve: it may differ from the first quantity's
        "notes": [f"row {r.line.row}: {r.line.mpn or 'no MPN'} bought as alternate {r.bought_mpn}"
                  + (f" ({r.bought_manufacturer})" if r.bought_manufacturer else "")
                  for r in scenario.results if r.alternate],
    }


def _quantity_totals(scenario: Scenario) -> dict[str, Any]:
    """What the total leaves out (priced N of M, the unpriced lines), the excess and the actions."""
    to_buy = len(scenario.to_buy)
    return {
        "priced_lines": scenario.priced_lines,
        "lines_to_buy": to_buy,
        "priced": f"priced {scenario.priced_lines} of {to_buy} lines",
        "unpriced_lines": [{"row": r.line.row, "mpn": r.line.mpn, "status": r.status.value,
                            "unpriced_qty": r.unpriced_qty} for r in scenario.unpriced],
        "short_parts": scenario.short_parts,
        "excess": {currency: _money(value) for currency, value in scenario.excess.items()},
        "excess_share": {currency: str(share.quantize(Decimal("0.0001")))
                         for currency, share in scenario.excess_share.items()},
        "actions": {action.value: count for action, count in scenario.actions().items()},
        "decisions_needed": sum(1 for r in scenario.results if r.action is not None and r.action.is_decision),
    }


def write_json(report: Report, target: Path) -> None:
    text = json.dumps(report_to_dict(report), indent=2, ensure_ascii=False)
    atomic_write_text(target, text + "\n", protect=report.bom.path)


def _line(result: LineResult) -> dict[str, Any]:
    line, purchase = result.line, result.purchase
    return {
        "row": line.row,
        "mpn": line.mpn,
        "manufacturer": line.manufacturer,
        # the source that named the MPN of a line the BOM lists only by a seller's number, else null
        "mpn_from": line.mpn_from,
        "distributor_pns": line.distributor_pn_map(),
        "refdes": list(line.refdes),
        "qty_per_board": line.qty,
        "need": result.need,
        "need_base": result.need_base,
        "need_attrition": result.need_attrition,
        "status": result.status.value,
        "action": result.action.value if result.action else None,
        "decisions": list(result.decisions),  # every decision a person must take, the action's first
        "reason": result.reason,
        "stock": dict(result.stock),
        "moq": result.moq,
        "ncnr": result.ncnr,
        "lead_time_weeks": result.lead_time_weeks,  # null: unknown (no source gives a real one)
        "notes": list(result.notes),
        "shortage": result.shortage,  # parts of the need no offer can supply now
        "to_quote": result.to_quote,  # parts the plan leaves to a quote
        "unpriced_qty": result.unpriced_qty,  # parts of the need the total puts no price on
        "priced": result.priced,
        "ncnr_risk": result.ncnr_risk,
        "excess_qty": result.excess_qty,  # parts bought over need (MOQ, multiple, reel, buy-up)
        "excess_value": _money(result.excess_value) if result.purchases else None,  # at the price paid
        "overbuy": _overbuy(result.overbuy),
        "part": _facts(result),
        "purchases": [_purchase(p) for p in result.purchases],
        "buy_qty": result.buy_qty,
        "unit_price": _money(result.unit_price),  # as the workbook: the average for a split line
        "ext_price": _money(result.ext_price),
        "currency": result.currency,
        "best_source": _offer(purchase.offer) if purchase else None,  # the first purchase's
        "sources": [_offer(p.offer) for p in result.purchases],
        "warnings": list(line.warnings),
        # The part bought: the line's own MPN, or the alternate it is planned on (then "alternate"),
        # and its maker as the offer bought names it (another maker's, when allowed).
        "bought_mpn": result.bought_mpn,
        "bought_manufacturer": result.bought_manufacturer,
        "alternate": _alternate(result.alternate),
        "alternates": [_alternate(alt) for alt in line.alternates],
        "other_parts_asked": [_asked(part) for part in result.other_parts],
    }


def _facts(result: LineResult) -> dict[str, Any]:
    """What the sources say about the part: of the offers bought, else of every offer of the part.

    Unknown stays unknown: "unknown" for lifecycle and compliance, null for a text no source gives.
    """
    bought = [p.offer for p in result.purchases]
    every = [offer for lookup in result.lookups.values() for offer in lookup.offers]
    told = bought or every
    return {
        "lifecycle": result.lifecycle.value,
        "lifecycle_words": result.lifecycle_text or None,  # the source's own words
        "last_buy_date": result.last_buy_date.isoformat() if result.last_buy_date else None,
        "rohs": result.rohs.value,
        "reach": result.reach.value,
        "eccn": _said(offer.eccn for offer in told),
        "hts": _said(offer.hts for offer in told),
        "country_of_origin": _said(offer.country_of_origin for offer in told),
        # of what is bought only: another offer's reel says nothing of the cut tape bought
        "packaging": _said(offer.packaging_kind.value for offer in bought
                           if offer.packaging_kind is not Packaging.UNKNOWN),
        "packaging_words": _said(offer.packaging for offer in bought),
        "sold_by": _sold_by(bought),
    }


def _said(values: Iterable[str]) -> str | None:
    """The distinct values sources give, joined; None when none gives one."""
    distinct = list(dict.fromkeys(value.strip() for value in values if value and value.strip()))
    return ", ".join(distinct) or None


def _sold_by(offers: list[Offer]) -> str | None:
    """'authorized', 'marketplace', 'authorized + marketplace', 'unknown'; None when nothing is bought."""
    if not offers:
        return None
    kinds = list(dict.fromkeys(_seller_kind(offer) for offer in offers))
    return " + ".join(kinds)


def _seller_kind(offer: Offer) -> str:
    if offer.bonded:
        return "bonded"
    return {True: "marketplace", False: "authorized", None: "unknown"}[offer.marketplace]


def _overbuy(overbuy: Overbuy | None) -> dict[str, Any] | None:
    """The covering plan whose excess needs approval; `chosen`: the line buys it (else stock + quote)."""
    if overbuy is None:
        return None
    currency = overbuy.purchases[0].offer.currency if overbuy.purchases else None
    return {"chosen": overbuy.chosen, "excess_qty": overbuy.excess,
            "excess_value": _money(overbuy.excess_value), "cost": _money(overbuy.cost), "currency": currency,
            "purchases": [_purchase(p) for p in overbuy.purchases]}


def _alternate(alt: Alternate | None) -> dict[str, Any] | None:
    return None if alt is None else {"mpn": alt.mpn, "manufacturer": alt.manufacturer}


def _asked(part: PartAnswers) -> dict[str, Any]:
    """A part asked about for the line but not bought: its answer per source."""
    return {"mpn": part.mpn, "manufacturer": part.manufacturer, "primary": not part.alternate,
            "answers": {name: lookup.status.value for name, lookup in part.lookups.items()}}


def _purchase(purchase: Purchase) -> dict[str, Any]:
    buy_up = purchase.buy_up
    return {
        "source": _offer(purchase.offer),
        "buy_qty": purchase.buy_qty,
        "for_need": purchase.allocated or purchase.buy_qty,
        "unit_price": _money(purchase.unit_price),
        "ext_price": _money(purchase.ext_price),
        "currency": purchase.offer.currency,
        "bonded": purchase.offer.bonded,
        "ncnr": purchase.offer.ncnr,
        "backorder": purchase.backorder,
        "buy_up": {"extra": buy_up.extra, "saving": _money(buy_up.saving)} if buy_up else None,
        "excess_qty": purchase.excess,
        "facts": _offer_facts(purchase.offer),
    }


def _offer(offer: Offer) -> dict[str, Any]:
    return {"source": offer.source, "seller": offer.seller, "sku": offer.sku, "mpn": offer.mpn,
            "manufacturer": offer.manufacturer}


def _offer_facts(offer: Offer) -> dict[str, Any]:
    """The facts of one offer bought (a line's `part` gathers them over its purchases)."""
    return {"sold_by": _seller_kind(offer), "packaging": offer.packaging_kind.value,
            "packaging_words": offer.packaging or None, "lifecycle": offer.lifecycle.value,
            "lifecycle_words": offer.lifecycle_text or None, "rohs": offer.rohs.value,
            "reach": offer.reach.value, "eccn": offer.eccn or None, "hts": offer.hts or None,
            "country_of_origin": offer.country_of_origin or None,
            "lead_time_weeks": offer.lead_time_weeks, "availability": offer.availability or None,
            "date_code": offer.date_code or None}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
