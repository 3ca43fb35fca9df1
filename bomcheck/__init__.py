"""bomcheck: check a bill of materials for stock, MOQ, NCNR and best price before you order."""

__version__ = "0.1.0"
