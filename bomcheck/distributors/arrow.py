"""Arrow itemservice "search by token" (v3/v4): pure request building and parsing, and the Source."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from bomcheck.distributors import fields
from bomcheck.distributors.base import HttpResponse, Transport
from bomcheck.errors import SourceError, SourceUnavailable
from bomcheck.model import (
    Lookup,
    LookupStatus,
    Offer,
    PipelineDelivery,
    PriceBreak,
    Query,
    normalize_mpn,
)

log = logging.getLogger(__name__)

ARROW_PRODUCTION_URL = "https://api.arrow.com"
API_VERSIONS = ("v3", "v4")
MAX_ROWS = 25  # Arrow's documented maximum of distinct itemIds per page


@dataclass(frozen=True)
class ArrowCredentials:
    """An Arrow API login and key; the key travels in the query string, so it is kept out of repr."""

    login: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class ArrowPart:
    """One PartList entry: a manufacturer part as Arrow lists it, with one Offer per sourcePart."""

    item_id: str
    part_num: str
    mfr_cd: str
    mfr_name: str
    description: str
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True)
class ArrowPage:
    """One page of a token search: the parts on it and Arrow's total match count."""

    parts: tuple[ArrowPart, ...]
    total_items: int


# --------------------------------------------------------------------------- request


def build_request(
    base_url: str,
    credentials: ArrowCredentials,
    token: str,
    *,
    rows: int = MAX_ROWS,
    start: int = 0,
    currency: str | None = None,
    mfr_cd: str | None = None,
    api_version: str = "v3",
) -> tuple[str, dict[str, str]]:
    """The URL and query parameters of one token search (aiohttp URL-encodes the parameters)."""
    if api_version not in API_VERSIONS:
        raise ValueError(f"unknown Arrow API version {api_version!r} (use one of {API_VERSIONS})")
    url = f"{base_url.rstrip('/')}/itemservice/{api_version}/en/search/token"
    params = {
        "login": credentials.login,
        "apikey": credentials.api_key,
        "search_token": token,
        "rows": str(max(1, min(int(rows), MAX_ROWS))),
        "fmt": "json",
    }
    if start > 0:
        params["start"] = str(int(start))
    if currency:
        params["utm_currency"] = currency.strip().upper()
    if mfr_cd:
        params["mfrCd"] = mfr_cd
    return url, params


# --------------------------------------------------------------------------- tolerant readers


def _get(mapping: Any, key: str) -> Any:
    """mapping[key], falling back to a case-insensitive key match; None when absent or no mapping."""
    if not isinstance(mapping, Mapping):
        return None
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for name, value in mapping.items():
        if isinstance(name, str) and name.casefold() == folded:
            return value
    return None


def _as_list(value: Any) -> list[Any]:
    """A JSON list as a list; a lone object as a one-item list; anything else as empty."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    return []


def _mappings(value: Any) -> Iterator[Mapping[str, Any]]:
    return (item for item in _as_list(value) if isinstance(item, Mapping))


# --------------------------------------------------------------------------- response


def parse_response(body: Any, *, currency: str | None = None) -> ArrowPage:
    """One token-search answer (v3 or v4 layout) as an ArrowPage.

    Arrow answers errors with HTTP 200: `transactionArea[0].response.success` false or a
    non-zero `returnCode` raises SourceError("Arrow: <returnMsg>") (SourceUnavailable when the
    message is about the login or key). A missing or empty `data`/`PartList` is a miss: an
    empty page. Malformed parts and offers are skipped, never fatal. `currency` is the one
    asked for with utm_currency, used only for sources that name no currency of their own.
    """
    result = _get(body, "itemserviceresult")
    if not isinstance(result, Mapping):
        raise SourceError("Arrow: unexpected answer (no itemserviceresult)")
    total: int | None = None
    for area in _mappings(_get(result, "transactionArea")):
        _raise_for_transaction(_get(area, "response"))
        sequence = _get(area, "responseSequence")
        if total is None:
            total = fields.integer(_get(sequence, "totalItems"))
    parts: list[ArrowPart] = []
    for data in _mappings(_get(result, "data")):
        for raw in _as_list(_get(data, "PartList")):
            part = _parse_part(raw, currency)
            if part is not None:
                parts.append(part)
    return ArrowPage(parts=tuple(parts), total_items=max(total or 0, len(parts)))


_CREDENTIAL_WORDS = re.compile(r"(?i)api ?key|login|credential|unauthori[sz]ed|not authori[sz]ed")


def _raise_for_transaction(response: Any) -> None:
    if not isinstance(response, Mapping):
        return
    success = _get(response, "success")
    code = fields.text(_get(response, "returnCode"))
    failed = (success is not None and not fields.boolean(success)) or (code not in ("", "0"))
    if not failed:
        return
    message = fields.text(_get(response, "returnMsg")) or f"request failed (returnCode {code or '?'})"
    error = SourceUnavailable if _CREDENTIAL_WORDS.search(message) else SourceError
    raise error(f"Arrow: {message}")


def _parse_part(raw: Any, currency: str | None) -> ArrowPart | None:
    if not isinstance(raw, Mapping):
        log.debug("Arrow: skipping a PartList entry that is not an object")
        return None
    part_num = fields.text(_get(raw, "partNum"))
    if not part_num:
        log.debug("Arrow: skipping a PartList entry without partNum")
        return None
    manufacturer = _get(raw, "manufacturer")
    offers: list[Offer] = []
    for source in _sources(_get(raw, "InvOrg")):
        for source_part in _as_list(_get(source, "sourceParts")):
            if not isinstance(source_part, Mapping):
                log.debug("Arrow: skipping a malformed sourcePart of %s", part_num)
                continue
            try:
                offers.append(arrow_offer(raw, source, source_part, default_currency=currency))
            except (TypeError, ValueError, ArithmeticError) as exc:
                log.debug("Arrow: skipping a malformed sourcePart of %s: %s", part_num, exc)
    return ArrowPart(
        item_id=fields.text(_get(raw, "itemId")),
        part_num=part_num,
        mfr_cd=fields.text(_get(manufacturer, "mfrCd")),
        mfr_name=fields.text(_get(manufacturer, "mfrName")),
        description=fields.text(_get(raw, "desc")),
        offers=tuple(offers),
    )


def _sources(inv_org: Any) -> Iterator[Mapping[str, Any]]:
    """Every source of an InvOrg: v3 `sources[]` and v4 `webSites[].sources[]`, whichever exist."""
    yield from _mappings(_get(inv_org, "sources"))
    for web_site in _mappings(_get(inv_org, "webSites")):
        yield from _mappings(_get(web_site, "sources"))


def arrow_offer(
    part: Mapping[str, Any],
    source: Mapping[str, Any],
    source_part: Mapping[str, Any],
    *,
    default_currency: str | None = None,
) -> Offer:
    """THE mapping of one Arrow sourcePart to an Offer.

    - seller: "<displayName> (<sourceCd>)", e.g. "Verical (VERICAL)", "Arrow Americas (ACNA)".
    - sku: sourcePartId (the id Arrow's checkout needs), else the deprecated sourcePartNumber.
    - stock: the sum of `Availability[].fohQty` exactly as given, whatever `availabilityCd`
      says (QUOTE once came with fohQty 2500, NOSTK/QUOTE usually with 0). Stock is per
      sourcePart: the same lot can be mirrored under several sources (Verical and ACNA), so
      adding stock across offers double-counts.
    - breaks: `Prices.resaleList[]` as (minQty, Decimal(str(price))), ascending. No `Prices`
      (QUOTE offers) means breaks=(): such an offer has no list price and is never planned
      at one. Prices in an unknown currency are dropped too (never assume USD).
    - moq: max(minimumOrderQuantity, first break minQty, 1) — Arrow's MOQ can sit below the
      first price tier. multiple: packSize (at least 1).
    - currency: the source's `currency`, else the utm_currency asked for, else "" (no prices).
    - ncnr: isNcnr; lead_time_weeks: mfrLeadTime as given (documented in weeks; 0 and 99
      occur and look like placeholders); date_code: dateCode; pipeline: every
      `Availability[].pipeline[]` (delivery text as written, quantity).
    - availability: the `availabilityCd`s as given, joined ("CSTRP"); unknown codes stay
      codes, they never mean "in stock". packaging: containerType.
    - eccn: eccnCode; hts: htsCode; country_of_origin: countryOfOrigin (any may be missing).
    - compliance: the part's `EnvData.compliance[]` as (displayLabel, displayValue).
    - links: (type, uri) of the part's and the sourcePart's `resources[]` meant for people
      (datasheet, images, detail and cart pages); links into api.arrow.com are left out.
    """
    seller_name = fields.text(_get(source, "displayName"))
    source_code = fields.text(_get(source, "sourceCd"))
    if seller_name and source_code:
        seller = f"{seller_name} ({source_code})"
    else:
        seller = seller_name or source_code or "Arrow"

    stock = 0
    pipeline: list[PipelineDelivery] = []
    codes: list[str] = []
    for availability in _mappings(_get(source_part, "Availability")):
        stock += max(0, fields.integer(_get(availability, "fohQty")) or 0)
        code = fields.text(_get(availability, "availabilityCd")).upper()
        if code and code not in codes:
            codes.append(code)
        for delivery in _mappings(_get(availability, "pipeline")):
            quantity = fields.integer(_get(delivery, "quantity"))
            if quantity is not None and quantity > 0:
                pipeline.append(PipelineDelivery(fields.text(_get(delivery, "delivery")), quantity))

    currency = (fields.text(_get(source, "currency")) or fields.text(default_currency)).upper()
    breaks = _price_breaks(_get(source_part, "Prices"))
    if breaks and not currency:
        log.debug("Arrow: dropping prices of %s from %s: no currency", _get(part, "partNum"), seller)
        breaks = ()

    moq_candidates = [1, fields.integer(_get(source_part, "minimumOrderQuantity")) or 0]
    if breaks:
        moq_candidates.append(breaks[0].min_qty)
    manufacturer = _get(part, "manufacturer")
    return Offer(
        source="Arrow",
        seller=seller,
        mpn=fields.text(_get(part, "partNum")),
        manufacturer=fields.text(_get(manufacturer, "mfrName")) or fields.text(_get(manufacturer, "mfrCd")),
        sku=(fields.text(_get(source_part, "sourcePartId"))
             or fields.text(_get(source_part, "sourcePartNumber"))),
        stock=stock,
        moq=max(moq_candidates),
        multiple=max(1, fields.integer(_get(source_part, "packSize")) or 1),
        breaks=breaks,
        currency=currency,
        ncnr=fields.boolean(_get(source_part, "isNcnr")),
        lead_time_weeks=fields.integer(_get(source_part, "mfrLeadTime")),
        description=fields.text(_get(part, "desc")),
        date_code=fields.text(_get(source_part, "dateCode")),
        pipeline=tuple(pipeline),
        availability="/".join(codes),
        packaging=fields.text(_get(source_part, "containerType")),
        eccn=fields.text(_get(source_part, "eccnCode")),
        hts=fields.text(_get(source_part, "htsCode")),
        country_of_origin=fields.text(_get(source_part, "countryOfOrigin")),
        compliance=tuple(
            (fields.text(_get(item, "displayLabel")), fields.text(_get(item, "displayValue")))
            for item in _mappings(_get(_get(part, "EnvData"), "compliance"))
            if fields.text(_get(item, "displayLabel"))
        ),
        links=_links(_get(part, "resources"), _get(source_part, "resources")),
    )


def _links(*resource_lists: Any) -> tuple[tuple[str, str], ...]:
    """(type, uri) of resources meant for people, in order, without duplicates or API links."""
    links: dict[tuple[str, str], None] = {}
    for resources in resource_lists:
        for resource in _mappings(resources):
            kind, uri = fields.text(_get(resource, "type")), fields.text(_get(resource, "uri"))
            host = urlsplit(uri).hostname or ""
            if kind and uri.startswith(("https://", "http://")) and not host.startswith("api."):
                links.setdefault((kind, uri), None)
    return tuple(links)


def _price_breaks(prices: Any) -> tuple[PriceBreak, ...]:
    """The resale ladder, ascending by minQty; tiers without a usable minQty or price are skipped."""
    by_qty: dict[int, Decimal] = {}
    for container in _mappings(prices):
        for tier in _mappings(_get(container, "resaleList")):
            min_qty = fields.integer(_get(tier, "minQty"))
            price = fields.price(_get(tier, "price"))
            if price is None:
                price = fields.price(_get(tier, "displayPrice"))
            if min_qty is None or price is None:
                continue
            by_qty.setdefault(max(1, min_qty), price)
    return tuple(PriceBreak(qty, by_qty[qty]) for qty in sorted(by_qty))


# --------------------------------------------------------------------------- matching

# Names one manufacturer goes by; the first entry is the one shown. Compared after
# _manufacturer_words (case-folded, parentheses and punctuation gone).
MANUFACTURER_ALIASES: tuple[tuple[str, ...], ...] = (
    ("Texas Instruments", "TI", "德州仪器"),
    ("STMicroelectronics", "ST", "ST Micro", "STMicro", "ST Microelectronics", "意法半导体"),
    # Maxim and Linear Technology belong to ADI now; their parts are listed under ADI
    ("Analog Devices", "ADI", "亚德诺", "Maxim Integrated", "Maxim", "Linear Technology"),
    ("Microchip Technology", "Microchip", "MCHP"),
    ("NXP Semiconductors", "NXP", "恩智浦"),
    ("onsemi", "ON Semiconductor", "ON Semi", "ON", "安森美"),
    ("Murata", "Murata Manufacturing", "MURATA", "村田"),
    ("Yageo", "国巨"),
    ("Vishay", "Vishay Intertechnology"),
    ("Samsung Electro-Mechanics", "SEMCO", "Samsung EM", "三星"),
    ("Infineon Technologies", "Infineon", "IFX", "英飞凌"),
    ("Renesas Electronics", "Renesas", "瑞萨"),
    ("Rohm Semiconductor", "ROHM", "罗姆"),
    ("Nexperia", "安世"),
    ("Diodes Incorporated", "Diodes Inc", "Diodes"),
    ("KEMET", "KEMET Corporation"),
    ("TDK", "TDK Corporation"),
    ("KYOCERA AVX", "AVX", "AVX Corporation"),
)

_PARENTHESISED = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]")
_WORD = re.compile(r"\w+")


def _manufacturer_words(name: str) -> tuple[str, ...]:
    """A manufacturer name as case-folded words, parenthesised parts ("TI(德州仪器)") dropped."""
    text = unicodedata.normalize("NFKC", name)
    text = _PARENTHESISED.sub(" ", text)
    return tuple(_WORD.findall(text.casefold()))


_ALIAS_GROUP: dict[tuple[str, ...], int] = {
    _manufacturer_words(alias): index
    for index, group in enumerate(MANUFACTURER_ALIASES)
    for alias in group
}

_COMPACT_ALIAS_GROUP: dict[str, int] = {"".join(words): i for words, i in _ALIAS_GROUP.items()}


def _alias_group(words: tuple[str, ...]) -> int | None:
    """The alias group a name belongs to: an exact alias, or (for aliases of 4+ letters) any
    name containing the alias as whole words ("Texas Instruments Inc." is TI; "On Shore" is
    not onsemi)."""
    if not words:
        return None
    if words in _ALIAS_GROUP:
        return _ALIAS_GROUP[words]
    if "".join(words) in _COMPACT_ALIAS_GROUP:
        return _COMPACT_ALIAS_GROUP["".join(words)]
    for alias, index in _ALIAS_GROUP.items():
        if _contains_long(words, alias):
            return index
    return None


def _contains_words(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    if not part or len(part) > len(words):
        return False
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _contains_long(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whole-word containment of a name of 4+ letters ("ON" alone never matches "On Shore")."""
    return len("".join(part)) >= 4 and _contains_words(words, part)


def maker_key(name: str) -> object:
    """One key per manufacturer: its alias group, else its words run together."""
    words = _manufacturer_words(name)
    group = _alias_group(words)
    return ("alias", group) if group is not None else "".join(words)


def manufacturer_matches(wanted: str, *names: str) -> bool:
    """Whether the BOM's manufacturer `wanted` names the same maker as any of `names`.

    Case-insensitive, parenthesised suffixes dropped, whole-word containment either way
    ("Murata" ~ "Murata Manufacturing Co., Ltd."), spacing ignored ("ST Microelectronics" ~
    "STMicroelectronics"), and the alias table (TI ~ Texas Instruments).
    """
    want = _manufacturer_words(wanted)
    if not want:
        return False
    want_group = _alias_group(want)
    for name in names:
        have = _manufacturer_words(name or "")
        if not have:
            continue
        if "".join(have) == "".join(want):
            return True
        if _contains_long(have, want) or _contains_long(want, have):
            return True
        if want_group is not None and want_group == _alias_group(have):
            return True
    return False


def match_parts(parts: Iterable[ArrowPart], query: Query) -> list[ArrowPart]:
    """The parts whose partNum IS the query's MPN (after normalize_mpn); never prefix or substring.

    Token search is exact-or-prefix (LM358 returns LM358DR...), so results are filtered here.
    When several match and the query names a manufacturer, those of that manufacturer are
    kept — unless none is, then all are kept (the caller's message says so).
    """
    key = query.mpn_key
    if not key:
        return []
    exact = [part for part in parts if normalize_mpn(part.part_num) == key]
    if len(exact) > 1 and query.manufacturer:
        narrowed = [
            part for part in exact
            if manufacturer_matches(query.manufacturer, part.mfr_name, part.mfr_cd)
        ]
        if narrowed:
            return narrowed
    return exact


# --------------------------------------------------------------------------- source


class ArrowSource:
    """The Arrow Source: one token search per distinct MPN, a few pages at most."""

    name = "Arrow"

    def __init__(
        self,
        base_url: str,
        credentials: ArrowCredentials,
        *,
        currency: str | None = None,
        api_version: str = "v3",
        rows: int = MAX_ROWS,
        max_pages: int = 3,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"unknown Arrow API version {api_version!r} (use one of {API_VERSIONS})")
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.currency = currency.strip().upper() if currency else None
        self.api_version = api_version
        self.rows = max(1, min(int(rows), MAX_ROWS))
        self.max_pages = max(1, int(max_pages))

    def __repr__(self) -> str:
        return f"ArrowSource({self.base_url!r}, login={self.credentials.login!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings the caller must put into Transport.secrets (the apikey rides in the URL)."""
        return (self.credentials.api_key,)

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        """One batch per distinct normalized MPN; queries without an MPN are not asked."""
        groups: dict[str, list[Query]] = {}
        for query in queries:
            if query.mpn_key:
                groups.setdefault(query.mpn_key, []).append(query)
        return list(groups.values())

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> dict[Query, Lookup]:
        """One token search (plus bounded paging) per MPN of the batch; a Lookup per query."""
        lookups: dict[Query, Lookup] = {}
        searched: dict[str, list[ArrowPart]] = {}
        for query in batch:
            key = query.mpn_key
            if not key:
                lookups[query] = Lookup(self.name, LookupStatus.NOT_CHECKED, message="no MPN")
                continue
            if key not in searched:
                searched[key] = await self.search(transport, key)
            lookups[query] = self._lookup(query, searched[key])
        return lookups

    async def search(self, transport: Transport, token: str) -> list[ArrowPart]:
        """The parts a token search returns, paging only while the exact part is not yet seen.

        `start` is sent as a 0-based offset (Arrow does not say whether it is 0- or 1-based;
        a 1-based server would repeat one item, which the itemId de-duplication absorbs).
        """
        probe = Query(mpn=token)
        parts: list[ArrowPart] = []
        seen: set[str] = set()
        start = 0
        for _ in range(self.max_pages):
            page = await self._page(transport, token, start)
            new = [part for part in page.parts if not part.item_id or part.item_id not in seen]
            seen.update(part.item_id for part in new if part.item_id)
            parts.extend(new)
            if not page.parts or not new or match_parts(parts, probe):
                break
            start += self.rows
            if start >= page.total_items:
                break
        return parts

    async def _page(self, transport: Transport, token: str, start: int) -> ArrowPage:
        body = await self._request(transport, token, start)
        try:
            return parse_response(body, currency=self.currency)
        except SourceError as exc:
            error = self._redacted(transport, exc, "")
        raise error  # outside the except block: the unredacted original is not chained

    async def _request(self, transport: Transport, token: str, start: int) -> Any:
        url, params = build_request(
            self.base_url, self.credentials, token, rows=self.rows, start=start,
            currency=self.currency, api_version=self.api_version,
        )
        try:
            response = await transport.request(
                "GET", url, params=params, headers={"Accept": "application/json"}
            )
        except SourceError as exc:
            error = self._redacted(transport, exc, "Arrow: ")
        else:
            self._raise_for_status(transport, response)
            try:
                return response.json()
            except SourceError as exc:
                error = self._redacted(transport, exc, "Arrow: ")
        raise error

    def _redacted(self, transport: Transport, exc: SourceError, prefix: str) -> SourceError:
        """A copy of `exc` (same class) whose message carries no secret."""
        return type(exc)(self._redact(transport, prefix + str(exc)), retryable=exc.retryable)

    def _raise_for_status(self, transport: Transport, response: HttpResponse) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        log.debug("Arrow answered HTTP %s", status)
        if status in (401, 403):
            raise SourceUnavailable(
                f"Arrow rejected the login/apikey (HTTP {status}); check the Arrow login and "
                "API key — Arrow not checked"
            )
        if status == 429:
            raise SourceError("Arrow: still throttled (HTTP 429) after retries", retryable=True)
        if status >= 500:
            raise SourceError(f"Arrow: server error (HTTP {status}) after retries", retryable=True)
        snippet = " ".join(response.text[:120].split())
        raise SourceError(self._redact(transport, f"Arrow: unexpected answer (HTTP {status}): "
                                                  f"{snippet!r}"))

    def _redact(self, transport: Transport, text: str) -> str:
        for secret in self.secrets:
            if secret:
                for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                    text = text.replace(form, "***")
        return transport.redact(text)

    def _lookup(self, query: Query, parts: Sequence[ArrowPart]) -> Lookup:
        matched = match_parts(parts, query)
        if not matched:
            others = sorted({part.part_num for part in parts})
            message = "not found at Arrow"
            if others:
                shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
                message += f" (no exact match; Arrow lists {shown})"
            return Lookup(self.name, LookupStatus.NOT_FOUND, message=message, candidates=tuple(others))
        offers = tuple(offer for part in matched for offer in part.offers)
        makers: dict[object, str] = {}
        for part in matched:
            maker = part.mfr_name or part.mfr_cd
            if maker:
                makers.setdefault(maker_key(maker), maker)
        fits = not query.manufacturer or any(
            manufacturer_matches(query.manufacturer, part.mfr_name, part.mfr_cd) for part in matched
        )
        if len(makers) > 1:
            # Several different parts carry this exact number: never pick one silently.
            candidates = tuple(f"{matched[0].part_num} ({maker})" for maker in makers.values())
            message = (f"{len(makers)} manufacturers make a part numbered {matched[0].part_num}: "
                       + ", ".join(makers.values()))
            if query.manufacturer:
                message += f"; none is {query.manufacturer}"
            else:
                message += "; add the manufacturer to the BOM line"
            return Lookup(self.name, LookupStatus.AMBIGUOUS, offers=offers, message=message,
                          candidates=candidates)
        notes: list[str] = []
        if not fits and makers:
            notes.append(f"Arrow's {matched[0].part_num} is made by {next(iter(makers.values()))}")
        if not fits:
            notes.append(f"none is {query.manufacturer}")
        if not offers:
            notes.append("listed at Arrow without any offer")
        return Lookup(self.name, LookupStatus.FOUND, offers=offers, message="; ".join(notes))
