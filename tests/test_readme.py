"""The README tells the truth: its diagram is the machine's, its test command is CI's."""

from __future__ import annotations

import re
from pathlib import Path

from flows.content import load_protocol
from flows.protocol import diagram

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_embeds_the_current_diagram():
    block = re.search(r"```mermaid\n(.*?)```", README, re.S)
    assert block is not None, "README has no mermaid block"
    assert block.group(1) == diagram(load_protocol("vo")), "README's diagram differs from `pestbot diagram`: paste it"


def test_docs_show_both_shipped_protocols_as_they_are():
    text = (ROOT / "docs" / "protocols.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    assert blocks == [diagram(load_protocol("vo")), diagram(load_protocol("po"))], (
        "docs/protocols.md differs from `pestbot diagram --protocol vo` / `--protocol po`: paste their output")


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    start = README.index("## Quick start")
    commands = re.findall(r"```sh\n(.*?)\n```", README[start:README.index("\n## ", start + 5)], re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].endswith("pestbot chat") and commands[1].endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
