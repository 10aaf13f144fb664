"""Who gets in: every Slack signature case refused, replays changing nothing, no insecure start."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.server import NotConfigured, create_web_app
from bot.settings import ServerSettings, SlackSettings, TeamsSettings
from tests.slack.fake_slack import TEAM
from tests.slack.harness import SECRET, USERS


def stored(slack) -> tuple[int, int, int]:
    with slack.app.uow() as uow:
        return (len(uow.cases.for_mentor("jdevries")), int(uow.conversations.get("jdevries") is not None),
                len(uow.outbox.pending(slack.app.clock.now().replace(year=2100), 100)))


def event_body(text: str, event_id: str) -> str:
    return json.dumps({"token": "x", "team_id": TEAM, "api_app_id": "A0PESTBOT1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()),
                       "event": {"type": "message", "channel_type": "im", "channel": "D0MENTOR01",
                                 "user": USERS["jdevries"], "text": text, "ts": f"{time.time():.6f}"}})


def headers(body: str, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature}


@pytest.mark.parametrize("case", ["missing", "wrong secret", "stale", "from the future", "not a number",
                                  "signature of another body", "empty signature"])
def test_every_bad_signature_is_refused_and_changes_nothing(slack, case):
    body, now = event_body("nieuw", "EvAuth1"), int(time.time())
    sent = {
        "missing": {"Content-Type": "application/json"},
        "wrong secret": headers(body, now, secret="0" * 32),
        "stale": headers(body, now - 301),
        "from the future": headers(body, now + 301),
        "not a number": {**headers(body, now), "X-Slack-Request-Timestamp": "soon"},
        "signature of another body": headers(event_body("status", "EvAuth1"), now),
        "empty signature": {**headers(body, now), "X-Slack-Signature": ""},
    }[case]
    before = slack.fake.count()
    assert slack.request("/slack/events", body, sent).status == 401
    assert stored(slack) == (0, 0, 0) and slack.fake.count() == before


def test_a_replayed_event_changes_nothing(slack):
    body = event_body("nieuw", "EvReplay1")
    sent = headers(body, int(time.time()))
    assert slack.request("/slack/events", body, sent).status == 200
    for _ in range(3):  # the very same signed request, captured and sent again within five minutes
        assert slack.request("/slack/events", body, sent).status == 200
    time.sleep(0.5)
    assert stored(slack)[0] == 1


def test_a_replayed_slash_command_opens_one_form(slack):
    body = urlencode({"token": "x", "team_id": TEAM, "user_id": USERS["jdevries"], "command": "/pest",
                      "text": "nieuw", "channel_id": "C0GENERAL1", "trigger_id": "trigger.replay",
                      "response_url": slack.fake.url.replace("/api/", "/commands/1"), "api_app_id": "A0PESTBOT1"})
    sent = {**headers(body, int(time.time())), "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(3):
        assert slack.request("/slack/events", body, sent).status == 200
    time.sleep(0.5)
    assert len(slack.fake.of("views.open")) == 1


def test_an_ssl_check_body_does_nothing(slack):
    body = "ssl_check=1&token=x"
    assert slack.request("/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    signed = {**headers(body, int(time.time())), "Content-Type": "application/x-www-form-urlencoded"}
    before = slack.fake.count()
    assert slack.request("/slack/events", body, signed).status == 200
    assert slack.fake.count() == before and stored(slack) == (0, 0, 0)


def test_production_will_not_start_with_an_empty_signing_secret_or_app_id(wired, fake_slack):
    production = ServerSettings(production=True)
    no_teams = TeamsSettings(app_id="", app_password="", insecure_dev=False)
    for teams in (no_teams, TeamsSettings(app_id="a", app_password="p", insecure_dev=False)):
        with pytest.raises(NotConfigured, match="SLACK_SIGNING_SECRET"):
            create_web_app(wired, production, SlackSettings(signing_secret="", bot_token="xoxb-x",
                                                            api_url=fake_slack.url), teams, run_worker=False)
    insecure_teams = TeamsSettings.model_validate({"PESTBOT_TEAMS_INSECURE_DEV": True})
    with pytest.raises((NotConfigured, ValueError, RuntimeError)):
        create_web_app(wired, production, SlackSettings(signing_secret=""), insecure_teams, run_worker=False)
