"""What a cell's text looks like: a component value, a footprint, designators, an MPN, a maker's name."""

from __future__ import annotations

import re

_VALUE_RE = re.compile(
    r"^\d+([.,]\d+)?\s*(p|n|u|µ|μ|m|k|K|M|G|R|Ω)?\s*(F|H|Ω|R|ohms?|V|A|W|Hz|HZ|%|mm|Ohm)?$", re.IGNORECASE)
# '4K7', '2R2', '4n7', '1M5', '2n2F': the multiplier as decimal point (case matters: 2N7002 is a part)
_INFIX_VALUE_RE = re.compile(r"^\d+[RKkMmpnuµμ]\d+(F|H|Ω|V|W|A|Ohm|ohm)?$")
_SIZES = r"01005|0201|0402|0603|0805|1206|1210|1812|2010|2512"
_FOOTPRINT_RE = re.compile(
    r"^(RES|CAP|IND|FUSE?|LED|DIOM?|DIODE|SOD|SOT|[HVWUTLSM]*SO[PNIC]{1,2}|[HVWUTLS]*SSOP|[HVWUTLS]*QFN|DFN|"
    r"[LTHV]?QFP|BGA|PLCC|DIP|SIP|HDR|CONN|XTAL|D\d?PAK|SMD|SMT)-?[A-Z]?\d|^(TO|DO|SC|SMA|SMB|SMC|MELF)-?\d"
    rf"|^[RCLD]\d{{4}}[A-Z]?$|^({_SIZES})[A-Z]?$|^[A-Z]{{2,6}}({_SIZES})$", re.IGNORECASE)
# Eagle library device names ('R-EU_R1206', 'C-USC0805', 'CPOL-EUCT6032', 'PINHD-1X6'): not parts.
_LIBRARY_NAME_RE = re.compile(r"^(R|C|L|CPOL|D|LED|Q|T)-(EU|US)|^PINHD-", re.IGNORECASE)
# Pieces of an underscore-joined footprint name ('R_0603_1608Metric', 'HDR-M_2.54_1x4P', 'LED_TH-G_3mm').
_FOOTPRINT_PIECE_RE = re.compile(
    rf"^({_SIZES})[A-Z]?$|metric$|^\d+(\.\d+)?mm$|^\d\.\d{{2}}$|^[\d.]+x[\d.]+(x[\d.]+)?(P|mm)?$|^(TH|SMD|SMT|THT|TO-?\d+)$"
    r"|^(R|C|L|D|LED|SOT|SOIC|SOP|QFN|DFN|QFP|TQFP|LQFP|DIP|SIP|TSSOP|MSOP|HDR|PIN|CONN|XTAL)(-?\d.*)?$",
    re.IGNORECASE)
_NUMBERED_PART_RE = re.compile(r"^(?=(?:\D*\d){6})\d+(-\d+){1,3}$")
_DIGIKEY_RE = re.compile(r"^[A-Z0-9][A-Z0-9.,/+#()-]*-ND$", re.IGNORECASE)
_LCSC_RE = re.compile(r"^C\d{3,9}$")
# A seller's number with Mouser's prefix: 2-3 digits, a dash, then a letter somewhere or more dashes.
_MOUSER_RE = re.compile(r"^\d{2,3}-(?=[^-]*[A-Za-z]|[^-]*-)[A-Za-z0-9][A-Za-z0-9.,/+#()\- ]*$")

_DESIGNATOR = r"[A-Za-z]{1,6}[_]?\d{1,5}[A-Za-z]?"
DESIGNATOR_LIST_RE = re.compile(
    rf"^\s*{_DESIGNATOR}(\s*-\s*{_DESIGNATOR}|\s*-\s*\d+)?(\s*[,;\s]\s*({_DESIGNATOR}(\s*-\s*{_DESIGNATOR})?)?)*\s*$")
# One designator as people write them: 'C243_D', 'CAN-B1', 'led2_r', 'R8...R10', 'U1-2', 'PTC3,4'.
_REF = r"[A-Za-z][A-Za-z_\-]{0,9}\d{1,5}(?:[_.]?[A-Za-z]{1,3}\d*)?"
_FUNCTIONAL_REF = r"[A-Z][a-z]{1,6}\d{0,3}"  # TI WEBENCH: Rfbb, Cin, Cout, Rilim
_REF_TOKEN_RE = re.compile(rf"^({_REF}|{_FUNCTIONAL_REF})((-|\.{{2,3}})({_REF}|\d{{1,5}}))?$")
_STANDARD_REF_RE = re.compile(rf"^{_REF}")
_MANUFACTURER_WORDS = frozenset([
    'murata', 'yageo', 'ti', 'texas', 'panasonic', 'samsung', 'kemet', 'avx', 'tdk', 'vishay',
    'bourns', 'molex', 'samtec', 'nxp', 'st', 'stmicroelectronics', 'microchip', 'analog', 'adi',
    'linear', 'maxim', 'onsemi', 'on', 'diodes', 'nexperia', 'rohm', 'susumu', 'taiyo', 'würth',
    'wurth', 'littelfuse', 'keystone', 'hirose', 'jst', 'te', 'amphenol', 'lite-on', 'liteon',
    'kingbright', 'abracon', 'epson', 'ecs', 'infineon', 'coilcraft', 'johanson', 'skyworks',
    'xilinx', 'lattice', 'atmel', 'silicon', 'ftdi', 'micrel', 'intersil', 'renesas', 'toshiba',
    'cui', 'omron', 'c&k', 'e-switch', 'sullins', 'harwin', 'fci', '3m', 'everlight', 'kyocera',
    'cts', 'fox', 'nichicon', 'rubycon', 'wima', 'walsin', 'uniroyal', 'uni-royal', 'ralec',
    'fenghua', 'sunlord', 'gigadevice', 'winbond', 'macronix', 'espressif', 'semtech', 'monolithic',
    'mps', 'richtek', 'torex', 'alps', 'cypress', 'broadcom', 'avago', 'osram', 'cree', 'wurth-elektronik',
    'erni', 'neutrik', 'lumberg', 'recom', 'traco', 'meanwell',
])


def value_like(value: str) -> bool:
    """A component value rather than a part number: '10k', '0.1uF', '47p', '4K7', '1nF/2kV'."""
    first = re.split(r"[/,\s]+", value.strip(), maxsplit=1)[0]
    return bool(first) and bool(_VALUE_RE.match(first) or _INFIX_VALUE_RE.match(first))


def footprint_like(value: str) -> bool:
    """A footprint/package or library name: 'R_0603', 'XESS:SOT-223', 'RESC1608L', 'C0805', '0603C'."""
    stripped = value.strip()
    if ":" in stripped or _FOOTPRINT_RE.match(stripped) or _LIBRARY_NAME_RE.match(stripped):
        return True
    pieces = [piece for piece in stripped.split("_") if piece]
    # Library names join fields with '_': 'R_0603_1608Metric', 'Capacitor_1u_10_50V_X7R_0603C'.
    return "_" in stripped and any(_FOOTPRINT_PIECE_RE.search(piece) or value_like(piece) for piece in pieces)


def designator_list_like(value: str) -> bool:
    return bool(DESIGNATOR_LIST_RE.match(value))


def designator_cell_like(value: str) -> tuple[bool, bool]:
    """(whether the cell lists designators, whether one of them is a standard one such as 'C12')."""
    tokens = [token for token in re.split(r"[,;\s]+", value.strip()) if token]
    if not tokens or len(tokens[0]) > 12 or tokens[0].isdigit():
        return False, False
    if not all((_REF_TOKEN_RE.match(token) and not footprint_like(token)) or token.isdigit()
               for token in tokens):
        return False, False
    return True, any(_STANDARD_REF_RE.match(token) for token in tokens)


def mpn_like(value: str) -> bool:
    """Shaped like a manufacturer part number: letters and digits, no prose, not a value or footprint."""
    stripped = value.strip()
    if not 4 <= len(stripped) <= 40 or stripped.count(" ") > 1 or "_" in stripped:
        return False
    if _NUMBERED_PART_RE.match(stripped):  # Molex/TE numbers: '39-28-1063', '1-726388-2'
        return True
    if value_like(stripped) or footprint_like(stripped) or seller_number_shape(stripped):
        return False
    if designator_list_like(stripped):
        return False
    digits = sum(ch.isdigit() for ch in stripped)
    letters = sum(ch.isascii() and ch.isalpha() for ch in stripped)
    return digits >= 1 and letters >= 1 and (digits >= 2 or len(stripped) >= 6)


def seller_number_shape(value: str) -> str | None:
    """The seller whose numbers look like this one for sure: DigiKey's '…-ND', LCSC's 'C12345'."""
    stripped = value.strip()
    if _DIGIKEY_RE.match(stripped):
        return "digikey_pn"
    if _LCSC_RE.match(stripped) and len(stripped) >= 5:
        return "lcsc_pn"
    return None


def mouser_shaped(value: str) -> bool:
    """Mouser's prefix before the maker's number ('511-STM32F405RGT6', '538-22-27-2031')."""
    return bool(_MOUSER_RE.match(value.strip()))


def manufacturer_like(value: str) -> bool:
    words = re.split(r"[\s(（,]+", value.strip().lower())
    return bool(words) and words[0] in _MANUFACTURER_WORDS
