"""Plan BOM lines: need with attrition, status, notes, and one stock ledger shared by all lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bomcheck.model import (
    Alternate,
    Availability,
    BomLine,
    Compliance,
    Lifecycle,
    LineResult,
    LineStatus,
    Lookup,
    LookupStatus,
    Offer,
    PartAnswers,
    Purchase,
    maker_key,
    other_maker,
    seller_label,
)
from bomcheck.pricing.actions import decide
from bomcheck.pricing.allocate import plan_need
from bomcheck.pricing.excess import excess_cause
from bomcheck.pricing.facts import (
    LIFECYCLE_RISKS,
    best_known_lead,
    compliance_disagreement,
    for_planning,
    known_lead,
    last_buy_date,
    lead_text,
    line_compliance,
    part_lifecycle,
    pipeline_text,
    quote_stock,
)
from bomcheck.pricing.offers import Attrition, distinct_stock, line_attrition, lot_key, need_for
from bomcheck.pricing.rules import DEFAULT_RULES, Rules

NO_ATTRITION = Attrition()
# A line whose own MPN ends with one of these may be bought as an alternate: nobody lists the
# part, no offer can supply the need now, the line has no usable MPN of its own, the part is
# obsolete, RoHS is required and it is not compliant, or only another maker lists it. ERROR and
# AMBIGUOUS lines are not: their part may well be available, the answer is only incomplete or unclear.
WANTS_ALTERNATE = (LineStatus.NOT_FOUND, LineStatus.SHORT, LineStatus.NO_MPN, LineStatus.OBSOLETE,
                   LineStatus.NOT_ROHS, LineStatus.OTHER_MAKER)

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

    def spare_offers(self, offers: Iterable[Offer]) -> list[Offer]:
        """The offers among these whose lots hold parts earlier lines bought over their need."""
        return [offer for offer in offers
                if any(entry[1] > 0 for entry in self._spare.get(self._lot(offer), []))]

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
               alternates: Mapping[int, AlternateAnswers] | None = None,
               rules: Rules = DEFAULT_RULES) -> tuple[LineResult, ...]:
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
        deferred = {result.line.row for result in plan_lines(lines, boards, currency, attrition, rules=rules)
                    if result.status in WANTS_ALTERNATE and answers.get(result.line.row)}
    ledger = StockLedger()
    results: dict[int, LineResult] = {}
    for later in (False, True):
        for index, (line, lookups) in enumerate(lines):
            if (line.row in deferred) is not later:
                continue
            result = plan_line(line, lookups, boards, currency, attrition, ledger, rules)
            if later and result.status in WANTS_ALTERNATE:
                result = plan_alternate(result, answers[line.row], boards, currency, attrition, ledger, rules)
            ledger.take(line.row, result)
            results[index] = result
    return tuple(results[index] for index in range(len(lines)))


def plan_alternate(primary: LineResult, answers: AlternateAnswers, boards: int,
                   currency: str | None = None, attrition: Attrition = NO_ATTRITION,
                   ledger: StockLedger | None = None, rules: Rules = DEFAULT_RULES) -> LineResult:
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
        result = plan_line(as_alt, lookups, boards, currency, attrition, ledger, rules)
        if result.status is LineStatus.OK:
            why = primary.reason or primary.status.value.lower()
            head = [f"primary {line.mpn} not available ({why})" if line.mpn else why, *tried,
                    f"buying alternate {_named(alt)}"]
            # The primary's failed answers go in `unanswered`: they are no longer in `lookups`.
            return _decided(replace(result, line=line, alternate=alt, reason=_join([*head, result.reason]),
                                    other_parts=(*own, *asked[:index], *asked[index + 1:]),
                                    unanswered=(*primary_failed, *unanswered)), rules)
        failed = [lookup for lookup in lookups.values() if lookup.failed]
        if failed:
            unanswered.extend(failed)
            said = _join(_said_by(lookup.source, lookup.message) for lookup in failed)
            tried.append(f"alternate {_named(alt)} not answered ({said})")
        else:
            tried.append(f"alternate {_named(alt)} cannot supply either "
                         f"({result.reason or result.status.value.lower()})")
    return _decided(replace(primary, notes=(*primary.notes, *tried), other_parts=tuple(asked),
                            unanswered=tuple(unanswered)), rules)


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
              ledger: StockLedger | None = None, rules: Rules = DEFAULT_RULES) -> LineResult:
    """The buy decision, status and action for one BOM line, from every source's answer about it.

    `currency` is the one the user asked for; prices in others are never compared with it.
    """
    return _decided(_plan_line(line, lookups, boards, currency, attrition, ledger, rules), rules)


def _decided(result: LineResult, rules: Rules) -> LineResult:
    action, decisions = decide(result, rules)
    return replace(result, action=action, decisions=decisions)


def _plan_line(line: BomLine, lookups: Mapping[str, Lookup], boards: int, currency: str | None,
               attrition: Attrition, ledger: StockLedger | None, rules: Rules) -> LineResult:
    if line.dnp:
        return LineResult(line, need=0, status=LineStatus.DNP, reason="do not populate")
    base, extra, attrition_note = need_of(line, boards, attrition)
    need = base + extra
    head_notes = (attrition_note,) if attrition_note else ()
    if not line.mpn and not line.digikey_pn:
        found_text = f"; the cell says {line.raw_mpn_text!r}" if line.raw_mpn_text else ""
        # A source asked by a seller's number of the line says what it found (or why it could not)
        said = [_said_by(name, lookup.message) for name, lookup in lookups.items()
                if lookup.message and (lookup.failed or lookup.status is not LookupStatus.NOT_CHECKED)]
        if not said and line.distributor_pns:  # numbers of sellers no source here looks parts up by
            numbers = ", ".join(f"{seller_label(role)} {number}"
                                for role, number in line.distributor_pns)
            said = [f"only sellers' numbers ({numbers}), which no source checked looks up: add the MPN"]
        return LineResult(line, need, LineStatus.NO_MPN, reason=_join([f"no usable MPN{found_text}", *said]),
                          need_base=base, notes=head_notes, lookups=lookups,
                          stock={name: _stock_of(lookup) for name, lookup in lookups.items()})
    stock = {name: _stock_of(lookup) for name, lookup in lookups.items()}
    # Offers of an ambiguous answer are never planned: picking one of several parts silently is a guess.
    offers = [offer for lookup in lookups.values() if lookup.status is not LookupStatus.AMBIGUOUS
              for offer in lookup.offers]
    ambiguous = [f"{name} lists several parts: {_first_few(lookup.candidates)}"
                 for name, lookup in lookups.items() if lookup.status is LookupStatus.AMBIGUOUS]
    other_makers = _listed_by_other_makers(line, lookups)
    if other_makers:  # not a choice among the BOM's maker's parts: only other makers list the MPN
        offers, ambiguous = [*offers, *other_makers], []
    # A source that was not asked at all is reported once for the run, not on every line.
    failures = [_said_by(name, lookup.message) for name, lookup in lookups.items() if lookup.failed]
    remarks = [_said_by(name, lookup.message) for name, lookup in lookups.items()
               if lookup.status is LookupStatus.FOUND and lookup.message]

    def unplanned(status: LineStatus, reason: str) -> LineResult:
        # A part nobody lists is quoted as it is; the others need the BOM fixed or a new check first.
        return LineResult(line, need, status, reason=reason, need_base=base, notes=head_notes,
                          lookups=lookups, stock=stock, shortage=need,
                          to_quote=need if status is LineStatus.NOT_FOUND else 0)

    if not offers and ambiguous:
        why = _join([*ambiguous, "name the manufacturer to choose", *failures])
        return unplanned(LineStatus.AMBIGUOUS, why)
    if not offers:
        if any(lookup.status is LookupStatus.NOT_FOUND for lookup in lookups.values()) and not failures:
            hints = [f"no exact match; {name} lists {_first_few(lookup.candidates)}"
                     for name, lookup in lookups.items()
                     if lookup.status is LookupStatus.NOT_FOUND and lookup.candidates]
            return unplanned(LineStatus.NOT_FOUND, _join(["no source lists this part", *hints]))
        return unplanned(LineStatus.ERROR, _join(failures) or "no source could be asked about this line")
    offers, maker_note, other_maker_only, may_buy = _of_the_maker(line, offers, rules)
    if not may_buy:
        why = _join([maker_note, *ambiguous, *remarks, *failures])
        return _not_bought(unplanned(LineStatus.OTHER_MAKER, why), offers)
    candidates = offers
    rohs_words = compliance_disagreement(candidates)
    offers, rohs_note = _compliant(offers, rules)
    if not offers:
        why = _join([rohs_note, *remarks, *failures])
        return _not_bought(unplanned(LineStatus.NOT_ROHS, why), candidates)
    planning = [for_planning(offer) for offer in offers]
    available = [ledger.left(offer) for offer in planning] if ledger else planning
    spare, spare_rows = ledger.spare(planning) if ledger else (0, [])
    from_spare = min(need, spare)
    spare_offers = tuple(ledger.spare_offers(planning)) if ledger and from_spare else ()
    # Parts in stock without a list price: a quote buys them, a backorder is not the answer.
    quotable = quote_stock(available)
    plan = plan_need(need - from_spare, available, currency, rules, price_shortfall=not quotable)
    purchases, shortage, to_quote = plan.purchases, plan.shortage, plan.to_quote
    status = LineStatus.OK if shortage == 0 else LineStatus.SHORT
    reason = [_shortage_note(need, shortage, available, purchases, rules)] if shortage else []
    if shortage and quotable:
        purchases = tuple(p for p in purchases if not p.backorder)
        in_stock = sum(offer.stock for offer in quotable)
        to_quote, shortage = shortage, max(0, shortage - in_stock)
        status = LineStatus.QUOTE
        reason = [f"{in_stock:,} in stock at {_first_few([o.where for o in quotable])} without a list price: "
                  f"get a quote for {to_quote:,}" + (f"; {shortage:,} short even then" if shortage else "")]
    non_compliant = [offer for offer in candidates if offer not in offers and offer.stock > 0]
    if status is LineStatus.SHORT and non_compliant:  # RoHS is why stock that is there is not bought
        status = LineStatus.NOT_ROHS
        reason.insert(0, f"{distinct_stock(non_compliant):,} in stock at "
                         f"{_first_few(list(dict.fromkeys(o.where for o in non_compliant)))} not RoHS "
                         "compliant: not bought (RoHS required); quote a compliant part")
    lifecycle_offer = part_lifecycle(offers, purchases)
    lifecycle = lifecycle_offer.lifecycle if lifecycle_offer else Lifecycle.UNKNOWN
    if lifecycle is Lifecycle.OBSOLETE:
        status = LineStatus.OBSOLETE
        what = "its remaining stock is planned" if purchases else "nothing left to buy"
        reason.insert(0, f"obsolete ({_lifecycle_words(lifecycle_offer)}): {what}; find a replacement")
    elif lifecycle in LIFECYCLE_RISKS and purchases:
        reason.insert(0, f"{lifecycle.value} ({_lifecycle_words(lifecycle_offer)})")
    elif lifecycle in LIFECYCLE_RISKS:  # nothing bought: the quote must know it too
        reason.append(f"the part is {lifecycle.value} ({_lifecycle_words(lifecycle_offer)})")
    if other_maker_only:
        status = LineStatus.OTHER_MAKER if status is LineStatus.OK else status
        reason.insert(0, maker_note)
    rohs_disagree = f"sources disagree on RoHS: {rohs_words}" if rohs_words else ""
    own_notes = [note for note in (maker_note if not other_maker_only else "", rohs_note, rohs_disagree)
                 if note]
    notes = [*head_notes, *own_notes, *plan.notes, *_purchase_notes(purchases)]
    if from_spare:
        notes.append(f"{from_spare} of the need come from parts bought over need for row"
                     f"{'s' if len(spare_rows) > 1 else ''} {', '.join(map(str, spare_rows))}")
    if ledger and purchases and (rows := ledger.rows_sharing(planning)):
        notes.append(f"same stock also planned for row{'s' if len(rows) > 1 else ''} "
                     f"{', '.join(map(str, rows))}: this line gets what those left")
    # the offer whose facts the line shows: what it buys, else what other lines bought for it
    # (parts over their need), else the best stocked offer
    reference = (purchases[0].offer if purchases else spare_offers[0] if spare_offers
                 else max(offers, key=lambda o: (o.stock, -o.moq)))
    bought_now = [p for p in purchases if not p.backorder]
    # A line bought now shows its offer's lead time; a short one the backorder's, else the best known.
    backordered = [known_lead(p.offer) for p in purchases if p.backorder]
    covered = bool(bought_now) or bool(spare_offers and not purchases)
    lead = known_lead(reference) if covered and not shortage else (
        next((weeks for weeks in backordered if weeks), None) or best_known_lead(available))
    return LineResult(
        line, need, status,
        reason=_join([*reason, *ambiguous, *remarks, *failures]),
        lookups=lookups,
        stock=stock,
        moq=reference.moq,
        ncnr=ncnr_of([p.offer for p in purchases]) if purchases else reference.ncnr,
        lead_time_weeks=lead,
        purchases=purchases,
        need_base=base,
        notes=tuple(notes),
        shortage=shortage,
        from_spare=from_spare,
        lifecycle=lifecycle,
        lifecycle_text=lifecycle_offer.lifecycle_text if lifecycle_offer else "",
        last_buy_date=last_buy_date(offers),
        rohs=line_compliance(candidates, purchases, "rohs"),
        rohs_text=rohs_words,
        reach=line_compliance(candidates, purchases, "reach"),
        overbuy=plan.overbuy,
        to_quote=_to_quote(need, from_spare, purchases),
        spare_offers=spare_offers,
    )


def _to_quote(need: int, from_spare: int, purchases: Sequence[Purchase]) -> int:
    """Parts of the need the plan puts no price on, for a supplier to quote: a shortfall no
    backorder prices, quote-only stock, what a refused overbuy leaves. Bonded stock is yours already."""
    covered = sum(p.allocated or p.buy_qty for p in purchases if p.ext_price is not None or p.offer.bonded)
    return max(0, need - from_spare - covered)


def _listed_by_other_makers(line: BomLine, lookups: Mapping[str, Lookup]) -> list[Offer]:
    """The offers of ambiguous answers when the BOM names a maker and every one of them is another
    maker's: the line is then another maker's, not a guess among its own maker's parts."""
    listed = [offer for lookup in lookups.values() if lookup.status is LookupStatus.AMBIGUOUS
              for offer in lookup.offers]
    if not line.manufacturer or not all(other_maker(line.manufacturer, o.manufacturer) for o in listed):
        return []
    return listed


def _of_the_maker(line: BomLine, offers: list[Offer], rules: Rules) -> tuple[list[Offer], str, bool, bool]:
    """(offers to plan, note, only another maker's, may be bought): the BOM's maker's offers when it
    names one.

    Makers are compared through the one alias table (TI = Texas Instruments): a naming
    difference is never another maker. Offers that name no maker count as the BOM's. Another
    maker's part is bought only with `allow_other_maker`, and only when one other maker lists the
    MPN: among several (TI, onsemi, ST) choosing is a person's decision.
    """
    others = [offer for offer in offers if other_maker(line.manufacturer, offer.manufacturer)]
    if not others:
        return offers, "", False, True
    named: dict[str, str] = {}
    for offer in others:
        named.setdefault(maker_key(offer.manufacturer), offer.manufacturer)
    makers = _first_few(list(named.values()))
    own = [offer for offer in offers if offer not in others]
    if own:
        return own, f"also listed under {makers}: not planned (not {line.manufacturer})", False, True
    made = f"{line.mpn} is listed only as made by {makers}, not {line.manufacturer}"
    if not rules.allow_other_maker:
        return offers, (f"{made}: not bought; allow another maker (--allow-other-maker) or quote "
                        f"{line.manufacturer}'s part"), True, False
    if len(named) > 1:
        return offers, (f"{made}: not bought, although another maker is allowed: {len(named)} makers "
                        "list it, name the one to buy (as the line's maker or an alternate) or quote "
                        f"{line.manufacturer}'s part"), True, False
    return offers, f"{made}: planned as a proposal (another maker allowed)", True, True


def _compliant(offers: list[Offer], rules: Rules) -> tuple[list[Offer], str]:
    """With --require-rohs, the offers a source does not call RoHS non-compliant."""
    if not rules.require_rohs:
        return offers, ""
    kept = [offer for offer in offers if offer.rohs is not Compliance.NOT_COMPLIANT]
    dropped = len(offers) - len(kept)
    if not dropped:
        return offers, ""
    if not kept:
        return [], "not RoHS compliant at any source: not bought (RoHS required); quote a compliant part"
    return kept, f"{dropped} offer{'s' if dropped > 1 else ''} not RoHS compliant left out (RoHS required)"


def _not_bought(result: LineResult, offers: Sequence[Offer]) -> LineResult:
    """A line whose offers the rules do not let it buy: nothing planned, all of it to quote."""
    reference = max(offers, key=lambda o: (o.stock, -o.moq))
    lifecycle_offer = part_lifecycle(offers, ())
    return replace(result, moq=reference.moq, ncnr=reference.ncnr, lead_time_weeks=best_known_lead(offers),
                   shortage=0, to_quote=result.need,
                   lifecycle=lifecycle_offer.lifecycle if lifecycle_offer else Lifecycle.UNKNOWN,
                   lifecycle_text=lifecycle_offer.lifecycle_text if lifecycle_offer else "",
                   last_buy_date=last_buy_date(offers), rohs=line_compliance(offers, ()),
                   rohs_text=compliance_disagreement(offers), reach=line_compliance(offers, (), "reach"))


def _lifecycle_words(offer: Offer | None) -> str:
    if offer is None:
        return ""
    words = offer.lifecycle_text or offer.lifecycle.value
    return f"{offer.source}: {words}"


def ncnr_of(offers: Sequence[Offer]) -> bool | None:
    """NCNR of a line bought from `offers`: yes if any is, unknown if any source does not say, else no."""
    values = [offer.ncnr for offer in offers]
    if any(values):
        return True
    return None if any(value is None for value in values) else False


def _stock_of(lookup: Lookup) -> int | None:
    """What the source itself holds: Marketplace sellers' stock is an offer like any other, but not
    the source's stock (DigiKey's QuantityAvailable counts it; its column must not)."""
    if lookup.status is LookupStatus.FOUND:
        return distinct_stock(offer for offer in lookup.offers if offer.marketplace is not True)
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
            notes.append(f"buys {purchase.excess} over need ({excess_cause(purchase)})")
        if offer.fees and purchase.ext_price is not None:
            notes.append(f"includes a fee of {offer.fees:,.2f} {offer.currency} at {where}")
        if offer.ncnr:
            # Bonded stock is already the customer's commitment: releasing more adds no new liability.
            risky = purchase.excess and not offer.bonded
            risk = f"; RISK: {purchase.excess} over need can never be returned" if risky else ""
            notes.append(f"NCNR at {where}{risk}")
    return notes


def _shortage_note(need: int, shortage: int, offers: Sequence[Offer], purchases: Sequence[Purchase],
                   rules: Rules) -> str:
    if not any(offer.breaks for offer in offers) and not purchases:
        return f"no stock to buy and no list price{_quoting(offers)}: get a quote for {need:,}" + _pipeline(
            offers, rules)
    now = sum(p.buy_qty for p in purchases if not p.backorder)
    backorder = next((p for p in purchases if p.backorder), None)
    if backorder is not None and not now:
        stocked = [offer for offer in offers if offer.stock > 0]
        what = (f"only {max(o.stock for o in stocked)} in stock, below what can be ordered"
                if stocked else "none in stock")
        text = f"{what}; quantity and price are for a backorder, {_lead(backorder.offer, offers)}"
        return text + _pipeline(offers, rules, lead=False)
    if now:
        text = f"no offer covers the need: buy {now} now, {shortage} short"
    else:
        text = f"no offer can supply {need} now"
    return text + _pipeline(offers, rules)


def _quoting(offers: Sequence[Offer]) -> str:
    """' (Arrow: Arrow Europe (EUROPE) quotes it on request)' when sellers say they quote it."""
    sellers = list(dict.fromkeys(offer.where for offer in offers
                                 if offer.availability_kind is Availability.QUOTE))
    if not sellers:
        return ""
    return f" ({_first_few(sellers)} quote{'s' if len(sellers) == 1 else ''} it on request)"


def _lead(offer: Offer, offers: Sequence[Offer]) -> str:
    """The offer's lead time; when it has none, the best one known, said as such."""
    own = known_lead(offer)
    if own is not None:
        return lead_text(own)
    best = best_known_lead(offers)
    return f"lead time unknown (best known {best} wk)" if best is not None else lead_text(None)


def _pipeline(offers: Sequence[Offer], rules: Rules, *, lead: bool = True) -> str:
    """When more is coming: the seller's on-order dates, else (with `lead`) the best known lead time."""
    deliveries = pipeline_text(offers, rules.today)
    if deliveries:
        return f"; on order: {deliveries}"
    if not lead:
        return ""
    return f"; {lead_text(best_known_lead(offers))}"


def _first_few(names: Sequence[str], few: int = 3) -> str:
    return ", ".join(names[:few]) + (", …" if len(names) > few else "")


def _join(parts: Iterable[str]) -> str:
    return "; ".join(part for part in parts if part)
