"""ReaderOptions: what the user tells the reader when its guesses are wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class ReaderOptions:
    """Overrides for one read: the sheet, the header row and the header text of any column."""

    sheet: str | None = None
    header_row: int | None = None  # 1-based physical row (CSV: record number)
    mpn_column: str | None = None
    qty_column: str | None = None
    manufacturer_column: str | None = None
    refdes_column: str | None = None
    description_column: str | None = None
    digikey_column: str | None = None
    dnp_column: str | None = None
    customer_pn_column: str | None = None
    attrition_column: str | None = None
    layouts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # saved column maps

    def column_overrides(self) -> dict[str, str]:
        """role -> header text, for the columns the user named."""
        found: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_column") and value:
                role = item.name.removesuffix("_column")
                found["digikey_pn" if role == "digikey" else role] = value
        return found


def column_option(role: str) -> str:
    """The command-line option that names a role's column: 'digikey_pn' -> '--digikey-column'."""
    return f"--{'digikey' if role == 'digikey_pn' else role.replace('_', '-')}-column"
