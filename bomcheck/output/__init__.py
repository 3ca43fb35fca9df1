"""WRITE: a Report -> the annotated workbook and its sheets, JSON, terminal text, inspect."""
