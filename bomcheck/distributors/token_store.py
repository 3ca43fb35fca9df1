"""Where DigiKey tokens live between runs: one 0600 file per environment, written durably, locked."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from bomcheck.files import private_folder, sync_folder
from bomcheck.redact import register_secret

try:  # POSIX only; elsewhere the file lock is a no-op
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# The token files of the three environments bomcheck knows (a server of one's own gets
# "custom-<host>-<port>", see session.token_environment).
ENVIRONMENTS = ("production", "digikey-sandbox", "bomcheck-sandbox")


@dataclass(frozen=True)
class Tokens:
    """An access token, the refresh token that renews it, and when the access token dies.

    `refresh_started_at` is set (epoch seconds) while a refresh is in flight: the refresh token
    may already be spent at DigiKey although no answer was saved. A store still carrying it
    later means a refresh was interrupted before its answer could be saved.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # epoch seconds
    refresh_started_at: float | None = None
    refresh_expires_at: float | None = None  # epoch seconds the refresh token dies; None: not said

    def __post_init__(self) -> None:
        # Loaded from the token file or received from a login or refresh, a token passes here:
        # from now on no text bomcheck writes (logs, errors, watch notes) can show it.
        register_secret(self.access_token, self.refresh_token)

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at - now <= seconds

    def refreshing(self, now: float) -> Tokens:
        """These tokens, marked as having a refresh in flight since `now`."""
        return replace(self, refresh_started_at=now)


class TokenStore(Protocol):
    """Where the current tokens live between runs."""

    def load(self) -> Tokens | None: ...

    def save(self, tokens: Tokens) -> None: ...


class MemoryTokenStore:
    """Tokens kept in memory only (tests, one-shot runs)."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    def __repr__(self) -> str:
        return f"MemoryTokenStore(saves={self.saves})"

    def load(self) -> Tokens | None:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.saves += 1


def token_store_path(config_dir: Path, environment: str) -> Path:
    """The token file of one DigiKey environment: sandbox and production logins never mix."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", environment):
        raise ValueError(f"invalid DigiKey environment name {environment!r}")
    return Path(config_dir) / f"digikey-tokens-{environment.lower()}.json"


class FileTokenStore:
    """Tokens in a JSON file readable by the owner only (0600), replaced atomically.

    save() writes a temp file in the same directory, flushes and fsyncs it, then os.replace()s
    it over the old file and fsyncs the directory: a crash leaves either the old or the new
    refresh token, never half a file. try_lock()/unlock() take an advisory lock on a side file
    so that only one process refreshes at a time (refresh tokens rotate; two refreshes with one
    token lose the login).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> Tokens | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the DigiKey token file %s: %s", self.path, exc.strerror)
            return None
        self._tighten()
        try:
            data = json.loads(raw)
            started = data.get("refresh_started_at")
            refresh_ends = data.get("refresh_expires_at")
            tokens = Tokens(
                access_token=_require_str(data, "access_token"),
                refresh_token=_require_str(data, "refresh_token"),
                expires_at=float(data["expires_at"]),
                refresh_started_at=float(started) if started is not None else None,
                refresh_expires_at=float(refresh_ends) if refresh_ends is not None else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            log.warning("ignoring the unreadable DigiKey token file %s (%s); "
                        "run `bomcheck auth digikey` to log in again", self.path,
                        type(exc).__name__)
            return None
        return tokens

    def save(self, tokens: Tokens) -> None:
        document: dict[str, Any] = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }
        if tokens.refresh_started_at is not None:
            document["refresh_started_at"] = tokens.refresh_started_at
        if tokens.refresh_expires_at is not None:
            document["refresh_expires_at"] = tokens.refresh_expires_at
        write_private_json(self.path, document)

    def try_lock(self) -> bool:
        """Take the refresh lock without blocking; False when another process holds it."""
        if self._lock_fd is not None:
            return False  # held by another user of this very store
        if fcntl is None:
            return True
        private_folder(self.path.parent)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def unlock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _tighten(self) -> None:
        with contextlib.suppress(OSError):
            if self.path.stat().st_mode & 0o077:
                os.chmod(self.path, 0o600)


def write_private_json(path: Path, document: Any) -> None:
    """Write `document` as JSON readable by the owner only (0600), durably and atomically: a temp
    file in the same folder, flushed and fsynced, renamed over `path`, the folder fsynced."""
    directory = path.parent
    private_folder(directory)
    temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(document).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    sync_folder(directory)


# --------------------------------------------------------------------------- location currencies


def locations_path(config_dir: Path, environment: str) -> Path:
    """The file beside the token file that keeps each bonded location's currency."""
    tokens = token_store_path(config_dir, environment)  # validates the name
    return tokens.with_name(f"digikey-locations-{environment.lower()}.json")


def save_location_currencies(path: Path, currencies: Mapping[int, str]) -> None:
    """Keep CustomerLocationResponse.Currency per location (CustomerId), as `auth digikey` saw them."""
    write_private_json(path, {"currencies": {str(customer): code for customer, code in currencies.items()}})


def load_location_currencies(path: Path) -> dict[int, str]:
    """The stored currency per location; {} when none was stored or the file is unreadable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        stored = document["currencies"]
        return {int(customer): str(code).strip().upper() for customer, code in stored.items()
                if str(code).strip()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("ignoring the unreadable DigiKey locations file %s (%s); `bomcheck auth digikey` "
                    "writes it again", path, type(exc).__name__)
        return {}


def _require_str(data: Any, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value

