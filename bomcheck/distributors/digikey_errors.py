"""DigiKey error answers read: one readable line, the request id, an expired token, a spent daily quota."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from bomcheck.distributors import fields
from bomcheck.distributors.digikey_parse import folded_keys
from bomcheck.distributors.http import HttpResponse, page_says, parse_retry_after

REQUEST_ID_HEADER = "X-DIGIKEY-REQUEST-ID"


def request_id(response: HttpResponse) -> str | None:
    """DigiKey's id of this request (header, else the error body's RequestId/correlationId)."""
    header = response.header(REQUEST_ID_HEADER)
    if header:
        return header
    body = _json_or_none(response)
    if isinstance(body, Mapping):
        folded = folded_keys(body)
        for key in ("requestid", "correlationid"):
            if folded.get(key):
                return fields.text(folded[key])
    return None


def _json_or_none(response: HttpResponse) -> Any:
    try:
        return json.loads(response.body) if response.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def error_message(response: HttpResponse) -> str:
    """One readable line from an ApiErrorResponse, a DKProblemDetails, or any other error body.

    e.g. "HTTP 401: Bearer token is expired (request id 7a3f…)".
    """
    body = _json_or_none(response)
    pieces: list[str] = []
    if isinstance(body, Mapping):
        folded = folded_keys(body)
        for key in ("errormessage", "title", "message", "error", "errordetails", "detail",
                    "error_description"):
            text = fields.text(folded.get(key))
            if text and text not in pieces:
                pieces.append(text)
        for problem in folded.get("validationerrors") or []:
            if isinstance(problem, Mapping):
                field_name = fields.text(folded_keys(problem).get("field"))
                text = fields.text(folded_keys(problem).get("message"))
                if text:
                    pieces.append(f"{field_name}: {text}" if field_name else text)
        errors = folded.get("errors")
        if isinstance(errors, Mapping):
            for field_name, messages in errors.items():
                listed = messages if isinstance(messages, list) else [messages]
                text = "; ".join(fields.text(m) for m in listed if fields.text(m))
                if text:
                    pieces.append(f"{field_name}: {text}")
    elif response.body.strip() and body is None:
        said = page_says(response.text)  # a proxy or maintenance page: its title says it, its markup does not
        if said is not None:
            pieces.append(f"an HTML page ({said})" if said else "an HTML page")
        else:
            snippet = " ".join(response.text[:120].split())
            if snippet:
                pieces.append(repr(snippet))
    message = f"HTTP {response.status}"
    if pieces:
        message += ": " + " — ".join(pieces)
    rid = request_id(response)
    if rid:
        message += f" (request id {rid})"
    return message


def says_expired(response: HttpResponse) -> bool:
    """Whether a 401 says the access token expired (so one refresh may help)."""
    text = error_message(response) + " " + (response.header("WWW-Authenticate") or "")
    return "expired" in text.casefold()


_DAILY_WORDS = re.compile(r"(?i)\bdaily\b.*\b(rate ?limit|quota|limit)|\bquota\b.*\b(exceeded|exhausted)")


def is_daily_quota(response: HttpResponse, throttle_budget: float = 120.0) -> bool:
    """Whether a 429 is the spent daily quota, not the per-minute burst limit.

    DigiKey's daily 429 also carries Retry-After (and X-RateLimit-*; body "Daily Ratelimit
    exceeded"), so Retry-After alone does not make it a burst: the body's words say it, or a
    wait longer than a request may spend on 429s (`throttle_budget`), or nothing remaining of
    the daily count (X-RateLimit-Remaining 0), or no Retry-After at all.
    """
    if response.status != 429:
        return False
    if _DAILY_WORDS.search(error_message(response)):
        return True
    retry_after = parse_retry_after(response.header("Retry-After"))
    remaining = response.header("X-RateLimit-Remaining")
    return (retry_after is None or retry_after > throttle_budget
            or (remaining is not None and remaining.strip() == "0"))


def quota_resets_at(response: HttpResponse, now: datetime | None = None) -> datetime | None:
    """When a spent daily quota comes back, as the answer says: Retry-After (seconds or an HTTP
    date), else X-RateLimit-Reset (seconds from now, epoch seconds, or a date); None when neither
    says (the caller falls back to midnight US Central, where it has been reported to reset)."""
    now = now or datetime.now(timezone.utc)
    wait = parse_retry_after(response.header("Retry-After"), now)
    if wait is not None:
        return now + timedelta(seconds=wait)
    reset = (response.header("X-RateLimit-Reset") or "").strip()
    if not reset:
        return None
    try:
        number = float(reset)
    except ValueError:
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            wait = parse_retry_after(reset, now)
            return now + timedelta(seconds=wait) if wait is not None else None
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if number > 1e9:  # an epoch time, not a count of seconds
        return datetime.fromtimestamp(number, timezone.utc)
    return now + timedelta(seconds=max(0.0, number))
