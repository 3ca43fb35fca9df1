"""DigiKey Product Information v4 for the sandbox: keyword search and productdetails of the synthetic catalog.

As digikey-catalog.md describes the real service:
- every call wants `X-DIGIKEY-Client-Id` (401 "Invalid Client-Id") and a live bearer token from
  the token endpoint, 2-legged (`grant_type=client_credentials`, 599 s, no refresh token) or
  3-legged (401 "Bearer token is invalid" / "Bearer token is expired", ApiErrorResponse shape);
- its own daily quota, separate from Supply Chain's (429 "Daily ratelimit exceeded" with
  Retry-After: the seconds to midnight US Central, as Supply Chain's), reported in
  X-RateLimit-Limit / -Remaining;
- locale: `X-DIGIKEY-Locale-Site` (default US), `-Language` (default en), `-Currency` (a currency
  the site does not sell in falls back silently to the site's own); `SearchLocaleUsed` says what
  was used, its Site in lower case (as in 2025 answers);
- `POST /products/v4/search/keyword` {"Keywords", "Limit", "Offset"} -> KeywordResponse with
  `ExactMatches` (every maker's product of exactly that MPN) and `Products` (those and longer
  numbers, at most Limit); StandardPricing only, MyPricing always [];
- `GET /products/v4/search/{productNumber}/productdetails` (a DigiKey number, or an MPN with an
  optional `manufacturerId`) -> ProductDetails; 404 in DKProblemDetails shape ("Not Found");
  `X-DIGIKEY-Account-Id` is optional: with it, MyPricing holds the account's prices (5 % below
  list) and AccountIdUsed says the account.

Our assumptions where the public record is silent: a 400 DKProblemDetails for a keyword body
without Keywords; the account's 5 % discount; that every authenticated catalog call counts
against the quota (token calls do not).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bomcheck.sandbox import SANDBOX_DIGIKEY_CLIENT_ID, catalog
from bomcheck.sandbox.digikey_api import Burst, DigiKeyApi, seconds_to_quota_reset
from bomcheck.sandbox.digikey_products import (
    Product,
    Variation,
    by_mpn,
    by_number,
    exact_products,
    near_products,
)

PREFIX = "/products/v4"
KEYWORD_PATH = f"{PREFIX}/search/keyword"
DETAILS_PATH = f"{PREFIX}/search/{{productNumber:.+}}/productdetails"
ACCOUNT_DISCOUNT = Decimal("0.95")
# The currencies each site sells in, its own first; another asked for falls back to the first.
SITE_CURRENCIES: dict[str, tuple[str, ...]] = {
    "US": ("USD",), "CA": ("CAD", "USD"), "UK": ("GBP", "EUR", "USD"), "DE": ("EUR", "USD"),
    "FR": ("EUR", "USD"), "IE": ("EUR", "USD"), "NL": ("EUR", "USD"), "JP": ("JPY", "USD"),
    "AU": ("AUD", "USD"), "SG": ("SGD", "USD"), "HK": ("HKD", "USD"), "CN": ("CNY", "USD"),
    "KR": ("KRW", "USD"), "TW": ("TWD", "USD"), "IN": ("INR", "USD"), "MX": ("MXN", "USD"),
    "MY": ("MYR", "USD"), "BR": ("BRL", "USD"),
}


def locale_used(request: web.Request) -> tuple[str, str, str]:
    """(site, language, currency) as DigiKey applies the request's locale headers."""
    site = request.headers.get("X-DIGIKEY-Locale-Site", "US").strip().upper() or "US"
    if site not in SITE_CURRENCIES:
        site = "US"
    language = request.headers.get("X-DIGIKEY-Locale-Language", "en").strip().lower() or "en"
    asked = request.headers.get("X-DIGIKEY-Locale-Currency", "").strip().upper()
    currencies = SITE_CURRENCIES[site]
    return site, language, asked if asked in currencies else currencies[0]


def _price(usd: Decimal, currency: str, discount: Decimal = Decimal(1)) -> float:
    converted = catalog.convert(usd * discount, currency) if currency != "USD" else usd * discount
    return float(converted.quantize(Decimal("0.00001"), ROUND_HALF_UP))


def _pricing(variation: Variation, currency: str, discount: Decimal = Decimal(1)) -> list[dict[str, Any]]:
    return [{"BreakQuantity": qty, "UnitPrice": _price(usd, currency, discount),
             "TotalPrice": round(_price(usd, currency, discount) * qty, 5)} for qty, usd in variation.breaks]


def variation_json(product: Product, variation: Variation, currency: str, account: bool) -> dict[str, Any]:
    supplier = variation.supplier or product.maker
    return {
        "DigiKeyProductNumber": variation.number,
        "PackageType": {"Id": variation.package[0], "Name": variation.package[1]},
        "StandardPricing": _pricing(variation, currency),
        "MyPricing": _pricing(variation, currency, ACCOUNT_DISCOUNT) if account else [],
        "MarketPlace": variation.marketplace,
        "TariffActive": False,
        "Supplier": {"Id": product.maker_id if not variation.supplier else 2156, "Name": supplier},
        "QuantityAvailableforPackageType": variation.stock,
        "MaxQuantityForDistribution": variation.max_quantity,
        "MinimumOrderQuantity": variation.moq,
        "StandardPackage": variation.standard_package,
        "DigiReelFee": float(variation.fee),
    }


def product_json(product: Product, currency: str, *, account: bool = False) -> dict[str, Any]:
    """A v4 `Product`, field names and order as in the real samples."""
    slug = product.mpn.replace("/", "-").replace("+", "-")
    priced = [v.breaks[0][1] for v in product.variations if v.breaks and not v.marketplace]
    unit = min(priced, default=Decimal(0))
    return {
        "Description": {"ProductDescription": product.description,
                        "DetailedDescription": product.description.capitalize()},
        "Manufacturer": {"Id": product.maker_id, "Name": product.maker},
        "ManufacturerProductNumber": product.mpn,
        "UnitPrice": _price(unit, currency),
        "ProductUrl": f"https://www.digikey.com/en/products/detail/{slug.lower()}/{slug}/{product.maker_id}",
        # protocol-relative, as some real answers have it
        "DatasheetUrl": f"//mm.digikey.com/Volume0/opasdata/d220001/docus/{product.maker_id}/{slug}.pdf",
        "PhotoUrl": None,
        "ProductVariations": [variation_json(product, v, currency, account) for v in product.variations],
        "QuantityAvailable": product.quantity_available,
        "ProductStatus": {"Id": product.status[0], "Status": product.status[1]},
        "BackOrderNotAllowed": False,
        "NormallyStocking": product.status[0] == 0,
        "Discontinued": product.discontinued,
        "EndOfLife": product.end_of_life,
        "Ncnr": product.ncnr,
        "PrimaryVideoUrl": None,
        "Parameters": [],
        "BaseProductNumber": None,
        "Category": None,
        "DateLastBuyChance": product.last_buy,
        "ManufacturerLeadWeeks": product.lead_weeks,
        "ManufacturerPublicQuantity": 0,
        "Series": {"Id": 818, "Name": "-"},
        "ShippingInfo": None,
        "Classifications": {"ReachStatus": product.reach, "RohsStatus": product.rohs,
                            "MoistureSensitivityLevel": "1  (Unlimited)",
                            "ExportControlClassNumber": product.eccn, "HtsusCode": product.hts},
        "OtherNames": list(product.other_names),
    }


class DigiKeyCatalogApi:
    """The catalog endpoints, their own daily quota, and the tokens of the shared OAuth server."""

    def __init__(self, oauth: DigiKeyApi, *, daily_quota: int = 1000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.oauth = oauth
        self.daily_quota = daily_quota
        self.clock = clock
        self.quota_used = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(KEYWORD_PATH, self.keyword)
        app.router.add_get(DETAILS_PATH, self.details)

    def add_headers(self, request: web.Request, response: web.StreamResponse,
                    burst: Burst | None = None) -> None:
        """DigiKey's headers, with this API's own daily quota."""
        self.oauth.add_headers(request, response, burst)
        response.headers["X-RateLimit-Limit"] = str(self.daily_quota)
        response.headers["X-RateLimit-Remaining"] = str(max(0, self.daily_quota - self.quota_used))

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Why this call is refused (client id, bearer token, quota), or None (and it is counted)."""
        if request.headers.get("X-DIGIKEY-Client-Id", "") != SANDBOX_DIGIKEY_CLIENT_ID:
            return self.oauth.api_error(request, 401, "Invalid Client-Id",
                                        "The X-DIGIKEY-Client-Id header is missing or unknown")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires_at = self.oauth.token_expiry(token.strip()) if scheme.lower() == "bearer" else None
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if expires_at is None:
            return self.oauth.api_error(request, 401, "Bearer token is invalid",
                                        "Send a valid access token as 'Authorization: Bearer <token>'",
                                        headers=challenge)
        if self.clock() >= expires_at:
            return self.oauth.api_error(request, 401, "Bearer token is expired",
                                        "Request a new access token and try again", headers=challenge)
        if self.quota_used >= self.daily_quota:
            wait = str(seconds_to_quota_reset(datetime.now(timezone.utc)))
            return self.oauth.api_error(request, 429, "Daily ratelimit exceeded",
                                        f"The daily quota of {self.daily_quota} requests is used up",
                                        headers={"Retry-After": wait})
        self.quota_used += 1
        return None

    def _locale(self, request: web.Request) -> tuple[dict[str, str], str]:
        site, language, currency = locale_used(request)
        return {"Site": site.lower(), "Language": language, "Currency": currency}, currency

    async def keyword(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            body = None
        except ConnectionResetError:  # the client (or a played "reset" fault) dropped the connection
            return web.Response(status=400)
        keywords = body.get("Keywords") if isinstance(body, dict) else None
        if not isinstance(keywords, str) or not keywords.strip() or len(keywords) > 250:
            return self.oauth.problem(request, 400, "Bad Request",
                                      "Keywords is required (at most 250 characters)")
        try:
            limit = max(1, min(50, int(body.get("Limit", 5))))
            offset = max(0, int(body.get("Offset", 0)))
        except (TypeError, ValueError):
            return self.oauth.problem(request, 400, "Bad Request", "Limit and Offset are integers")
        locale, currency = self._locale(request)
        exact = exact_products(keywords)
        listed = [*exact, *near_products(keywords)]
        return web.json_response({
            "Products": [product_json(p, currency) for p in listed[offset:offset + limit]],
            "ProductsCount": len(listed),
            "ExactMatches": [product_json(p, currency) for p in exact],
            "FilterOptions": {},
            "SearchLocaleUsed": locale,
            "AppliedParametricFiltersDto": [],
        })

    async def details(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        number = unquote(request.match_info["productNumber"])
        maker = request.query.get("manufacturerId", "")
        product = by_number(number)
        if product is None and not number.strip().upper().endswith("-ND"):  # an MPN asked directly
            product = by_mpn(number, int(maker) if maker.isdigit() else None)
        if product is None:
            return self.oauth.problem(request, 404, "Not Found", f"Product {number!r} was not found")
        account = request.headers.get("X-DIGIKEY-Account-Id", "").strip()
        locale, currency = self._locale(request)
        return web.json_response({
            "SearchLocaleUsed": locale,
            "Product": product_json(product, currency, account=bool(account)),
            "AccountIdUsed": int(account) if account.isdigit() else 0,
            "CustomerIdUsed": 0,
        })
