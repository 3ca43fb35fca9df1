"""The per-line results as JSON, for scripts and RFQ systems."""

from __future__ import annotations

import json
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
    PartAnswers,
    Purchase,
    Report,
    Scenario,
    SourceStatus,
)
from bomcheck.output.failures import run_failures


def report_to_dict(report: Report) -> dict[str, Any]:
    """A JSON-ready view of the report; money as strings so no digit is lost to floats."""
    return {
        "file": str(report.bom.path),
        "sheet": report.bom.sheet,
        "checked_at": report.checked_at.isoformat(timespec="seconds"),
        "boards": report.boards,
        "attrition": report.attrition,
        "currency": report.currency,
        "sources": [_source(s, report.checked_at) for s in report.sources],
        "totals": {currency: _money(total) for currency, total in report.totals.items()},
        "counts": {status.value: report.count(status) for status in LineStatus},
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
    """One build quantity: its costs per currency, coverage and counts, and its lines in short."""
    return {
        "boards": scenario.boards,
        "totals": {currency: _money(total) for currency, total in scenario.totals.items()},
        "per_board": {currency: _money(value) for currency, value in scenario.per_board.items()},
        "coverage": str(scenario.coverage.quantize(Decimal("0.0001"))),
        "counts": {status.value: scenario.count(status) for status in LineStatus},
        "ncnr_lines": scenario.ncnr_lines,
        "lines": [{"row": r.line.row, "need": r.need, "status": r.status.value, "shortage": r.shortage,
                   "bought_mpn": r.bought_mpn, "alternate": _alternate(r.alternate),
                   "purchases": [_purchase(p) for p in r.purchases]} for r in scenario.results],
        "lines_on_alternates": sum(1 for r in scenario.results if r.alternate),
        # at this quantity, for a buyer to approve: it may differ from the first quantity's
        "notes": [f"row {r.line.row}: {r.line.mpn or 'no MPN'} bought as alternate {r.bought_mpn}"
                  + (f" ({r.bought_manufacturer})" if r.bought_manufacturer else "")
                  for r in scenario.results if r.alternate],
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
        "distributor_pns": dict(line.distributor_pns),
        "refdes": list(line.refdes),
        "qty_per_board": line.qty,
        "need": result.need,
        "need_base": result.need_base,
        "need_attrition": result.need_attrition,
        "status": result.status.value,
        "reason": result.reason,
        "stock": dict(result.stock),
        "moq": result.moq,
        "ncnr": result.ncnr,
        "lead_time_weeks": result.lead_time_weeks,
        "notes": list(result.notes),
        "shortage": result.shortage,
        "ncnr_risk": result.ncnr_risk,
        "purchases": [_purchase(p) for p in result.purchases],
        "buy_qty": result.buy_qty,
        "unit_price": _money(result.unit_price),  # as the workbook: the average for a split line
        "ext_price": _money(result.ext_price),
        "currency": result.currency,
        "best_source": _offer(purchase.offer) if purchase else None,  # the first purchase's
        "sources": [_offer(p.offer) for p in result.purchases],
        "warnings": list(line.warnings),
        # The part bought: the line's own MPN, or the alternate it is planned on (then "alternate").
        "bought_mpn": result.bought_mpn,
        "bought_manufacturer": result.bought_manufacturer,
        "alternate": _alternate(result.alternate),
        "alternates": [_alternate(alt) for alt in line.alternates],
        "other_parts_asked": [_asked(part) for part in result.other_parts],
    }


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
    }


def _offer(offer: Offer) -> dict[str, Any]:
    return {"source": offer.source, "seller": offer.seller, "sku": offer.sku, "mpn": offer.mpn,
            "manufacturer": offer.manufacturer}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
