"""The sandbox lists a part under the maker the BOM names (as a real distributor would for a correct
BOM), where its synthetic catalog would have made one up: `check --sandbox` tells it the makers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.model import Query, manufacturer_matches
from bomcheck.runtime import naming_makers
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN, catalog
from bomcheck.sandbox.catalog import SECOND_SOURCES, listed_maker, part_key

# C1… starts KEMET's family in the catalog; this number is TDK's (C1608 is TDK's 0603 series).
TDK_MLCC = "C1608X5R1A106K080AC"


def _unknown_found(count: int) -> list[str]:
    """Found MPNs no family of the catalog starts with (none starts with PESD, Nexperia's ESD
    series): it lists them under a maker it picks by hash, never Nexperia."""
    return [n for n in (f"PESD{i}XYZ" for i in range(1000)) if catalog.is_found(n)][:count]


def _named(makers: dict[str, str], mpn: str) -> catalog.CatalogPart | None:
    token = catalog.NAMED_MAKERS.set(makers)
    try:
        return catalog.lookup(mpn)
    finally:
        catalog.NAMED_MAKERS.reset(token)


def test_a_named_maker_wins_over_the_made_up_one():
    mpn = _unknown_found(1)[0]
    made_up = catalog.lookup(mpn)
    assert made_up is not None and made_up.mfr_name == listed_maker(mpn)
    assert not manufacturer_matches("Nexperia", made_up.mfr_name)
    named = _named({part_key(mpn): "Nexperia"}, mpn.lower())
    assert named is not None
    assert named.mfr_name == "Nexperia" and named.mfr_cd == "NEXPERIA"
    assert "Nexperia" in named.description and made_up.mfr_name not in named.description
    assert catalog.lookup(mpn) == made_up  # the naming lasted for its requests only


def test_a_named_maker_wins_over_the_prefix_family():
    assert catalog.is_found(TDK_MLCC) and listed_maker(TDK_MLCC) == "KEMET"
    named = _named({part_key(TDK_MLCC): "TDK"}, TDK_MLCC)
    assert named is not None and named.mfr_name == "TDK"


def test_multi_source_generics_keep_the_makers_they_are_listed_under():
    generic = next(iter(SECOND_SOURCES))
    before = sorted(part.mfr_name for part in catalog.search(generic))
    token = catalog.NAMED_MAKERS.set({generic: "Some Other Maker"})
    try:
        after = sorted(part.mfr_name for part in catalog.search(generic))
    finally:
        catalog.NAMED_MAKERS.reset(token)
    assert after == before and len(before) > 1


def test_only_makers_the_catalog_would_list_otherwise_are_named():
    unknown, unnamed = _unknown_found(2)
    named: dict[str, str] = {}
    naming_makers(named)([
        Query(mpn="GRM188R71C104KA01D", manufacturer="Murata Electronics"),  # the catalog's Murata
        Query(mpn=unknown.lower(), manufacturer=" Nexperia B.V. "),
        Query(mpn=unnamed, manufacturer=None),
        Query(mpn=TDK_MLCC, manufacturer="TDK Corporation"),
        Query(mpn=None, manufacturer="TDK", digikey_pn="445-1234-1-ND"),
    ])
    assert named == {unknown: "Nexperia B.V.", TDK_MLCC: "TDK Corporation"}


def _bom(tmp_path: Path) -> tuple[Path, str]:
    unknown = _unknown_found(1)[0]
    bom = tmp_path / "bom.csv"
    bom.write_text("Designator,Qty,Manufacturer,MPN\n"
                   f"D1,1,Nexperia,{unknown}\n"
                   f"C1,1,TDK,{TDK_MLCC}\n", encoding="utf-8")
    return bom, unknown


def _lines(result_json: Path) -> dict[str, dict]:
    return {line["mpn"]: line for line in json.loads(result_json.read_text(encoding="utf-8"))["lines"]}


def test_check_on_its_sandbox_buys_the_parts_of_the_makers_the_bom_names(tmp_path):
    bom, unknown = _bom(tmp_path)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "--json", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = _lines(out)
    assert lines[unknown]["status"] == "OK" and lines[TDK_MLCC]["status"] == "OK"
    assert {p["source"]["manufacturer"] for p in lines[unknown]["purchases"]} == {"Nexperia"}
    assert {p["source"]["manufacturer"] for p in lines[TDK_MLCC]["purchases"]} == {"TDK"}


def test_a_sandbox_server_on_its_own_does_not_know_the_bom(tmp_path, threaded_sandbox):
    """`bomcheck sandbox` serves any client: it lists its own makers, and the planner says so."""
    bom, unknown = _bom(tmp_path)
    out = tmp_path / "out.json"
    env = {"BOMCHECK_ARROW_URL": threaded_sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
    result = CliRunner().invoke(main, ["check", str(bom), "--json", str(out)], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = _lines(out)
    assert lines[unknown]["status"] == "OTHER MAKER" and lines[TDK_MLCC]["status"] == "OTHER MAKER"


def test_a_digikey_number_given_beside_an_mpn_gets_no_made_up_part():
    """A line's own MPN not found, its DigiKey number asked next: a made-up SANDBOX- part would
    contradict the line (another MPN, another maker); the number is then not found, as the MPN."""
    from bomcheck.sandbox import digikey_products

    assert digikey_products.by_number("P100KGCT-ND") is not None  # DigiKey's older numbers too
    named: dict[str, str] = {}
    numbers: set[str] = set()
    naming_makers(named, numbers)([Query(mpn="C1005C0G1H471J050BA", manufacturer="TDK",
                                         digikey_pn="445-2656-6-nd"),
                                   Query(mpn=None, digikey_pn="1572-1715-ND")])
    assert numbers == {"445-2656-6-ND"}
    token = catalog.NAMED_NUMBERS.set(frozenset(numbers))
    try:
        assert digikey_products.by_number("445-2656-6-ND") is None
        assert digikey_products.by_number("1572-1715-ND") is not None  # a number alone still is
    finally:
        catalog.NAMED_NUMBERS.reset(token)
    assert digikey_products.by_number("445-2656-6-ND") is not None  # a standalone sandbox
