"""OAuth for several workspaces, Socket Mode, and `pestbot serve` itself as a process."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.settings import SlackSettings
from bot.slack.socket_mode import handler
from flows.messages import Message
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.slack.harness import SECRET, USERS, Server

def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()


@pytest.fixture
def oauth_slack(wired, fake_slack):
    settings = SlackSettings(signing_secret=SECRET, client_id="111.222", client_secret="geheim", api_url=fake_slack.url)
    with Server(wired, fake_slack, settings) as server:
        yield server


def test_oauth_installs_into_the_installation_store_and_uses_its_token(oauth_slack):
    server, fake, engine = oauth_slack, oauth_slack.fake, oauth_slack.wired.engine
    assert server.notifier.notifiers[0].send("channel", "safety", Message(text="x")) is None  # nothing installed yet
    page = server.request("/slack/install", method="GET")
    assert page.status == 200 and "slack.com/oauth/v2/authorize" in page.body and "client_id=111.222" in page.body
    state = re.search(r"state=([\w-]+)", page.body)[1]
    assert count(engine, "oauth_nonces") == 1
    done = server.request(f"/slack/oauth_redirect?code=c0de&state={state}", method="GET",
                          headers={"Cookie": f"slack-app-oauth-state={state}"})
    assert done.status == 200 and fake.of("oauth.v2.access")[0].params["code"] == "c0de"
    assert count(engine, "slack_installs") == 1 and count(engine, "oauth_nonces") == 0
    before = fake.count()
    server.dm(USERS["jdevries"], "help")
    fake.settle(before)
    assert {c.token for c in fake.calls[before:] if c.method == "chat.postMessage"} == {"xoxb-installed"}
    assert server.notifier.send("channel", "safety", Message(text="x", case_id="C")).startswith("slack:1")
    assert fake.calls[-1].token == "xoxb-installed" and fake.calls[-1].params["channel"] == "C0SAFETY01"


def test_socket_mode_builds_its_handler_with_the_app_token_without_connecting(wired, fake_slack):
    settings = SlackSettings(bot_token="xoxb-test", app_token="xapp-1-A0PESTBOT1-test", api_url=fake_slack.url)
    socket_handler, bot = handler(wired, settings)
    assert socket_handler.app is bot.bolt and socket_handler.client.app_token == "xapp-1-A0PESTBOT1-test"
    assert socket_handler.client.web_client.base_url == fake_slack.url
    assert "apps.connections.open" not in [c.method for c in fake_slack.calls]
    with pytest.raises(ValueError, match="SLACK_APP_TOKEN"):
        handler(wired, SlackSettings(bot_token="xoxb-test", api_url=fake_slack.url))


def test_serve_socket_mode_without_an_app_token_stops_with_a_clear_message(tmp_path: Path, monkeypatch):
    from bot.cli import app

    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--socket-mode", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "SLACK_APP_TOKEN" in result.output


def test_serve_with_slack_unreachable_or_a_wrong_token_stops_with_a_dutch_message(tmp_path: Path, monkeypatch):
    """Bolt asks Slack who the token is (auth.test) while it starts: with Slack unreachable (a container
    whose network is not up yet) or a revoked token, `pestbot serve` stopped with a traceback."""
    import logging

    from bot.cli import app

    # An earlier test's `pestbot serve` may have pointed logging at its CliRunner's stream, closed since.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api/")  # nobody listens there
    for command in (["serve"], ["worker"]):
        result = CliRunner().invoke(app, [*command, "--db", str(tmp_path / "p.db")])
        assert result.exit_code == 2 and "Slack is niet bereikbaar" in result.output, result.output
        assert "Traceback" not in result.output
    with FakeSlack() as fake:
        fake.errors["auth.test"] = "invalid_auth"
        monkeypatch.setenv("SLACK_API_URL", fake.url)
        result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "SLACK_BOT_TOKEN" in result.output and "invalid_auth" in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_pestbot_serve_answers_slack_over_http(tmp_path: Path):
    port = free_port()
    with FakeSlack() as fake:
        env = {**os.environ, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
               "PESTBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PESTBOT_WORKER_INTERVAL": "0.2"}
        for name in ("SLACK_CLIENT_ID", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "PESTBOT_TEAMS_INSECURE_DEV"):
            env.pop(name, None)
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            server = Server.__new__(Server)
            server.url, server.fake, server.ids = f"http://127.0.0.1:{port}", fake, iter(range(1, 10**6))
            from slack_sdk.signature import SignatureVerifier

            server.verifier = SignatureVerifier(SECRET)
            for _ in range(100):
                try:
                    urllib.request.urlopen(server.url + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            assert server.request("/slack/events", "{}", {"Content-Type": "application/json"}).status == 401
            reply = server.signed('{"type":"url_verification","challenge":"c4"}', "application/json")
            assert reply.status == 200 and "c4" in reply.body
            before = fake.count()
            assert server.dm(USERS["jdevries"], "nieuw").status == 200
            fake.settle(before)
            assert any("Nieuwe zaak" in str(p.get("text")) for p in fake.posts()) and TEAM
        finally:
            process.terminate()
            process.wait(10)


def test_the_manifest_asks_for_what_the_code_uses():
    import yaml

    from bot.slack.oauth import SCOPES

    manifest = yaml.safe_load((Path(__file__).parents[2] / "bot" / "slack" / "manifest.yaml").read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == SCOPES
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened", "message.im"]
    assert manifest["features"]["slash_commands"][0]["command"] == "/pest"
    assert manifest["settings"]["interactivity"]["is_enabled"] and manifest["features"]["app_home"]["home_tab_enabled"]
