#!/bin/sh
# Make docs/img/rfq.png: the demo's RFQ file (sandbox, example [rfq] header) printed by LibreOffice, page 1.
# Needs soffice (libreoffice-calc-nogui), pdftoppm (poppler-utils) and, for Calibri's metrics, Carlito
# (fonts-crosextra-carlito). Run from the repository root: sh tools/rfq_picture.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp sample_boms/demo.xlsx "$work/demo.xlsx"
cat > "$work/config.toml" <<'TOML'
[rfq]
company = "Acme Devices GmbH"
contact = "Jana Buyer"
email = "purchasing@acme.example"
phone = "+49 89 1234 567"
delivery_address = "Acme Devices GmbH, Goods-in, Industriestr. 5, 80939 München, Germany"
incoterms = "DAP Munich"
reply_by_days = 7
required_by_days = 28
terms = "Authorised channel only; date code not older than 2 years; state NCNR and country of origin."
TOML
BOMCHECK_CONFIG="$work/config.toml" BOMCHECK_CACHE_DIR="$work/cache" \
    python -m bomcheck -q check "$work/demo.xlsx" --sandbox --boards 100,1000 --attrition 2% --rfq
(cd "$work" && soffice --headless --convert-to pdf demo.rfq.xlsx >/dev/null)
pdfinfo "$work/demo.rfq.pdf" | grep Pages
pdftoppm -png -r 100 -f 1 -l 1 -singlefile "$work/demo.rfq.pdf" docs/img/rfq
echo "wrote docs/img/rfq.png"
