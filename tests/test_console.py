"""The console chat, driven by a script through whole cases, as someone trying Pestbot would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.clock import OffsetClock
from bot.console import Console, KeyValue, parse_offset
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from tests.fakes import START
from tests.helpers import FASE1, FASE2, FASE3, INTAKE

ROOT = Path(__file__).resolve().parent.parent


def console_for(database_url: str, person: str = "jdevries") -> tuple[Console, list[str]]:
    clock = OffsetClock(source=lambda: START)  # a Tuesday in term time, 10:00
    wired = build(EXAMPLE_CONFIG, database_url, clock)
    output: list[str] = []
    return Console(wired.app, clock, person, KeyValue(wired.app.uow), write=output.append), output


def states(console: Console) -> list[str]:
    with console.app.uow() as uow:
        return [c.state for c in uow.cases.for_mentor("jdevries")]


def test_whole_case_then_a_second_case_closed_at_the_evaluation(database_url):
    console, output = console_for(database_url)
    console.run(INTAKE + FASE1 + FASE2)
    text = "\n".join(output)
    assert "[#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart" in text
    assert "Pestmelding in fase 2" in text and "Anna de Jong" not in text.split("[#sociale-veiligheid]")[1][:300]
    assert states(console) == ["monitoring2"]

    output.clear()
    console.step("/tijd +2d")
    assert "wordt er na 4 schoolweken nog steeds gepest?" not in "\n".join(output)
    # Four school weeks, as the README says and the evaluation counts them: the Christmas holiday does
    # not count, so from Thursday 26 November it is Thursday 7 January, past the evaluation (5 January).
    console.step("/tijd +4w")
    text = "\n".join(output)
    assert "donderdag 7-1-2027 10:00" in text
    assert "[tijd] Het is nu" in text
    assert "[bericht van Pestbot]" in text and "wordt er na 4 schoolweken nog steeds gepest?" in text
    assert "[1] ja   [2] nee" in text

    output.clear()
    for line in ["1", *FASE3]:
        console.step(line)
    text = "\n".join(output)
    assert "Fase 3 – de schoolleider stapt in" in text
    assert "[#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart" in text
    assert states(console) == ["monitoring3"]
    console.step("sluit het pesten is gestopt")
    assert states(console) == ["closed"]

    output.clear()
    for line in INTAKE + FASE1 + FASE2 + ["/tijd 09-02-2027 10:00", "nee"]:
        console.step(line)
    assert sorted(states(console)) == ["closed", "closed"]
    assert "Gesloten" in "\n".join(output)


def test_the_demo_clock_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    console, _ = console_for(url)
    console.step("/tijd +2w")  # two school weeks: fourteen days, more when a holiday falls in between
    again, _ = console_for(url)
    assert again.clock.offset == console.clock.offset and again.clock.offset.days >= 14


def test_bad_time_and_unknown_person_change_nothing(tmp_path):
    console, output = console_for(f"sqlite:///{tmp_path / 'demo.db'}")
    console.step("/tijd gisteren")
    console.step("/als niemand")
    assert console.clock.offset.total_seconds() == 0 and console.person_id == "jdevries"
    assert "niet verzet" in output[0] and "Onbekende persoon" in output[1]
    assert parse_offset("+4w") == (4, "w") and parse_offset("3d") == (3, "d") and parse_offset("x") is None
    console.step("/tijd 01-01-2020")  # the past: refused
    assert console.clock.offset.total_seconds() == 0 and "niet terug" in output[-1]


def _start(db: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "bot", "chat", "--db", str(db)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(proc: subprocess.Popen, needle: str, timeout: float = 20) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"did not see {needle!r}; got:\n{seen}")
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise AssertionError(f"process ended; got:\n{seen}")
        seen += line
    return seen


@pytest.mark.slow
def test_killed_mid_case_and_started_again_the_case_is_where_it_was(tmp_path):
    db = tmp_path / "pestbot.db"
    proc = _start(db)
    for line in INTAKE + FASE1[:5]:  # in the middle of the first agreement
        proc.stdin.write(line + "\n")
    proc.stdin.flush()
    _wait_for(proc, "Wat gebeurt er als de afspraak niet wordt nageleefd?")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    proc = _start(db)
    proc.stdin.write("Dan volgt een gesprek met de ouders (fase 3)\nstatus\n/stop\n")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=30)
    assert "Afspraak 1 vastgelegd" in out
    assert "Fase 1 – informatie en herstel" in out and "✓ 1. gesprek met de gepeste leerling" in out
    assert proc.returncode == 0
