"""Render the demo's workbook as a buyer sees it: every sheet to PDF, every page to PNG (not run in CI).

    python tools/render_workbook.py [--out /tmp/bomcheck-render] [--boards 10,100,1000] [--bom BOM.xlsx]
                                    [--pictures docs/img]

Checks the BOM (default: sample_boms/demo.xlsx) over the built-in sandbox in a temporary copy,
converts the annotated workbook to PDF with LibreOffice (`soffice --headless --convert-to pdf`)
and each page to a PNG with poppler's `pdftoppm`, and prints where they are. Needs LibreOffice
Calc and poppler-utils (`apt-get install -y libreoffice-calc-nogui poppler-utils`).

With --pictures, also writes the README's pictures there: one PNG per sheet named in PICTURES,
each from a copy of the workbook holding that sheet alone on one page (for the BOM sheet, the
user's columns between the MPN and Status hidden, as the frozen panes show it on screen; for
Offers, its first rows and the columns a buyer compares offers by).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), file=sys.stderr)
    subprocess.run(command, cwd=cwd, check=True)


# The sheets the README shows
PICTURES = {"BOM": "bom-sheet.png", "Summary": "summary.png", "Quantities": "quantities.png",
            "Offers": "offers.png"}
# Offers is 31 columns wide and a row per offer: its picture shows the comparison a buyer makes
# (its first OFFER_ROWS rows; the part's facts, price ladder and links left out)
OFFERS_HIDDEN = ("Offer Part", "Maker", "Seller Part", "Packaging", "Multiple", "RoHS", "Origin", "ECCN",
                 "HTS", "Bonded", "Price Breaks", "Other Rows", "Answer", "Date Code", "Datasheet", "Page")
OFFER_ROWS = 17


def picture(checked: Path, title: str, target: Path, out: Path, profile: str) -> None:
    """`target`: a PNG of sheet `title` of `checked` alone, fitted to one page."""
    book = openpyxl.load_workbook(checked)
    for other in [name for name in book.sheetnames if name != title]:
        del book[other]
    sheet = book[title]
    if title == "BOM":
        headers = next(row for row in sheet.iter_rows(values_only=True) if "Status" in row)
        status = headers.index("Status") + 1
        mpn = headers.index("Manufacturer Part Number") + 1
        for col in range(mpn + 1, status):
            sheet.column_dimensions[get_column_letter(col)].hidden = True
    if title == "Offers":
        headers = [cell.value for cell in sheet[1]]
        for col, header in enumerate(headers, start=1):
            if header in OFFERS_HIDDEN:
                sheet.column_dimensions[get_column_letter(col)].hidden = True
        sheet.delete_rows(OFFER_ROWS + 2, sheet.max_row)
        sheet.auto_filter.ref = None
    sheet.print_title_cols = None
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.print_options.gridLines = False
    single = out / f"picture-{title}.xlsx"
    book.save(single)
    run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(single)], cwd=out)
    pdf = single.with_suffix(".pdf")
    x, y, width, height = content_box(pdf, DPI)
    run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", "-x", str(x), "-y", str(y), "-W", str(width),
         "-H", str(height), str(pdf), str(target.with_suffix(""))], cwd=out)


DPI = 130
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def content_box(pdf: Path, dpi: int, margin: int = 12) -> tuple[int, int, int, int]:
    """The first page's written area in pixels at `dpi` (x, y, width, height), the footer left out."""
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    page_height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', text).group(1))  # type: ignore[union-attr]
    words = [tuple(float(n) for n in match.groups()[:4]) for match in _WORD.finditer(text)]
    words = [word for word in words if word[1] < page_height - 60]  # the footer is the page's last line
    scale = dpi / 72
    left = max(0, int(min(w[0] for w in words) * scale) - margin)
    top = max(0, int(min(w[1] for w in words) * scale) - margin)
    right = int(max(w[2] for w in words) * scale) + margin
    bottom = int(max(w[3] for w in words) * scale) + margin
    return left, top, right - left, bottom - top


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/bomcheck-render"))
    parser.add_argument("--boards", default="10,100,1000")
    parser.add_argument("--bom", type=Path, default=ROOT / "sample_boms" / "demo.xlsx")
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--pictures", type=Path, help="write the README's PNGs into this folder")
    args = parser.parse_args()
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: apt-get install -y libreoffice-calc-nogui poppler-utils",
                  file=sys.stderr)
            return 2
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    bom = out / args.bom.name
    shutil.copyfile(args.bom, bom)
    run([sys.executable, "-m", "bomcheck", "check", str(bom), "--sandbox", "--boards", args.boards,
         "--json", str(out / (bom.stem + ".json"))], cwd=ROOT)
    checked = out / (bom.stem + ".checked.xlsx")
    profile = f"-env:UserInstallation=file://{out / 'lo-profile'}"  # never the user's own profile
    run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(checked)],
        cwd=out)
    pdf = checked.with_suffix(".pdf")
    run(["pdftoppm", "-png", "-r", str(args.dpi), str(pdf), str(out / "page")], cwd=out)
    pages = sorted(out.glob("page-*.png"))
    print(f"{pdf}\n{len(pages)} pages: {out}/page-*.png")
    if args.pictures:
        args.pictures.mkdir(parents=True, exist_ok=True)
        for title, name in PICTURES.items():
            picture(checked, title, args.pictures.resolve() / name, out, profile)
            print(args.pictures / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
