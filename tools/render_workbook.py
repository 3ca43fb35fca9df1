"""Render the demo's workbook as a buyer sees it: every sheet to PDF, every page to PNG (not run in CI).

    python tools/render_workbook.py [--out /tmp/bomcheck-render] [--boards 10,100,1000] [--bom BOM.xlsx]

Checks the BOM (default: sample_boms/demo.xlsx) over the built-in sandbox in a temporary copy,
converts the annotated workbook to PDF with LibreOffice (`soffice --headless --convert-to pdf`)
and each page to a PNG with poppler's `pdftoppm`, and prints where they are. Needs LibreOffice
Calc and poppler-utils (`apt-get install -y libreoffice-calc-nogui poppler-utils`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), file=sys.stderr)
    subprocess.run(command, cwd=cwd, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/bomcheck-render"))
    parser.add_argument("--boards", default="10,100,1000")
    parser.add_argument("--bom", type=Path, default=ROOT / "sample_boms" / "demo.xlsx")
    parser.add_argument("--dpi", type=int, default=80)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
