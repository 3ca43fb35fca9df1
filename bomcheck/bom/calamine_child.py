"""Read .xls/.ods with calamine in a child process under memory and time limits, so a damaged file
can neither abort bomcheck (calamine may try to allocate tens of GB) nor print a Rust backtrace."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bomcheck.bom.cells import MAX_CELLS, MAX_ROWS, MAX_WORKBOOK_CELLS, plain_value
from bomcheck.errors import BomError

log = logging.getLogger(__name__)
CHILD_MEMORY_BYTES = 2 * 1024**3  # address space of the child; ample for any real BOM
CHILD_TIMEOUT_S = 60.0

# `python -c` puts the working directory first on sys.path: a user's inspect.py or json.py there
# would shadow the standard library (or a bomcheck/ folder this package), so the child drops it.
_CHILD_CODE = ("import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
               "from bomcheck.bom.calamine_child import main; sys.exit(main(sys.argv))")
# (sheet name, rows, merged ranges as ((row, col), (last row, last col)) 0-based)
ChildSheet = tuple[str, list[list[Any]], list[tuple[tuple[int, int], tuple[int, int]]]]


def read_in_child(path: Path, sheet: str | None, kind: str) -> tuple[list[str], list[ChildSheet]]:
    """(every sheet name, the sheets read: all, or only `sheet` if it exists) from a child process."""
    command = [sys.executable, "-c", _CHILD_CODE, str(path), sheet or "", "1" if sheet is not None else ""]
    # The child imports bomcheck from where this process found it, installed or not.
    here = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                              timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise BomError(f"could not read {path.name}: reading it took longer than {CHILD_TIMEOUT_S:.0f} s; "
                       f"the {kind} is damaged or far larger than a BOM") from None
    except OSError as exc:
        raise BomError(f"could not read {path.name}: the {kind} reader did not start ({exc})") from None
    try:
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if done.returncode != 0 or done.stderr:
        head = done.stderr.decode("utf-8", "replace").strip().splitlines()[:2]  # panic or failed alloc
        log.debug("calamine child for %s: exit %s; %s", path.name, done.returncode, " | ".join(head))
    if not isinstance(answer, dict):  # crashed, aborted, killed at the memory limit: stderr is not the user's
        raise BomError(f"could not read {path.name}: the {kind} is damaged or not a spreadsheet; open it in "
                       "its program and save it again")
    if "error" in answer:
        raise BomError(str(answer["error"]).replace("{name}", path.name))
    return list(answer["names"]), [(name, rows, [(tuple(a), tuple(b)) for a, b in merged])
                                   for name, rows, merged in answer["sheets"]]


# ---------------------------------------------------------------- the child


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on this platform (Windows): the timeout still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = CHILD_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(CHILD_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read(path: str, sheet: str | None, kind: str) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    try:
        try:
            with open(path, "rb") as handle:  # by content, not extension: renamed files read too
                workbook = CalamineWorkbook.from_filelike(handle)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            # Guessing the format hides the real reason ("Cannot detect file format" for an .ods
            # over calamine's cell limit); reading by the file's extension tells it.
            workbook = CalamineWorkbook.from_path(path)
        names = list(workbook.sheet_names)
    except BaseException as exc:  # calamine's own error types, and panics of its Rust code
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return {"error": _unreadable(exc, kind)}
    sheets = []
    workbook_cells = 0
    for name in names if sheet is None else [n for n in names if n == sheet]:
        try:
            worksheet = workbook.get_sheet_by_name(name)
            rows = worksheet.to_python(skip_empty_area=False)
            merged = getattr(worksheet, "merged_cell_ranges", None) or []
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            if _over_limit(exc):
                return {"error": _unreadable(exc, kind)}
            return {"error": f"{{name}}: sheet {name!r} is not readable ({first_line(exc)})"}
        if len(rows) > MAX_ROWS:
            return {"error": f"{{name}} is refused: sheet {name!r} has {len(rows):,} rows, more than the "
                             f"{MAX_ROWS:,} bomcheck reads; delete the rows below the BOM or split it"}
        grid = [[plain_value(value) for value in row] for row in rows]
        filled = sum(1 for row in grid for value in row if value is not None)
        if filled > MAX_CELLS:
            return {"error": f"{{name}} is refused: sheet {name!r} has more than {MAX_CELLS:,} cells, the "
                             "most bomcheck reads; delete what is not the BOM or split it"}
        workbook_cells += filled
        if workbook_cells > MAX_WORKBOOK_CELLS:
            return {"error": f"{{name}} is refused: its sheets together have more than "
                             f"{MAX_WORKBOOK_CELLS:,} cells, the most bomcheck reads per workbook; delete "
                             "the sheets that are not the BOM or save the BOM sheet alone"}
        sheets.append((name, grid, [list(pair) for pair in merged]))
    return {"names": names, "sheets": sheets}


def _over_limit(exc: BaseException) -> bool:
    return "limit" in str(exc).lower()


def _unreadable(exc: BaseException, kind: str) -> str:
    if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return "{name} is password-protected; save an unprotected copy and check that"
    if _over_limit(exc):  # e.g. "Cell limit exceeded (17170464768 cells requested, max 100000000)"
        return (f"{{name}} is refused: it declares far more cells than a BOM ({first_line(exc)}); "
                "delete what is not the BOM or export the BOM as CSV")
    return f"{{name}} is not a readable {kind} ({first_line(exc)}); open it in its program and save it again"


def first_line(exc: BaseException) -> str:
    """An exception's first line, at most 200 characters, for a one-line error."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return message[:200]


def main(argv: list[str]) -> int:
    """The child's entry (argv: _, PATH, SHEET, "1" if SHEET is named): the sheets as JSON on stdout."""
    _limit_memory()
    path, sheet, named = argv[1], argv[2], argv[3] == "1"
    kind = "OpenDocument spreadsheet" if path.lower().endswith(".ods") else "Excel workbook"
    answer = _read(path, sheet if named else None, kind)
    sys.stdout.write(json.dumps(answer))
    return 0

