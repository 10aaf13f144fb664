"""Issue 15: PESTBOT_LOG_LEVEL was read and never applied; nothing configured logging. Now `pestbot serve` and
`pestbot worker` log at the level and in the format (text or JSON lines) the operator sets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(tmp_path: Path, **env: str) -> tuple[int, str]:
    port = free_port()
    environment = {**os.environ, "PESTBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                   "PESTBOT_TEAMS_INSECURE_DEV": "1", "MICROSOFT_APP_TENANT_ID": "tenant-voorbeeldschool", **env}
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID",
                 "MICROSOFT_APP_PASSWORD", "PESTBOT_ENCRYPTION_KEY"):
        environment.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], env=environment,
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?secret=zzz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    return process.returncode, err


def test_serve_logs_json_lines_at_the_level_set_and_no_query_strings(tmp_path):
    _, err = serve(tmp_path, PESTBOT_LOG_LEVEL="INFO", PESTBOT_LOG_FORMAT="json")
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "aiohttp.access" and "/healthz" in line["message"] for line in lines), err[-2000:]
    assert all({"at", "level", "logger", "message"} <= set(line) for line in lines)
    assert "zzz" not in err  # the query string is not logged


def test_the_default_level_keeps_the_log_quiet(tmp_path):
    _, err = serve(tmp_path)
    assert "aiohttp.access" not in err and "/healthz" not in err
