"""The languages a school offers, as data: each one a words file found by its code, and the default.

A school names its languages in its config (`languages: [nl, en, pl]`): a bare code is a words file Pestbot
ships (flows/content/<code>.yaml); a path (`./talen/de.yaml`, relative to the config) is a words file of the
school's own, its code the file's name. Without `languages:`, a school offers the default and every language
its protocol has words for (flows/protocols/<name>/<code>.yaml). Whatever a words file leaves out is said in
the default language: its words are the base every other language is laid over.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale, localedata

DEFAULT_LANGUAGE = "nl"
# ISO 639-1, two lowercase letters: what a conversation keeps (storage/tables.py, `language` is two long) and
# what babel writes dates in.
CODE = r"^[a-z]{2}$"
# Sections whose entries are replaced whole (a question's label, prompt and hint belong together); in the
# others every entry, and every option of a question, falls back on its own.
WHOLE = {"questions"}


def own_file(entry: str) -> bool:
    """A path to a words file of the school's own (`./talen/de.yaml`), not a shipped language's code."""
    return "/" in entry or entry.endswith(".yaml")


def code_of(entry: str) -> str:
    return Path(entry).stem if own_file(entry) else entry


def shipped_languages() -> list[str]:
    """The codes of the words files Pestbot ships, in alphabetical order."""
    folder = resources.files("flows").joinpath("content")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def known_code(code: str) -> bool:
    """A language babel can write dates and month names in."""
    return localedata.exists(code)


def entry_problem(entry: str) -> str | None:
    """What is wrong with one entry of `languages:`, in Dutch; None when it is a code or a words file's path."""
    if re.fullmatch(CODE, code_of(entry)):
        return None
    return (f"'{entry}' is geen taal: geef een taalcode van twee letters (zoals pl) of een eigen woordenbestand "
            "dat zo heet (zoals ./talen/pl.yaml)")


def language_name(code: str) -> str:
    """The language's name in itself, as a reader of it recognises it: Nederlands, English, Polski."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@cache
def _names(codes: tuple[str, ...]) -> dict[str, str]:
    named: dict[str, str] = {}
    for code in codes:
        named[code] = code
        for reader in codes:
            named.setdefault((Locale.parse(code).get_display_name(reader) or code).lower(), code)
    return named


def named(word: str, codes: tuple[str, ...]) -> str | None:
    """The code of the offered language `word` names: its code, or its name in any offered language
    ('pl', 'polski', 'Pools', 'Polish' when Dutch, English and Polish are offered)."""
    return _names(codes).get(" ".join(word.lower().split()))


def merge(base: dict[str, Any], own: dict[str, Any], whole: bool = False) -> tuple[dict[str, Any], int, int]:
    """`own` laid over `base`: the merged words, how many of them came from `base`, and how many there are.
    A dict is a section to merge into, unless `whole` says its entries are words in themselves."""
    merged: dict[str, Any] = {}
    fell = total = 0
    for key, value in base.items():
        if isinstance(value, dict) and not whole:
            merged[key], f, t = merge(value, own.get(key) or {}, key in WHOLE)
            fell, total = fell + f, total + t
        else:
            merged[key] = own.get(key, value)
            fell, total = fell + (key not in own), total + 1
    return {**merged, **{key: value for key, value in own.items() if key not in base}}, fell, total
