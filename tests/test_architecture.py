"""The design holds: module docstrings, and an import allowlist read from ARCHITECTURE.md's table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bomcheck"
MODULES = sorted(PACKAGE.rglob("*.py"))
VENDOR_WORDS = re.compile(r"(?<![a-z])(arrow|digi-?key|mouser|verical)(?![a-z])", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bomcheck_imports(path: Path) -> set[str]:
    """Every bomcheck module `path` imports (`from bomcheck.x import y` counts as bomcheck.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bomcheck"):
            if node.module == "bomcheck":  # from bomcheck import x: x is a module or a name of the package
                found.update(f"bomcheck.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bomcheck"))
    return found


def allowlist() -> dict[str, tuple[str, ...]]:
    """ARCHITECTURE.md's import table: module (or package) -> what it may import ('*': anything)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Import direction", 1)[1].split("\n## ", 1)[0]
    table: dict[str, tuple[str, ...]] = {}
    for row in re.findall(r"^\|(.+)\|(.+)\|\s*$", section, flags=re.M):
        owners, allowed = row
        names = re.findall(r"`([\w.]+)`", owners)
        if not names:
            continue  # the header row
        allowed = allowed.split("(")[0] if allowed.strip().startswith("—") else allowed
        if "anything" in allowed:
            may = ("*",)
        else:
            may = tuple(re.sub(r"\(.*?\)", "", allowed).replace("—", "").replace(" ", "").split(","))
            may = tuple(name for name in may if name)
        for name in names:
            table[name] = may
    return table


ALLOWED = allowlist()


def rule_for(name: str) -> tuple[str, tuple[str, ...]]:
    """The table's most specific row for a module: 'watch.folder' before 'watch'."""
    short = name.removeprefix("bomcheck.")
    candidates = [owner for owner in ALLOWED if short == owner or short.startswith(owner + ".")]
    assert candidates, f"{name} has no row in ARCHITECTURE.md's import table"
    owner = max(candidates, key=len)
    return owner, ALLOWED[owner]


def permitted(owner: str, may: tuple[str, ...], imported: str) -> bool:
    target = imported.removeprefix("bomcheck.")
    if "*" in may:
        return True
    top = owner.split(".")[0]
    if target == top or target.startswith(top + "."):  # its own package (bom.x may import bom.y)
        own_row_is_narrower = owner != top and rule_for(imported)[0] != owner
        # watch.folder is its own row: the rest of watch/ may use it, it may use nothing of watch/
        return not (owner != top and own_row_is_narrower)
    return any(target == allowed or target.startswith(allowed + ".") for allowed in may)


def test_the_table_is_read():
    assert ALLOWED["model"] == () and ALLOWED["pricing"] == ("model",)
    assert "distributors.source" in ALLOWED["lookups"] and ALLOWED["cli"] == ("*",)


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_every_module_opens_with_a_one_line_docstring(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    assert docstring, f"{path.name} has no docstring"
    assert docstring.splitlines()[0].strip(), f"{path.name}: the docstring's first line is empty"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_a_module_imports_only_what_the_table_allows(path):
    name = module_name(path)
    if name in ("bomcheck", "bomcheck.__main__"):
        return  # the package's own entry points
    owner, may = rule_for(name)
    bad = sorted(i for i in bomcheck_imports(path) if not permitted(owner, may, i))
    assert not bad, f"{name} ({owner!r} row) may not import {bad}"


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p).split(".")[1:2] != ["cli"]
                                  and module_name(p) != "bomcheck.__main__"], ids=module_name)
def test_nothing_imports_the_command_line(path):
    assert not {i for i in bomcheck_imports(path) if i.split(".")[:2] == ["bomcheck", "cli"]}


def test_a_rule_the_table_forbids_is_caught(tmp_path):
    assert not permitted("pricing", ALLOWED["pricing"], "bomcheck.distributors.http")
    assert not permitted("watch.folder", ALLOWED["watch.folder"], "bomcheck.watch.inbox")
    assert permitted("watch", ALLOWED["watch"], "bomcheck.watch.folder")
    assert permitted("lookups", ALLOWED["lookups"], "bomcheck.distributors.http")
    assert not permitted("lookups", ALLOWED["lookups"], "bomcheck.distributors.arrow")


# ARCHITECTURE.md: "config, output, logs and lookups never name a vendor" (a BOM's own columns
# of sellers' numbers, `digikey_pn` and the like, are data the reader reads, not vendor code).
VENDOR_FREE = ("config", "output", "lookups")
SELLER_NUMBER_ROLE = re.compile(r"^_?[a-z]+_pn$")


def vendor_free(path: Path) -> bool:
    name = module_name(path)
    if name in ("bomcheck", "bomcheck.__main__"):
        return False
    return rule_for(name)[0].split(".")[0] in VENDOR_FREE or name == "bomcheck.cli.logs"


@pytest.mark.parametrize("path", [p for p in MODULES if vendor_free(p)], ids=module_name)
def test_only_the_registry_distributors_and_sandbox_name_a_vendor_in_code(path):
    """Comments and docstrings may give examples; names, strings and logic may not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    named = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and id(node) not in docstrings
             and VENDOR_WORDS.search(node.value) and not SELLER_NUMBER_ROLE.match(node.value)]
    named += [node.id for node in ast.walk(tree)
              if isinstance(node, ast.Name) and VENDOR_WORDS.search(node.id)
              and not SELLER_NUMBER_ROLE.match(node.id)]
    assert not named, f"{module_name(path)} names a vendor: {named[:5]}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_nothing_but_the_error_boundary_decides_the_exit(path):
    """Commands raise; cli/app.py's group turns errors and interrupts into exit codes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in ("exit", "_exit")
             and isinstance(node.func.value, ast.Name) and node.func.value.id in ("sys", "os")]
    assert not calls, f"{path.name} calls sys.exit/os._exit at line {calls[0].lineno}"
