"""The layers of DESIGN.md, enforced: what each package may import, and how long a module may grow.

flows/   the standard library, transitions, pydantic, babel, yaml and flows itself; never an SDK,
         SQLAlchemy, a web framework, storage or bot.
storage/ the standard library, flows, sqlalchemy, alembic and storage itself.
bot/     everything.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = frozenset(sys.stdlib_module_names)
ALLOWED = {
    "flows": STDLIB | {"flows", "transitions", "pydantic", "babel", "yaml"},
    "storage": STDLIB | {"storage", "flows", "sqlalchemy", "alembic"},
}
MAX_LINES = 400


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _dynamic_import(call: ast.Call) -> bool:
    """`importlib.import_module("x")` or `__import__("x")` with a literal name."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return (name in ("import_module", "__import__") and bool(call.args)
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str))


def imports(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, top-level module) for every import in the file, also those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside its own package
                found.append((node.lineno, package))
            elif node.module:
                found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return found


def forbidden_imports(package: str) -> list[str]:
    allowed = ALLOWED[package]
    return [f"{path.relative_to(ROOT)}:{line}: {name}"
            for path in modules(package)
            for line, name in imports(path, package)
            if name not in allowed and name != "__future__"]


@pytest.mark.parametrize("package", ["flows", "storage", "bot"])
def test_the_packages_have_modules(package):
    assert modules(package), f"geen modules gevonden onder {package}/"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_follow_the_layers(package):
    bad = forbidden_imports(package)
    assert not bad, f"{package}/ importeert wat het niet mag:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", ["flows", "storage", "bot"])
def test_modules_stay_small(package):
    long = [f"{path.relative_to(ROOT)}: {n} regels (max {MAX_LINES})"
            for path in modules(package)
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "te lange modules:\n" + "\n".join(long)


# --- the checker itself ------------------------------------------------------------------------------------


def test_the_checker_catches_forbidden_imports(tmp_path: Path):
    module = tmp_path / "example.py"
    module.write_text(
        "import json\n"
        "from slack_sdk import WebClient\n"
        "def later():\n"
        "    import sqlalchemy.orm\n"
        "    from storage.uow import X\n"
        "from . import sibling\n"
        "import importlib\n"
        "importlib.import_module('botbuilder.core')\n",
        encoding="utf-8",
    )
    found = sorted(imports(module, "flows"))
    assert found == [(1, "json"), (2, "slack_sdk"), (4, "sqlalchemy"), (5, "storage"), (6, "flows"),
                     (7, "importlib"), (8, "botbuilder")]
    assert [name for _, name in found if name not in ALLOWED["flows"]] == [
        "slack_sdk", "sqlalchemy", "storage", "botbuilder"]


@pytest.mark.parametrize("name", ["slack_bolt", "slack_sdk", "botbuilder", "sqlalchemy", "alembic", "aiohttp",
                                  "storage", "bot", "typer", "fastapi", "requests"])
def test_flows_may_not_import(name):
    assert name not in ALLOWED["flows"]


@pytest.mark.parametrize("name", ["slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "bot", "typer"])
def test_storage_may_not_import(name):
    assert name not in ALLOWED["storage"]
