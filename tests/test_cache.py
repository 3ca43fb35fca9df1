"""The offers cache on its own: the JSON codec, the SQLite file (WAL, two processes, damage), memory."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bomcheck.cache import CACHE_FILE, SCHEMA_VERSION, CacheKey, OffersCache
from bomcheck.cache_codec import CodecError, lookup_from_json, lookup_to_json
from bomcheck.model import Lookup, LookupStatus, Offer, PipelineDelivery, PriceBreak

FULL_OFFER = Offer(
    source="Arrow", seller="Verical", mpn="LM317T", manufacturer="Texas Instruments", sku="V-123",
    stock=1500, moq=10, multiple=5,
    breaks=(PriceBreak(10, Decimal("0.5210")), PriceBreak(100, Decimal("0.41")),
            PriceBreak(1000, Decimal("0.3"))),
    currency="EUR", ncnr=True, lead_time_weeks=14, description="IC REG LINEAR ±1.5A", bonded=True,
    date_code="2431", pipeline=(PipelineDelivery("2026-12-01", 500), PipelineDelivery("05-APR-2027", 20)),
    availability="INSTK", packaging="Tube", eccn="EAR99", hts="8542390001", country_of_origin="MY",
    compliance=(("eurohs", "Compliant"), ("reach", "Unaffected")),
    links=(("datasheet", "https://example.com/ds.pdf"), ("detail", "https://example.com/p")),
)


def test_the_sample_offer_sets_every_field_so_a_new_field_cannot_be_forgotten():
    defaults = Offer(source="", seller="", mpn="", manufacturer="", sku="", stock=0)
    for f in dataclasses.fields(Offer):
        assert getattr(FULL_OFFER, f.name) != getattr(defaults, f.name), f.name


@pytest.mark.parametrize("lookup", [
    Lookup("Arrow", LookupStatus.FOUND, offers=(FULL_OFFER, dataclasses.replace(FULL_OFFER, breaks=())),
           message="maker differs"),
    Lookup("Arrow", LookupStatus.NOT_FOUND, message="not found at Arrow (no exact match; Arrow lists X)",
           candidates=("LM317TG", "LM317T-DG")),
    Lookup("Arrow", LookupStatus.AMBIGUOUS, offers=(FULL_OFFER,), candidates=("A (TI)", "A (ST)")),
    Lookup("DigiKey Bonded", LookupStatus.ERROR, message="HTTP 500"),
    Lookup("DigiKey Bonded", LookupStatus.NOT_CHECKED),
], ids=lambda lookup: lookup.status.name)
def test_a_lookup_comes_back_equal_with_exact_decimals(lookup):
    text = lookup_to_json(lookup)
    back = lookup_from_json(text)
    assert back == lookup
    assert '"0.5210"' in text or not lookup.offers  # money as strings: no digit lost, none added
    if lookup.offers:
        assert back.offers[0].breaks[0].unit_price.as_tuple() == Decimal("0.5210").as_tuple()


@pytest.mark.parametrize("text", ["", "not json", "{}", '{"source": "A", "status": "weird", "offers": [], '
                                  '"message": "", "candidates": []}'])
def test_an_unreadable_stored_answer_is_a_codec_error(text):
    with pytest.raises(CodecError):
        lookup_from_json(text)


# --------------------------------------------------------------------------- the SQLite file

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
FOUND = Lookup("DigiKey Bonded", LookupStatus.FOUND, offers=(FULL_OFFER,))


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def key(query: str = '["LM317T","","",""]', source: str = "DigiKey Bonded") -> CacheKey:
    return CacheKey.of(source, "https://api.example|acct-1", query)


def open_cache(path: Path, clock: Clock | None = None, **kwargs) -> OffersCache:
    return OffersCache(path / CACHE_FILE, disk_sources={"DigiKey Bonded"}, clock=clock or Clock(), **kwargs)


def test_an_answer_stored_on_disk_is_read_back_by_a_new_cache_with_its_fetch_time(tmp_path):
    first = open_cache(tmp_path)
    first.put_many([(key(), FOUND)])
    first.close()
    again = open_cache(tmp_path, Clock(NOW + timedelta(hours=5)))
    held = again.get(key())
    assert held is not None and held.lookup == FOUND and held.fetched_at == NOW
    assert again.get(key('["OTHER","","",""]')) is None
    identity_b = CacheKey.of("DigiKey Bonded", "https://sandbox.example|acct-1", key().query)
    assert again.get(identity_b) is None  # another server or account never sees these answers


def test_the_file_is_wal_with_a_schema_version_and_no_readable_identity(tmp_path):
    open_cache(tmp_path).put_many([(key(), FOUND)])
    db = sqlite3.connect(tmp_path / CACHE_FILE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    stored = db.execute("SELECT identity FROM lookups").fetchone()[0]
    assert "acct-1" not in stored and len(stored) == 32


def _writer(path: str, start: int, count: int) -> None:
    cache = OffersCache(Path(path), disk_sources={"DigiKey Bonded"})
    for number in range(start, start + count):
        cache.put_many([(key(f"q{number}"), FOUND)])
    cache.close()


def test_two_processes_write_while_a_third_connection_reads(tmp_path):
    path = tmp_path / CACHE_FILE  # not there yet: all three create it at about the same time
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(path), start, 40)) for start in (0, 1000)]
    for process in writers:
        process.start()
    reader = OffersCache(path, disk_sources={"DigiKey Bonded"})
    while any(process.is_alive() for process in writers):  # reading while they write: never an error
        for number in range(40):
            reader.get(key(f"q{number}"))
    for process in writers:
        process.join(30)
        assert process.exitcode == 0
    every = [*range(40), *range(1000, 1040)]
    assert all(reader.get(key(f"q{n}")) is not None for n in every)
    reader.close()
    assert not list(tmp_path.glob("*.broken-*"))  # nobody took another's new file for a broken one


@pytest.mark.parametrize("damage", ["garbage", "wrong_schema", "foreign_table"])
def test_a_damaged_cache_is_moved_aside_and_rebuilt_with_a_warning(tmp_path, caplog, damage):
    path = tmp_path / CACHE_FILE
    if damage == "garbage":
        path.write_bytes(b"\x00\xffthis is not a database" * 200)
    else:
        db = sqlite3.connect(path)
        if damage == "wrong_schema":
            db.execute("CREATE TABLE lookups (x TEXT)")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
        else:
            db.execute("CREATE TABLE something_else (x TEXT)")
        db.commit()
        db.close()
    cache = open_cache(tmp_path)
    cache.put_many([(key(), FOUND)])
    assert cache.get(key()) is not None
    assert "moved it to" in caplog.text and CACHE_FILE in caplog.text
    assert [p.name for p in tmp_path.glob(f"{CACHE_FILE}.broken-*")]


def test_a_cache_that_cannot_be_created_is_not_fatal(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = OffersCache(blocker / CACHE_FILE, disk_sources={"DigiKey Bonded"}, clock=Clock())
    cache.put_many([(key(), FOUND)])  # no exception: the run goes on
    assert "kept in memory only" in caplog.text
    assert cache.get(key()) is not None  # kept in this process's memory instead
    assert blocker.is_file()


# --------------------------------------------------------------------------- memory only

ARROW = Lookup("Arrow", LookupStatus.FOUND, offers=(dataclasses.replace(FULL_OFFER, bonded=False),))


def test_a_memory_only_source_is_never_written_and_forgotten_after_the_window(tmp_path):
    clock = Clock()
    cache = open_cache(tmp_path, clock, memory_window=timedelta(minutes=10))
    arrow_key = key(source="Arrow")
    cache.put_many([(arrow_key, ARROW), (key(), FOUND)])
    rows = sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT source, body FROM lookups").fetchall()
    assert [source for source, _ in rows] == ["DigiKey Bonded"]
    assert not any("Verical" in body and '"bonded":false' in body for _, body in rows)
    clock.now = NOW + timedelta(minutes=9)
    assert cache.get(arrow_key) is not None
    clock.now = NOW + timedelta(minutes=11)
    assert cache.get(arrow_key) is None
    assert cache.get(key()) is not None  # the disk source is kept until its max age says no
    assert open_cache(tmp_path, clock).get(arrow_key) is None  # another process never sees it


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("off", False)])
def test_the_arrow_opt_in_from_the_environment(value, expected, tmp_path):
    from bomcheck.config import load_settings

    settings = load_settings(env={"BOMCHECK_ARROW_CACHE": value}, path=tmp_path / "none.toml")
    assert settings.arrow_cache is expected


def test_the_arrow_opt_in_and_cache_dir_from_the_config_file(tmp_path):
    from bomcheck.config import cache_dir, load_settings

    config = tmp_path / "config.toml"
    config.write_text(f'arrow_cache = true\ncache_dir = "{tmp_path / "c"}"\n')
    settings = load_settings(env={}, path=config)
    assert settings.arrow_cache is True and cache_dir(settings) == tmp_path / "c"
    config.write_text("[arrow]\ncache = true\n")
    assert load_settings(env={}, path=config).arrow_cache is True
    assert load_settings(env={}, path=tmp_path / "none.toml").arrow_cache is False


def test_a_bad_opt_in_value_is_one_clear_error(tmp_path):
    from bomcheck.config import load_settings
    from bomcheck.errors import ConfigError

    with pytest.raises(ConfigError, match=r"arrow_cache must be true or false.*BOMCHECK_ARROW_CACHE"):
        load_settings(env={"BOMCHECK_ARROW_CACHE": "maybe"}, path=tmp_path / "none.toml")
