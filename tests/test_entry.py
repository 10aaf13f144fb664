"""`pestbot chat` reaches the console without loading Typer (issue 17: the console's start), and reads exactly
the options Typer declares for it; every other form is Typer's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from bot.cli import app
from bot.entry import CHAT_OPTIONS, chat_arguments

ROOT = Path(__file__).resolve().parent.parent


def test_the_fast_path_reads_exactly_the_options_typer_declares_for_chat():
    command = typer.main.get_command(app).commands["chat"]  # type: ignore[attr-defined]
    declared = {opt: param.name for param in command.params for opt in param.opts}
    assert declared == CHAT_OPTIONS


@pytest.mark.parametrize("argv, expected", [
    (["chat"], {}),
    (["chat", "--db", "x.db"], {"db": "x.db"}),
    (["chat", "--as", "sduijveman", "--config", "school.yaml", "--db", "x.db"],
     {"as_person": "sduijveman", "config": "school.yaml", "db": "x.db"}),
])
def test_chat_with_its_options_is_read_here(argv, expected):
    assert chat_arguments(argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["serve"], ["chat", "--help"], ["chat", "--db=x.db"], ["chat", "--db"], ["chat", "--db", "a", "--db", "b"],
    ["chat", "--wat", "x"], ["chat", "--db", "--as"], ["db", "upgrade"],
])
def test_every_other_form_goes_to_typer(argv):
    assert chat_arguments(argv) is None


def test_pestbot_chat_starts_the_console_without_typer(tmp_path: Path):
    script = ("import sys; from bot.entry import main; main(); "
              "print('typer loaded' if 'typer' in sys.modules else 'no typer')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, "chat", "--db", str(tmp_path / "p.db")], input="/stop\n",
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Je bent Jan de Vries" in done.stdout and done.stdout.rstrip().endswith("no typer")


def test_a_wrong_option_still_gets_typers_message(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "bot", "chat", "--wat", "x"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "--wat" in done.stderr
