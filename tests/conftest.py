"""Shared fixtures: an isolated user environment, and the sandbox served from a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import json
import logging
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

import bomcheck.runtime  # noqa: F401  (declares every source's settings)
from bomcheck.check import CheckOptions
from bomcheck.cli import main
from bomcheck.cli.common import EXIT_FATAL
from bomcheck.config import ENV_VARS, Settings
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.runtime import open_sources, sandbox_settings
from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN
from bomcheck.sandbox.server import STATS_PATH, SandboxConfig, running_sandbox
from bomcheck.watch.folder import WatchConfig, serve
from bomcheck.watch.folders import InboxFolders, is_own_output
from bomcheck.watch.inbox import InboxJob
from tests.builders import names

ROOT = Path(__file__).resolve().parent.parent
DEMO_BOM = ROOT / "sample_boms" / "demo.xlsx"


def _isolate(home: Path, patch: pytest.MonkeyPatch) -> Path:
    patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    patch.setenv("BOMCHECK_CONFIG", str(home / "config" / "bomcheck" / "config.toml"))
    for variable in ENV_VARS.values():
        patch.delenv(variable, raising=False)
    return home


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory) -> Iterator[Path]:
    """The same for module-scoped fixtures, which run before any test's own isolation: a run they
    make must not read the developer's cache (stale answers made such a test pass here only)."""
    with pytest.MonkeyPatch.context() as patch:
        yield _isolate(tmp_path_factory.mktemp("session-home"), patch)


@pytest.fixture(autouse=True)
def isolated_user(tmp_path_factory, monkeypatch) -> Path:
    """No test sees the developer's config, credentials or token files."""
    return _isolate(tmp_path_factory.mktemp("home"), monkeypatch)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures the root logger (level, handler); undo it so tests do not leak into others."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


class ThreadedSandbox:
    """The sandbox on its own event loop in a thread, for code that runs its own asyncio.run()."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running_sandbox(self.config) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ThreadedSandbox:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("sandbox did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture
def threaded_sandbox() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox() as sandbox:
        yield sandbox


async def no_sleep(_: float) -> None:
    """Stands in for asyncio.sleep so retries and backoff cost no time in tests."""


def quick_transport(session, *, attempts: int = 3, secrets: tuple[str, ...] = ()) -> Transport:
    """A Transport with no waiting: rate far above what tests send, sleeps skipped."""
    return Transport(session, make_limiter(1000), sleep=no_sleep, retry=RetryPolicy(attempts=attempts),
                     secrets=secrets)


class FakeClock:
    """Monotonic time that moves only when the test (or a fake sleep) moves it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class WallClock:
    """A UTC wall clock the test sets and moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# ---------------------------------------------------------------- the watch service, in-process

INBOX_SETTLE = 0.2


class Recorder:
    """A process() callback: notes the name and content it was given, then moves the file to done/."""

    def __init__(self, done: Path, hold: asyncio.Event | None = None) -> None:
        self.done = done
        self.hold = hold
        self.taken: list[tuple[str, bytes]] = []
        self.finished: list[str] = []

    async def __call__(self, path: Path) -> None:
        self.taken.append((path.name, path.read_bytes()))
        if self.hold is not None:
            await self.hold.wait()
        shutil.move(path, self.done / path.name)
        self.finished.append(path.name)


@contextlib.asynccontextmanager
async def running(config: WatchConfig, process) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, process, stop=stop, handle_signals=False))
    await asyncio.sleep(0.1)  # let it scan and start the observer (not an assertion)
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@dataclasses.dataclass
class Service:
    folders: InboxFolders
    job: InboxJob
    url: str

    async def stats(self) -> dict[str, int]:
        async with aiohttp.ClientSession() as session, session.get(self.url + STATS_PATH) as response:
            return await response.json()

    def outputs(self) -> list[str]:
        return names(self.folders.out)


@contextlib.asynccontextmanager
async def inbox_service(tmp_path: Path, *, options: CheckOptions | None = None, reprocess: bool = False,
                        server_rate: float | None = None, client_rate: float = 200.0,
                        ) -> AsyncIterator[Service]:
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    client = dataclasses.replace(Settings(), arrow_rate=client_rate, digikey_rate=client_rate)
    server = SandboxConfig(arrow_rate=server_rate, digikey_rate=server_rate)
    async with running_sandbox(server) as url, \
            open_sources(sandbox_settings(client, url)) as (runs, unavailable):
        job = InboxJob(folders, options or CheckOptions(), runs, unavailable, reprocess=reprocess)
        job.start()
        stop = asyncio.Event()
        config = WatchConfig(folders.inbox, job.suffixes, settle=INBOX_SETTLE, ignore=is_own_output)
        task = asyncio.create_task(serve(config, job.process, stop=stop, handle_signals=False))
        try:
            yield Service(folders, job, url)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)


# ---------------------------------------------------------------- hostile files refused (tests/data/bad)

BAD = Path(__file__).parent / "data" / "bad"
_spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
assert _spec and _spec.loader
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)


def _arrow_requests(sandbox: ThreadedSandbox) -> int:
    with urllib.request.urlopen(sandbox.url + STATS_PATH) as answer:
        stats = json.load(answer)
    return int(stats["arrow"])


def check_on(sandbox: ThreadedSandbox, path: Path, *extra: str):
    """`bomcheck check path` against the sandbox's Arrow."""
    env = {"BOMCHECK_ARROW_URL": sandbox.url, "BOMCHECK_ARROW_LOGIN": SANDBOX_ARROW_LOGIN,
           "BOMCHECK_ARROW_API_KEY": SANDBOX_ARROW_API_KEY}
    return CliRunner().invoke(main, ["check", str(path), *extra], env=env, catch_exceptions=False)


def refused(sandbox: ThreadedSandbox, path: Path, *extra: str) -> str:
    """Check `path`; assert exit 3, one error line, no traceback, no request, no file written.

    Returns the error line."""
    folder = path.parent
    before = sorted(folder.iterdir())
    sent = _arrow_requests(sandbox)
    result = check_on(sandbox, path, *extra)
    assert result.exit_code == EXIT_FATAL, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("bomcheck: error: ")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output and "panicked" not in result.output
    assert "Traceback" not in result.stderr and "RUST_BACKTRACE" not in result.stderr
    assert sorted(p for p in folder.iterdir() if p.exists()) == [p for p in before if p.exists()]
    assert not list(Path(tempfile.gettempdir()).glob(f".{path.stem}.checked.xlsx.*"))
    assert _arrow_requests(sandbox) == sent  # refused before any query
    return errors[0].removeprefix("bomcheck: error: ")


def case(name: str, folder: Path) -> Path:
    """One of the hostile files of tests/data/bad, written into `folder`."""
    return make_bad.write(name, folder)
