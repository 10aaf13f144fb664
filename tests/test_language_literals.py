"""Languages are data (issue 18): no module in bot/, flows/ or storage/ names a language of the shipped words
files as a literal (`"en"`, `Literal["nl", "en"]`, a pattern `(nl|en)`, `lang="en"` in a page, `locale='nl'`),
except where the default is defined. Adding a language is adding a words file and naming it in the config.

Read from the syntax tree: string constants (f-string parts too), not comments, not docstrings, and not Dutch
sentences that say "en" (and).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "en")  # the codes Pestbot shipped as literals before issue 18
ALLOWED = {("flows/languages.py", "DEFAULT_LANGUAGE")}  # the default, defined once
CODE = "|".join(LANGUAGES)
IN_TEXT = re.compile(rf"(?<![\w-])({CODE})\||\|({CODE})(?![\w-])"  # an alternation in a pattern
                     rf"|\b(lang|locale|language)\s*[=:]\s*\\?[\"']?({CODE})\b")  # an attribute or argument


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of string constants that stand alone as a statement (docstrings and the like)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def assigned_names(tree: ast.AST) -> dict[int, str]:
    """A constant's id → the name it is assigned to (`DEFAULT_LANGUAGE = "nl"`)."""
    names: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[id(node.value)] = target.id
    return names


def language_literals(source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    skip, names = docstrings(tree), assigned_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in skip:
            continue
        named = node.value in LANGUAGES or IN_TEXT.search(node.value)
        if named and (where, names.get(id(node))) not in ALLOWED:
            found.append((node.lineno, node.col_offset, f"{where}:{node.lineno}: {node.value[:60]!r}"))
    return [said for _, _, said in sorted(found)]


def test_no_module_names_a_language_except_the_default():
    found = []
    for package in ("bot", "flows", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            found += language_literals(path.read_text(encoding="utf-8"), where)
    assert not found, "talen als letterlijke tekst in de code (hoort in de config en de woordenbestanden):\n" + \
        "\n".join(found)


def test_the_default_is_defined_where_the_allow_list_says():
    source = (ROOT / "flows" / "languages.py").read_text(encoding="utf-8")
    assert re.search(r'(?m)^DEFAULT_LANGUAGE(: \w+)? = "nl"', source)


# --- the checker itself --------------------------------------------------------------------------------------


def test_the_checker_finds_each_way_a_language_was_named():
    source = '''
from typing import Literal
LANGUAGES = ("nl", "en")
class Texts:
    language: Literal["nl", "en"]
SHAPE = r"(nl|en)[a-z]*"
PATTERN = r"^(nl|en)$"
def page(text):
    return f'<html lang="nl"><p lang=\\"en\\">{text}</p>'
def when(moment):
    return format_datetime(moment, locale='nl')
'''
    found = language_literals(source, "example.py")
    assert [line.split(":")[1] for line in found] == ["3", "3", "5", "5", "6", "7", "9", "11"], found


def test_the_checker_leaves_docstrings_dutch_sentences_and_the_default_alone():
    source = '''
"""The person's language: their own choice ('taal en'), else the config's."""
DEFAULT_LANGUAGE = "nl"
MESSAGE = "Slack en Teams zijn er allebei; typ 'taal' en een taal."
def f(x):
    """`taal en` switches."""
    return {"nlp": x, "enable": x, "en-route": x}
'''
    assert language_literals(source, "flows/languages.py") == []
    assert language_literals(source, "flows/other.py") == ["flows/other.py:3: 'nl'"]
