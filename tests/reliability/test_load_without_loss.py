"""The benchmark's load run at a smaller size, as a test: 10 mentors walking whole cases over HTTP with
signed requests (some redelivered), on SQLite and on PostgreSQL; every effect counted in the fake Slack
API exactly once. Only our server's run (`--check`): the bare-Bolt references of the benchmark measure
speed, which is not this test's business."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def load(*extra: str) -> str:
    result = subprocess.run([sys.executable, "bench/slack_load.py", "--mentors", "10", "--seconds", "6",
                             "--max-requests", "1500", "--check", *extra],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_load_over_http_on_sqlite_loses_and_doubles_nothing():
    out = load()
    assert "| errors under load | 0 |" in out
    assert "| posts lost / doubled (fake Slack API) | 0 / 0 |" in out


def test_load_over_http_on_postgresql_loses_and_doubles_nothing(pg_schema_url):
    out = load("--postgres")
    assert "| errors under load | 0 |" in out
    assert "| posts lost / doubled (fake Slack API) | 0 / 0 |" in out
