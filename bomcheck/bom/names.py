"""Header names to roles: the alias table matched loosely, then patterns for the names it does not list."""

from __future__ import annotations

import re
import unicodedata

from bomcheck.bom.aliases import COLUMN_ALIASES
from bomcheck.bom.cells import DASHES, CellValue

# Names the alias table does not list, as (role, rank, pattern) tried in order on the folded header.
# Ranks place them among the aliases: a per-board quantity beats a plain one, a plain one an order one.
_QTY_WORD = (r"((qty|qt[éeà]|q\.\s*t[àa]|quan|quant|quantity|quantit[éeàa]|cant|cantidad|menge|anzahl|stück|"
             r"stückzahl|ilo[sś][cć]|szt|pcs|count|nombre)(?![a-zäöüß])|st\.|кол|数量|用量|個数|개수|수량)")
_PER_BOARD = (r"((per|pro|por|par|na|/)\s*(board|pcb|set|unit|assembly|platine|leiterplatte|placa|carte|"
              r"płytk)|"
              r"单块板|单板|每板|单套|每套|基板1枚|1枚あたり|1세트)")
_ORDER = (r"(order|purchase|buy|total|gesamt|ordine|pedido|zamów|заказ|需求|购买|采购|订购|总|lot\b|lote|"
          r"build)")
_DECOY = r"(avail|stock|price|cost|preis|moq|lead|on ?hand|€|\$)"
_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = tuple(
    (role, rank, re.compile(pattern, re.IGNORECASE)) for role, rank, pattern in (
        ("qty", 0, rf"^(?!.*{_DECOY}).*{_QTY_WORD}.*{_PER_BOARD}|^(?!.*{_DECOY}).*{_PER_BOARD}.*{_QTY_WORD}"),
        ("order_qty", 50, rf"^(?!.*{_DECOY}).*({_QTY_WORD}.*{_ORDER}|{_ORDER}.*{_QTY_WORD})"),
        ("qty", 50, rf"^(?!.*{_DECOY})\W*{_QTY_WORD}"),
        ("refdes", 50, r"designator|^ref\.?\s*des|位号|部品番号|позиц"),
        ("mpn", 50, r"(manufacturer|manuf|mfr|mfg|maker|hersteller|fabricant|fabricante|produttore|producent|"
                    r"производител|メーカー|制造商|厂商|厂家|제조사).*(part|p/?n|\bno\b|nr|number|#|ref|code|teil|"
                    r"artikel|品番|型号|型番|番号|номер)"),
        ("dnp", 50, r"^(place|fitted|populate|mount|assy|bestück|install|实装|実装|贴片)"),
        ("description", 5, r"descr|beschreib|описан|描述|説明|설명"),
    ))


def header_key(header: str) -> str:
    """Header text reduced to what matching looks at: lower-case letters, digits and '#'."""
    folded = unicodedata.normalize("NFKC", header).translate(DASHES).lower()
    return re.sub(r"[^\w#]|_", "", folded)


def _build_alias_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for role, aliases in COLUMN_ALIASES.items():
        for rank, alias in enumerate(aliases):
            key = header_key(alias)
            if key in index and index[key][0] != role:
                raise AssertionError(f"alias {alias!r} is listed for two roles")
            index.setdefault(key, (role, rank))
    return index


_ALIAS_INDEX = _build_alias_index()


def key_variants(header: str) -> list[str]:
    """A header's key, then the key without a trailing number ("MPN1" -> "mpn")."""
    key = header_key(header)
    stripped = key.rstrip("0123456789")
    return [key, stripped] if stripped and stripped != key else [key]


def header_role(value: CellValue) -> tuple[str, int] | None:
    """The (role, rank) a header cell stands for, or None; rank 0 is the role's best alias."""
    if not isinstance(value, str):
        return None
    for key in key_variants(value):
        if key in _ALIAS_INDEX:
            return _ALIAS_INDEX[key]
    folded = " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
    for role, rank, pattern in _PATTERNS:
        if pattern.search(folded):
            return role, rank
    return None


def is_alias(value: CellValue, names: tuple[str, ...]) -> bool:
    """Whether a header is one of `names` (as the alias table matches them)."""
    keys = {header_key(name) for name in names}
    return isinstance(value, str) and any(key in keys for key in key_variants(value))
