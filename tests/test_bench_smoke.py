"""The benchmark scripts run, on a tiny size, so that they cannot rot. Their figures are not checked here."""

from __future__ import annotations

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
