"""DigiKey OAuth 2.0 (3-legged, consenting by itself) and Supply Chain v1 bonded inventory for the sandbox.

OAuth: `GET /v1/oauth2/authorize` answers as if the user had clicked Allow: a 302 to
`<redirect_uri>?code=…&state=…`. Codes live 60 s and work once. `POST /v1/oauth2/token` trades
a code (grant_type=authorization_code) or a refresh token (grant_type=refresh_token) for
`{access_token, refresh_token, token_type, expires_in, refresh_token_expires_in}`; refresh
tokens rotate (the used one is dead at once). grant_type=client_credentials (2-legged, for the
catalog API) gives `{access_token, token_type, expires_in}` only, 599 s by default. Client
credentials travel in the form (or as HTTP Basic). Errors are standard OAuth `{"error", "error_description"}`.

Supply Chain (`/SupplyChain/v1/BondedQuantity/...`) wants `X-DIGIKEY-Client-Id` (401 "Invalid
Client-Id"), a live bearer token (401 "Bearer token is invalid" / "Bearer token is expired",
ApiErrorResponse shape) and daily quota (429 "Daily Ratelimit exceeded" carrying Retry-After: the
seconds to the next midnight US Central, where DigiKey's quota day has been reported to end — a
client must tell it from the per-minute burst by its words, not by Retry-After).
Every DigiKey answer carries X-DIGIKEY-REQUEST-ID, X-RateLimit-Limit and X-RateLimit-Remaining.

Our assumptions where the seed is silent or cut off (keep them here):
- A token belongs to the demo user, whose account is SANDBOX_DIGIKEY_ACCOUNT_ID; the paths
  without an account (`/Locations`, `/Products`) answer for that account.
- Every list answer is a bare JSON array: `/Locations` and `/Locations/{accountId}` of
  CustomerLocationResponse, the three Products paths of BondedInventoryProductResponse (the
  per-part path: the lines of that one DigiKey part number, 404 when the account has none).
- ShippingAddress is `{CompanyName, AddressLine1, AddressLine2, City, State, ZipCode, CountryCode}`.
- An account other than the demo one has no bonded agreement: 403 in DKProblemDetails shape
  (SandboxConfig.digikey_bonded_agreement=False: the demo user has none either, on every path).
- SandboxConfig.digikey_error_shape picks the error bodies: "mixed" (above), "api" or "problem";
  "api" also puts the token endpoint's refusals in the ApiErrorResponse shape.
- ReserveQuantity is the bonded quantity available to release; UnitPrice is a JSON number.
- Accepted redirect URIs: SANDBOX_REDIRECT_URI, or any https URI on localhost / 127.0.0.1 / [::1]
  (for a local callback server). DigiKey registers only callbacks that begin with https://, so an
  http one is refused at authorize, as a callback DigiKey never registered would be. A missing
  redirect_uri means SANDBOX_REDIRECT_URI.
- Only authenticated Supply Chain calls use up the daily quota; OAuth calls do not.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from bomcheck.sandbox import (
    SANDBOX_DIGIKEY_ACCOUNT_ID,
    SANDBOX_DIGIKEY_CLIENT_ID,
    SANDBOX_DIGIKEY_CLIENT_SECRET,
    SANDBOX_REDIRECT_URI,
    catalog,
)
from bomcheck.sandbox.catalog import BondedLocation, BondedRecord

AUTHORIZE_PATH = "/v1/oauth2/authorize"
TOKEN_PATH = "/v1/oauth2/token"
OAUTH_PREFIX = "/v1/oauth2/"
SUPPLY_CHAIN_PREFIX = "/SupplyChain/v1"
CODE_LIFETIME = 60.0
REFRESH_LIFETIME = 90 * 24 * 3600
ERROR_RESPONSE_VERSION = "3.0.0"
# "mixed": ApiErrorResponse for most errors, DKProblemDetails for the 403 (as seen in the wild);
# "api" / "problem": every error in that one shape.
ERROR_SHAPES = ("mixed", "api", "problem")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_REQUEST_ID_KEY = "digikey_request_id"


@dataclass(frozen=True)
class _Grant:
    """What one authorize call granted: for whom, where to, and when."""

    client_id: str
    redirect_uri: str
    issued_at: float


@dataclass(frozen=True)
class Burst:
    """The per-second window's state for the X-BurstLimit-* headers."""

    limit: int
    remaining: int
    reset_seconds: int


def seconds_to_quota_reset(now: datetime) -> int:
    """Whole seconds from `now` to the next midnight US Central (at least 1)."""
    try:
        zone: tzinfo = ZoneInfo("America/Chicago")
    except ZoneInfoNotFoundError:
        zone = timezone(timedelta(hours=-6))
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return max(1, math.ceil((midnight - local).total_seconds()))


# --------------------------------------------------------------------------- JSON shapes


def product_json(record: BondedRecord) -> dict[str, Any]:
    """A BondedInventoryProductResponse: every field of the seed, PascalCase, in its order."""
    return {
        "DigiKeyPartNumber": record.digikey_part_number,
        "ManufacturerPartNumber": record.manufacturer_part_number,
        "CustomerPartNumber": record.customer_part_number,
        "ProductDescription": record.product_description,
        "Manufacturer": record.manufacturer,
        "UnitPrice": float(record.unit_price),
        "PackType": record.pack_type,
        "CountryOfOrigin": record.country_of_origin,
        "ReserveQuantity": record.reserve_quantity,
        "BackOrderReserveQuantity": record.back_order_reserve_quantity,
        "VendorLeadWeeks": record.vendor_lead_weeks,
        "CustomerId": record.customer_id,
        "NcnrQuantity": record.ncnr_quantity,
        "NcnrDateSigned": record.ncnr_date_signed,
        "MinimumReleaseQuantityOverride": record.minimum_release_quantity_override,
        "MinimumQuantityThreshold": record.minimum_quantity_threshold,
        "NonCancelable": record.non_cancelable,
        "StandardPackage": record.standard_package,
    }


def location_json(location: BondedLocation) -> dict[str, Any]:
    """A CustomerLocationResponse (ShippingAddress in our assumed Address shape)."""
    address = location.shipping_address
    return {
        "CustomerId": location.customer_id,
        "BondedInventory": location.bonded_inventory,
        "Currency": location.currency,
        "ShippingAddress": {
            "CompanyName": address.company,
            "AddressLine1": address.address_line1,
            "AddressLine2": address.address_line2,
            "City": address.city,
            "State": address.state,
            "ZipCode": address.zip_code,
            "CountryCode": address.country_code,
        },
    }


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status,
                             headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _redirect_allowed(uri: str) -> bool:
    if uri == SANDBOX_REDIRECT_URI:
        return True
    parts = urlsplit(uri)
    return parts.scheme == "https" and (parts.hostname or "") in _LOOPBACK_HOSTS


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    return (client_id, client_secret) if sep else None


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


# --------------------------------------------------------------------------- the API


class DigiKeyApi:
    """The OAuth server and the Supply Chain API, with their tokens, codes and daily quota."""

    def __init__(self, *, token_lifetime: int = 1800, daily_quota: int = 1000,
                 clock: Callable[[], float] = time.monotonic, bonded_agreement: bool = True,
                 error_shape: str = "mixed", app_token_lifetime: int = 599) -> None:
        if error_shape not in ERROR_SHAPES:
            raise ValueError(f"error_shape must be one of {ERROR_SHAPES}")
        self.token_lifetime = token_lifetime
        self.app_token_lifetime = app_token_lifetime  # 2-legged (client credentials) tokens
        self.daily_quota = daily_quota
        self.bonded_agreement = bonded_agreement  # False: even the demo account gets 403
        self.error_shape = error_shape
        self.clock = clock
        self.quota_used = 0
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, float] = {}  # access token -> expiry (clock time)
        self._refresh: dict[str, float] = {}  # live refresh token -> expiry

    def accept_tokens(self, access_token: str, refresh_token: str) -> None:
        """Honour a token pair issued before this server started (tests seed a token store with it)."""
        now = self.clock()
        self._access[access_token] = now + self.token_lifetime
        self._refresh[refresh_token] = now + REFRESH_LIFETIME

    def add_routes(self, app: web.Application) -> None:
        base = f"{SUPPLY_CHAIN_PREFIX}/BondedQuantity"
        app.router.add_get(AUTHORIZE_PATH, self.authorize)
        app.router.add_post(TOKEN_PATH, self.token)
        app.router.add_get(f"{base}/Locations", self.locations)
        app.router.add_get(f"{base}/Locations/{{accountId}}", self.account_locations)
        app.router.add_get(f"{base}/Locations/{{accountId}}/Products", self.account_products)
        app.router.add_get(f"{base}/Locations/{{accountId}}/Products/{{partNumber:.+}}",
                           self.account_product)
        app.router.add_get(f"{base}/Products", self.all_products)

    # ----------------------------------------------------------------- headers and errors

    def request_id(self, request: web.Request) -> str:
        """The id of this request, the same in the header and in any error body."""
        if _REQUEST_ID_KEY not in request:
            request[_REQUEST_ID_KEY] = str(uuid.uuid4())
        return str(request[_REQUEST_ID_KEY])

    def add_headers(self, request: web.Request, response: web.StreamResponse,
                    burst: Burst | None = None) -> None:
        """The headers every DigiKey answer carries (and the burst window's, when one is set)."""
        response.headers["X-DIGIKEY-REQUEST-ID"] = self.request_id(request)
        response.headers["X-RateLimit-Limit"] = str(self.daily_quota)
        response.headers["X-RateLimit-Remaining"] = str(max(0, self.daily_quota - self.quota_used))
        if burst is not None:
            response.headers["X-BurstLimit-Limit"] = str(burst.limit)
            response.headers["X-BurstLimit-Remaining"] = str(burst.remaining)
            response.headers["X-BurstLimit-Reset"] = str(burst.reset_seconds)
            reset_at = datetime.now(timezone.utc) + timedelta(seconds=burst.reset_seconds)
            response.headers["X-BurstLimit-ResetTime"] = reset_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def api_error(self, request: web.Request, status: int, message: str, details: str = "",
                  headers: Mapping[str, str] | None = None) -> web.Response:
        """An answer in DigiKey's ApiErrorResponse shape (DKProblemDetails if so configured)."""
        if self.error_shape == "problem":
            return self.problem(request, status, message, details, headers=headers, _shape=False)
        body = {
            "ErrorResponseVersion": ERROR_RESPONSE_VERSION,
            "StatusCode": status,
            "ErrorMessage": message,
            "ErrorDetails": details,
            "RequestId": self.request_id(request),
            "ValidationErrors": [],
        }
        return web.json_response(body, status=status, headers=headers)

    def problem(self, request: web.Request, status: int, title: str, detail: str,
                headers: Mapping[str, str] | None = None, _shape: bool = True) -> web.Response:
        """An answer in DigiKey's DKProblemDetails (RFC 7807) shape (ApiErrorResponse if so configured)."""
        if _shape and self.error_shape == "api":
            return self.api_error(request, status, title, detail, headers=headers)
        body = {
            "type": f"https://httpstatuses.io/{status}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.path,
            "correlationId": self.request_id(request),
            "errors": {},
        }
        return web.json_response(body, status=status, content_type="application/problem+json",
                                 headers=headers)

    def throttled_response(self, request: web.Request, retry_after: int, burst: Burst) -> web.Response:
        """The 429 of the per-second burst limit: wait `retry_after` seconds and try again."""
        return self.api_error(
            request, 429, "Too Many Requests",
            f"Burst limit of {burst.limit} requests exceeded; retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    # ----------------------------------------------------------------- OAuth

    async def authorize(self, request: web.Request) -> web.Response:
        """Consent on the user's behalf: redirect to the callback with a fresh one-minute code."""
        query = request.query
        if not _same(query.get("client_id", ""), SANDBOX_DIGIKEY_CLIENT_ID):
            return _oauth_error("invalid_client", "Unknown client_id")
        if query.get("response_type") != "code":
            return _oauth_error("unsupported_response_type", "response_type must be 'code'")
        redirect_uri = query.get("redirect_uri") or SANDBOX_REDIRECT_URI
        if not _redirect_allowed(redirect_uri):
            return _oauth_error("invalid_request",
                                "redirect_uri does not match the application's registered callback")
        code = secrets.token_urlsafe(18)
        self._codes[code] = _Grant(SANDBOX_DIGIKEY_CLIENT_ID, redirect_uri, self.clock())
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return web.Response(status=302, headers={"Location": redirect_uri + separator + urlencode(params)})

    async def token(self, request: web.Request) -> web.Response:
        """Trade a code or a refresh token for new tokens (the refresh token rotates).

        With error_shape "api" a refusal comes in DigiKey's ApiErrorResponse instead of OAuth's
        `error` (digikey.md: "DigiKey may also answer in its own ApiErrorResponse shape"), its
        words without the OAuth code: a client must read any 400/401 to a refresh as a dead login.
        """
        answer = await self._token(request)
        if self.error_shape != "api" or answer.status < 400 or not isinstance(answer.body, bytes):
            return answer
        refused = json.loads(answer.body)
        return self.api_error(request, answer.status, str(refused.get("error_description", "")))

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {key: str(value) for key, value in form.items()}
        client_id, client_secret = fields.get("client_id", ""), fields.get("client_secret", "")
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        if basic and not client_id:
            client_id, client_secret = basic
        if not (_same(client_id, SANDBOX_DIGIKEY_CLIENT_ID)
                and _same(client_secret, SANDBOX_DIGIKEY_CLIENT_SECRET)):
            return _oauth_error("invalid_client", "Client authentication failed", status=401)
        grant_type = fields.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._code_grant(fields, client_id)
        if grant_type == "refresh_token":
            return self._refresh_grant(fields)
        if grant_type == "client_credentials":
            return self._app_grant()
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _code_grant(self, fields: Mapping[str, str], client_id: str) -> web.Response:
        code = fields.get("code", "")
        if not code:
            return _oauth_error("invalid_request", "code is required")
        grant = self._codes.pop(code, None)  # single use, whatever happens next
        if grant is None or self.clock() - grant.issued_at > CODE_LIFETIME:
            return _oauth_error("invalid_grant", "The authorization code is invalid, expired or used")
        redirect_uri = fields.get("redirect_uri") or SANDBOX_REDIRECT_URI
        if redirect_uri != grant.redirect_uri or client_id != grant.client_id:
            return _oauth_error("invalid_grant", "redirect_uri does not match the authorization request")
        return self._issue_tokens()

    def _refresh_grant(self, fields: Mapping[str, str]) -> web.Response:
        refresh_token = fields.get("refresh_token", "")
        if not refresh_token:
            return _oauth_error("invalid_request", "refresh_token is required")
        expires_at = self._refresh.pop(refresh_token, None)  # rotation: dead once used
        if expires_at is None or self.clock() >= expires_at:
            return _oauth_error("invalid_grant", "The refresh token is invalid, expired or already used")
        return self._issue_tokens()

    def _issue_tokens(self) -> web.Response:
        now = self.clock()
        access_token = secrets.token_urlsafe(24)
        refresh_token = secrets.token_urlsafe(24)
        self._access[access_token] = now + self.token_lifetime
        self._refresh[refresh_token] = now + REFRESH_LIFETIME
        body = {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "refresh_token_expires_in": REFRESH_LIFETIME,
        }
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _app_grant(self) -> web.Response:
        """2-legged: an access token for the app itself, no refresh token (the catalog API takes it)."""
        access_token = secrets.token_urlsafe(24)
        self._access[access_token] = self.clock() + self.app_token_lifetime
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": self.app_token_lifetime}
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def token_expiry(self, access_token: str) -> float | None:
        """When an access token this server issued expires (clock time); None for one it never issued."""
        return self._access.get(access_token)

    # ----------------------------------------------------------------- Supply Chain

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Why this Supply Chain call is refused (client id, bearer token, quota), or None."""
        if not _same(request.headers.get("X-DIGIKEY-Client-Id", ""), SANDBOX_DIGIKEY_CLIENT_ID):
            return self.api_error(request, 401, "Invalid Client-Id",
                                  "The X-DIGIKEY-Client-Id header is missing or unknown")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires_at = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if expires_at is None:
            return self.api_error(request, 401, "Bearer token is invalid",
                                  "Send a valid access token as 'Authorization: Bearer <token>'",
                                  headers=challenge)
        if self.clock() >= expires_at:
            return self.api_error(request, 401, "Bearer token is expired",
                                  "Refresh the access token and try again", headers=challenge)
        if self.quota_used >= self.daily_quota:
            wait = str(seconds_to_quota_reset(datetime.now(timezone.utc)))
            return self.api_error(request, 429, "Daily Ratelimit exceeded",
                                  f"The daily quota of {self.daily_quota} requests is used up",
                                  headers={"Retry-After": wait})
        self.quota_used += 1
        return None

    def _account_refusal(self, request: web.Request) -> web.Response | None:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        account_id = request.match_info["accountId"]
        if not (self.bonded_agreement and catalog.has_bonded_agreement(account_id)):
            return self.problem(request, 403, "Forbidden",
                                f"Account {account_id} has no bonded inventory agreement with DigiKey")
        return None

    def _agreement_refusal(self, request: web.Request) -> web.Response | None:
        if self.bonded_agreement:
            return None
        return self.problem(request, 403, "Forbidden",
                            "This user's accounts have no bonded inventory agreement with DigiKey")

    async def locations(self, request: web.Request) -> web.Response:
        """GET /BondedQuantity/Locations: the locations of the authenticated (demo) account."""
        refusal = self._refusal(request) or self._agreement_refusal(request)
        if refusal is not None:
            return refusal
        return web.json_response([location_json(loc)
                                  for loc in catalog.bonded_locations(SANDBOX_DIGIKEY_ACCOUNT_ID)])

    async def account_locations(self, request: web.Request) -> web.Response:
        """GET /BondedQuantity/Locations/{accountId}: that account's locations."""
        refusal = self._account_refusal(request)
        if refusal is not None:
            return refusal
        account_id = request.match_info["accountId"]
        return web.json_response([location_json(loc) for loc in catalog.bonded_locations(account_id)])

    async def account_products(self, request: web.Request) -> web.Response:
        """GET /BondedQuantity/Locations/{accountId}/Products: every bonded line of the account."""
        refusal = self._account_refusal(request)
        if refusal is not None:
            return refusal
        records = catalog.bonded_inventory(request.match_info["accountId"])
        return web.json_response([product_json(record) for record in records])

    async def account_product(self, request: web.Request) -> web.Response:
        """GET /BondedQuantity/Locations/{accountId}/Products/{partNumber}: one DigiKey part."""
        refusal = self._account_refusal(request)
        if refusal is not None:
            return refusal
        account_id = request.match_info["accountId"]
        part_number = request.match_info["partNumber"]
        record = catalog.bonded_record(account_id, part_number)
        if record is None:
            return self.api_error(request, 404, "Part not found",
                                  f"No bonded inventory for DigiKey part number {part_number!r} "
                                  f"on account {account_id}")
        return web.json_response([product_json(record)])

    async def all_products(self, request: web.Request) -> web.Response:
        """GET /BondedQuantity/Products: every bonded line across the user's locations."""
        refusal = self._refusal(request) or self._agreement_refusal(request)
        if refusal is not None:
            return refusal
        records = catalog.bonded_inventory(SANDBOX_DIGIKEY_ACCOUNT_ID)
        return web.json_response([product_json(record) for record in records])
