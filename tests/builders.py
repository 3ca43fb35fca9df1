"""Values tests build again and again: offers, lookups, statuses, reports (one place, no copies)."""

from __future__ import annotations

from bomcheck.model import SourceStatus

# The statuses of a run that asked both default sources, as runtime.open_sources labels them.
ARROW_STATUS = SourceStatus("Arrow", True, column="Arrow Stock", rank=0,
                            link_domains=("arrow.com", "verical.com"))
BONDED_STATUS = SourceStatus("DigiKey Bonded", True, column="DigiKey Bonded", rank=1,
                             link_domains=("digikey.com",))
DEFAULT_SOURCES = (ARROW_STATUS, BONDED_STATUS)
# The result headers of a report on those two sources, as the README's output section lists them.
RESULT_HEADERS = ("Status", "Action", "Need", "Buy Qty", "Unit Price", "Ext. Price", "Excess", "Excess Value",
                  "Best Source", "Maker Bought", "Arrow Stock", "DigiKey Bonded", "MOQ", "NCNR", "Lifecycle",
                  "RoHS", "Lead Time (wk)", "Notes")
