"""Shared fixtures: an isolated user environment, and the sandbox served from a background thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

import bomcheck.runtime  # noqa: F401  (declares every source's settings)
from bomcheck.config import ENV_VARS
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.distributors.retry import RetryPolicy
from bomcheck.sandbox.server import SandboxConfig, running_sandbox

ROOT = Path(__file__).resolve().parent.parent
DEMO_BOM = ROOT / "sample_boms" / "demo.xlsx"


@pytest.fixture(autouse=True)
def isolated_user(tmp_path_factory, monkeypatch) -> Path:
    """No test sees the developer's config, credentials or token files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("BOMCHECK_CONFIG", str(home / "config" / "bomcheck" / "config.toml"))
    for variable in ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)
    return home


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

