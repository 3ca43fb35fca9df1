"""The offers cache on its own: the JSON codec, the SQLite file (WAL, two processes, damage), memory."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bomcheck.lookups.cache import CACHE_FILE, SCHEMA_VERSION, CacheKey, OffersCache
from bomcheck.lookups.cache_codec import CodecError, lookup_from_json, lookup_to_json
from bomcheck.model import (
    Availability,
    Compliance,
    Lifecycle,
    Lookup,
    LookupStatus,
    Offer,
    Packaging,
    PipelineDelivery,
    PriceBreak,
)
from tests.conftest import WallClock

FULL_OFFER = Offer(
    source="Arrow", seller="Verical", mpn="LM317T", manufacturer="Texas Instruments", sku="V-123",
    stock=1500, moq=10, multiple=5,
    breaks=(PriceBreak(10, Decimal("0.5210")), PriceBreak(100, Decimal("0.41")),
            PriceBreak(1000, Decimal("0.3"))),
    currency="EUR", ncnr=True, lead_time_weeks=14, description="IC REG LINEAR ±1.5A", bonded=True,
    date_code="2431",
    pipeline=(PipelineDelivery("2026-12-01", 500, date(2026, 12, 1)), PipelineDelivery("05-APR-2027", 20)),
    availability="INSTK", packaging="Tube", eccn="EAR99", hts="8542390001", country_of_origin="MY",
    compliance=(("eurohs", "Compliant"), ("reach", "Unaffected")),
    links=(("datasheet", "https://example.com/ds.pdf"), ("detail", "https://example.com/p")),
    lifecycle=Lifecycle.NRND, lifecycle_text="Not Recommended", last_buy_date=date(2027, 3, 31),
    rohs=Compliance.NOT_COMPLIANT, reach=Compliance.EXEMPT, marketplace=True,
    availability_kind=Availability.QUOTE, packaging_kind=Packaging.TUBE, spq=50, fees=Decimal("7.00"),
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


def Clock(now: datetime = NOW) -> WallClock:
    return WallClock(now)


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


# --------------------------------------------------------------------------- trouble in use


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's long write transaction, as `check` or `watch` would hold it."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_busy_file_fails_one_write_keeps_the_answers_and_is_written_later(tmp_path, caplog, monkeypatch):
    import bomcheck.lookups.cache as cache_module

    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_MS", 20)
    clock = Clock()
    cache = open_cache(tmp_path, clock)
    other = _hold_write_lock(tmp_path / CACHE_FILE)
    cache.put_many([(key("q1"), FOUND)])  # the first file of a watch service
    clock.now += timedelta(minutes=30)  # past the memory window: still kept, it is not on disk yet
    cache.put_many([(key("q2"), FOUND)])  # the next file, still locked out
    assert cache.get(key("q1")) is not None and cache.get(key("q2")) is not None
    busy = [r.getMessage() for r in caplog.records if "busy" in r.getMessage() and r.levelname == "WARNING"]
    assert len(busy) == 1 and "for this run" not in busy[0]
    other.rollback()
    other.close()
    cache.put_many([(key("q3"), FOUND)])  # free again: everything held back is written now
    stored = sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT query FROM lookups").fetchall()
    assert sorted(q for (q,) in stored) == ["q1", "q2", "q3"]
    assert open_cache(tmp_path, clock).get(key("q1")).fetched_at == NOW


def test_a_file_busy_when_opened_is_opened_later(tmp_path, caplog, monkeypatch):
    import bomcheck.lookups.cache as cache_module

    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_MS", 20)
    clock = Clock()
    open_cache(tmp_path, clock).put_many([(key("old"), FOUND)])
    other = _hold_write_lock(tmp_path / CACHE_FILE)
    cache = open_cache(tmp_path, clock)  # a service starting while a `check` writes
    cache.put_many([(key("q1"), FOUND)])
    assert cache.get(key("q1")) is not None and cache.get(key("old")) is None
    other.rollback()
    other.close()
    clock.now += timedelta(minutes=1)
    assert cache.get(key("old")) is not None  # the file is used after all
    cache.put_many([(key("q2"), FOUND)])
    stored = sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT query FROM lookups").fetchall()
    assert sorted(q for (q,) in stored) == ["old", "q1", "q2"]
    assert sum("busy" in r.getMessage() for r in caplog.records if r.levelname == "WARNING") == 1


class _Locked:
    """A connection whose every statement finds the file locked (WAL readers rarely are, but can be)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.calls = db, 0

    def execute(self, *args):
        self.calls += 1
        raise sqlite3.OperationalError("database is locked")

    def close(self) -> None:
        self.db.close()


def test_a_busy_read_is_a_miss_and_the_file_is_read_again_later(tmp_path):
    clock = Clock()
    open_cache(tmp_path, clock).put_many([(key(), FOUND)])
    cache = open_cache(tmp_path, clock)
    real, cache._db = cache._db, _Locked(cache._db)
    assert cache.get(key()) is None
    assert cache.get(key('["OTHER","","",""]')) is None
    assert cache._db.calls == 1  # no busy wait on every query of the file while it is locked
    cache._db = real
    assert cache.get(key()) is None
    clock.now += timedelta(minutes=1)
    assert cache.get(key()) is not None  # the file was not given up


def _damage_the_index(path: Path) -> None:
    db = sqlite3.connect(path)
    index = "sqlite_autoindex_lookups_1"
    page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(path, "r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(b"\xa5" * size)


def _filled(tmp_path: Path) -> OffersCache:
    cache = open_cache(tmp_path)
    cache.put_many([(key(f'["P{n}","","",""]'), FOUND) for n in range(300)])
    return cache


def test_a_damaged_index_is_found_at_open_and_the_file_rebuilt(tmp_path, caplog):
    _filled(tmp_path).close()
    _damage_the_index(tmp_path / CACHE_FILE)
    cache = open_cache(tmp_path)
    assert "moved it to" in caplog.text
    assert len(list(tmp_path.glob(f"{CACHE_FILE}.broken-*"))) == 1
    cache.put_many([(key(), FOUND)])
    caplog.clear()
    again = open_cache(tmp_path)
    assert again.get(key()) is not None and not caplog.text  # rebuilt for good: no warning every run


def test_damage_found_while_in_use_moves_the_file_aside_and_goes_on(tmp_path, caplog):
    cache = _filled(tmp_path)
    cache.close()
    _damage_the_index(tmp_path / CACHE_FILE)
    cache._db = sqlite3.connect(tmp_path / CACHE_FILE)  # a service that opened it before the damage
    assert cache.get(key('["P7","","",""]')) is None
    assert "moved it to" in caplog.text
    cache.put_many([(key(), FOUND)])
    assert open_cache(tmp_path).get(key()) is not None
    assert len(list(tmp_path.glob(f"{CACHE_FILE}.broken-*"))) == 1


def test_rows_of_a_source_no_longer_allowed_on_disk_are_deleted(tmp_path):
    arrow_key = key(source="Arrow")
    both = OffersCache(tmp_path / CACHE_FILE, disk_sources={"DigiKey Bonded", "Arrow"}, clock=Clock())
    both.put_many([(arrow_key, ARROW), (key(), FOUND)])
    both.close()
    open_cache(tmp_path).close()  # the Arrow opt-in turned off
    rows = sqlite3.connect(tmp_path / CACHE_FILE).execute("SELECT source FROM lookups").fetchall()
    assert rows == [("DigiKey Bonded",)]


def test_the_cache_folder_and_files_are_private(tmp_path):
    folder = tmp_path / "cache" / "bomcheck"
    cache = open_cache(folder)
    cache.put_many([(key(), FOUND)])
    modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert modes == {CACHE_FILE: 0o600, f"{CACHE_FILE}-wal": 0o600, f"{CACHE_FILE}-shm": 0o600}


def test_a_cache_file_an_earlier_version_left_readable_is_made_private(tmp_path):
    tmp_path.chmod(0o755)
    open_cache(tmp_path).close()
    (tmp_path / CACHE_FILE).chmod(0o644)
    open_cache(tmp_path).close()
    assert (tmp_path / CACHE_FILE).stat().st_mode & 0o777 == 0o600
    assert tmp_path.stat().st_mode & 0o777 != 0o700  # a folder we did not create is left as it is
