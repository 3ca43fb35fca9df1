"""Build the hostile-file corpus: every file from code, deterministically (the big ones at test time).

Run `python tests/data/bad/make_bad.py` to (re)write the small committed files beside this script;
the large ones (`million_rows`, `wide_columns`, `zip_bomb`, ...) and the bombs that are small but costly
to open (`merge_bomb`, `repeat_bomb`) are written by the tests into a temp folder.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip entries carry this, so the bytes never depend on the clock

GOOD_ROWS = (("Qty", "MPN", "Manufacturer", "Designator"),
             (2, "GRM188R71C104KA01D", "Murata", "C1, C2"),
             (1, "LM1117IMPX-3.3/NOPB", "Texas Instruments", "U1"))

BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                            for i in range(1, 10))
                  + "]>\n")


def _parts(sheet_xml: str | bytes, workbook_xml: str | None = None) -> dict[str, bytes]:
    """The smallest set of parts Excel and openpyxl accept as a workbook with one sheet."""
    workbook_xml = workbook_xml or (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{_NS}" xmlns:r="{_REL}">'
        '<sheets><sheet name="BOM" sheetId="1" r:id="rId1"/></sheets></workbook>')
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>').encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>').encode(),
        "xl/workbook.xml": workbook_xml.encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet_xml if isinstance(sheet_xml, bytes) else sheet_xml.encode(),
    }


def _zip(parts: dict[str, bytes], level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=level)
    return buffer.getvalue()


def _cell(ref: str, value: object) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _col(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(rows: list[tuple[object, ...]] | tuple[tuple[object, ...], ...], prolog: str = "") -> str:
    body = "".join(f'<row r="{r}">' + "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(row, 1)
                                              if v is not None) + "</row>"
                   for r, row in enumerate(rows, 1))
    head = prolog or '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<worksheet xmlns="{_NS}"><sheetData>{body}</sheetData></worksheet>'


def good_xlsx() -> bytes:
    return _zip(_parts(sheet_xml(GOOD_ROWS)))


# ---------------------------------------------------------------- small cases (committed)


def empty_xlsx() -> bytes:
    return b""


def empty_csv() -> bytes:
    return b""


def not_a_zip_xlsx() -> bytes:
    return b"Qty,MPN\n1,LM1117\nThis was never a workbook, only text named .xlsx\n"


def image_xlsx() -> bytes:
    """Binary that is not a zip: a PNG header and noise, named .xlsx."""
    return b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(2048)


def html_xls() -> bytes:
    """What many web apps' "Export to Excel" gives: an HTML table named .xls."""
    return (b"<html><head><meta charset='utf-8'></head><body><table><tr><th>Qty</th><th>MPN</th></tr>"
            b"<tr><td>1</td><td>LM358DR</td></tr></table></body></html>")


def xml2003_xls() -> bytes:
    """Excel 2003's XML Spreadsheet format named .xls."""
    return (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="BOM">'
            b"</Worksheet></Workbook>")


def truncated_xlsx() -> bytes:
    whole = good_xlsx()
    return whole[:len(whole) // 2]


def entity_bomb_workbook_xlsx() -> bytes:
    """Billion laughs in xl/workbook.xml: expanding &lol9; would take 10**9 'lol's (3 GB)."""
    workbook = (BILLION_LAUGHS.replace('<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n', 1)
                + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets><sheet name="&lol9;" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    return _zip(_parts(sheet_xml(GOOD_ROWS), workbook_xml=workbook))


def entity_bomb_sheet_xlsx() -> bytes:
    """Billion laughs in the worksheet XML, used in a cell."""
    rows = (*GOOD_ROWS, (1, "&lol9;", "Murata", "R1"))
    xml = sheet_xml(rows, prolog=BILLION_LAUGHS).replace("&amp;lol9;", "&lol9;")
    return _zip(_parts(xml))


def empty_sheet_xlsx() -> bytes:
    return _zip(_parts(sheet_xml(())))


def garbage_csv() -> bytes:
    return random.Random(8).randbytes(8192)


def utf16_csv() -> bytes:
    text = "Qty,MPN,Manufacturer,Designator\r\n2,GRM188R71C104KA01D,Murata,\"C1, C2\"\r\n" \
           "1,LM1117IMPX-3.3/NOPB,Texas Instruments,U1\r\n1,µA741CN,Texas Instruments,U2\r\n"
    return text.encode("utf-16")  # with its byte-order mark, as Excel's "Unicode text" writes it


def cp1252_csv() -> bytes:
    text = "Qty;MPN;Manufacturer;Designator;Description\r\n" \
           "2;GRM188R71C104KA01D;Murata;C1 C2;100 nF ±10 %\r\n" \
           "1;LM1117IMPX-3.3/NOPB;Texas Instruments;U1;LDO 3,3 V – 800 mA\r\n"
    return text.encode("cp1252")


def password_protected_xlsx() -> bytes:
    """What Excel writes for a workbook with a password to open: an OLE (CFB) file holding
    `EncryptionInfo` and `EncryptedPackage` streams instead of a zip."""
    rng = random.Random(8)
    return cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + rng.randbytes(4088),
                "EncryptedPackage": struct.pack("<Q", 4000) + rng.randbytes(4088)})


def damaged_xls() -> bytes:
    """An OLE container whose `Workbook` stream is noise: an .xls whose content is destroyed."""
    return cfb({"Workbook": random.Random(9).randbytes(8192)})


REAL_XLS = HERE.parents[2] / "sample_boms" / "real" / "limesdr-usb-1v4-altium-nf.xls"


def crashing_xls() -> bytes:
    """A real .xls with 20 bytes overwritten (seeded): python-calamine reads a sector count from the
    damage and tries to allocate far more memory than exists, which aborts its process."""
    data = bytearray(REAL_XLS.read_bytes())
    rng = random.Random(3)
    for _ in range(20):
        data[rng.randrange(512, len(data))] = rng.randrange(256)
    return bytes(data)


def broken_zip_ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", _FIXED_TIME),
                         "application/vnd.oasis.opendocument.spreadsheet")
        info = zipfile.ZipInfo("content.xml", _FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, "<office:document-content>" + "x" * 5000 + "</office:document-content>")
    whole = buffer.getvalue()
    return whole[: len(whole) * 2 // 3]


def cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 Compound File Binary (OLE2) container; each stream a multiple of 4096 bytes, so
    every one lives in regular 512-byte sectors (no mini stream)."""
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    layout: list[tuple[str, int, int]] = []  # name, first sector, size
    next_sector = 2  # 0: FAT, 1: directory
    for name, data in streams.items():
        assert len(data) % 4096 == 0 and len(data) >= 4096
        count = len(data) // sector
        layout.append((name, next_sector, len(data)))
        next_sector += count
    fat = [fat_sect, end]
    for _, first, size in layout:
        count = size // sector
        fat += [first + i + 1 for i in range(count - 1)] + [end]
    chains = fat + [free] * (128 - len(fat))
    assert len(fat) <= 128

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, end, 0, child=1)]
    for index, (name, first, size) in enumerate(layout, start=1):
        entries.append(entry(name, 2, first, size, right=index + 1 if index < len(layout) else free))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIII", 0, 1, 1, 0) + struct.pack("<IIIII", 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == sector
    body = struct.pack("<128I", *chains) + directory + b"".join(streams.values())
    return header + body


SMALL: dict[str, Callable[[], bytes]] = {
    "empty.xlsx": empty_xlsx,
    "empty.csv": empty_csv,
    "not_a_zip.xlsx": not_a_zip_xlsx,
    "truncated.xlsx": truncated_xlsx,
    "image.xlsx": image_xlsx,
    "html.xls": html_xls,
    "xml2003.xls": xml2003_xls,
    "entity_bomb_workbook.xlsx": entity_bomb_workbook_xlsx,
    "entity_bomb_sheet.xlsx": entity_bomb_sheet_xlsx,
    "empty_sheet.xlsx": empty_sheet_xlsx,
    "garbage.csv": garbage_csv,
    "utf16.csv": utf16_csv,
    "cp1252.csv": cp1252_csv,
    "password_protected.xlsx": password_protected_xlsx,
    "damaged.xls": damaged_xls,
    "crashing.xls": crashing_xls,
    "broken_zip.ods": broken_zip_ods,
}


# ---------------------------------------------------------------- big cases (written at test time)


def million_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """A header and `rows` part lines: about 4 MB zipped, 70 MB of sheet XML."""
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c>'
                   f'<c r="B{r}" t="inlineStr"><is><t>P{r}</t></is></c></row>' for r in range(2, rows + 2))
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>Qty</t></is></c>' \
             '<c r="B1" t="inlineStr"><is><t>MPN</t></is></c></row>'
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}"><sheetData>{header}{body}' \
          '</sheetData></worksheet>'
    return _zip(_parts(xml), level=1)


def million_rows_csv(rows: int = 1_000_000) -> bytes:
    return ("Qty,MPN\n" + "".join(f"1,P{r}\n" for r in range(rows))).encode()


def wide_columns_xlsx(columns: int = 16_384) -> bytes:
    """A BOM whose header row runs to column XFD, Excel's last (16,384 columns)."""
    header = ["Qty", "MPN"] + [f"Field{c}" for c in range(3, columns + 1)]
    return _zip(_parts(sheet_xml((tuple(header), (1, "LM1117IMPX-3.3/NOPB") + ("x",) * (columns - 2)))))


def wide_columns_csv(columns: int = 16_384) -> bytes:
    header = ["Qty", "MPN"] + [f"Field{c}" for c in range(3, columns + 1)]
    return (",".join(header) + "\n" + ",".join(["1", "LM1117IMPX-3.3/NOPB"] + ["x"] * (columns - 2))
            + "\n").encode()


def zip_bomb_xlsx(gigabytes: int = 2) -> bytes:
    """A valid .xlsx of ~2 MB whose sheet XML inflates to `gigabytes` GB of blanks."""
    head = sheet_xml(GOOD_ROWS).encode().replace(b"</sheetData>", b"")
    small = {name: data for name, data in _parts("").items() if name != "xl/worksheets/sheet1.xml"}
    return _bomb(small, "xl/worksheets/sheet1.xml", head, b"</sheetData></worksheet>", gigabytes)


def zip_bomb_ods(gigabytes: int = 1) -> bytes:
    """An .ods whose content.xml inflates to `gigabytes` GB of blanks."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    head = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}">'
            "<office:body><office:spreadsheet>").encode()
    tail = b"</office:spreadsheet></office:body></office:document-content>"
    parts = {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}
    return _bomb(parts, "content.xml", head, tail, gigabytes)


def _bomb(parts: dict[str, bytes], name: str, head: bytes, tail: bytes, gigabytes: int) -> bytes:
    """`parts`, plus `name` holding `head`, `gigabytes` GB of blanks and `tail`, deflated.

    The deflate stream is built from one compressed megabyte repeated: after a full flush the
    compressor forgets its history, so the same input compresses to the same bytes.
    """
    chunk = b" " * (1 << 20)
    count = gigabytes * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    last = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    deflated = first + block * count + last
    size = len(head) + len(chunk) * count + len(tail)
    return _raw_zip(parts, name, deflated, size, crc)


def _raw_zip(parts: dict[str, bytes], name: str, deflated: bytes, size: int, crc: int) -> bytes:
    """`parts` zipped normally, then `name` with an already deflated body (under 4 GiB: no ZIP64)."""
    buffer = io.BytesIO(_zip(parts))
    with zipfile.ZipFile(buffer) as archive:
        infos = archive.infolist()
    data = buffer.getvalue()
    end = data.rindex(b"PK\x05\x06")
    central_start = struct.unpack("<I", data[end + 16:end + 20])[0]
    body, central = data[:central_start], data[central_start:end]
    encoded = name.encode()
    offset = len(body)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(deflated),
                        size, len(encoded), 0) + encoded
    record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(deflated),
                         size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    body += local + deflated
    central += record
    count = len(infos) + 1
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    return body + central + tail


def merge_bomb_xlsx(rows: int = 200) -> bytes:
    """A 4 kB .xlsx whose `rows` rows are each merged D:XFD: 3.3 million cells for openpyxl to make."""
    body = "".join(f'<row r="{r}">{_cell(f"D{r}", "x")}</row>' for r in range(10, 10 + rows))
    merges = "".join(f'<mergeCell ref="D{r}:XFD{r}"/>' for r in range(10, 10 + rows))
    xml = sheet_xml(GOOD_ROWS).replace("</sheetData></worksheet>",
                                       f"{body}</sheetData><mergeCells>{merges}</mergeCells></worksheet>")
    return _zip(_parts(xml))


def many_sheets_xlsx(sheets: int = 3, cells: int = 2_000) -> bytes:
    """`sheets` sheets of about `cells` numeric cells each, the BOM on the first."""
    rnd = random.Random(2)

    def sheet() -> str:
        rows = [f'<row r="{r}">' + "".join(f'<c r="{_col(c)}{r}"><v>{rnd.randint(0, 10**9)}</v></c>'
                                          for c in range(1, 51)) + "</row>"
                for r in range(10, 10 + cells // 50)]
        return sheet_xml(GOOD_ROWS).replace("</sheetData>", "".join(rows) + "</sheetData>")

    listed = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1))
    parts = _parts(sheet(), f'<?xml version="1.0"?><workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>{listed}'
                            "</sheets></workbook>")
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, sheets + 1))
    parts["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0"?><Relationships xmlns="{_PKG}/'
                                           f'relationships">{rels}</Relationships>').encode()
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(2, sheets + 1))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>",
                                                                        overrides.encode() + b"</Types>")
    for i in range(2, sheets + 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet().encode()
    return _zip(parts)


def shared_strings_xlsx(megabytes: int = 2) -> bytes:
    """A good sheet plus a sharedStrings part of `megabytes` MB of random (incompressible-ish) text."""
    rnd = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    count = megabytes * 1_000_000 // 50
    strings = "".join(f"<si><t>{''.join(rnd.choices(letters, k=40))}</t></si>" for _ in range(count))
    parts = _parts(sheet_xml(GOOD_ROWS))
    parts["xl/sharedStrings.xml"] = f'<?xml version="1.0"?><sst xmlns="{_NS}">{strings}</sst>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                     b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" '
                             'Target="sharedStrings.xml"/></Relationships>'.encode())
    return _zip(parts)


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods(extra_rows: str) -> bytes:
    """An .ods with a Qty/MPN header, one good line, then `extra_rows` (table-row elements)."""
    def cell(value: str, attributes: str = "") -> str:
        return (f'<table:table-cell{attributes} office:value-type="string"><text:p>{value}</text:p>'
                "</table:table-cell>")

    rows = (f"<table:table-row>{cell('Qty')}{cell('MPN')}</table:table-row>"
            '<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
            f"</table:table-cell>{cell('LM358DR2G')}</table:table-row>{extra_rows}")
    content = (f'<?xml version="1.0"?><office:document-content {_ODS_NS} office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="BOM">{rows}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
                'application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": content.encode(), "META-INF/manifest.xml": manifest.encode()})


def repeat_bomb_ods() -> bytes:
    """A 2 kB .ods declaring a row of 16,384 cells repeated 1,048,000 times (17 billion cells)."""
    return _ods('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
                "</table:table-cell></table:table-row>")


def merge_bomb_ods(rows: int = 3000) -> bytes:
    """`rows` rows each holding one cell spanned over 16,000 columns: 48 million merged cells."""
    return _ods(rows * ('<table:table-row><table:table-cell table:number-columns-spanned="16000" '
                        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'))


def bad_span_ods() -> bytes:
    """A cell whose column span is not a number."""
    return _ods('<table:table-row><table:table-cell table:number-columns-spanned="abc" '
                'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')


BIG: dict[str, Callable[[], bytes]] = {
    "merge_bomb.xlsx": merge_bomb_xlsx,
    "many_sheets.xlsx": many_sheets_xlsx,
    "shared_strings.xlsx": shared_strings_xlsx,
    "repeat_bomb.ods": repeat_bomb_ods,
    "merge_bomb.ods": merge_bomb_ods,
    "bad_span.ods": bad_span_ods,
    "million_rows.xlsx": million_rows_xlsx,
    "million_rows.csv": million_rows_csv,
    "wide_columns.xlsx": wide_columns_xlsx,
    "wide_columns.csv": wide_columns_csv,
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "zip_bomb.ods": zip_bomb_ods,
}


def write(name: str, folder: Path) -> Path:
    """Write the case `name` (small or big) into `folder` and return its path."""
    make = SMALL.get(name) or BIG[name]
    target = folder / name
    target.write_bytes(make())
    return target


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else HERE
    for name in SMALL:
        write(name, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
