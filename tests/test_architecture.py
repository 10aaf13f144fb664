"""The layers of DESIGN.md, enforced: what each package may import, and how long a module may grow.

flows/   the standard library, transitions, pydantic, babel, yaml and flows itself; never an SDK,
         SQLAlchemy, a web framework, storage or bot.
storage/ the standard library, flows, sqlalchemy (Core: not its ORM), alembic and storage itself.
bot/     everything.

Within flows/, every module stands on a floor and imports only from its own floor or below:
domain (the protocol, the content, the model, and how they read), conversation (one turn: the router
above the commands and the engine), use cases (one transaction per input, the queries) and delivery
(reminders and the outbox). And nowhere in bot/, flows/ or storage/ do modules import each other in a
circle, counting imports inside functions too.
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
FLOORS = {
    "domain": {"yamlsource", "calendar", "conditions", "messages", "protocol_spec", "protocol_checks", "protocol",
               "model", "content", "school", "access", "questions", "answers", "students", "ports", "render",
               "effects", "stats", "registration", "dossier", "overview", "retention", "staff", "holidays",
               "languages"},
    "conversation": {"turn", "phases", "engine", "casecommands", "commands", "router"},
    "use cases": {"queries", "services", "receipts"},
    "delivery": {"reminders", "delivery"},
}


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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (`from flows import render` counts as flows.render)."""
    paths = {module_name(p): p for package in ("bot", "flows", "storage") for p in modules(package)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[:len(here) - node.level + 1] + [node.module or ""]).strip(".") \
                    if node.level else node.module or ""
                named |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        found = set()
        for target in named:
            while target and target not in paths:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
        graph[name] = found
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_in_a_circle():
    found = circles(import_graph())
    assert not found, "modules die elkaar in een kring importeren:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_every_flows_module_stands_on_a_floor():
    named = {m for floor in FLOORS.values() for m in floor}
    here = {p.stem for p in modules("flows") if p.stem != "__init__"}
    assert here - named == set(), f"modules zonder verdieping in FLOORS: {sorted(here - named)}"
    assert named - here == set(), f"verdiepingen noemen modules die er niet zijn: {sorted(named - here)}"


def test_flows_imports_only_from_its_floor_or_below():
    level = {f"flows.{m}": n for n, floor in enumerate(FLOORS.values()) for m in floor}
    names = list(FLOORS)
    bad = [f"{module} ({names[level[module]]}) importeert {other} ({names[level[other]]})"
           for module, others in import_graph().items() if module in level
           for other in others if other in level and level[other] > level[module]]
    assert not bad, "flows/ importeert van een hogere verdieping:\n" + "\n".join(sorted(bad))


def test_one_persistence_path_without_the_orm():
    """Storage reads and writes plain objects with Core statements (issue 17): nothing maps or opens an ORM
    session, so there is no second path beside it and the console does not pay for importing it."""
    found = []
    for package in ("bot", "flows", "storage"):
        for path in modules(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.startswith("sqlalchemy.orm")]
    assert found == []


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


def test_the_circle_finder_finds_a_circle_and_only_that():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


# --- adapters of one shape ---------------------------------------------------------------------------------

ROLES = ("http", "inbound", "listeners", "render", "notify", "identity")  # docs/platforms.md says what each does


def platform_folders() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "bot").glob("*/http.py"))


def test_every_platform_folder_has_the_same_files_for_the_same_roles():
    folders = platform_folders()
    assert {p.name for p in folders} >= {"slack", "teams"}
    missing = [f"bot/{folder.name}/{role}.py" for folder in folders for role in ROLES
               if not (folder / f"{role}.py").is_file()]
    assert not missing, "platformmappen zonder hun vaste bestanden:\n" + "\n".join(missing)


def test_the_adapters_roles_touch_no_storage():
    bad = [f"{folder.name}/{role}.py:{line}: {name}" for folder in platform_folders() for role in ROLES
           for line, name in imports(folder / f"{role}.py", "bot") if name in ("storage", "sqlalchemy")]
    assert not bad, "een adapter leest of schrijft zelf de database:\n" + "\n".join(bad)
