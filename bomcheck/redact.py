"""The one redactor: known secrets (as written and URL-encoded), credential parameters and fields -> '***'."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values ("1", "abc") would blank out ordinary words

# Query parameters and form fields whose values are credentials, whatever the value is.
SECRET_FIELDS = frozenset({"apikey", "api_key", "client_secret", "access_token", "refresh_token", "code",
                           "password"})
_SECRET_PARAM = re.compile(
    r"(?i)\b(apikey|api_key|client_secret|access_token|refresh_token|code|password)=([^&\s\"']+)"
)

# The same credentials as fields of JSON (or of a Python dict's repr): a token file, an OAuth answer.
# "code" is left out here: `"code": "TooManyRequests"` is an ordinary error body.
_SECRET_JSON_FIELD = re.compile(
    r"""(?i)(["'])(apikey|api_key|client_secret|access_token|refresh_token|id_token|password)\1(\s*:\s*)"""
    r"""(["'])((?:(?!\4)[^\\]|\\.)*)\4"""
)

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Remember secrets (keys, client secrets, tokens) so that no text bomcheck writes shows them."""
    forms = {form for value in values if value and len(value) >= MIN_SECRET_LENGTH
             for form in _forms(value)}
    with _lock:
        _known.update(forms)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """`text` with every registered secret, every `extra` one, and credential parameters masked."""
    with _lock:
        secrets = set(_known)
    secrets.update(form for value in extra if value and len(value) >= MIN_SECRET_LENGTH
                   for form in _forms(value))
    for secret in sorted(secrets, key=len, reverse=True):  # a secret containing another goes first
        text = text.replace(secret, MASK)
    return redact_query_secrets(text)


def redact_query_secrets(text: str) -> str:
    """Blank out values of query parameters and JSON fields that carry credentials, whatever they are."""
    text = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _SECRET_JSON_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}"
                                            f"{m.group(4)}{MASK}{m.group(4)}", text)


def forget_secrets() -> None:
    """Drop every registered secret (tests, and a service reloading its settings)."""
    with _lock:
        _known.clear()


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value)}


# A credential written as a setting (`client_secret = "…"`, `api_key: …`, `"access_token": "…"`):
# what a config, .env or token file holds, and no BOM does.
_CREDENTIAL_SETTING = re.compile(
    r"""(?i)(?:^|[\s"'{,])(?:apikey|api_key|client_secret|access_token|refresh_token|id_token|password)"""
    r"""["']?\s*[=:]\s*\S"""
)


def holds_credentials(texts: Iterable[str]) -> bool:
    """Whether any text holds a registered secret or a credential written as a setting."""
    with _lock:
        known = set(_known)
    return any(_CREDENTIAL_SETTING.search(text) or any(secret in text for secret in known)
               for text in texts)
