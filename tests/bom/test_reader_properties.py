"""Properties of the whole reader: any grid, any options, any bytes -> lines or a BomError, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bomcheck.bom import ReaderOptions, read_bom, reader
from bomcheck.bom.cells import Sheet
from bomcheck.errors import BomError

cells = st.one_of(st.none(), st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=12),
                  st.sampled_from(["MPN", "Qty", "Ref", "Manufacturer", "R1-R4", "R4-R1", "DNP", "NF(R1)",
                                   "Total", "=SUM(A1)", "10k", "LM358DR", "BAT54C(SOT23-3)", "R1,,R2",
                                   "Board Qty: 5", "Digi-Key", "Cat#", "x", "-", "U1-U99999999"]))
grids = st.lists(st.lists(cells, max_size=7), max_size=14)
options = st.builds(ReaderOptions, header_row=st.one_of(st.none(), st.integers(1, 16)),
                    mpn_column=st.one_of(st.none(),
                                         st.sampled_from(["MPN", "Cat#", "Field9", "Digi-Key/Cat#"])),
                    qty_column=st.one_of(st.none(), st.sampled_from(["Qty", "MPN"])))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(grids, min_size=1, max_size=3), options)
def test_any_grids_and_options_give_lines_or_a_bom_error(monkeypatch, tmp_path, sheets, chosen):
    """read_bom from the grids on (sheet choice, header, late header, columns, lines, refusals)."""
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"PK")  # exists, not empty: the grids below stand in for its content
    monkeypatch.setattr(reader, "workbook_sheets", lambda _path, _sheet: iter(
        [Sheet(f"S{i}", [list(row) for row in grid]) for i, grid in enumerate(sheets)]))
    try:
        bom = read_bom(path, chosen)
    except BomError as exc:
        assert str(exc) and "\n" not in str(exc)  # one line for the user
        return
    assert bom.lines and bom.columns["mpn"] is not None
    assert all(line.row > bom.header_row and line.qty >= 0 for line in bom.lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000), st.sampled_from([".xlsx", ".csv", ".tsv", ".bom"]))
def test_any_bytes_give_lines_or_a_bom_error(tmp_path, data, suffix):
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    try:
        read_bom(path)
    except BomError as exc:
        assert str(exc) and "\n" not in str(exc)


@pytest.mark.parametrize("prefix", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000))
def test_any_bytes_behind_a_workbook_signature_give_a_bom_error(tmp_path, prefix, data):
    for suffix in (".xlsx", ".xls", ".ods"):
        path: Path = tmp_path / f"any{suffix}"
        path.write_bytes(prefix + data)
        with pytest.raises(BomError) as caught:
            read_bom(path)
        assert "\n" not in str(caught.value)
