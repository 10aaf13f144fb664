"""Issue 15: nothing to deploy with. The deployment kit (Dockerfile, compose.yaml, deploy/) is tested here as
far as this machine allows: it has the Docker client but no engine, so the image is not built and compose
is not started. What runs: the image's entrypoint script itself (POSIX sh, with a stand-in `pestbot`),
the compose file against the real CLI and settings, the Dockerfile's sources, and the systemd units
through `systemd-analyze verify`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from bot.cli import app as cli
from bot.settings import ServerSettings, Settings, SlackSettings, TeamsSettings

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def cli_commands() -> set[str]:
    names = {c.name or c.callback.__name__.replace("_", "-") for c in cli.registered_commands}
    return names | {g.name for g in cli.registered_groups if g.name}


def setting_names() -> set[str]:
    names = set()
    for model in (Settings, ServerSettings, SlackSettings, TeamsSettings):
        names |= {model.env_name(name) for name in model.model_fields}
    return names


@pytest.fixture
def fake_pestbot(tmp_path):
    """A `pestbot` on PATH that records its arguments and the key it was given, one line per run."""
    record = tmp_path / "calls"
    fake = tmp_path / "bin" / "pestbot"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$* key=${{PESTBOT_ENCRYPTION_KEY:-}}" >> {record}\n'
                    '[ "$1" = purge ] && [ -n "${FAIL:-}" ] && exit 3\nexit 0\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return env, record


def entry(env: dict[str, str], *args: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_the_entrypoint_runs_a_pestbot_command_serve_by_default(fake_pestbot):
    env, record = fake_pestbot
    assert entry(env).returncode == 0
    assert entry(env, "worker").returncode == 0
    assert entry(env, "db", "upgrade").returncode == 0
    assert record.read_text().splitlines() == ["serve key=", "worker key=", "db upgrade key="]
    passed = entry(env, "sh", "-c", "echo anders")
    assert passed.returncode == 0 and passed.stdout == "anders\n"


def test_the_entrypoint_reads_secrets_from_files_and_refuses_an_unreadable_one(fake_pestbot, tmp_path):
    env, record = fake_pestbot
    key = tmp_path / "pestbot.key"
    key.write_text("c2xlY2h0LXZvb3JiZWVsZA==")
    assert entry({**env, "PESTBOT_ENCRYPTION_KEY_FILE": str(key)}, "serve").returncode == 0
    assert record.read_text().splitlines() == ["serve key=c2xlY2h0LXZvb3JiZWVsZA=="]
    missing = entry({**env, "PESTBOT_ENCRYPTION_KEY_FILE": str(tmp_path / "weg")}, "serve")
    assert missing.returncode == 2 and "niet te lezen" in missing.stderr and "weg" in missing.stderr
    assert len(record.read_text().splitlines()) == 1  # pestbot never started


def test_every_repeats_a_command_survives_its_failure_and_stops_on_sigterm(fake_pestbot):
    env, record = fake_pestbot
    process = subprocess.Popen(["sh", str(ENTRYPOINT), "every", "0.2", "purge"], env={**env, "FAIL": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while (not record.exists() or len(record.read_text().splitlines()) < 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=5)
    assert process.returncode == 0
    assert len(record.read_text().splitlines()) >= 3 and "pestbot purge is mislukt (exit 3)" in err
    assert entry(env, "every", "10").returncode == 2


def test_the_entrypoint_knows_exactly_the_cli_commands():
    listed = re.search(r"^  (serve \|.*)\)$", ENTRYPOINT.read_text(), re.M)
    assert listed is not None
    assert {c.strip() for c in listed.group(1).split("|")} == cli_commands()


def test_compose_runs_real_commands_with_real_settings():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    known = setting_names() | {"PESTBOT_ENCRYPTION_KEY_FILE"}
    ours = {name: s for name, s in services.items() if s.get("image") == "pestbot:latest"}
    assert set(ours) == {"migrate", "serve", "worker", "purge"}
    for name, service in ours.items():
        command = service["command"]
        first = command[2] if command[0] == "every" else command[0]
        assert first in cli_commands(), f"{name}: {command}"
        assert set(service["environment"]) <= known, f"{name}: {set(service['environment']) - known}"
        assert service["secrets"] == ["pestbot_key"] and "pestbot_key" in compose["secrets"]
        if name != "migrate":
            assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["serve"]["ports"] == ["127.0.0.1:3000:3000"]  # only the HTTPS front reaches it
    assert "ports" not in services["db"]  # PostgreSQL stays on the compose network
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert set(example) <= known


def test_the_dockerfile_copies_what_exists_installs_pinned_and_runs_as_a_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.M):
        *sources, _ = line.split()
        assert all((ROOT / s).exists() for s in sources), line
    assert "-c constraints.txt '.[server,postgres]'" in dockerfile
    assert re.search(r"^USER pestbot$", dockerfile, re.M) and 'ENTRYPOINT ["pestbot-entrypoint"]' in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "*.db.key" in ignored and ".venv" in ignored  # no demo key or environment in the image


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_systemd_units_verify(tmp_path):
    units = []
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        text = unit.read_text().replace("/opt/pestbot/bin/pestbot-entrypoint", str(ENTRYPOINT))
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr
