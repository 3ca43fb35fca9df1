"""Plan BOM lines: need with attrition, status, notes, and one stock ledger shared by all lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from bomcheck.model import (
    Alternate,
    BomLine,
    LineResult,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PartAnswers,
    Purchase,
)
from bomcheck.pricing.allocate import plan_need
from bomcheck.pricing.offers import Attrition, distinct_stock, line_attrition, lot_key, need_for

NO_ATTRITION = Attrition()
# A line whose own MPN ends with one of these may be bought as an alternate: nobody lists the
# part, no offer can supply the need now, or the line has no usable MPN of its own. ERROR and
# AMBIGUOUS lines are not: their part may well be available, the answer is only incomplete or unclear.
WANTS_ALTERNATE = (LineStatus.NOT_FOUND, LineStatus.SHORT, LineStatus.NO_MPN)

AlternateAnswers = Sequence[tuple[Alternate, Mapping[str, Lookup]]]


class StockLedger:
    """Stock already planned by earlier lines, per lot, so two lines never count on the same parts.

    Lines are planned in BOM order. A later line of the same part first uses what earlier lines
    bought over their need (MOQ, multiple, minimum release) at no further cost, then sees only
    what they left of each lot, and says which rows took the rest.
    """

    def __init__(self) -> None:
        self._taken: dict[tuple[str, ...], int] = {}
        self._rows: dict[tuple[str, ...], list[int]] = {}
        self._spare: dict[tuple[str, ...], list[list[int]]] = {}  # lot -> [[row, parts over need], ...]
        # An offer shown with what is left has another stock, hence another lot_key: remember its lot.
        self._lot_of: dict[Offer, tuple[str, ...]] = {}

    def left(self, offer: Offer) -> Offer:
        key = self._lot(offer)
        taken = self._taken.get(key, 0)
        if not taken:
            return offer
        reduced = replace(offer, stock=max(0, offer.stock - taken))
        self._lot_of[reduced] = key
        return reduced

    def _lot(self, offer: Offer) -> tuple[str, ...]:
        return self._lot_of.get(offer) or lot_key(offer)

    def rows_sharing(self, offers: Iterable[Offer]) -> list[int]:
        rows = {row for offer in offers for row in self._rows.get(self._lot(offer), [])}
        return sorted(rows)

    def spare(self, offers: Iterable[Offer]) -> tuple[int, list[int]]:
        """Parts earlier lines bought over their need from these offers' lots, and those rows."""
        keys = {self._lot(offer) for offer in offers}
        entries = [entry for key in keys for entry in self._spare.get(key, []) if entry[1] > 0]
        return sum(entry[1] for entry in entries), sorted({entry[0] for entry in entries})

    def take(self, row: int, result: LineResult) -> None:
        """Record what a planned line bought and what it used of earlier lines' spare parts."""
        for purchase in result.purchases:
            if purchase.backorder or purchase.offer.stock <= 0:
                continue
            key = self._lot(purchase.offer)
            self._taken[key] = self._taken.get(key, 0) + purchase.buy_qty
            self._rows.setdefault(key, []).append(row)
            if purchase.excess:
                self._spare.setdefault(key, []).append([row, purchase.excess])
        used = result.from_spare
        offers = [offer for lookup in result.lookups.values() for offer in lookup.offers]
        for key in {self._lot(offer) for offer in offers}:
            for entry in self._spare.get(key, []):
                if used <= 0:
                    return
                if entry[0] != row:
                    spent = min(used, entry[1])
                    entry[1] -= spent
                    used -= spent


def plan_lines(lines: Sequence[tuple[BomLine, Mapping[str, Lookup]]], boards: int,
               currency: str | None = None, attrition: Attrition = NO_ATTRITION,
               alternates: Mapping[int, AlternateAnswers] | None = None) -> tuple[LineResult, ...]:
    """Plan every line against one StockLedger (see there for lines sharing a part).

    `alternates` holds, by BOM row, the answers about a line's alternates (in the BOM's order of
    preference); see `plan_alternate` for when one is used. Every line's own part comes first: the
    lines that cannot be bought in full as listed and have alternates answered are planned last,
    in BOM order, each on its own part if what is left now covers it, else on the first alternate
    that covers it from what is left, else on its own part as far as it goes. So a substitute
    never takes stock from a line whose own part it is.
    """
    answers = alternates or {}
    deferred: set[int] = set()
    if answers:
        deferred = {result.line.row for result in plan_lines(lines, boards, currency, attrition)
                    if result.status in WANTS_ALTERNATE and answers.get(result.line.row)}
    ledger = StockLedger()
    results: dict[int, LineResult] = {}
    for later in (False, True):
        for index, (line, lookups) in enumerate(lines):
            if (line.row in deferred) is not later:
                continue
            result = plan_line(line, lookups, boards, currency, attrition, ledger)
            if later and result.status in WANTS_ALTERNATE:
                result = plan_alternate(result, answers[line.row], boards, currency, attrition, ledger)
            ledger.take(line.row, result)
            results[index] = result
    return tuple(results[index] for index in range(len(lines)))


def plan_alternate(primary: LineResult, answers: AlternateAnswers, boards: int,
                   currency: str | None = None, attrition: Attrition = NO_ATTRITION,
                   ledger: StockLedger | None = None) -> LineResult:
    """The line planned on the first alternate that covers its whole need now, if any.

    The first in the BOM's order wins (the designer's preference), not the cheapest. Otherwise
    the primary's result stays, with a note of what each alternate answered; parts are never
    mixed on one line. A line bought as an alternate keeps status OK; the outputs show it amber,
    because a buyer must approve the substitution. An alternate a source failed for (or that
    --offline found no answer for) before the one chosen is "not answered", and its failed
    answers go in `unanswered`: the line's decision rests on them, so it is not fully checked.
    """
    line = primary.line
    asked = [PartAnswers(alt.mpn, alt.manufacturer, lookups) for alt, lookups in answers]
    own = (PartAnswers(line.mpn, line.manufacturer, primary.lookups, alternate=False),) if line.mpn else ()
    tried: list[str] = []
    unanswered: list[Lookup] = []
    primary_failed = tuple(lookup for lookup in primary.lookups.values() if lookup.failed)
    for index, (alt, lookups) in enumerate(answers):
        as_alt = replace(line, mpn=alt.mpn, manufacturer=alt.manufacturer, digikey_pn=None,
                         customer_pn=None, alternates=(), raw_mpn_text=None)
        result = plan_line(as_alt, lookups, boards, currency, attrition, ledger)
        if result.status is LineStatus.OK:
            why = primary.reason or primary.status.value.lower()
            head = [f"primary {line.mpn} not available ({why})" if line.mpn else why, *tried,
                    f"buying alternate {_named(alt)}"]
            return replace(result, line=line, alternate=alt, reason=_join([*head, result.reason]),
                           other_parts=(*own, *asked[:index], *asked[index + 1:]),
                           unanswered=(*primary_failed, *unanswered))  # no longer in `lookups`
        failed = [lookup for lookup in lookups.values() if lookup.failed]
        if failed:
            unanswered.extend(failed)
            said = _join(_said_by(lookup.source, lookup.message) for lookup in failed)
            tried.append(f"alternate {_named(alt)} not answered ({said})")
        else:
            tried.append(f"alternate {_named(alt)} cannot supply either "
                         f"({result.reason or result.status.value.lower()})")
    return replace(primary, notes=(*primary.notes, *tried), other_parts=tuple(asked),
                   unanswered=tuple(unanswered))


def _named(alt: Alternate) -> str:
    return f"{alt.mpn} ({alt.manufacturer})" if alt.manufacturer else alt.mpn


def need_of(line: BomLine, boards: int, attrition: Attrition = NO_ATTRITION) -> tuple[int, int, str]:
    """(base, attrition parts, note): the line's own attrition column overrides the default."""
    base = need_for(line.qty, boards)
    note = ""
    if line.attrition and line.attrition.strip():
        try:
            attrition = line_attrition(line.attrition)
        except ValueError as exc:
            note = f"{exc}; used the default"
    return base, attrition.parts(base), note


def plan_line(line: BomLine, lookups: Mapping[str, Lookup], boards: int,
              currency: str | None = None, attrition: Attrition = NO_ATTRITION,
              ledger: StockLedger | None = None) -> LineResult:
    """The buy decision and status for one BOM line, from every source's answer about it.

    `currency` is the one the user asked for; prices in others are never compared with it.
    """
    if line.dnp:
        return LineResult(line, need=0, status=LineStatus.DNP, reason="do not populate")
    base, extra, attrition_note = need_of(line, boards, attrition)
    need = base + extra
    head: dict[str, Any] = {"need_base": base, "notes": (attrition_note,) if attrition_note else ()}
    if not line.mpn and not line.digikey_pn:
        found_text = f"; the cell says {line.raw_mpn_text!r}" if line.raw_mpn_text else ""
        return LineResult(line, need, LineStatus.NO_MPN, reason=f"no usable MPN{found_text}", **head)
    stock = {name: _stock_of(lookup) for name, lookup in lookups.items()}
    # Offers of an ambiguous answer are never planned: picking one of several parts silently is a guess.
    offers = [offer for lookup in lookups.values() if lookup.status is not LookupStatus.AMBIGUOUS
              for offer in lookup.offers]
    ambiguous = [f"{name} lists several parts: {_first_few(lookup.candidates)}"
                 for name, lookup in lookups.items() if lookup.status is LookupStatus.AMBIGUOUS]
    # A source that was not asked at all is reported once for the run, not on every line.
    failures = [_said_by(name, lookup.message) for name, lookup in lookups.items() if lookup.failed]
    remarks = [_said_by(name, lookup.message) for name, lookup in lookups.items()
               if lookup.status is LookupStatus.FOUND and lookup.message]
    if not offers and ambiguous:
        return LineResult(line, need, LineStatus.AMBIGUOUS,
                          reason=_join([*ambiguous, "name the manufacturer to choose", *failures]),
                          lookups=lookups, stock=stock, shortage=need, **head)
    if not offers:
        if any(lookup.status is LookupStatus.NOT_FOUND for lookup in lookups.values()) and not failures:
            hints = [f"no exact match; {name} lists {_first_few(lookup.candidates)}"
                     for name, lookup in lookups.items()
                     if lookup.status is LookupStatus.NOT_FOUND and lookup.candidates]
            return LineResult(line, need, LineStatus.NOT_FOUND,
                              reason=_join(["no source lists this part", *hints]),
                              lookups=lookups, stock=stock, shortage=need, **head)
        return LineResult(line, need, LineStatus.ERROR,
                          reason=_join(failures) or "no source could be asked about this line",
                          lookups=lookups, stock=stock, shortage=need, **head)
    available = [ledger.left(offer) for offer in offers] if ledger else offers
    spare, spare_rows = ledger.spare(offers) if ledger else (0, [])
    from_spare = min(need, spare)
    plan = plan_need(need - from_spare, available, currency)
    status = LineStatus.OK if plan.shortage == 0 else LineStatus.SHORT
    notes = [*head["notes"], *plan.notes, *_purchase_notes(plan.purchases)]
    if from_spare:
        notes.append(f"{from_spare} of the need come from parts bought over need for row"
                     f"{'s' if len(spare_rows) > 1 else ''} {', '.join(map(str, spare_rows))}")
    if ledger and plan.purchases and (rows := ledger.rows_sharing(offers)):
        notes.append(f"same stock also planned for row{'s' if len(rows) > 1 else ''} "
                     f"{', '.join(map(str, rows))}: this line gets what those left")
    reason = [_shortage_note(need, plan.shortage, available, plan.purchases)] if plan.shortage else []
    reference = plan.purchases[0].offer if plan.purchases else max(offers, key=lambda o: (o.stock, -o.moq))
    return LineResult(
        line, need, status,
        reason=_join([*reason, *ambiguous, *remarks, *failures]),
        lookups=lookups,
        stock=stock,
        moq=reference.moq,
        ncnr=ncnr_of([p.offer for p in plan.purchases]) if plan.purchases else reference.ncnr,
        lead_time_weeks=reference.lead_time_weeks,
        purchases=plan.purchases,
        need_base=base,
        notes=tuple(notes),
        shortage=plan.shortage,
        from_spare=from_spare,
    )


def ncnr_of(offers: Sequence[Offer]) -> bool | None:
    """NCNR of a line bought from `offers`: yes if any is, unknown if any source does not say, else no."""
    values = [offer.ncnr for offer in offers]
    if any(values):
        return True
    return None if any(value is None for value in values) else False


def _stock_of(lookup: Lookup) -> int | None:
    if lookup.status is LookupStatus.FOUND:
        return distinct_stock(lookup.offers)
    if lookup.status is LookupStatus.NOT_FOUND:
        return 0
    return None


def _said_by(source: str, message: str) -> str:
    """'<source>: <message>', the source named once, by its full name where the message has none.

    A message naming its source by the short name ('DigiKey: HTTP 503 …' from 'DigiKey Bonded')
    gets the full one instead; one naming it in a sentence ('Arrow rejected the login …') is kept.
    """
    short = source.split()[0] if source.split() else source
    if message.startswith(f"{source}:") or message.startswith(f"{short} "):
        return message
    if message.startswith(f"{short}: "):
        message = message[len(short) + 2:]
    return f"{source}: {message}"


def _purchase_notes(purchases: Sequence[Purchase]) -> list[str]:
    notes = []
    for purchase in purchases:
        offer, where = purchase.offer, purchase.offer.where
        if purchase.offer.bonded:
            notes.append(f"release {purchase.buy_qty} from {offer.source} (bonded first)")
        elif len(purchases) > 1:
            notes.append(f"buy {purchase.buy_qty} from {where}")
        if purchase.buy_up is not None:
            cost = f"{purchase.buy_up.saving:,.2f} {offer.currency}"
            notes.append(f"buy {purchase.buy_up.extra} more, save {cost} (break at {purchase.buy_qty})")
        elif purchase.excess > 0:
            why = "MOQ" if purchase.buy_qty == offer.moq else (
                "minimum release quantity" if offer.bonded else "order multiple")
            size = offer.multiple if why == "order multiple" else offer.moq
            notes.append(f"buys {purchase.excess} over need ({why} {size})")
        if offer.ncnr:
            # Bonded stock is already the customer's commitment: releasing more adds no new liability.
            risky = purchase.excess and not offer.bonded
            risk = f"; RISK: {purchase.excess} over need can never be returned" if risky else ""
            notes.append(f"NCNR at {where}{risk}")
    return notes


def _shortage_note(need: int, shortage: int, offers: Sequence[Offer], purchases: Sequence[Purchase]) -> str:
    if not any(offer.breaks for offer in offers) and not purchases:
        return "no list price (quote only); ask for a quote"
    now = sum(p.buy_qty for p in purchases if not p.backorder)
    backorder = next((p for p in purchases if p.backorder), None)
    if backorder is not None:
        stocked = [offer for offer in offers if offer.stock > 0]
        what = (f"only {max(o.stock for o in stocked)} in stock, below what can be ordered"
                if stocked and not now else "none in stock")
        text = f"{what}; quantity and price are for a backorder{_lead(backorder.offer)}"
        return text + _pipeline(offers, lead=False)
    if now:
        text = f"no offer covers the need: buy {now} now, {shortage} short"
    else:
        text = f"no offer can supply {need} now"
    return text + _pipeline(offers)


def _lead(offer: Offer) -> str:
    return f", lead time {offer.lead_time_weeks} wk" if offer.lead_time_weeks else ""


def _pipeline(offers: Sequence[Offer], *, lead: bool = True) -> str:
    """When more is coming: the seller's on-order dates, else (with `lead`) the shortest lead time."""
    deliveries = sorted({(d.date, d.quantity) for offer in offers for d in offer.pipeline})
    if not deliveries:
        if not lead:
            return ""
        leads = sorted({o.lead_time_weeks for o in offers if o.lead_time_weeks})
        return f"; lead time {leads[0]} wk" if leads else ""
    return "; on order: " + ", ".join(f"{qty} due {date}" for date, qty in deliveries[:3])


def _first_few(names: Sequence[str], few: int = 3) -> str:
    return ", ".join(names[:few]) + (", …" if len(names) > few else "")


def _join(parts: Iterable[str]) -> str:
    return "; ".join(part for part in parts if part)
