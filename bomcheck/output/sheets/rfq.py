"""The RFQ sheet: the lines a buyer must get quoted, with the quantity to quote per build quantity.

The lines are those of the RFQ file (`output/rfq_lines.reasons`); this sheet, internal, also says
what the sources offered (Details).

The MPN is the part the plan buys (an alternate when the line is planned on one); the line's
other acceptable parts are listed beside it, so a quote for any of them will do.
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bomcheck.model import LineResult, LineStatus, LookupStatus, Report, normalize_mpn
from bomcheck.output.rfq_lines import reasons
from bomcheck.output.sheets.cells import Value, new_sheet, write_table

TITLE = "RFQ"
FIRST_HEADER = "BOM Row"


def why_quote(result: LineResult) -> str | None:
    """Why a line goes on the RFQ, or None: the same choice as the RFQ file a supplier gets."""
    return ", ".join(reasons(result)) or None


def quote_qty(result: LineResult) -> int:
    """A short line quotes what stock cannot supply; the others quote their whole need."""
    return result.shortage if result.status is LineStatus.SHORT and result.shortage else result.need


def other_parts(result: LineResult) -> list[str]:
    """The line's other acceptable MPNs than the one quoted: its own and its alternates, each that
    every source said it does not list marked '(not found)'."""
    line = result.line
    names = [name for name in (line.mpn, *(alt.mpn for alt in line.alternates)) if name]
    unlisted = {normalize_mpn(part.mpn) for part in result.other_parts if part.lookups
                and all(lookup.status is LookupStatus.NOT_FOUND for lookup in part.lookups.values())}
    return [f"{name} (not found)" if normalize_mpn(name) in unlisted else name
            for name in dict.fromkeys(names) if name != result.planned_mpn]


def quoted_manufacturer(result: LineResult) -> str:
    """The maker of the part quoted: of what is bought, else the one the BOM names for it."""
    return result.bought_manufacturer or result.planned_manufacturer or ""


def add_rfq(workbook: Workbook, report: Report) -> Worksheet:
    """One row per line to quote in any scenario, with a `Quote Qty (N boards)` column per quantity."""
    scenarios = report.scenarios
    headers = [FIRST_HEADER, "Designators", "MPN", "Manufacturer", "Alternates", "Description", "Customer PN",
               "Why", "Details", *(f"Quote Qty ({s.boards} boards)" for s in scenarios)]
    rows: list[list[tuple[Value, str | None]]] = []
    for index, result in enumerate(report.results):
        per_scenario = [s.results[index] for s in scenarios]
        reasons = [why_quote(r) for r in per_scenario]
        if not any(reasons):
            continue
        line = result.line
        listed = next(r for r, why in zip(per_scenario, reasons, strict=True) if why)
        details = "; ".join(part for part in (listed.reason, *listed.notes) if part)
        rows.append([
            (line.row, None), (", ".join(line.refdes), None), (listed.planned_mpn or "", None),
            (quoted_manufacturer(listed), None), (", ".join(other_parts(listed)), None),
            (line.description or "", None), (line.customer_pn or "", None),
            (", ".join(dict.fromkeys(why for why in reasons if why)), None), (details, None),
            *((quote_qty(r) if why else None, None) for r, why in zip(per_scenario, reasons, strict=True)),
        ])
    sheet = new_sheet(workbook, TITLE, FIRST_HEADER)
    write_table(sheet, headers, rows)
    return sheet
