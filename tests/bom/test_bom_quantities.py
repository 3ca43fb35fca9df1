"""Quantity warnings name what is wrong: a negative quantity is called negative, not 'not a whole number'."""

from __future__ import annotations

import pytest

from bomcheck.bom.lines import parse_qty


@pytest.mark.parametrize("value", [-1, -1.0, "-1", "\u22122", " -1,000 "])
def test_a_negative_quantity_is_called_negative(value):
    notes: list[str] = []
    assert parse_qty(value, ("U1",), notes) == 1
    assert len(notes) == 1 and "is negative; using 1 from the designators" in notes[0]
    assert "whole number" not in notes[0]


@pytest.mark.parametrize("value", ["2.5", 2.5, "abc"])
def test_other_bad_quantities_are_still_not_whole_numbers(value):
    notes: list[str] = []
    assert parse_qty(value, (), notes) == 1
    assert notes == [f"quantity {str(value)!r} is not a whole number; using 1"]
