"""The one action a buyer takes on a line, and every decision it needs, from its status and risks."""

from __future__ import annotations

from bomcheck.model import (
    STATUS_ACTIONS,
    Action,
    Compliance,
    LineResult,
    LineStatus,
    LookupStatus,
    Overbuy,
    maker_key,
    other_maker,
)
from bomcheck.pricing.facts import LIFECYCLE_RISKS
from bomcheck.pricing.rules import Rules


def decide(result: LineResult, rules: Rules) -> tuple[Action, tuple[str, ...]]:
    """(action, decisions): the status's own action, else the first decision an OK line needs.

    Decisions in order of weight: approve an alternate, confirm the maker, review the lifecycle,
    review RoHS, approve an overbuy, accept NCNR, fix the BOM line, check again. An OK line
    with none of them is Buy.
    """
    decisions = [(action, why) for action, why in _decisions(result, rules)]
    if result.status is not LineStatus.OK:
        own = STATUS_ACTIONS[result.status]
        return own, tuple(why for _, why in decisions)
    if not decisions:
        return Action.BUY, ()
    return decisions[0][0], tuple(why for _, why in decisions)


def _maker_decision(result: LineResult) -> str:
    """'confirm maker onsemi (the BOM says Texas Instruments)': the maker bought, else those listed."""
    wanted = result.planned_manufacturer
    says = f" (the BOM says {wanted})" if wanted else ""
    if result.bought_manufacturer:
        return f"confirm maker {result.bought_manufacturer}{says}"
    listed = {maker_key(offer.manufacturer): offer.manufacturer for lookup in result.lookups.values()
              for offer in lookup.offers if offer.manufacturer and other_maker(wanted, offer.manufacturer)}
    if not listed:
        return f"confirm maker{says}"
    return f"confirm maker: listed as {', '.join(sorted(listed.values()))}{says}"


def _decisions(result: LineResult, rules: Rules) -> list[tuple[Action, str]]:
    found: list[tuple[Action, str]] = []
    if result.alternate is not None:
        instead = f" for {result.line.mpn}" if result.line.mpn else ""
        found.append((Action.APPROVE_ALTERNATE, f"approve alternate {result.alternate.mpn}{instead}"))
    if result.status is LineStatus.OTHER_MAKER:
        found.append((Action.CONFIRM_MAKER, _maker_decision(result)))
    # money spent over need before a lifecycle review: the buyer decides it now, and a review
    # would not show it (a 4,000 USD reel behind "Review lifecycle" went unseen)
    if result.overbuy is not None:
        found.append((Action.APPROVE_OVERBUY, _overbuy_decision(result, result.overbuy)))
    if result.lifecycle in LIFECYCLE_RISKS and result.purchases:
        last_buy = f", last buy {result.last_buy_date:%Y-%m-%d}" if result.last_buy_date else ""
        found.append((Action.REVIEW_LIFECYCLE, f"review lifecycle: {result.lifecycle.value}{last_buy}"))
    if result.purchases and result.rohs_text:
        found.append((Action.REVIEW_COMPLIANCE, f"review RoHS: sources disagree ({result.rohs_text})"))
    elif result.purchases and result.rohs is Compliance.NOT_COMPLIANT:
        found.append((Action.REVIEW_COMPLIANCE, "review RoHS: not compliant"))
    elif result.purchases and rules.require_rohs and result.rohs is Compliance.UNKNOWN:
        found.append((Action.REVIEW_COMPLIANCE, "review RoHS: unknown, and RoHS is required"))
    if any(p.offer.ncnr and not p.offer.bonded for p in result.purchases):
        found.append((Action.ACCEPT_NCNR, "accept NCNR" + (": the excess can never be returned"
                                                          if result.ncnr_risk else "")))
    if result.line.warnings:
        found.append((Action.FIX_BOM, "check the BOM line (see BOM: notes)"))
    if any(lookup.failed for lookup in result.lookups.values()) or result.unanswered:
        found.append((Action.CHECK_AGAIN, "check again: a source did not answer"))
    answers = result.lookups.values()
    if result.purchases and any(lookup.status is LookupStatus.AMBIGUOUS for lookup in answers):
        found.append((Action.CONFIRM_MAKER, "confirm maker: a source lists several parts under this number"))
    return found


def _overbuy_decision(result: LineResult, overbuy: Overbuy) -> str:
    """'approve overbuy: 2,489 over need worth …', or, when the line buys without the big MOQ,
    'approve overbuy or quote: buying 10 now and quoting 1 instead of 2,500 (2,489 over need …)'."""
    worth = (f"{overbuy.excess:,} over need worth {overbuy.excess_value:,.2f} "
             f"{overbuy.purchases[0].offer.currency}")
    if overbuy.chosen:
        return f"approve overbuy: {worth}"
    big = sum(purchase.buy_qty for purchase in overbuy.purchases)
    now = sum(purchase.buy_qty for purchase in result.purchases)
    return (f"approve overbuy or quote: buying {now:,} now and quoting {result.to_quote:,} instead of "
            f"{big:,} ({worth})")
