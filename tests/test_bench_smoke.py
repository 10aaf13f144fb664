"""The benchmark scripts run, on a tiny size, so that they cannot rot. Their figures are not checked here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_reminders_benchmark_runs_on_a_tiny_size(pg_schema_url):
    result = subprocess.run([sys.executable, "bench/reminders.py", "--cases", "300", "--due", "60", "--latency", "0.001",
                             "--no-write"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| deliveries per second, 2 workers" in result.stdout
    assert "| messages delivered twice | 0 |" in result.stdout


def _run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args, "--no-write"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_slack_step_benchmark_runs_on_a_tiny_size():
    out = _run("bench/slack_step.py", "--requests", "10", "--mentors", "5")
    assert "| Slack click in process, CPU with the posting after the ack, median |" in out and "(bare Bolt)" in out


@pytest.mark.slow
def test_turn_floor_benchmark_runs_on_a_tiny_size():
    out = _run("bench/turn_floor.py", "--turns", "5", "--mentors", "3")
    assert "| A click's turn through the services, SQLite file, median |" in out
    assert "| A click's turn through the services, PostgreSQL, median |" in out
    assert "(the same statements through the driver)" in out


@pytest.mark.slow
def test_slack_load_benchmark_runs_on_a_tiny_size():
    out = _run("bench/slack_load.py", "--mentors", "3", "--seconds", "1", "--max-requests", "200", "--rates", "4")
    assert "| Slack steps per second, 3 mentors over HTTP |" in out
    assert "| server CPU per request, closed loop (OS: user + system, the worker's included) |" in out
    assert "| Slack open loop at 4 steps/s over HTTP, p50 / p99 |" in out
    assert re.search(r"\| … at 4 steps/s: [^|]*\| [0-9.]+/s, \d+, 0, 0 / 0, ", out), out  # no error, lost or doubled
    assert "| errors under load | 0 |" in out
    assert "| posts lost / doubled (fake Slack API) | 0 / 0 |" in out


@pytest.mark.slow
def test_teams_step_benchmark_runs_on_a_tiny_size():
    out = _run("bench/teams_step.py", "--requests", "10", "--mentors", "5")
    assert "| Teams step, median |" in out and "(bare botbuilder, clients kept)" in out
    assert "| Teams step, against botbuilder as it ships, median |" in out and "(bare botbuilder)" in out


@pytest.mark.slow
def test_growth_benchmark_runs_on_a_tiny_size_on_sqlite():
    out = _run("bench/growth.py", "--sizes", "10,200", "--requests", "10", "--mentors", "5", "--databases", "sqlite")
    assert "| Slack step, SQLite, 10 cases" in out and "| Slack step, SQLite, 200 cases" in out


@pytest.mark.slow
def test_growth_benchmark_runs_on_a_tiny_size_on_postgresql(pg_schema_url):
    out = _run("bench/growth.py", "--sizes", "10,200", "--requests", "10", "--mentors", "5",
               "--databases", "postgresql")
    assert "| Slack step, PostgreSQL, 200 cases" in out


@pytest.mark.slow
def test_footprint_benchmark_runs_on_a_tiny_size():
    out = _run("bench/footprint.py", "--starts", "1", "--mentors", "2", "--seconds", "1", "--max-requests", "100")
    assert "| `pestbot chat` start to first prompt (median) |" in out
    assert "| `pestbot serve` resident memory, idle |" in out and "resident memory, after the load" in out


def test_run_names_every_benchmark_script():
    from bench.run import SCRIPTS

    assert sorted(SCRIPTS) == sorted(p.stem for p in (ROOT / "bench").glob("*.py")
                                     if p.stem not in ("__init__", "report", "common", "run", "bare_server",
                                                       "load_client", "calibration", "fake_slack_process"))


@pytest.mark.slow
def test_install_benchmark_runs_one_install_of_the_console_demo():
    out = _run("bench/install.py", "--rounds", "1", "--only", "now")
    assert "| console demo: install time (venv + pip install) |" in out
    assert "| console demo: packages installed | 28 |" in out  # the README says 28

