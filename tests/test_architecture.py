"""The design holds: module docstrings, and the import directions of the architecture."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bomcheck"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bomcheck_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bomcheck"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bomcheck"))
    return found


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_every_module_opens_with_a_one_line_docstring(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    assert docstring, f"{path.name} has no docstring"
    assert docstring.splitlines()[0].strip(), f"{path.name}: the docstring's first line is empty"


FORBIDDEN = {
    "bomcheck.model": ("bomcheck.",),  # stdlib only
    "bomcheck.errors": ("bomcheck.",),
    "bomcheck.pricing": ("bomcheck.distributors", "bomcheck.lookups.fanout", "bomcheck.check",
                         "bomcheck.output.workbook", "bomcheck.bom", "bomcheck.config"),
    "bomcheck.lookups.fanout": ("bomcheck.distributors.arrow", "bomcheck.distributors.digikey"),
    "bomcheck.check": ("bomcheck.distributors.arrow", "bomcheck.distributors.digikey",
                       "bomcheck.config", "bomcheck.runtime"),
    "bomcheck.bom": ("bomcheck.distributors", "bomcheck.pricing", "bomcheck.lookups.fanout"),
    "bomcheck.output.workbook": ("bomcheck.distributors", "bomcheck.pricing", "bomcheck.lookups.fanout"),
    "bomcheck.output.sheets": ("bomcheck.distributors", "bomcheck.pricing", "bomcheck.lookups.fanout", "bomcheck.check"),
    "bomcheck.watch.folder": ("bomcheck.bom", "bomcheck.check", "bomcheck.pricing", "bomcheck.distributors",
                       "bomcheck.output.workbook", "bomcheck.runtime"),  # knows nothing of BOMs
    # Distributors report offers; pricing chooses, and check/fanout drive them, never the reverse.
    "bomcheck.distributors": ("bomcheck.pricing", "bomcheck.check", "bomcheck.lookups.fanout", "bomcheck.bom",
                              "bomcheck.output.workbook", "bomcheck.output.sheets", "bomcheck.runtime", "bomcheck.config"),
}


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_follow_the_architecture(path):
    name = module_name(path)
    imports = bomcheck_imports(path)
    if name != "bomcheck.__main__":
        assert not {i for i in imports if i.split(".")[:2] == ["bomcheck", "cli"]}, f"{name} imports cli"
    # A rule for a package holds for every module inside it.
    rules = [prefix for owner, prefixes in FORBIDDEN.items()
             if name == owner or name.startswith(owner + ".") for prefix in prefixes]
    for prefix in rules:
        bad = sorted(i for i in imports if i.startswith(prefix))
        assert not bad, f"{name} must not import {bad}"
