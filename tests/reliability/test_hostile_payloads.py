"""Malformed and hostile Slack and Teams payloads at the running server: never a 500, never a crash,
nothing stored from a refused request, and no injection in what the bot writes back."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.slack.fake_slack import TEAM, texts
from tests.slack.harness import USERS

JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                       max_leaves=20)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def nothing_stored(app) -> bool:
    with app.uow() as uow:
        return uow.cases.for_mentor("jdevries") == [] and uow.outbox.pending(app.clock.now().replace(year=2100), 5) == []


@SETTINGS
@given(body=st.one_of(st.text(max_size=300), JSONISH.map(json.dumps)),
       kind=st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
def test_signed_garbage_to_slack_is_never_a_500(slack, body, kind):
    reply = slack.signed(body, kind)
    assert reply.status < 500, reply.status
    assert nothing_stored(slack.app)


@SETTINGS
@given(payload=JSONISH, kind=st.sampled_from(["block_actions", "view_submission", "shortcut", "block_suggestion", "x"]))
def test_signed_malformed_interactions_are_never_a_500(slack, payload, kind):
    data = {"type": kind, "user": {"id": USERS["jdevries"]}, "team": {"id": TEAM}, "trigger_id": "t", "garbage": payload,
            "actions": payload if isinstance(payload, list) else [{"action_id": "answer", "value": json.dumps(payload)}]}
    reply = slack.signed(urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded")
    assert reply.status < 500, reply.status
    assert nothing_stored(slack.app)


@SETTINGS
@given(text=st.text(max_size=200))
def test_slack_text_events_are_never_a_500_and_inject_nothing(slack, text):
    before = len(slack.fake.posts())
    hostile = f"<!channel> <!here> <@U0COORD001> <https://x.example|klik> {text}"
    reply = slack.event({"type": "message", "channel_type": "im", "channel": "D0MENTOR01", "user": USERS["jdevries"],
                         "text": hostile, "ts": f"{time.time():.6f}"})
    assert reply.status == 200
    deadline = time.monotonic() + 3
    while len(slack.fake.posts()) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    for post in slack.fake.posts()[before:]:
        shown = texts(post)
        assert "<!channel>" not in shown and "<!here>" not in shown and "<https://x.example|" not in shown


def _post(teams, body: bytes) -> int:
    request = urllib.request.Request(teams.url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@SETTINGS
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode), JSONISH.map(lambda j: json.dumps(j).encode())))
def test_garbage_to_teams_is_never_a_500(teams, body):
    assert _post(teams, body) < 500
    assert nothing_stored(teams.app)


@SETTINGS
@given(value=JSONISH, text=st.text(max_size=100))
def test_malformed_activities_are_never_a_500(teams, value, text):
    activity = teams.activity("message", text=text)
    activity["value"] = value
    activity["entities"] = value if isinstance(value, list) else []
    assert teams.post(activity) < 500
    for posted in teams.connector.posted:
        body = json.dumps(posted.activity)
        assert "Action.OpenUrl" not in body and "Action.Execute" not in body
