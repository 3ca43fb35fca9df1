"""The source registry: a source is one registry entry; the rest of bomcheck follows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import aiohttp
import openpyxl

from bomcheck.check import CheckOptions, check_bom
from bomcheck.config import ENV_VARS, Setting, Settings, load_settings
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import Lookup, LookupStatus, Offer, PriceBreak, Query
from bomcheck.output.sheets.summary import summary_rows
from bomcheck.runtime import (
    SOURCES,
    OpenedSource,
    SourceSpec,
    cache_identities,
    missing_credentials_message,
    open_sources,
    register,
    sandbox_environment,
    unregister,
)


class ThirdSource:
    """A distributor bomcheck has never heard of: it stocks 700 of every part, and counts its calls."""

    name = "Partsbin"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [[query] for query in queries]

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]:
        self.asked += [query.mpn or "" for query in batch]
        return {query: Lookup(self.name, LookupStatus.FOUND, offers=(Offer(
            source=self.name, seller="Partsbin", mpn=query.mpn or "", manufacturer="Acme", sku="PB-1",
            stock=700, breaks=(PriceBreak(1, Decimal("0.10")),),
            links=(("detail", "https://partsbin.example/p/1"),)),)) for query in batch}


def third_spec(source: ThirdSource) -> SourceSpec:
    return SourceSpec(
        name=ThirdSource.name, vendor="Partsbin", column="Partsbin Stock",
        settings=(Setting("partsbin_key", "", "BOMCHECK_PARTSBIN_KEY", secret=True),),
        configured=lambda settings: bool(settings.partsbin_key), needs=("partsbin_key",),
        open=lambda settings, session: OpenedSource(SourceRun(source, Transport(session, make_limiter(50)))),
        identity=lambda settings: "partsbin", sandbox=lambda url: {"partsbin_key": "sandbox-key"},
        link_domains=("partsbin.example",),
    )


async def test_a_third_source_is_one_registry_entry_and_shows_in_the_workbook_and_summary(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_text("Ref,Qty,MPN\nR1,2,RC0603-10K\nU1,1,LM358DR\n")
    source = ThirdSource()
    spec = third_spec(source)
    register(spec)
    try:
        assert ENV_VARS["partsbin_key"] == "BOMCHECK_PARTSBIN_KEY"
        settings = load_settings(env={"BOMCHECK_PARTSBIN_KEY": "pb-s3cret-key"}, path=tmp_path / "none.toml")
        assert settings.partsbin_key == "pb-s3cret-key" and "pb-s3cret-key" in settings.secrets
        assert "pb-s3cret-key" not in repr(settings)
        assert "BOMCHECK_PARTSBIN_KEY for Partsbin" in missing_credentials_message()
        assert ("BOMCHECK_PARTSBIN_KEY", "sandbox-key") in sandbox_environment("http://127.0.0.1:1")
        assert cache_identities(settings)["Partsbin"] == "partsbin"
        async with open_sources(settings) as (runs, unavailable):
            assert [run.source.name for run in runs] == ["Partsbin"]
            assert {status.name for status in unavailable} == {"Arrow", "DigiKey Bonded"}
            outcome = await check_bom(bom, CheckOptions(boards=10, output=tmp_path / "out.xlsx"), runs,
                                      unavailable)
    finally:
        unregister(spec)
    assert sorted(source.asked) == ["LM358DR", "RC0603-10K"]
    sheet = openpyxl.load_workbook(outcome.output)["BOM"]
    headers = [cell.value for cell in sheet[1]]
    assert headers.index("Partsbin Stock") > headers.index("DigiKey Bonded") > headers.index("Arrow Stock")
    column = headers.index("Partsbin Stock") + 1
    assert [sheet.cell(row, column).value for row in (2, 3)] == [700, 700]
    assert sheet.cell(2, headers.index("Arrow Stock") + 1).value == "not checked"
    offers = openpyxl.load_workbook(outcome.output)["Offers"]
    linked = [cell for row in offers.iter_rows() for cell in row if cell.hyperlink is not None]
    assert linked and linked[0].hyperlink.target == "https://partsbin.example/p/1"
    rows = {label: value for label, value, _ in summary_rows(outcome.report, "BOM")}
    said = [str(value) for label, value in rows.items() if "Partsbin" in str(label)]
    assert said and said[0].startswith("checked"), rows
    assert outcome.report.all_checked


def test_unregistering_leaves_the_registry_and_settings_as_they_were():
    before = list(SOURCES)
    spec = third_spec(ThirdSource())
    register(spec)
    unregister(spec)
    assert before == SOURCES and "partsbin_key" not in ENV_VARS
    assert not hasattr(Settings(), "partsbin_key")


def test_the_default_registry_lists_every_vendor_once_in_output_order():
    assert [spec.name for spec in SOURCES][:2] == ["Arrow", "DigiKey Bonded"]
    assert len({spec.name for spec in SOURCES}) == len(SOURCES)
    assert all(spec.column for spec in SOURCES)


async def test_each_configured_source_gets_a_run_on_one_session():
    settings = Settings(arrow_login="a", arrow_api_key="k3y-value")
    async with open_sources(settings) as (runs, unavailable):
        assert [run.source.name for run in runs] == ["Arrow"] and runs[0].column == "Arrow Stock"
        assert isinstance(runs[0].transport.session, aiohttp.ClientSession)
        assert [status.rank for status in unavailable] == [1]
