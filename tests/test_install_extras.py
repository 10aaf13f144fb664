"""Issue 15: the console demo installed ~60 packages (matplotlib and numpy for one chart; aiohttp, Bolt and
botbuilder that only the server uses). Now `pip install .` is the console, and `pip install '.[server]'`
adds Slack and Teams. These tests run the console in a process where the server's packages cannot be
imported, and check that the server commands then say what to install instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app as cli

ROOT = Path(__file__).resolve().parent.parent
SERVER_ONLY = ["aiohttp", "slack_bolt", "slack_sdk", "botbuilder", "botframework", "prometheus_client", "matplotlib",
               "numpy"]


def without_server(code: str) -> str:
    """A program that first makes the server's packages (and a plotting library) unimportable."""
    return textwrap.dedent(f"""
        import sys
        class Absent:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {SERVER_ONLY!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None
        sys.meta_path.insert(0, Absent())
    """) + textwrap.dedent(code)


def run(code: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", without_server(code)], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_the_console_demo_runs_without_the_server_packages(tmp_path):
    db = tmp_path / "demo.db"
    done = run(f"""
        sys.argv = ["pestbot", "chat", "--db", {str(db)!r}]
        from bot.cli import main
        main()
    """, stdin="nieuw\n2B\n/stop\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hoi Jan de Vries" in done.stdout and "klas" in done.stdout.lower()
    stats = run(f"""
        sys.argv = ["pestbot", "stats", "--as", "sduijveman", "--db", {str(db)!r}, "--out", {str(tmp_path)!r}]
        from bot.cli import main
        main()
    """)
    assert stats.returncode == 0, stats.stderr[-2000:]
    assert list(tmp_path.glob("pestbot-stats-*.svg"))


def test_serve_and_worker_name_the_extra_to_install(tmp_path):
    for command in ("serve", "worker"):
        done = run(f"""
            sys.argv = ["pestbot", {command!r}, "--db", {str(tmp_path / "x.db")!r}]
            from bot.cli import main
            main()
        """)
        assert done.returncode == 2, done.stderr[-2000:]
        assert "pip install 'pestbot[server]'" in done.stderr and "Traceback" not in done.stderr


def test_purge_without_the_server_packages_runs_unless_a_platform_is_set_up(tmp_path, monkeypatch):
    db = str(tmp_path / "p.db")
    purge = f"""
        sys.argv = ["pestbot", "purge", "--db", {db!r}]
        from bot.cli import main
        main()
    """
    done = run(purge)
    assert done.returncode == 0 and "Bewaartermijn" in done.stdout, done.stderr[-2000:]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    refused = run(purge)
    assert refused.returncode == 2 and "pestbot[server]" in refused.stderr


def test_with_the_server_packages_the_server_commands_do_not_refuse(database_url):
    # In this test environment the extra is installed: `pestbot worker --help` and the check itself pass.
    from bot.cli_support import server_installed

    assert server_installed()
    assert CliRunner().invoke(cli, ["worker", "--help"]).exit_code == 0
