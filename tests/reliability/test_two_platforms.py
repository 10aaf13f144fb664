"""Issue 15: with Slack and Teams both on, one failing platform re-posted the other. bot/notify.py marked the
whole send failed when any platform failed, so every retry posted to Slack again (4 Slack posts of one
message within 100 s). Now each platform's delivery is kept: a retry sends only where it did not arrive.

Both platforms through their real SDKs: the fake Slack Web API and the fake Bot Framework connector."""

from __future__ import annotations

from bot.server import NOTIFIER, create_web_app
from bot.settings import ServerSettings, SlackSettings
from bot.worker import sweep
from tests.helpers import FASE1, FASE2, INTAKE, Chat
from tests.slack.conftest import fake_slack  # noqa: F401 - fixture
from tests.slack.harness import SECRET
from tests.teams.conftest import (SAFETY, TENANT, Teams, _serve, connector, loop_thread,  # noqa: F401
                                  teams_settings)

SLACK_CHANNEL = "C0SAFETY01"


def test_slack_posts_each_message_once_while_teams_fails(wired, fake_slack, connector, loop_thread, clock):
    slack = SlackSettings(signing_secret=SECRET, bot_token="xoxb-test", api_url=fake_slack.url)
    web_app = create_web_app(wired, ServerSettings(), slack,
                             teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True, app_tenant_id=TENANT), run_worker=False)
    runner, port = loop_thread.run(_serve(web_app))
    try:
        teams = Teams(loop_thread, wired, connector, web_app, port)
        assert teams.install_team() in (200, 201)
        Chat(wired.app).script(INTAKE + FASE1 + FASE2)  # fase 2: the summary for the team, on both platforms
        connector.failing_posts = 10**6  # Teams is down
        for _ in range(4):
            sweep(wired.app, web_app[NOTIFIER])
            clock.advance(minutes=90)  # past every backoff
        slack_posts = [c for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == SLACK_CHANNEL]
        assert len(slack_posts) == 1  # once, not once per retry
        [row] = [r for r in teams.rows("outbox") if r["target_kind"] == "channel"]
        assert row["status"] == "pending" and row["failures"] == 4 and row["platform_message_id"].startswith("slack:")

        connector.failing_posts = 0  # Teams is back
        sweep(wired.app, web_app[NOTIFIER])
        assert len(connector.to(SAFETY)) == 1
        assert len([c for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == SLACK_CHANNEL]) == 1
        [row] = [r for r in teams.rows("outbox") if r["target_kind"] == "channel"]
        assert row["status"] == "sent" and "slack:" in row["platform_message_id"] and "teams:" in row["platform_message_id"]
        posts = [(p["platform"], p["message_id"]) for p in teams.rows("posts") if p["target_kind"] == "channel"]
        assert sorted(p for p, _ in posts) == ["slack", "teams"]  # each post once in the purge's ledger
    finally:
        loop_thread.run(runner.cleanup())
