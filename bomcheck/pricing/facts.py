"""What the sources say about a part, read for planning: lead time, list price, lifecycle, RoHS, dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from bomcheck.model import Availability, Compliance, Lifecycle, Offer, PipelineDelivery, Purchase

# Sources write 0 ("ships now"?) and 99 where they do not know a lead time: both are unknown.
PLACEHOLDER_LEAD = 99
NO_LIST_PRICE = (Availability.QUOTE, Availability.NO_STOCK)
_NO_LIST_PRICE_CODES = ("QUOTE", "NOSTK")  # the raw codes, for a source that did not fill availability_kind
# Worst last: what a part's status is taken to be when sources differ.
_LIFECYCLE_ORDER = (Lifecycle.UNKNOWN, Lifecycle.ACTIVE, Lifecycle.DISCONTINUED, Lifecycle.NRND,
                    Lifecycle.LAST_TIME_BUY, Lifecycle.OBSOLETE)
LIFECYCLE_RISKS = (Lifecycle.DISCONTINUED, Lifecycle.NRND, Lifecycle.LAST_TIME_BUY)
_DATE_FORMATS = ("%d-%b-%Y", "%Y%m%d", "%Y-%m-%d", "%d-%B-%Y", "%m/%d/%Y")


def known_lead(offer: Offer) -> int | None:
    """The offer's lead time in weeks, or None when unknown (absent, 0 or the 99 placeholder)."""
    lead = offer.lead_time_weeks
    return lead if lead is not None and 0 < lead < PLACEHOLDER_LEAD else None


def lead_text(weeks: int | None) -> str:
    return f"lead time {weeks} wk" if weeks is not None else "lead time unknown"


def best_known_lead(offers: Iterable[Offer]) -> int | None:
    """The shortest known lead time among offers that can be ordered."""
    return min((lead for offer in offers if backorderable(offer) and (lead := known_lead(offer))),
               default=None)


def quote_only(offer: Offer) -> bool:
    """The seller names no price to plan with: no breaks, or it quotes only / has no stock to sell."""
    if not offer.breaks:
        return True
    if offer.availability_kind in NO_LIST_PRICE:
        return True
    unread = offer.availability_kind is Availability.UNKNOWN
    return unread and offer.availability.strip().upper() in _NO_LIST_PRICE_CODES


def for_planning(offer: Offer) -> Offer:
    """The offer as the planner may use it: one that quotes only loses its list price.

    Bonded stock keeps its contract price whatever its availability says: it is the customer's.
    """
    if offer.bonded or not offer.breaks or not quote_only(offer):
        return offer
    return replace(offer, breaks=())


def backorderable(offer: Offer) -> bool:
    """More than the stock can be ordered: a list price, an open-market seller, a part still made."""
    return (not quote_only(offer) and not offer.bonded and offer.marketplace is not True
            and offer.lifecycle not in (Lifecycle.OBSOLETE, Lifecycle.DISCONTINUED))


def quote_stock(offers: Iterable[Offer]) -> list[Offer]:
    """Open-market offers with parts in stock but no list price: a quote would buy them."""
    return [offer for offer in offers if not offer.bonded and offer.stock > 0 and quote_only(offer)
            and offer.availability_kind is not Availability.NO_STOCK]


def part_lifecycle(offers: Sequence[Offer], purchases: Sequence[Purchase]) -> Offer | None:
    """The offer whose lifecycle the line shows: the worst a source says of the part.

    'Discontinued at source' is one seller's word: it counts when the line buys from that
    seller, or when every source that says anything says it.
    """
    bought = [purchase.offer for purchase in purchases]
    said = [offer for offer in offers if offer.lifecycle is not Lifecycle.UNKNOWN]
    maker_wide = [offer for offer in said if offer.lifecycle is not Lifecycle.DISCONTINUED]
    candidates = [*bought, *maker_wide] if maker_wide or bought else said
    known = [offer for offer in candidates if offer.lifecycle is not Lifecycle.UNKNOWN]
    if not known:
        return None
    return max(known, key=lambda offer: _LIFECYCLE_ORDER.index(offer.lifecycle))


def last_buy_date(offers: Iterable[Offer]) -> date | None:
    return min((offer.last_buy_date for offer in offers if offer.last_buy_date), default=None)


def compliance_of(values: Sequence[Compliance]) -> Compliance:
    """One standing from several sources' words: not compliant wins, then exempt, then compliant."""
    for value in (Compliance.NOT_COMPLIANT, Compliance.EXEMPT, Compliance.COMPLIANT):
        if value in values:
            return value
    return Compliance.UNKNOWN


def line_compliance(offers: Sequence[Offer], purchases: Sequence[Purchase],
                    kind: str = "rohs") -> Compliance:
    """The worst any source says of the part, as for the lifecycle: one seller's "compliant" never
    hides another's "not compliant" (the offers bought and every other offer of the part count)."""
    return compliance_of([*(getattr(purchase.offer, kind) for purchase in purchases),
                          *(getattr(offer, kind) for offer in offers)])


def compliance_disagreement(offers: Sequence[Offer], kind: str = "rohs", few: int = 3) -> str:
    """'not compliant at Arrow: b; compliant at Arrow: a' when sources disagree on the part (some
    call it not compliant, others compliant or exempt); "" when they do not."""
    said: dict[Compliance, list[str]] = {}
    for offer in offers:
        value = getattr(offer, kind)
        if value is not Compliance.UNKNOWN and offer.where not in said.setdefault(value, []):
            said[value].append(offer.where)
    if not said.get(Compliance.NOT_COMPLIANT) or not (said.get(Compliance.COMPLIANT)
                                                      or said.get(Compliance.EXEMPT)):
        return ""
    return "; ".join(f"{value.value.lower()} at {', '.join(said[value][:few])}"
                     + (", …" if len(said[value]) > few else "")
                     for value in (Compliance.NOT_COMPLIANT, Compliance.EXEMPT, Compliance.COMPLIANT)
                     if said.get(value))


def due_date(delivery: PipelineDelivery) -> date | None:
    """When the delivery is due: the source's parsed date, else its text read as DD-MON-YYYY or YYYYMMDD."""
    if delivery.due is not None:
        return delivery.due
    text = delivery.date.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def pipeline_text(offers: Iterable[Offer], today: date | None, few: int = 3) -> str:
    """'500 was due 2026-03-02, 1200 due 2027-01-18' in date order, every date read written one way
    (sources write 18-JAN-2027 or 20270118); a date that cannot be read is quoted as written, last."""
    # Offers of one source often repeat one pipeline (a part's packagings): each pipeline counts
    # once; within one, two deliveries alike are two deliveries.
    pipelines = dict.fromkeys(tuple((due_date(d), d.date, d.quantity) for d in offer.pipeline)
                              for offer in offers)
    said = [(due.isoformat() if due else text, due, qty) for pipeline in pipelines
            for due, text, qty in pipeline]
    ordered = sorted(said, key=lambda d: (d[1] is None, d[1] or date.min, d[0], d[2]))
    return ", ".join(f"{qty} {'was due' if today and due and due < today else 'due'} {text}"
                     for text, due, qty in ordered[:few])
