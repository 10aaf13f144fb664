"""The `pestbot` program's entry: `pestbot chat` with only the options it declares starts the console without
loading Typer (bot/cli.py); everything else, `--help` and any form this does not recognise, goes to Typer.

Issue 17 asks the console to reach its first prompt within twice the time of importing SQLAlchemy; Typer and
Click are 40 ms of it. The options stay declared once, in bot/cli.py; a test checks that the forms read here
are exactly the options Typer declares for `chat`.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHAT_OPTIONS = {"--as": "as_person", "--db": "db", "--config": "config"}


def chat_arguments(argv: list[str]) -> dict[str, str] | None:
    """`chat [--as X] [--db X] [--config X]` as keyword arguments; None for anything else."""
    if argv[:1] != ["chat"] or len(argv) % 2 == 0:
        return None
    found: dict[str, str] = {}
    for option, value in zip(argv[1::2], argv[2::2], strict=True):
        name = CHAT_OPTIONS.get(option)
        if name is None or name in found or value.startswith("-"):
            return None
        found[name] = value
    return found


def main() -> None:
    arguments = chat_arguments(sys.argv[1:])
    if arguments is None:
        from bot.cli import main as typer_main

        typer_main()
        return
    from bot.cli_support import chat

    config = arguments.get("config")
    chat(arguments.get("as_person"), arguments.get("db"), Path(config) if config else None)
