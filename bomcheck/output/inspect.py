"""What the reader understood of a BOM, for `bomcheck inspect`: as JSON, and as a compact table."""

from __future__ import annotations

from typing import Any

from bomcheck.model import Bom


def distributor_columns(bom: Bom) -> dict[str, list[str]]:
    """role -> headers of every column of sellers' own numbers the reader recognised (DigiKey, Mouser...),
    the main one of each role first."""
    listed: dict[str, list[str]] = {}
    for role, header in bom.seller_columns:
        listed.setdefault(role, []).append(header)
    return listed


def inspect_json(bom: Bom) -> dict[str, Any]:
    """What `inspect --json` prints: file, sheet, header row, columns, reasons, lines, warnings."""
    return {
        "file": str(bom.path),
        "sheet": bom.sheet,
        "header_row": bom.header_row,
        "columns": dict(bom.columns),
        "distributor_columns": distributor_columns(bom),
        "column_reasons": dict(bom.column_reasons),
        "lines": [
            {"row": line.row, "mpn": line.mpn, "manufacturer": line.manufacturer, "qty": line.qty,
             "refdes": list(line.refdes), "dnp": line.dnp,
             "alternates": [{"mpn": alt.mpn, "manufacturer": alt.manufacturer} for alt in line.alternates],
             "warnings": list(line.warnings), "description": line.description,
             "digikey_pn": line.digikey_pn, "distributor_pns": line.distributor_pn_map(),
             "seller_numbers": [list(pair) for pair in line.distributor_pns],
             "customer_pn": line.customer_pn,
             "attrition": line.attrition, "raw_mpn_text": line.raw_mpn_text}
            for line in bom.lines
        ],
        "warnings": list(bom.warnings),
    }


def inspection_lines(bom: Bom) -> list[str]:
    """The human-readable report of `inspect`: a compact table, one line per BOM line."""
    out: list[str] = []
    where = f", sheet {bom.sheet!r}" if bom.sheet is not None else ""
    out.append(f"{bom.path.name}{where}, header row {bom.header_row}")
    for role, header in bom.columns.items():
        if header is not None:
            out.append(f"  {role:<13} {header!r:<32} {bom.column_reasons.get(role, '')}")
    missing = [role for role, header in bom.columns.items() if header is None]
    if missing:
        out.append(f"  not found: {', '.join(missing)}")
    dnp = sum(1 for line in bom.lines if line.dnp)
    no_mpn = sum(1 for line in bom.lines if not line.mpn and not line.dnp)
    out.append(f"{len(bom.lines)} lines, {dnp} DNP, {no_mpn} without MPN")
    out.append(f"  {'row':>5}  {'qty':>5}  {'MPN':<24} {'manufacturer':<20} designators")
    for line in bom.lines:
        seller = " ".join(line.distributor_pns[0]) if line.distributor_pns else ""
        mpn = line.mpn or (f"({seller})" if seller and not line.raw_mpn_text else
                           f"(no MPN: {line.raw_mpn_text or '-'})")
        refs = ",".join(line.refdes)
        refs = refs if len(refs) <= 30 else refs[:27] + "..."
        flags = " DNP" if line.dnp else ""
        flags += f" +{len(line.alternates)} alt" if line.alternates else ""
        flags += " !" if line.warnings else ""
        out.append(f"  {line.row:>5}  {line.qty:>5}  {mpn[:24]:<24} {(line.manufacturer or '')[:20]:<20} "
                   f"{refs}{flags}")
    for warning in bom.warnings:
        out.append(f"warning: {warning}")
    flagged = [line for line in bom.lines if line.warnings]
    for line in flagged[:20]:
        out.append(f"row {line.row}: {'; '.join(line.warnings)}")
    if len(flagged) > 20:
        out.append(f"... and {len(flagged) - 20} more rows with warnings (see --json)")
    return out
