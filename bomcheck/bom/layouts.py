"""Saved column maps: the overrides a user gave once for a header layout, applied whenever it recurs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from bomcheck.bom.cells import CellValue, text
from bomcheck.bom.names import header_key
from bomcheck.errors import BomError

Layouts = Mapping[str, Mapping[str, str]]  # layout key -> role -> header text


def layout_key(header_cells: Sequence[CellValue]) -> str:
    """A short fingerprint of a header row: its header texts in order, case and punctuation aside."""
    keys = [header_key(text(value) or "") for value in header_cells]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256("|".join(keys).encode("utf-8")).hexdigest()[:16]


def load_layouts(path: Path) -> dict[str, dict[str, str]]:
    """The saved layouts in `path` ({} when there is no file yet)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise BomError(f"cannot read the saved column maps in {path} ({exc}); fix or delete it") from exc
    layouts = data.get("layouts", {}) if isinstance(data, dict) else {}
    return {key: {role: str(header) for role, header in entry.get("columns", {}).items()}
            for key, entry in layouts.items() if isinstance(entry, dict)}


def with_layout(path: Path, key: str, header: Sequence[CellValue], columns: Mapping[str, str]) -> str:
    """The JSON text of the layouts file at `path` with `columns` saved for layout `key`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("layouts", {})[key] = {
        "header": [text(value) or "" for value in header],
        "columns": dict(columns),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def without_layout(path: Path, key: str) -> str | None:
    """The JSON text of the layouts file at `path` without layout `key`; None when it is not there."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    layouts = data.get("layouts") if isinstance(data, dict) else None
    if not isinstance(layouts, dict) or key not in layouts:
        return None
    del layouts[key]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
