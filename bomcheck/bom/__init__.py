"""Read a BOM file (.xlsx/.xlsm/.xls/.ods/.csv/.tsv/.BOM) into a `Bom`: sheet, header, columns, lines."""

from bomcheck.bom.aliases import COLUMN_ALIASES
from bomcheck.bom.columns import ROLES
from bomcheck.bom.lines import resolved_by_seller
from bomcheck.bom.names import header_role
from bomcheck.bom.options import ReaderOptions
from bomcheck.bom.reader import SUPPORTED_SUFFIXES, check_bom_file, read_bom
from bomcheck.bom.refdes import expand_range, split_refdes

__all__ = ["COLUMN_ALIASES", "ROLES", "SUPPORTED_SUFFIXES", "ReaderOptions", "check_bom_file", "expand_range",
           "header_role", "read_bom", "resolved_by_seller", "split_refdes"]
