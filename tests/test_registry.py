"""The source registry: a source is one registry entry; the rest of bomcheck follows it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

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
            assert {status.name for status in unavailable} == {"Arrow", "DigiKey Bonded", "DigiKey", "Mouser"}
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
    assert [spec.name for spec in SOURCES][:4] == ["Arrow", "DigiKey Bonded", "DigiKey", "Mouser"]
    assert [spec.column for spec in SOURCES][:4] == ["Arrow Stock", "DigiKey Bonded", "DigiKey Stock",
                                                     "Mouser Stock"]
    assert len({spec.name for spec in SOURCES}) == len(SOURCES)
    assert all(spec.column for spec in SOURCES)


async def test_each_configured_source_gets_a_run_on_one_session():
    settings = Settings(arrow_login="a", arrow_api_key="k3y-value")
    async with open_sources(settings) as (runs, unavailable):
        assert [run.source.name for run in runs] == ["Arrow"] and runs[0].column == "Arrow Stock"
        assert isinstance(runs[0].transport.session, aiohttp.ClientSession)
        assert [status.rank for status in unavailable] == [1, 2, 3]


# ----------------------------------------------------------------- DigiKey catalog and Mouser

def spec_named(name: str) -> SourceSpec:
    return next(spec for spec in SOURCES if spec.name == name)


def test_mouser_reads_its_key_and_url_from_the_environment_and_the_config_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[mouser]\napi_key = "file-key-1234"\nurl = "https://mouser.example"\nrate = 0.25\n')
    from_file = load_settings(env={}, path=config)
    assert (from_file.mouser_api_key, from_file.mouser_url, from_file.mouser_rate) == (
        "file-key-1234", "https://mouser.example", 0.25)
    from_env = load_settings(env={"BOMCHECK_MOUSER_API_KEY": "env-key-5678",
                                  "BOMCHECK_MOUSER_URL": "https://other.example"}, path=config)
    assert (from_env.mouser_api_key, from_env.mouser_url) == ("env-key-5678", "https://other.example")
    assert "env-key-5678" in from_env.secrets and "env-key-5678" not in repr(from_env)
    assert Settings().mouser_url == "https://api.mouser.com" and Settings().mouser_rate == 0.5  # 30 a minute
    assert spec_named("Mouser").configured(from_env) and not spec_named("Mouser").configured(Settings())


def test_the_digikey_app_alone_switches_on_the_catalog_and_the_account_id_the_bonded_source():
    app = Settings(digikey_client_id="app-id", digikey_client_secret="app-s3cret")
    assert spec_named("DigiKey").configured(app)
    assert not spec_named("DigiKey Bonded").configured(app)
    bonded = Settings(digikey_client_id="app-id", digikey_client_secret="app-s3cret",
                      digikey_account_id="1234567")
    assert spec_named("DigiKey").configured(bonded) and spec_named("DigiKey Bonded").configured(bonded)
    message = missing_credentials_message()
    assert ("BOMCHECK_DIGIKEY_CLIENT_ID, BOMCHECK_DIGIKEY_CLIENT_SECRET for DigiKey "
            "(+ BOMCHECK_DIGIKEY_ACCOUNT_ID for DigiKey Bonded)") in message
    assert "BOMCHECK_MOUSER_API_KEY for Mouser" in message


async def test_without_an_account_id_the_bonded_source_is_left_out_saying_which_setting_it_needs():
    app = Settings(digikey_client_id="app-id", digikey_client_secret="app-s3cret")
    async with open_sources(app) as (runs, unavailable):
        assert [run.source.name for run in runs] == ["DigiKey"]
        assert runs[0].column == "DigiKey Stock" and runs[0].numbers == ("digikey_pn",)
        bonded = next(status for status in unavailable if status.name == "DigiKey Bonded")
        assert "BOMCHECK_DIGIKEY_ACCOUNT_ID" in bonded.message


def test_the_sandbox_points_all_four_sources_at_it_with_its_public_demo_credentials():
    variables = dict(sandbox_environment("http://127.0.0.1:9"))
    assert variables["BOMCHECK_MOUSER_URL"] == variables["BOMCHECK_DIGIKEY_URL"] == "http://127.0.0.1:9"
    assert variables["BOMCHECK_MOUSER_API_KEY"] and variables["BOMCHECK_DIGIKEY_ACCOUNT_ID"]


def test_cache_identities_follow_currency_and_account_and_hold_no_secret():
    usd = Settings(digikey_client_id="app", digikey_client_secret="s3cret-value",
                   mouser_api_key="mk-123456789")
    eur = dataclasses.replace(usd, currency="EUR")
    other_account = dataclasses.replace(usd, digikey_account_id="42")
    ids = [cache_identities(settings)["DigiKey"] for settings in (usd, eur, other_account)]
    assert len(set(ids)) == 3  # DigiKey prices follow the locale currency and the account's MyPricing
    mouser = cache_identities(usd)["Mouser"]
    assert "mk-123456789" not in mouser and "s3cret-value" not in " ".join(cache_identities(usd).values())
    assert mouser != cache_identities(dataclasses.replace(usd, mouser_api_key="another-key"))["Mouser"]
    assert mouser == cache_identities(eur)["Mouser"]  # Mouser prices in the account's currency, not ours
    assert spec_named("DigiKey").on_disk(usd) and spec_named("Mouser").on_disk(usd)


def test_the_example_config_file_reads_without_unknown_settings(caplog):
    example = Path(__file__).parent.parent / "deploy" / "config.example.toml"
    settings = load_settings(env={}, path=example)
    assert not [r for r in caplog.records if "unknown settings" in r.getMessage()]
    assert (settings.mouser_api_key, settings.digikey_client_id, settings.currency) == ("", "", "USD")
    assert not any(spec.configured(settings) for spec in SOURCES)  # nothing switched on by the example


def test_a_watch_output_is_reused_only_from_the_same_addresses_and_accounts_of_every_source():
    from bomcheck.runtime import answers_from

    base = dataclasses.replace(Settings(), mouser_api_key="key-one-123456", arrow_login="me")
    assert answers_from(base) == answers_from(dataclasses.replace(base))
    others = [dataclasses.replace(base, mouser_url="https://mouser.example/api"),
              dataclasses.replace(base, mouser_api_key="key-two-654321"),
              dataclasses.replace(base, digikey_account_id="4242"),
              dataclasses.replace(base, arrow_login="someone else")]
    assert len({answers_from(settings) for settings in [base, *others]}) == 5
    assert "key-one-123456" not in answers_from(base)
