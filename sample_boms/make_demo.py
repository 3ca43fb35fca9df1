"""Regenerates sample_boms/demo.xlsx, the small BOM the README runs on the sandbox."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from bomcheck.sandbox.catalog import (
    NCNR_MPN,
    NOT_FOUND_MPN,
    STOCKED_ALTERNATE_MPN,
    UNLISTED_MPN,
    ZERO_STOCK_MPN,
    digikey_pn,
)

HEADER = ("Item", "Reference", "Qty", "Manufacturer", "Manufacturer Part Number", "Alternate Manufacturer",
          "Alternate MPN", "DigiKey Part Number", "Description", "DNP", "Notes")
# (line's MPN, alternate maker, alternate MPN): the lines that name a second source
ALTERNATES = {UNLISTED_MPN: ("Diodes Inc", STOCKED_ALTERNATE_MPN)}

LINES = (
    ("C1, C2, C3, C4, C5, C6, C7, C8", 8, "Murata", "GRM188R71C104KA01D", True,
     "CAP CER 0.1UF 16V X7R 0603", "", ""),
    ("C9-C12", 4, "Samsung", "CL10A106KP8NNNC", False, "CAP CER 10UF 10V X5R 0603", "", ""),
    ("R1, R2, R3, R4, R5, R6", 6, "Yageo", "RC0603FR-071KL", True, "RES 1K 1% 0603", "", ""),
    ("R7-R10", 4, "Panasonic", "ERJ-3EKF1002V", False, "RES 10K 1% 0603", "", ""),
    ("C13, C14", 2, "KEMET", "C0805C104K5RACTU", False, "CAP CER 0.1UF 50V X7R 0805", "", ""),
    ("FB1", 1, "Murata", "BLM18PG221SN1D", False, "FERRITE BEAD 220 OHM 0603", "", ""),
    ("L1", 1, "Murata", "LQH3NPN4R7MM0L", False, "IND 4.7UH 1210", "", ""),
    ("U1", 1, "Texas Instruments", "LM358DR", True, "IC OPAMP GP 2 CIRCUIT 8SOIC", "", ""),
    ("U2", 1, "STMicroelectronics", "STM32F103C8T6", True, "IC MCU 32BIT 64KB FLASH 48LQFP",
     "", ""),
    ("U3", 1, "Texas Instruments", "TPS62130RGTR", False, "IC REG BUCK ADJ 3A 16VQFN", "", ""),
    ("U4", 1, "Microchip", "MCP2551-I/SN", False, "IC TRANSCEIVER CAN 8SOIC", "", ""),
    ("U5", 1, "Maxim", ZERO_STOCK_MPN, False, "IC TRANSCEIVER RS232 16SOIC", "", ""),
    ("U6", 1, "Analog Devices", NCNR_MPN, False, "DGTL ISO 2.5KV 2CH GEN PURP 8SOIC", "", ""),
    ("U7", 1, "Texas Instruments", "SN74LVC1G14DBVR", False, "IC INVERTER SCHMITT SOT23-5", "", ""),
    ("D1, D2", 2, "Diodes Inc", "BAV99W-7-F", True, "DIODE ARRAY GP 75V SOT323", "", ""),
    ("D3", 1, "Lite-On", "LTST-C170KRKT", False, "LED RED 0805", "", ""),
    ("Y1", 1, "Abracon", "ABM8-25.000MHZ-B2-T", False, "CRYSTAL 25MHZ 18PF SMD", "", ""),
    ("C20, C21", 2, "Murata", "GRM188R71C104KA01D", False, "CAP CER 0.1UF 16V X7R 0603",
     "", "same part as C1-C8, second power rail"),
    ("J1", 1, "GCT", "USB4105-GF-A", False, "CONN RCPT USB2.0 TYPE C 24POS SMD", "", ""),
    ("J2", 1, "Acme Connectors", NOT_FOUND_MPN, False, "CONN HEADER 2X5 custom", "",
     "custom part, supplier to confirm"),
    ("R11", 1, "Yageo", "RC0603FR-071KL", False, "RES 1K 1% 0603 (footprint option)", "DNP",
     "fit only for the 5 V variant"),
    ("TP1, TP2, TP3", 3, "", "", False, "Test point, 1 mm pad", "", "no part: PCB pad"),
    ("U8", 1, "", "NE555", False, "IC OSC SINGLE TIMER 8SOIC", "", "any maker's 555 will do"),
    ("U9", 1, "Microchip", UNLISTED_MPN, False, "IC REG LINEAR 3.3V 250MA SOT23-3", "",
     "discontinued: buy the second source"),
)


def build(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    sheet["A1"] = "Sensor Gateway rev B — Bill of Materials"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Project: SGW-200    Revision: B    Date: 2026-11-20"
    sheet.append([])
    sheet.append([])
    header_fill = PatternFill("solid", start_color="DDEBF7")
    sheet.append(HEADER)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for item, (refs, qty, mfr, mpn, bonded, desc, dnp, notes) in enumerate(LINES, start=1):
        alt_mfr, alt_mpn = ALTERNATES.get(mpn, ("", ""))
        sheet.append([item, refs, qty, mfr, mpn, alt_mfr, alt_mpn, digikey_pn(mpn) if bonded else "", desc,
                      dnp, notes])
    total_row = sheet.max_row + 2
    sheet.cell(total_row, 2, "Total placements")
    sheet.cell(total_row, 3, f"=SUM(C6:C{total_row - 2})")
    for column, width in zip("ABCDEFGHIJK", (6, 30, 6, 20, 26, 20, 20, 20, 36, 6, 34), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A6"
    notes = workbook.create_sheet("Notes")
    notes["A1"] = "Assembly notes"
    notes["A2"] = "Lead-free process. Parts marked DNP are not fitted on variant A."
    workbook.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name("demo.xlsx"))
