"""DigiKey error answers read: one readable line, the request id, an expired token, a spent daily quota."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bomcheck.distributors import fields
from bomcheck.distributors.digikey_parse import folded_keys
from bomcheck.distributors.http import HttpResponse

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
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", response.text[:4000])
        if title or re.match(r"(?is)\s*(<!doctype html|<html)", response.text):
            # a proxy or maintenance page: its title says it, its markup does not
            shown = title.group(1) if title else re.sub(r"(?s)<[^>]*>", " ", response.text[:4000])
            said = " ".join(shown.split())[:80]
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


def is_daily_quota(response: HttpResponse) -> bool:
    """Whether a 429 is the spent daily quota (no Retry-After, or nothing remaining), not a burst limit."""
    retry_after = response.header("Retry-After")
    remaining = response.header("X-RateLimit-Remaining")
    return not retry_after or (remaining is not None and remaining.strip() == "0")
