"""The sandbox's synthetic parts catalog: every answer derived from a stable hash of the MPN (pure, no I/O).

Rules (all deterministic: sha256 of the upper-cased MPN, never Python's `hash()`):

- An MPN is found unless it contains "NOTFOUND" or "OBSOLETE" (any case) or its hash puts it
  in the unlucky twelfth (`is_found`).
- A found part has 1–3 sources among ACNA, EUROPE, ASIA and VERICAL, each with 1–2 source
  parts (cut tape / single pieces with packSize 1, or reels, trays and tubes with packSize =
  MOQ / MOQ/2). Now and then a single-piece offer has MOQ 2000 (the real-world oddity), and
  then its first price tier may sit below the MOQ, as Arrow's real data does.
- About one offer in eight is a QUOTE offer without a price ladder; the others have 1–6 tiers
  with ascending quantities and non-increasing prices (4 decimal places).
- `search(token)` is Arrow's exact-or-prefix token search: the exact part (if found) plus 0–5
  "family" variants (`token + suffix`), ordered by itemId, so the exact match is not always first.
- Arrow's traps: `search(CROWDED_MPN)` lists 42 parts with onsemi's exact LM2903 after the first
  page of 25 (TI's comes first); a part's `status` is now and then NRND, Obsolete or "", its EU
  RoHS now and then not compliant, unknown or not listed; an Arrow pool's offer now and then has
  mfrLeadTime 99 beside tariffFlag true (Verical's is always 0). These are drawn on dice of their
  own, so every other value of a part is what it was before they were added.
- Prices are in USD; `currency=` converts them with the fixed table `USD_RATES` (1 USD = rate
  units of the currency). Unknown currencies keep USD.
- The demo DigiKey account (`SANDBOX_DIGIKEY_ACCOUNT_ID`) holds bonded stock of
  `BONDED_DEMO_MPNS`; `ReserveQuantity` is what we treat as the quantity available to release.
  It has two locations: its own (USD) and `SECOND_LOCATION_ID` (EUR), where the lines of
  `SECOND_LOCATION_MPNS` are kept and priced.
- A part's maker comes from its MPN's prefix (`_FAMILIES`), else from a hash among a few makers.
  A real distributor knows the true maker, which on a correct BOM is the one the BOM names: the
  makers in `NAMED_MAKERS` (set per request from `SandboxConfig.named_makers`, which
  `check --sandbox` and `watch --sandbox` fill from the BOM) win over both, except for the
  multi-source generics of `SECOND_SOURCES`. A part so named draws its other values anew.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from types import MappingProxyType
from typing import Any, TypeVar

from bomcheck.sandbox import SANDBOX_DIGIKEY_ACCOUNT_ID

T = TypeVar("T")

# --------------------------------------------------------------------------- public constants

NOT_FOUND_MPN = "XYZ-NOTFOUND-1"
ZERO_STOCK_MPN = "MAX3232ESE+T"  # found, every offer has zero stock
NCNR_MPN = "ADUM1201ARZ-RL7"  # found, every offer is NCNR
# A part no source lists (discontinued), and a stocked second source for it: the demo's alternate case.
UNLISTED_MPN = "MCP1700T-3302E/TT"
STOCKED_ALTERNATE_MPN = "AP2112K-3.3TRG1"

BONDED_DEMO_MPNS: tuple[str, ...] = (
    "LM358DR",
    "STM32F103C8T6",
    "GRM188R71C104KA01D",
    "RC0603FR-071KL",
    "BAV99W-7-F",
    "TPS62130RGTR",
    "ATMEGA328P-AU",
    "NE555DR",
)

DEMO_MPNS: tuple[str, ...] = (
    # passives
    "GRM188R71C104KA01D",
    "CL10A106KP8NNNC",
    "RC0603FR-071KL",
    "ERJ-3EKF1002V",
    "C0805C104K5RACTU",
    "BLM18PG221SN1D",
    "LQH3NPN4R7MM0L",
    # ICs
    "LM358DR",
    "NE555DR",
    "STM32F103C8T6",
    "ATMEGA328P-AU",
    "TPS62130RGTR",
    "AMS1117-3.3",
    "MCP2551-I/SN",
    "SN74LVC1G14DBVR",
    "FT232RL-REEL",
    ZERO_STOCK_MPN,
    NCNR_MPN,
    "ESP32-WROOM-32E",
    # diodes, LEDs, crystals
    "BAV99W-7-F",
    "1N4148W-7-F",
    "SMBJ5.0A",
    "LTST-C170KRKT",
    "ABM8-25.000MHZ-B2-T",
    # connectors
    "USB4105-GF-A",
    "B2B-XH-A(LF)(SN)",
    "61300311121",
    STOCKED_ALTERNATE_MPN,
)

SOURCE_NAMES: dict[str, str] = {
    "ACNA": "Arrow Americas",
    "EUROPE": "Arrow Europe",
    "ASIA": "Arrow Asia",
    "VERICAL": "Verical",
}

# 1 USD = rate units of the currency. Fixed on purpose: the sandbox must answer the same forever.
USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "JPY": Decimal("150"),
    "CAD": Decimal("1.36"),
    "AUD": Decimal("1.52"),
    "SGD": Decimal("1.34"),
    "HKD": Decimal("7.80"),
    "CNY": Decimal("7.20"),
    "MYR": Decimal("4.70"),
    "KRW": Decimal("1330"),
    "BRL": Decimal("5.00"),
    "INR": Decimal("83.0"),
    "MXN": Decimal("17.0"),
    "TWD": Decimal("31.5"),
}
_CURRENCY_ALIASES = {"CAN": "CAD"}  # Arrow's own docs spell the Canadian dollar "CAN"

NCNR_NOT_SIGNED = "1858-11-17T00:00:00"  # DigiKey's "no NCNR date" sentinel
LAST_TIER_MAX = 99999999  # Arrow's "no upper bound" sentinel on the last price tier

_PRICE_STEP = Decimal("0.0001")
_PRICE_FLOOR = Decimal("0.0010")
_DECIMAL = Context(prec=28)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class CatalogBreak:
    """One price tier: `price` per unit from `min_qty` up to `max_qty` pieces."""

    min_qty: int
    max_qty: int
    price: Decimal


@dataclass(frozen=True)
class CatalogSourcePart:
    """One Arrow sourcePart: a packaging of the part in one pool, with its own stock and ladder."""

    sku: str
    pack_size: int
    moq: int
    stock: int
    breaks: tuple[CatalogBreak, ...]  # empty: a QUOTE offer with no list price
    ncnr: bool
    lead_weeks: int
    availability_cd: str
    date_code: str
    pipeline: tuple[tuple[str, int], ...]  # (DD-MON-YYYY, quantity)
    container_type: str
    country_of_origin: str = ""
    tariff_flag: bool = False  # v4's tariffFlag; real answers showed mfrLeadTime 99 beside a true one

    @property
    def availability_message(self) -> str:
        return _AVAILABILITY_MESSAGES.get(self.availability_cd, "")


@dataclass(frozen=True)
class CatalogSource:
    """One inventory pool (Arrow's sourceCd) that lists the part."""

    source_cd: str
    display_name: str
    currency: str
    parts: tuple[CatalogSourcePart, ...]


@dataclass(frozen=True)
class CatalogPart:
    """A manufacturer part number and everything the sandbox says about it."""

    part_num: str
    mfr_cd: str
    mfr_name: str
    description: str
    sources: tuple[CatalogSource, ...]
    item_id: int = 0
    category: str = ""
    has_datasheet: bool = True
    eccn_code: str = "EAR99"
    hts_code: str = ""
    status: str = "Active"  # Arrow's part status: "Active", "NRND", "Obsolete" or ""
    eu_rohs: str | None = "Compliant"  # EnvData's eurohs value; None: only cnrohs is listed


@dataclass(frozen=True)
class Address:
    """A shipping address (our assumption of DigiKey's Address model; the seed is cut off)."""

    company: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    zip_code: str
    country_code: str


@dataclass(frozen=True)
class BondedLocation:
    """A DigiKey CustomerLocationResponse: one location of an account."""

    customer_id: int
    bonded_inventory: bool
    currency: str
    shipping_address: Address


@dataclass(frozen=True)
class BondedRecord:
    """Every field of DigiKey's BondedInventoryProductResponse, in the seed's order."""

    digikey_part_number: str
    manufacturer_part_number: str
    customer_part_number: str
    product_description: str
    manufacturer: str
    unit_price: Decimal
    pack_type: str
    country_of_origin: str
    reserve_quantity: int  # treated as the bonded quantity available to release
    back_order_reserve_quantity: int
    vendor_lead_weeks: str
    customer_id: int
    ncnr_quantity: int
    ncnr_date_signed: str
    minimum_release_quantity_override: bool
    minimum_quantity_threshold: int
    non_cancelable: bool
    standard_package: int

    @property
    def minimum_release_quantity(self) -> int:
        """The MOQ per the seed's table: override False → StandardPackage; True → threshold or 1."""
        if not self.minimum_release_quantity_override:
            return self.standard_package
        return self.minimum_quantity_threshold if self.minimum_quantity_threshold > 0 else 1


_AVAILABILITY_MESSAGES = {
    "INSTK": "In Stock",
    "INSTKEU": "In Stock",
    "CSTRP": "Cut Strips",
    "NOSTK": "Out Of Stock",
    "QUOTE": "Call For Quote",
}


# --------------------------------------------------------------------------- stable randomness


class Dice:
    """An endless stream of numbers drawn from sha256("<salt>:<key>:<n>"), identical in every process."""

    def __init__(self, key: str, salt: str = "") -> None:
        self._seed = f"{salt}:{key}"
        self._count = 0

    def below(self, n: int) -> int:
        digest = hashlib.sha256(f"{self._seed}:{self._count}".encode()).digest()
        self._count += 1
        return int.from_bytes(digest[:8], "big") % n

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def chance(self, percent: int) -> bool:
        return self.below(100) < percent

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def log_between(self, low: Decimal, high: Decimal) -> Decimal:
        """A value spread evenly on a log scale between low and high (Decimal maths, no floats)."""
        fraction = Decimal(self.below(1001)) / 1000
        return _DECIMAL.multiply(low, _DECIMAL.power(high / low, fraction))


def part_key(mpn: str) -> str:
    """The catalog's key of an MPN: stripped and upper-cased."""
    return mpn.strip().upper()


_key = part_key

# Part key -> the maker a BOM names for it, where the catalog would list another (see the docstring).
NAMED_MAKERS: ContextVar[Mapping[str, str]] = ContextVar("NAMED_MAKERS", default=MappingProxyType({}))
# DigiKey numbers a BOM gives beside an MPN of its own: no part is made up for them (digikey_products).
NAMED_NUMBERS: ContextVar[frozenset[str]] = ContextVar("NAMED_NUMBERS", default=frozenset())


# --------------------------------------------------------------------------- families


@dataclass(frozen=True)
class _Family:
    """What the MPN's prefix tells: maker, kind of part, price range, packaging."""

    prefixes: tuple[str, ...]
    mfr_cd: str
    mfr_name: str
    category: str
    description: str
    price_low: str  # USD per piece at quantity 1
    price_high: str
    bulk_packs: tuple[int, ...]  # reel / tray / tube sizes
    bulk_container: str  # containerType of bulk offers ("" for reels, as Arrow shows them)
    hts_code: str
    origins: tuple[str, ...] = ("CN", "MY", "PH", "TW")


_MLCC = ("Multilayer Ceramic Capacitors MLCC - SMD/SMT", "8532.24.00.20")
_RES = ("Thick Film Resistors - SMD", "8533.21.00.30")
_IND = ("Inductors, Chokes & Coils", "8504.50.80.00")
_DIODE = ("Diodes - General Purpose, Power, Switching", "8541.10.00.80")
_TVS = ("TVS Diodes", "8541.10.00.80")
_IC = "8542.39.00.01"
_CONN = "8536.69.40.40"

_FAMILIES: tuple[_Family, ...] = (
    _Family(("GRM", "GCM", "GJM"), "MURATA", "Murata", _MLCC[0],
            "Cap Ceramic X7R 10% Pad SMD 0603 125°C T/R", "0.01", "0.12",
            (4000, 10000), "", _MLCC[1], ("JP", "CN", "TH")),
    _Family(("CL",), "SAMSUNGEM", "Samsung Electro-Mechanics", _MLCC[0],
            "Cap Ceramic X5R 10% Pad SMD 0603 85°C T/R", "0.02", "0.25",
            (4000,), "", _MLCC[1], ("KR", "CN", "PH")),
    _Family(("C0", "C1"), "KEMET", "KEMET", _MLCC[0],
            "Cap Ceramic X7R 10% Pad SMD 0805 125°C T/R", "0.02", "0.20",
            (4000, 10000), "", _MLCC[1], ("MX", "CN")),
    _Family(("RC0", "RC1", "RT0", "CC0", "AC0"), "YAGEO", "Yageo", _RES[0],
            "Res Thick Film 0603 1% 0.1W(1/10W) ±100ppm/°C Pad SMD T/R", "0.01", "0.10",
            (5000, 10000), "", _RES[1], ("TW", "CN")),
    _Family(("ERJ",), "PANASONIC", "Panasonic", _RES[0],
            "Res Thick Film 0603 1% 0.1W(1/10W) ±100ppm/°C Molded SMD Punched T/R",
            "0.02", "0.10", (5000,), "", _RES[1], ("JP", "ID")),
    _Family(("CRCW",), "VISHAY", "Vishay", _RES[0],
            "Res Thick Film 0805 1% 0.125W(1/8W) ±100ppm/°C Pad SMD T/R", "0.02", "0.10",
            (5000,), "", _RES[1], ("CZ", "CN", "IL")),
    _Family(("BLM", "LQH", "LQM"), "MURATA", "Murata", _IND[0],
            "Inductor General Purpose Wirewound/Ferrite SMD T/R", "0.05", "0.80",
            (2000, 4000), "", _IND[1], ("JP", "CN")),
    _Family(("744", "613"), "WURTH", "Würth Elektronik", "Headers & Wire Housings",
            "Conn Header/Inductor Würth Elektronik Through Hole/SMD", "0.10", "2.50",
            (100, 500), "Bulk", _CONN, ("DE", "CN")),
    _Family(("BAV", "BAS", "BAT", "1N4", "DMG", "AP2"), "DIODES", "Diodes Incorporated", _DIODE[0],
            "Diode Small Signal Switching 75V 0.15A 3-Pin SOT-23 T/R", "0.02", "0.40",
            (3000, 10000), "", _DIODE[1], ("CN", "TW")),
    _Family(("SMBJ", "SMAJ", "SMCJ"), "LITTELFUSE", "Littelfuse", _TVS[0],
            "Diode TVS Single Uni-Dir 5V 600W 2-Pin SMB T/R", "0.08", "0.60",
            (3000,), "", _TVS[1], ("CN", "PH")),
    _Family(("BZX", "MMBD", "SS1", "MBR"), "ONSEMI", "onsemi", _DIODE[0],
            "Diode Zener/Schottky SOT-23/SMA T/R", "0.03", "0.45",
            (3000, 10000), "", _DIODE[1], ("MY", "CN", "PH")),
    _Family(("LM3", "LM2", "NE5", "TL0", "TLV", "OPA", "TLC", "INA", "LMV"), "TI", "Texas Instruments",
            "Operational Amplifiers - Op Amps", "Op Amp Dual GP ±16V/32V 8-Pin SOIC T/R",
            "0.10", "2.50", (2500, 3000), "", "8542.33.00.01", ("MX", "MY", "PH", "CN")),
    _Family(("NE555", "LM555", "TLC555", "NE556"), "TI", "Texas Instruments", "Timers & Support Products",
            "Timer Single 100kHz 8-Pin SOIC T/R", "0.10", "0.90", (2500,), "", _IC, ("MX", "MY", "CN")),
    _Family(("SN74", "SN65", "CD40"), "TI", "Texas Instruments", "Logic Gates",
            "Inverter Schmitt Trigger 1-Element CMOS 5-Pin SOT-23 T/R", "0.05", "0.60",
            (3000,), "", _IC, ("MX", "MY", "PH")),
    _Family(("TPS", "LM1", "LP2", "UA78", "LM78"), "TI", "Texas Instruments", "Voltage Regulators",
            "Conv DC-DC 3V to 17V Synchronous Step Down Single-Out 0.9V to 6V 3A 16-Pin VQFN T/R",
            "0.30", "3.50", (250, 3000), "", _IC, ("MY", "PH", "CN")),
    _Family(("AMS1", "AMS"), "AMS", "Advanced Monolithic Systems", "Voltage Regulators",
            "LDO Regulator Pos 3.3V 1A 3-Pin(3+Tab) SOT-223 T/R", "0.10", "0.80",
            (2500,), "", _IC, ("CN",)),
    _Family(("STM32", "STM8"), "STMICRO", "STMicroelectronics", "Microcontrollers - MCU",
            "MCU 32-bit ARM Cortex M3 RISC 64KB Flash 2.5V/3.3V 48-Pin LQFP Tray", "1.50", "12.00",
            (160, 1500), "Tray", _IC, ("CN", "MY", "PH")),
    _Family(("ATMEGA", "ATTINY", "ATSAM", "PIC", "MCP", "24LC", "25LC"), "MCHP", "Microchip Technology",
            "Microcontrollers - MCU", "MCU 8-bit AVR RISC 32KB Flash 3.3V/5V 32-Pin TQFP Tray",
            "0.60", "6.00", (90, 250, 1000), "Tray", _IC, ("TH", "PH", "TW")),
    _Family(("MAX", "ADUM", "AD8", "ADP", "LT1", "LTC"), "ADI", "Analog Devices",
            "Interface ICs", "Line Transceiver/Isolator 2-Channel 16-Pin SOIC N T/R", "0.90", "9.00",
            (1000, 2500), "", _IC, ("PH", "MY", "TH")),
    _Family(("FT2", "FT4"), "FTDI", "FTDI", "USB Interface IC",
            "USB Bridge, USB to UART USB 2.0 28-Pin SSOP T/R", "2.00", "5.50",
            (2000,), "", _IC, ("SG", "CN")),
    _Family(("ESP32", "ESP8"), "ESPRESSIF", "Espressif Systems", "WiFi Modules - 802.11",
            "Module WiFi/Bluetooth 2.4GHz ESP32 4MB Flash SMD", "2.50", "6.00",
            (650,), "Tray", "8517.62.00.90", ("CN",)),
    _Family(("LTST", "LTW"), "LITEON", "Lite-On", "Standard LEDs - SMD",
            "LED Uni-Color Red 631nm 2-Pin SMD 0805 T/R", "0.03", "0.30",
            (4000,), "", "8541.41.00.00", ("TW", "CN", "TH")),
    _Family(("ABM", "ABLS", "ECS"), "ABRACON", "Abracon", "Crystals",
            "Crystal 25MHz ±20ppm 18pF 4-Pin SMD T/R", "0.20", "1.20",
            (3000,), "", "8541.60.00.60", ("CN", "TW")),
    _Family(("USB4", "USB3"), "GCT", "GCT", "USB Connectors",
            "Conn USB 2.0/3.1 Type C RCP 24 POS 0.5mm/1mm Solder RA SMD 24 Terminal T/R", "0.40", "1.50",
            (1500,), "", _CONN, ("CN",)),
    _Family(("B2B", "S2B", "B3B", "B4B", "SM0"), "JST", "JST", "Headers & Wire Housings",
            "Conn Shrouded Header HDR 2 POS 2.5mm Solder ST Thru-Hole XH Bag", "0.05", "0.60",
            (1000,), "Bulk", _CONN, ("JP", "CN", "MY")),
    _Family(("2N7", "BSS", "MMBT", "NTR", "FDN", "FDV", "BC8"), "ONSEMI", "onsemi", "MOSFETs",
            "Trans MOSFET N-CH 60V 0.115A 3-Pin SOT-23 T/R", "0.02", "0.35",
            (3000, 10000), "", "8541.21.00.95", ("CN", "MY", "PH")),
    _Family(("101", "1050"), "AMPHENOL", "Amphenol ICC", "Connectors",
            "Conn Micro USB 2.0 Type B RCP 5 POS 0.65mm Solder RA SMD T/R", "0.20", "1.80",
            (1800,), "", _CONN, ("CN", "MX")),
)

_FALLBACK_MAKERS: tuple[tuple[str, str, str], ...] = (
    ("NXP", "NXP Semiconductors", "Integrated Circuits - ICs"),
    ("INFINEON", "Infineon Technologies", "Power Management ICs"),
    ("RENESAS", "Renesas Electronics", "Integrated Circuits - ICs"),
    ("ROHM", "Rohm Semiconductor", "Discrete Semiconductors"),
    ("BOURNS", "Bourns", "Circuit Protection"),
    ("TDK", "TDK", "Passive Components"),
)


def _family(part_num: str) -> _Family:
    """The family whose longest prefix starts the MPN; else a hash-chosen generic maker."""
    best: _Family | None = None
    best_length = 0
    for family in _FAMILIES:
        for prefix in family.prefixes:
            if part_num.startswith(prefix) and len(prefix) > best_length:
                best, best_length = family, len(prefix)
    if best is not None:
        return best
    code, name, category = Dice(part_num, "maker").pick(_FALLBACK_MAKERS)
    return _Family((), code, name, category, f"{category}, {name}", "0.05", "5.00", (1000, 2500), "", _IC)


# --------------------------------------------------------------------------- found or not


def is_found(mpn: str) -> bool:
    """Whether the catalog lists a part with exactly this number (case-insensitive)."""
    key = _key(mpn)
    if not key or "NOTFOUND" in key or "OBSOLETE" in key or key == UNLISTED_MPN:
        return False
    return Dice(key, "found").below(12) != 0


# --------------------------------------------------------------------------- building a part


def _ladder_single(dice: Dice, moq: int) -> list[int]:
    tiers = [1, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
    start = moq
    if moq >= 1000 and dice.chance(50):  # Arrow's oddity: the first tier below the MOQ
        start = dice.pick((100, 250, 500))
    return [start] + [tier for tier in tiers if tier > start]


def _ladder_bulk(moq: int) -> list[int]:
    return [moq * factor for factor in (1, 2, 4, 10, 20, 40)]


def _price_ladder(dice: Dice, quantities: list[int], first_price: Decimal) -> tuple[CatalogBreak, ...]:
    count = min(len(quantities), dice.between(1, 6))
    quantities = quantities[:count]
    prices: list[Decimal] = []
    price = first_price
    for _ in quantities:
        rounded = max(_PRICE_FLOOR, price.quantize(_PRICE_STEP, rounding=ROUND_HALF_UP))
        prices.append(min(rounded, prices[-1]) if prices else rounded)
        price = price * Decimal(dice.between(75, 98)) / 100
    last_max = 999999999 if quantities[0] < 100 else LAST_TIER_MAX
    return tuple(
        CatalogBreak(qty, quantities[i + 1] - 1 if i + 1 < count else last_max, prices[i])
        for i, qty in enumerate(quantities)
    )


def _stock(dice: Dice, pack: int) -> int:
    """0 (about one offer in five), else 1..50000 spread on a log scale; whole packs for bulk."""
    if dice.chance(20):
        return 0
    amount = int(dice.log_between(Decimal(min(pack, 50000)), Decimal(50000)))
    return max(pack, amount // pack * pack)


def _availability(source_cd: str, pack: int, stock: int, quote: bool) -> str:
    if quote:
        return "QUOTE"
    if stock <= 0:
        return "NOSTK"
    if source_cd == "EUROPE":
        return "INSTKEU"
    if source_cd == "ACNA" and pack == 1:
        return "CSTRP"
    return "INSTK"


def _pipeline(dice: Dice, pack: int) -> tuple[tuple[str, int], ...]:
    if not dice.chance(20):
        return ()
    deliveries = []
    for _ in range(dice.between(1, 2)):
        # Due dates lie ahead of the day the sandbox runs, as a real pipeline's do.
        day = date.today() + timedelta(days=7 + dice.below(240))
        quantity = pack * dice.between(1, 4) if pack > 1 else 100 * dice.between(1, 30)
        deliveries.append((day, quantity))
    deliveries.sort()
    return tuple((f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year}", q) for d, q in deliveries)


def _sku(dice: Dice, source_cd: str, item_id: int, index: int) -> str:
    serial = f"{item_id % 100000000:08d}"
    if source_cd == "ACNA":
        return f"{('V72:2272', 'V36:1790', 'V39:1801')[index]}_{serial}"
    if source_cd == "EUROPE":
        return f"{('E32:1076', 'E02:0323', 'E09:0911')[index]}_{serial}"
    if source_cd == "ASIA":
        return f"{('0898', '1105', '0776')[index]}_{serial}"
    return str(10000000 + dice.below(89999999))


def _source_part(dice: Dice, family: _Family, source_cd: str, item_id: int, index: int,
                 bulk: bool, unit_price: Decimal, lead_weeks: int) -> CatalogSourcePart:
    if bulk:
        pack = dice.pick(family.bulk_packs)
        moq = pack * (2 if dice.chance(15) else 1)
        quantities = _ladder_bulk(moq)
        first_price = unit_price * Decimal(dice.between(30, 50)) / 100
        container = family.bulk_container
    else:
        pack = 1
        moq = dice.pick((1, 1, 1, 1, 1, 1, 1, 1, 10, 10, 25, 100, 100, 2000))
        quantities = _ladder_single(dice, moq)
        first_price = unit_price * Decimal(dice.between(90, 115)) / 100
        container = "Cut Strips" if source_cd == "ACNA" and family.bulk_container == "" else ""
    quote = dice.chance(12)
    breaks = () if quote else _price_ladder(dice, quantities, first_price)
    stock = _stock(dice, pack)
    if quote and stock and not dice.chance(30):
        stock = 0  # QUOTE offers mostly have nothing on hand (once 2500 was seen)
    return CatalogSourcePart(
        sku=_sku(dice, source_cd, item_id, index),
        pack_size=pack,
        moq=moq,
        stock=stock,
        breaks=breaks,
        ncnr=dice.chance(10),
        lead_weeks=0 if source_cd == "VERICAL" else lead_weeks,
        availability_cd=_availability(source_cd, pack, stock, quote),
        date_code=f"{dice.between(21, 26)}{dice.between(1, 52):02d}" if stock else "",
        pipeline=_pipeline(dice, pack),
        container_type=container,
        country_of_origin=dice.pick(family.origins) if dice.chance(85) else "",
    )


def _source(dice: Dice, family: _Family, source_cd: str, item_id: int, unit_price: Decimal,
            lead_weeks: int) -> CatalogSource:
    kinds = [False, True] if dice.chance(45) else [dice.chance(50)]
    parts = tuple(
        _source_part(dice, family, source_cd, item_id, index, bulk, unit_price, lead_weeks)
        for index, bulk in enumerate(kinds)
    )
    return CatalogSource(source_cd, SOURCE_NAMES[source_cd], "USD", parts)


# Generic numbers several makers sell under exactly the same MPN, as in the real catalog:
# a BOM line without a manufacturer cannot tell which one it means (Arrow answers AMBIGUOUS).
SECOND_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "LM358": (("STMICRO", "STMicroelectronics"), ("ONSEMI", "onsemi")),
    "NE555": (("STMICRO", "STMicroelectronics"),),
    "LM317": (("STMICRO", "STMicroelectronics"), ("ONSEMI", "onsemi")),
    "2N3904": (("ONSEMI", "onsemi"),),
}


@functools.lru_cache(maxsize=4096)
def _build(key: str, maker: tuple[str, str] | None = None) -> CatalogPart:
    """The USD catalog entry of a found part number (upper-cased, stripped), or its second source."""
    with localcontext(_DECIMAL):  # the same digits whatever context the caller set
        return _build_in_context(key, maker)


def _build_in_context(key: str, maker: tuple[str, str] | None = None) -> CatalogPart:
    dice = Dice(key if maker is None else f"{key}|{maker[0]}", "part")
    family = _family(key)
    if maker is not None:
        family = dataclasses.replace(family, mfr_cd=maker[0], mfr_name=maker[1])
        if not family.prefixes:  # the hash-chosen maker's description names it
            family = dataclasses.replace(family, description=f"{family.category}, {maker[1]}")
    item_id = 1_000_000 + dice.below(49_000_000)
    unit_price = dice.log_between(Decimal(family.price_low), Decimal(family.price_high))
    lead_weeks = dice.between(0, 26)
    codes = [code for code in SOURCE_NAMES if dice.chance(55)] or [dice.pick(tuple(SOURCE_NAMES))]
    codes = codes[:3]
    sources = tuple(_source(dice, family, code, item_id, unit_price, lead_weeks) for code in codes)
    part = CatalogPart(
        part_num=key,
        mfr_cd=family.mfr_cd,
        mfr_name=family.mfr_name,
        description=family.description,
        sources=sources,
        item_id=item_id,
        category=family.category,
        has_datasheet=dice.chance(80),
        eccn_code="EAR99" if dice.chance(90) else "5A992C",
        hts_code=family.hts_code,
    )
    return _apply_overrides(_with_part_facts(part))


def _map_offers(part: CatalogPart, change: dict[str, Any]) -> CatalogPart:
    sources = tuple(
        dataclasses.replace(source, parts=tuple(dataclasses.replace(sp, **change) for sp in source.parts))
        for source in part.sources
    )
    return dataclasses.replace(part, sources=sources)


def _apply_overrides(part: CatalogPart) -> CatalogPart:
    """The two demo parts whose character is fixed rather than drawn: zero stock and all-NCNR."""
    if part.part_num == ZERO_STOCK_MPN:
        part = _map_offers(part, {"stock": 0, "date_code": ""})
        sources = tuple(
            dataclasses.replace(source, parts=tuple(
                dataclasses.replace(sp, availability_cd="QUOTE" if not sp.breaks else "NOSTK")
                for sp in source.parts))
            for source in part.sources
        )
        return dataclasses.replace(part, sources=sources)
    if part.part_num == NCNR_MPN:
        return _map_offers(part, {"ncnr": True})
    return part


# --------------------------------------------------------------------------- currency


def normalize_currency(currency: str | None) -> str:
    """The ISO code the catalog prices in: a known code (CAN → CAD), else USD."""
    code = (currency or "").strip().upper()
    code = _CURRENCY_ALIASES.get(code, code)
    return code if code in USD_RATES else "USD"


def convert(price: Decimal, currency: str) -> Decimal:
    """A USD price in `currency` (rounded half-up to 4 decimal places, never below 0.0001)."""
    rate = USD_RATES[normalize_currency(currency)]
    product = _DECIMAL.multiply(price, rate)
    return max(_PRICE_STEP, product.quantize(_PRICE_STEP, rounding=ROUND_HALF_UP, context=_DECIMAL))


def _in_currency(part: CatalogPart, currency: str | None) -> CatalogPart:
    code = normalize_currency(currency)
    if code == "USD":
        return part
    sources = tuple(
        dataclasses.replace(source, currency=code, parts=tuple(
            dataclasses.replace(sp, breaks=tuple(
                dataclasses.replace(b, price=convert(b.price, code)) for b in sp.breaks))
            for sp in source.parts))
        for source in part.sources
    )
    return dataclasses.replace(part, sources=sources)


# --------------------------------------------------------------------------- lookups


def listed_maker(mpn: str) -> str:
    """The maker the catalog lists for `mpn` when no BOM names one (its family's, or hash-chosen)."""
    return _family(_key(mpn)).mfr_name


def maker_code(name: str) -> str:
    """An Arrow-style manufacturer code for a maker's name ("Nexperia B.V." -> "NEXPERIABV")."""
    return "".join(ch for ch in name.upper() if ch.isalnum())[:16] or "UNKNOWN"


def _named_maker(key: str) -> tuple[str, str] | None:
    name = NAMED_MAKERS.get().get(key, "").strip()
    if not name or key in SECOND_SOURCES:
        return None
    return maker_code(name), name


def lookup(mpn: str, currency: str | None = None) -> CatalogPart | None:
    """The part with exactly this number (case-insensitive), or None when the catalog lacks it."""
    if not is_found(mpn):
        return None
    key = _key(mpn)
    return _in_currency(_build(key, _named_maker(key)), currency)


_VARIANT_SUFFIXES = ("-TR", "-T", "R", "G", "/T3", "-Q1", "A", "+T", "#PBF", "-REEL", "-1")
_MAKER_SUFFIXES: dict[str, tuple[str, ...]] = {  # packaging / grade suffixes each maker really uses
    "DIODES": ("-7-F", "-13-F", "W-7-F", "T-7", "Q-7-F"),
    "ONSEMI": ("LT1G", "LT3G", "-TP", "G", "RLG"),
    "LITTELFUSE": ("-E3", "A", "CA", "-TR"),
    "TI": ("DR", "PWR", "DGKR", "IDR", "-Q1", "/NOPB", "G4"),
    "MURATA": ("D", "J", "L", "K"),
    "YAGEO": ("-T", "-R", "/T3"),
    "MCHP": ("-TR", "-MU", "-I/SN", "-E/SO", "/P"),
    "STMICRO": ("TR", "6", "7", "TX"),
    "ADI": ("+T", "+", "-RL7", "Z", "Z-R7"),
}


def family_variants(token: str) -> tuple[str, ...]:
    """The 0–5 longer part numbers Arrow's prefix search finds for `token` (found ones only)."""
    key = _key(token)
    if not key:
        return ()
    dice = Dice(key, "family")
    suffixes = _MAKER_SUFFIXES.get(_family(key).mfr_cd, _VARIANT_SUFFIXES)
    wanted = dice.pick((0, 0, 1, 1, 2, 2, 3, 4, 5))
    variants: list[str] = []
    for _ in range(wanted * 3):
        if len(variants) == wanted:
            break
        suffix = dice.pick(suffixes)
        candidate = key + suffix
        if key.endswith(suffix) or candidate in variants or not is_found(candidate):
            continue
        variants.append(candidate)
    return tuple(variants)


def search(token: str, currency: str | None = None) -> list[CatalogPart]:
    """Arrow's exact-or-prefix token search: the exact part if found, its family and the demo
    parts that start with the token, ordered by itemId."""
    key = _key(token)
    if not key:
        return []
    if key == CROWDED_MPN:
        return [_in_currency(part, currency) for part in _crowded_search()]
    demo = [mpn for mpn in DEMO_MPNS if mpn.startswith(key) and mpn != key]  # LM358 finds LM358DR
    numbers = dict.fromkeys([key, *family_variants(key), *demo])
    parts = [part for part in (lookup(number, currency) for number in numbers) if part is not None]
    if key in SECOND_SOURCES and is_found(key):
        parts += [_in_currency(_build(key, maker), currency) for maker in SECOND_SOURCES[key]]
    return sorted(parts, key=lambda part: (part.item_id, part.part_num))


# --------------------------------------------------------------------------- DigiKey bonded


_DIGIKEY_PREFIXES = {"TI": "296", "STMICRO": "497", "MURATA": "490", "YAGEO": "311",
                     "DIODES": "31", "MCHP": "150", "ADI": "505", "ONSEMI": "488"}


def digikey_pn(mpn: str) -> str:
    """A DigiKey-style part number for an MPN, e.g. "296-14541-1-ND" (always ends in "-ND")."""
    key = _key(mpn)
    dice = Dice(key, "digikey")
    family = _family(key)
    prefix = _DIGIKEY_PREFIXES.get(family.mfr_cd) or str(dice.between(100, 999))
    serial = dice.between(1000, 49999)
    packaging = dice.pick(("-1", "-2", "-6", ""))
    return f"{prefix}-{serial}{packaging}-ND"


@dataclass(frozen=True)
class _BondedTerms:
    """The hand-picked terms of one demo bonded-inventory agreement line."""

    mpn: str
    reserve: int
    back_order: int
    override: bool
    threshold: int
    non_cancelable: bool
    standard_package: int
    pack_type: str
    unit_price: str
    origin: str
    lead_weeks: str
    ncnr_signed: str = NCNR_NOT_SIGNED


_BONDED_TERMS: tuple[_BondedTerms, ...] = (
    # override False: MOQ = StandardPackage
    _BondedTerms("LM358DR", 7500, 0, False, 0, False, 2500, "Tape & Reel (TR)", "0.1050", "MX", "6"),
    # override True, threshold 0: MOQ 1
    _BondedTerms("STM32F103C8T6", 480, 0, True, 0, False, 1500, "Tray", "3.8400", "CN", "16"),
    # override True, threshold > 0: MOQ = threshold
    _BondedTerms("GRM188R71C104KA01D", 20000, 0, True, 4000, False, 4000, "Tape & Reel (TR)",
                 "0.0082", "JP", "12"),
    _BondedTerms("RC0603FR-071KL", 15000, 0, False, 0, False, 5000, "Tape & Reel (TR)",
                 "0.0031", "TW", "8"),
    # NonCancelable: NCNR signed
    _BondedTerms("BAV99W-7-F", 6000, 3000, False, 0, True, 3000, "Tape & Reel (TR)", "0.0240", "CN",
                 "10", "2025-03-12T00:00:00"),
    # nothing on hand: everything is on backorder
    _BondedTerms("TPS62130RGTR", 0, 250, True, 0, False, 250, "Tape & Reel (TR)", "1.6200", "MY",
                 "20"),
    _BondedTerms("ATMEGA328P-AU", 1200, 0, True, 0, False, 2000, "Tray", "1.9500", "TW", "14"),
    _BondedTerms("NE555DR", 900, 0, True, 100, False, 2500, "Cut Tape (CT)", "0.1600", "MX", "6"),
)

_DEMO_LOCATION = BondedLocation(
    customer_id=int(SANDBOX_DIGIKEY_ACCOUNT_ID),
    bonded_inventory=True,
    currency="USD",
    shipping_address=Address(
        company="bomcheck Demo Electronics",
        address_line1="701 Brooks Avenue South",
        address_line2="Dock 4",
        city="Thief River Falls",
        state="MN",
        zip_code="56701",
        country_code="US",
    ),
)


# The demo account's second location, billed in euros: its CustomerLocationResponse.Currency labels
# the UnitPrice of the bonded lines whose CustomerId is that location (digikey.md, Supply Chain).
SECOND_LOCATION_ID = 1000002
SECOND_LOCATION_MPNS = frozenset({"RC0603FR-071KL", "ATMEGA328P-AU"})
_SECOND_LOCATION = BondedLocation(
    customer_id=SECOND_LOCATION_ID,
    bonded_inventory=True,
    currency="EUR",
    shipping_address=Address(
        company="bomcheck Demo Electronics GmbH",
        address_line1="Industriestraße 12",
        address_line2="Tor 3",
        city="Dresden",
        state="SN",
        zip_code="01109",
        country_code="DE",
    ),
)


def has_bonded_agreement(account_id: str | int) -> bool:
    """Only the demo account holds bonded inventory in the sandbox."""
    return str(account_id).strip() == SANDBOX_DIGIKEY_ACCOUNT_ID


def bonded_locations(account_id: str | int) -> list[BondedLocation]:
    """The locations of an account (one for the demo account, none for any other)."""
    return [_DEMO_LOCATION, _SECOND_LOCATION] if has_bonded_agreement(account_id) else []


def _bonded_record(terms: _BondedTerms) -> BondedRecord:
    part = _build(_key(terms.mpn))
    ncnr = terms.non_cancelable
    return BondedRecord(
        digikey_part_number=digikey_pn(terms.mpn),
        manufacturer_part_number=part.part_num,
        customer_part_number=f"BC-{Dice(part.part_num, 'customer').between(10000, 99999)}",
        product_description=part.description,
        manufacturer=part.mfr_name,
        unit_price=Decimal(terms.unit_price),
        pack_type=terms.pack_type,
        country_of_origin=terms.origin,
        reserve_quantity=terms.reserve,
        back_order_reserve_quantity=terms.back_order,
        vendor_lead_weeks=terms.lead_weeks,
        customer_id=SECOND_LOCATION_ID if terms.mpn in SECOND_LOCATION_MPNS else _DEMO_LOCATION.customer_id,
        ncnr_quantity=terms.reserve if ncnr else 0,
        ncnr_date_signed=terms.ncnr_signed if ncnr else NCNR_NOT_SIGNED,
        minimum_release_quantity_override=terms.override,
        minimum_quantity_threshold=terms.threshold,
        non_cancelable=ncnr,
        standard_package=terms.standard_package,
    )


def bonded_inventory(account_id: str | int) -> list[BondedRecord]:
    """Every bonded part the account holds (the demo account's fixed list; [] for others)."""
    if not has_bonded_agreement(account_id):
        return []
    return [_bonded_record(terms) for terms in _BONDED_TERMS]


def bonded_record(account_id: str | int, digikey_part_number: str) -> BondedRecord | None:
    """The account's bonded line for one DigiKey part number (case-insensitive), or None."""
    wanted = digikey_part_number.strip().upper()
    for record in bonded_inventory(account_id):
        if record.digikey_part_number.upper() == wanted:
            return record
    return None


# --------------------------------------------------------------------------- Arrow traps: facts, crowds

# A generic number whose token search lists many parts, not exact-first, with the second maker's
# exact part after the first page of 25: the real `lm358` search lists 71 items, LM358AM/NOPB and
# LM358PWRG3 first (../shared/api/arrow.md). A client that stops at the first exact number plans
# Texas Instruments' part for a BOM line naming onsemi.
CROWDED_MPN = "LM2903"
CROWDED_SECOND_MAKER = ("ONSEMI", "onsemi")
_CROWDED_SUFFIXES = tuple(f"{grade}{package}" for grade in ("", "A", "AV", "B")
                          for package in ("DR", "DGKR", "PWR", "PSR", "QDR", "IDR", "DT", "D", "PT", "N"))


@functools.lru_cache(maxsize=1)
def _crowded_search() -> tuple[CatalogPart, ...]:
    variants = [_build(CROWDED_MPN + suffix) for suffix in _CROWDED_SUFFIXES if suffix]
    exact = _build(CROWDED_MPN)
    last = max(part.item_id for part in (*variants, exact))
    second = dataclasses.replace(_build(CROWDED_MPN, CROWDED_SECOND_MAKER), item_id=last + 1)
    return tuple(sorted((*variants, exact, second), key=lambda part: (part.item_id, part.part_num)))


def _with_part_facts(part: CatalogPart) -> CatalogPart:
    """Arrow's part status and EU RoHS (drawn on their own dice: the rest of the part is unchanged),
    and now and then mfrLeadTime 99 beside tariffFlag true on an Arrow pool's offer."""
    dice = Dice(f"{part.part_num}|{part.mfr_cd}", "facts")
    status = dice.pick(("Active",) * 20 + ("NRND", "NRND", "Obsolete", ""))
    rohs = dice.pick(("Compliant",) * 20 + ("Non Compliant", "Unknown", None))
    sources = tuple(
        dataclasses.replace(source, parts=tuple(
            dataclasses.replace(sp, lead_weeks=99, tariff_flag=True)
            if source.source_cd != "VERICAL" and dice.chance(6) else sp
            for sp in source.parts))
        for source in part.sources
    )
    return dataclasses.replace(part, status=status, eu_rohs=rohs, sources=sources)
