"""Arrow itemservice "Search By Token" (v3 and v4) answered from the sandbox catalog.

`GET /itemservice/{v3|v4}/en/search/token` with `login`, `apikey`, `search_token` (required),
`rows` (default 10, clamped to 1..25), `start` (a 0-based offset into the matches; negative
counts as 0), `mfrCd` (keep only that manufacturer code, case-insensitive), `utm_currency`
(convert the USD prices, see catalog.USD_RATES) and `fmt` (only "json").

Like the real service, every answer that is not a throttle is HTTP 200: errors say
`success: false` with a non-zero `returnCode` and a `returnMsg`, and carry no `data`. One trap
on top: the login BLOCKED_LOGIN (any key) meets a gateway in front of Arrow, which refuses it with
an HTTP 403 HTML page ("Access Denied" in its <title>), as CDNs do for a blocked client.
v3 lists `InvOrg.sources[]` with the seed's sourcePart fields; v4 groups them in
`InvOrg.webSites[]` ("Verical.com" holds VERICAL, "arrow.com" the Arrow pools) with the fields
of the real v4 samples (tariffFlag, arrowLeadTime, countryOfOrigin; no isASA/locationId...).
QUOTE offers without a price ladder have no `Prices` key at all, as in real answers. Pipeline
deliveries are written "20200622" in v3 (as the seed shows) and "05-APR-2024" in v4 (as the real
samples do).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from bomcheck.sandbox import SANDBOX_ARROW_API_KEY, SANDBOX_ARROW_LOGIN, catalog
from bomcheck.sandbox.catalog import CatalogBreak, CatalogPart, CatalogSource, CatalogSourcePart

SEARCH_PATH = "/itemservice/{version:v[34]}/en/search/token"
PATH_PREFIX = "/itemservice/"
SERVICE_VERSIONS = {"v3": "3.0.2", "v4": "4.0.0"}
DEFAULT_ROWS = 10
MAX_ROWS = 25

# returnCode / returnMsg of the errors the sandbox reports (real codes are unpublished)
BAD_CREDENTIALS = ("401", "Invalid login or apikey")
MISSING_TOKEN = ("1001", "search_token is required")
BAD_PAGING = "1002"
UNSUPPORTED_FORMAT = ("1003", "Only fmt=json is supported by the sandbox")
THROTTLED = ("429", "Too many requests: rate limit exceeded, slow down")
# The login a gateway blocks: its 403 is an HTML page, not Arrow's JSON (a client says its <title>).
BLOCKED_LOGIN = "blocked-by-gateway"
ACCESS_DENIED_PAGE = (
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    "You don't have permission to access \"{path}\" on this server.<P>\n"
    "Reference&#32;&#35;18&#46;5f0e1402&#46;1701946800&#46;2a9c1b0\n</BODY>\n</HTML>\n"
)

_SHIPS = {
    "ACNA": ("United States of America", "Ships today"),
    "EUROPE": ("Germany", "Ships in 2 days"),
    "ASIA": ("Hong Kong", "Ships in 3 days "),
}
_REGIONS = {"ACNA": "nac", "EUROPE": "europe", "ASIA": "asia"}
_LOCATION_IDS = {"ACNA": 20, "EUROPE": 46, "ASIA": 34, "VERICAL": 46}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def add_routes(app: web.Application) -> None:
    """Mount the token search (both versions) on `app`."""
    app.router.add_get(SEARCH_PATH, handle_search)


# --------------------------------------------------------------------------- handler


class ArrowRequestError(Exception):
    """A request the sandbox refuses, reported Arrow's way: (returnCode, returnMsg) in a 200."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SearchRequest:
    """The understood query of one token search."""

    token: str
    rows: int
    start: int
    mfr_cd: str
    currency: str | None


async def handle_search(request: web.Request) -> web.Response:
    """One token search: validate, search the catalog, page, answer in the version's layout."""
    started = time.perf_counter()
    version = request.match_info["version"]
    if request.query.get("login", "") == BLOCKED_LOGIN:
        return web.Response(status=403, text=ACCESS_DENIED_PAGE.format(path=request.path),
                            content_type="text/html")
    try:
        search = parse_request(request.query)
    except ArrowRequestError as exc:
        return _answer(error_body(version, exc.code, exc.message, elapsed_ms=_elapsed(started)))
    parts = catalog.search(search.token, search.currency)
    if search.mfr_cd:
        parts = [part for part in parts if part.mfr_cd.upper() == search.mfr_cd]
    page = parts[search.start : search.start + search.rows]
    body = search_body(version, search.token, page, total=len(parts), elapsed_ms=_elapsed(started))
    return _answer(body)


def fault_response(request: web.Request, error: tuple[str, str] | None, *, html: bool = False
                   ) -> web.Response:
    """A fault switched on in SandboxConfig: an HTML page, or an error in a 200 as Arrow sends them."""
    if html:
        return web.Response(text="<html><body><h1>Service temporarily unavailable</h1></body></html>",
                            content_type="text/html")
    code, message = error or ("500", "Internal error")
    version = request.match_info.get("version", "v3")
    return _answer(error_body(version, code, message, elapsed_ms=0.0))


def parse_request(query: Mapping[str, str]) -> SearchRequest:
    """The search the query asks for; ArrowRequestError for bad credentials, format or paging."""
    login_ok = secrets.compare_digest(query.get("login", "").encode(), SANDBOX_ARROW_LOGIN.encode())
    key_ok = secrets.compare_digest(query.get("apikey", "").encode(), SANDBOX_ARROW_API_KEY.encode())
    if not (login_ok and key_ok):
        raise ArrowRequestError(*BAD_CREDENTIALS)
    if query.get("fmt", "json").strip().lower() != "json":
        raise ArrowRequestError(*UNSUPPORTED_FORMAT)
    token = query.get("search_token", "").strip()
    if not token:
        raise ArrowRequestError(*MISSING_TOKEN)
    rows = _integer(query, "rows", DEFAULT_ROWS)
    start = _integer(query, "start", 0)
    return SearchRequest(
        token=token,
        rows=max(1, min(rows, MAX_ROWS)),
        start=max(0, start),
        mfr_cd=query.get("mfrCd", "").strip().upper(),
        currency=query.get("utm_currency") or None,
    )


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ArrowRequestError(BAD_PAGING, f"Invalid value for {name}: {text!r}")
    return int(text)


def _elapsed(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _answer(body: dict[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
            ) -> web.Response:
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


def throttled_response(path: str, retry_after: int) -> web.Response:
    """The 429 the sandbox sends when Arrow's configured rate is exceeded."""
    version = "v3" if "/v3/" in path else "v4"
    body = error_body(version, *THROTTLED, elapsed_ms=0.0)
    return _answer(body, status=429, headers={"Retry-After": str(retry_after)})


# --------------------------------------------------------------------------- envelope


def _envelope(version: str, *, code: str, message: str, total: int, elapsed_ms: float
              ) -> dict[str, Any]:
    return {
        "serviceMetaData": [{"version": SERVICE_VERSIONS[version]}],
        "transactionArea": [{
            "response": {"returnCode": code, "returnMsg": message, "success": code == "0"},
            "responseSequence": {
                "transactionTime": f"{elapsed_ms:.3f} ms",
                "queryTime": "0 ms",
                "dbTime": "0 ms",
                "totalItems": total,
                "resources": [],
                "qq": 150,
            },
        }],
    }


def error_body(version: str, code: str, message: str, *, elapsed_ms: float) -> dict[str, Any]:
    """An Arrow error answer: success false, the code and message, no data."""
    return {"itemserviceresult": _envelope(version, code=code, message=message, total=0,
                                           elapsed_ms=elapsed_ms)}


def search_body(version: str, token: str, parts: list[CatalogPart], *, total: int,
                elapsed_ms: float) -> dict[str, Any]:
    """A successful answer: `parts` is the page, `total` the number of all matches."""
    result = _envelope(version, code="0", message="", total=total, elapsed_ms=elapsed_ms)
    search_uri = f"https://www.arrow.com/en/products/search?{urlencode({'q': token.lower()})}"
    result["data"] = [{
        "resources": [{"type": "search", "uri": search_uri}],
        "PartList": [part_json(part, version) for part in parts],
    }]
    return {"itemserviceresult": result}


# --------------------------------------------------------------------------- parts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _hex(text: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()


def _part_resources(part: CatalogPart) -> list[dict[str, str]]:
    lower = quote(part.part_num.lower(), safe="")
    pkey = base64.urlsafe_b64encode(bytes.fromhex(_hex(part.part_num, "pkey"))).decode().rstrip("=")
    resources = [
        {"type": "image_small",
         "uri": f"https://static6.arrow.com/aropdfconversion/arrowimages/{_hex(part.part_num, 's')[:40]}/"
                f"{lower}.jpg"},
        {"type": "image_large",
         "uri": f"https://static6.arrow.com/aropdfconversion/arrowimages/{_hex(part.part_num, 'l')[:40]}/"
                f"{lower}.jpg"},
    ]
    if part.has_datasheet:
        resources.append({
            "type": "datasheet",
            "uri": f"https://static6.arrow.com/aropdfconversion/{_hex(part.part_num, 'd')[:40]}/{lower}.pdf",
        })
    detail = urlencode({"mfrCd": part.mfr_cd, "partNum": part.part_num})
    resources += [
        {"type": "cloud_part_detail",
         "uri": f"https://www.arrow.com/en/products/{lower}/{_slug(part.mfr_name)}"},
        {"type": "api_part_detail", "uri": f"https://api.arrow.com/itemservice/v2/en/detail?{detail}"},
        {"type": "part_detail", "uri": f"https://api.arrow.com/itemservice/v2/en/detail?pkey={pkey}"},
    ]
    return resources


def part_json(part: CatalogPart, version: str) -> dict[str, Any]:
    """One PartList entry in the v3 (`InvOrg.sources`) or v4 (`InvOrg.webSites`) layout."""
    if version == "v3":
        inv_org: dict[str, Any] = {"sources": [_source_json(part, s, version) for s in part.sources]}
    else:
        inv_org = {"webSites": _web_sites(part)}
    return {
        "itemId": part.item_id,
        "partNum": part.part_num,
        "manufacturer": {"mfrCd": part.mfr_cd, "mfrName": part.mfr_name},
        "desc": part.description,
        "packageType": "",
        "resources": _part_resources(part),
        "EnvData": {"compliance": [
            *([{"displayLabel": "eurohs", "displayValue": part.eu_rohs}] if part.eu_rohs else []),
            {"displayLabel": "cnrohs", "displayValue": "Compliant"},
        ]},
        "InvOrg": inv_org,
        "hasDatasheet": part.has_datasheet,
        "categoryName": part.category,
        "status": part.status,
    }


def _web_sites(part: CatalogPart) -> list[dict[str, Any]]:
    verical = [_source_json(part, s, "v4") for s in part.sources if s.source_cd == "VERICAL"]
    arrow = [_source_json(part, s, "v4") for s in part.sources if s.source_cd != "VERICAL"]
    sites = []
    if verical:
        sites.append({"code": "Verical.com", "name": "Verical.com", "sources": verical})
    if arrow:
        sites.append({"code": "arrow.com", "name": "arrow.com", "sources": arrow})
    return sites


def _source_json(part: CatalogPart, source: CatalogSource, version: str) -> dict[str, Any]:
    build = _source_part_v3 if version == "v3" else _source_part_v4
    return {
        "currency": source.currency,
        "sourceCd": source.source_cd,
        "displayName": source.display_name,
        "sourceParts": [build(part, source, sp) for sp in source.parts],
    }


def display_price(price: Decimal) -> str:
    """The price as Arrow prints it: plain digits, no trailing zeros ("0.106", "0.18", "12")."""
    return format(price.normalize(), "f")


def _prices(breaks: tuple[CatalogBreak, ...]) -> dict[str, Any]:
    return {"resaleList": [
        {"displayPrice": display_price(b.price), "price": float(b.price), "minQty": b.min_qty,
         "maxQty": b.max_qty}
        for b in breaks
    ]}


def _availability(sp: CatalogSourcePart, version: str) -> list[dict[str, Any]]:
    return [{
        "fohQty": sp.stock,
        "availabilityCd": sp.availability_cd,
        "availabilityMessage": sp.availability_message,
        "pipeline": [{"delivery": _delivery(day, version), "quantity": quantity}
                     for day, quantity in sp.pipeline],
    }]


def _delivery(day: str, version: str) -> str:
    """A pipeline date as each version writes it: v3 "20200622" (the seed), v4 "05-APR-2024"."""
    if version != "v3":
        return day
    dd, mon, yyyy = day.split("-")
    return f"{yyyy}{_MONTHS.index(mon.upper()) + 1:02d}{dd}"


def _offer_resources(part: CatalogPart, source: CatalogSource, sp: CatalogSourcePart
                     ) -> list[dict[str, str]]:
    if source.source_cd == "VERICAL":
        uri = (f"https://www.verical.com/pd/{_slug(part.mfr_name)}-{_slug(part.category)}-"
               f"{quote(part.part_num, safe='')}-{sp.sku}")
    else:
        region = _REGIONS.get(source.source_cd, "nac")
        uri = (f"https://www.arrow.com/en/products/{quote(part.part_num.lower(), safe='')}/"
               f"{_slug(part.mfr_name)}?region={region}")
    return [{"type": "detail", "uri": uri}, {"type": "add_to_cart", "uri": uri}]


def _source_part_common(part: CatalogPart, source: CatalogSource, sp: CatalogSourcePart,
                        version: str = "v4") -> dict[str, Any]:
    """The sourcePart fields both layouts share, in the order Arrow writes them."""
    data: dict[str, Any] = {
        "packSize": sp.pack_size,
        "minimumOrderQuantity": sp.moq,
        "sourcePartId": sp.sku,
    }
    if sp.breaks:  # QUOTE offers carry no Prices at all, as in the real answers
        data["Prices"] = _prices(sp.breaks)
    data.update({
        "Availability": _availability(sp, version),
        "customerSpecificPricing": [],
        "customerSpecificInventory": [],
        "dateCode": sp.date_code,
        "resources": _offer_resources(part, source, sp),
        "inStock": sp.stock > 0,
        "mfrLeadTime": sp.lead_weeks,
    })
    return data


def _source_part_v3(part: CatalogPart, source: CatalogSource, sp: CatalogSourcePart) -> dict[str, Any]:
    """A sourcePart with the seed's (v3) fields."""
    data = {"sourcePartNumber": "", **_source_part_common(part, source, sp, "v3")}
    data.update({
        "isNcnr": sp.ncnr,
        "isNpi": False,
        "isASA": False,
        "requestQuantity": 0,
        "productCode": "",
        "iccLevels": [],
        "cloudMfrCode": "",
        "eccnCode": part.eccn_code,
        "htsCode": part.hts_code,
        "locationId": _LOCATION_IDS.get(source.source_cd, 46),
        "containerType": sp.container_type,
    })
    data.update(_shipping(source))
    return data


def _source_part_v4(part: CatalogPart, source: CatalogSource, sp: CatalogSourcePart) -> dict[str, Any]:
    """A sourcePart shaped like the real v4 samples."""
    data = _source_part_common(part, source, sp)
    data["tariffFlag"] = sp.tariff_flag
    data.update(_shipping(source))
    data.update({
        "arrowLeadTime": "",
        "isNcnr": sp.ncnr,
        "isNpi": False,
        "productCode": part.part_num,
        "eccnCode": part.eccn_code,
        "htsCode": part.hts_code,
    })
    if sp.country_of_origin:
        data["countryOfOrigin"] = sp.country_of_origin
    data["containerType"] = sp.container_type
    return data


def _shipping(source: CatalogSource) -> dict[str, str]:
    """shipsFrom / shipsIn: Arrow's own pools have them, Verical offers do not."""
    if source.source_cd not in _SHIPS:
        return {}
    ships_from, ships_in = _SHIPS[source.source_cd]
    return {"shipsFrom": ships_from, "shipsIn": ships_in}
