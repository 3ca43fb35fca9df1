"""A line with no MPN that a source was asked about by a seller's number says what that source answered."""

from __future__ import annotations

from bomcheck.model import BomLine, LineStatus, Lookup, LookupStatus
from bomcheck.pricing.lines import plan_line


def test_the_owners_words_reach_the_reason_and_its_failure_is_not_lost():
    line = BomLine(row=4, mpn=None, refdes=("U1",), distributor_pns=(("mouser_pn", "595-X1"),))
    not_found = {"Seller": Lookup("Seller", LookupStatus.NOT_FOUND, message="Seller number 595-X1 not found"),
                 "Elsewhere": Lookup("Elsewhere", LookupStatus.NOT_CHECKED, message="not asked")}
    result = plan_line(line, not_found, boards=5)
    assert result.status is LineStatus.NO_MPN
    assert result.reason == "no usable MPN; Seller number 595-X1 not found"  # the source named once
    assert result.stock == {"Seller": 0, "Elsewhere": None}
    failed = {"Seller": Lookup("Seller", LookupStatus.ERROR, message="Seller: HTTP 503 after 4 attempts")}
    broken = plan_line(line, failed, boards=5)
    assert broken.status is LineStatus.NO_MPN and "HTTP 503" in broken.reason
    assert any(lookup.failed for lookup in broken.lookups.values())  # the run is not fully checked


def test_a_line_without_any_number_says_only_that_it_has_no_mpn():
    line = BomLine(row=5, mpn=None, refdes=("TP1",), raw_mpn_text="n/a")
    result = plan_line(line, {}, boards=1)
    assert result.status is LineStatus.NO_MPN and result.reason == "no usable MPN; the cell says 'n/a'"


def test_a_line_known_only_by_numbers_no_source_looks_up_names_them_and_what_to_do():
    line = BomLine(row=6, mpn=None, refdes=("C1",), distributor_pns=(("lcsc_pn", "C14663"),
                                                                     ("farnell_pn", "1759265")))
    unasked = {"Arrow": Lookup("Arrow", LookupStatus.NOT_CHECKED, message="not asked")}
    result = plan_line(line, unasked, boards=1)
    assert result.status is LineStatus.NO_MPN
    assert result.reason == ("no usable MPN; only sellers' numbers (LCSC C14663, Farnell 1759265), which no "
                             "source checked looks up: add the MPN")
