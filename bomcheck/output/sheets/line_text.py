"""What a line's result says in words, shared by the BOM sheet, the Summary and the Quantities sheet."""

from __future__ import annotations

from bomcheck.model import LineResult, LineStatus, Purchase


def _unique(parts: list[str]) -> list[str]:
    """The clauses of `parts` in order, each once (a reason is often repeated among the notes)."""
    seen: list[str] = []
    for clause in (clause.strip() for part in parts for clause in part.split("; ")):
        if clause and clause not in seen:
            seen.append(clause)
    return seen


def why(result: LineResult) -> str:
    """Why a line is red or amber, in a few words: a red line's reason first, an amber line's
    decisions first (the Action's own decision leads); '' for a line with nothing to say."""
    reason = [result.reason]
    decisions = list(result.decisions)
    parts = _unique(reason + decisions if result.status.blocks else decisions + reason)
    if not parts and result.status is not LineStatus.OK and result.status is not LineStatus.DNP:
        parts = [result.status.value.lower()]
    return "; ".join(parts)


def notes(result: LineResult) -> str | None:
    """The Notes cell: why the line is red or amber (as in the Summary), the need's breakdown, how
    the plan came about, and last what the reader doubted on the line."""
    parts = [why(result) if result.status is not LineStatus.OK or result.decisions else result.reason]
    if result.need_attrition:
        parts.append(f"need {result.need} = {result.need_base} + {result.need_attrition} attrition")
    parts += list(result.notes)
    currencies = {p.offer.currency for p in result.purchases}
    if len(currencies) > 1:
        parts.append(f"priced in {', '.join(sorted(currencies))}: never added up")
    parts += [f"BOM: {warning}" for warning in result.line.warnings]  # what the reader doubted
    return "; ".join(_unique(parts)) or None


def where(purchase: Purchase) -> str:
    offer = purchase.offer
    return f"{offer.where} {offer.sku}".strip()


def best_source(result: LineResult) -> str | None:
    """Where to buy; led by the MPN when the line is bought as an alternate."""
    if not result.purchases:
        return None
    if len(result.purchases) == 1:
        text = where(result.purchases[0])
    else:
        text = " + ".join(f"{where(p)} ({p.buy_qty:,})" for p in result.purchases)
    return f"{result.alternate.mpn} (alternate): {text}" if result.alternate else text


def name_of(result: LineResult) -> str:
    """The line's MPN, else its designators, else '(no MPN)'."""
    return result.line.mpn or ", ".join(result.line.refdes) or "(no MPN)"
