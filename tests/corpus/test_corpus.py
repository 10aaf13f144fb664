"""Every payload of the corpus (tests/corpus/slack, tests/corpus/teams) through the real server.

Each file names its public source (`_source`: Slack's API documentation, Microsoft's Teams documentation,
or the SDK test it follows) and what the bot must answer (`_expect`). Slack payloads are signed with the
signing secret; Teams activities carry a Bot Framework token signed by a test key behind a fake OpenID
endpoint (production mode). The same payload unsigned must get 401. Nothing may get a 500.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests.slack.fake_slack import texts
from tests.slack.harness import USERS
from tests.teams.conftest import TENANT, start_production
from tests.teams.test_teams_token import APP_ID, token

HERE = Path(__file__).parent
SLACK = sorted((HERE / "slack").glob("*.json"))
TEAMS = sorted((HERE / "teams").glob("*.json"))
MENTOR = USERS["jdevries"]


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    assert isinstance(data.get("_source"), str) and data["_source"], f"{path.name} names no public source"
    return data


def count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()


def department(app) -> str | None:
    with app.uow() as uow:
        conversation = uow.conversations.get("jdevries")
        return uow.cases.get(conversation.active_case_id).department if conversation else None


# --- Slack ------------------------------------------------------------------------------------------------

def slack_body(data: dict[str, Any], values: dict[str, str]) -> tuple[str, str]:
    body = json.dumps(data["body"])
    for name, value in values.items():
        body = body.replace("{{" + name + "}}", value)
    payload = json.loads(body)
    if data["_transport"] == "json":
        return json.dumps(payload), "application/json"
    if data["_transport"] == "payload":
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    return urlencode(payload), "application/x-www-form-urlencoded"


def slack_case_awaiting_department(slack) -> str:
    for text in ("nieuw", "2B"):
        before = slack.fake.count()
        assert slack.dm(MENTOR, text).status == 200
        slack.fake.settle(before)
    with slack.app.uow() as uow:
        return uow.conversations.get("jdevries").active_case_id


@pytest.mark.parametrize("path", SLACK, ids=[p.stem for p in SLACK])
def test_every_slack_payload_gets_its_documented_answer(slack, path, nl):
    data = load(path)
    expect = data["_expect"]
    values = {"RESPONSE_URL": slack.fake.url.replace("/api/", "/commands/1"), "CASE": "NONE-NONE-NONE"}
    if data.get("_setup") == "case_awaiting_department":
        values["CASE"] = slack_case_awaiting_department(slack)
    body, content_type = slack_body(data, values)

    unsigned = slack.request("/slack/events", body, {"Content-Type": content_type, **data.get("_headers", {})})
    assert unsigned.status == 401, unsigned.body

    if data.get("_setup") == "first_delivery":
        before = slack.fake.count()
        assert slack.signed(body, content_type).status == 200
        slack.fake.settle(before)
    cases, before = count(slack.wired.engine, "cases"), slack.fake.count()
    reply = slack.signed(body, content_type, extra=data.get("_headers"))
    assert reply.status == expect["status"], reply.body
    assert expect.get("body_contains", "") in reply.body
    if expect.get("api"):
        slack.fake.settle(before)
        methods = [c.method for c in slack.fake.calls[before:]]
        assert all(m in methods for m in expect["api"]), methods
    elif "api" in expect:
        time.sleep(0.4)
        assert slack.fake.count() == before, [c.method for c in slack.fake.calls[before:]]
    if "says" in expect:
        shown = "\n".join(texts(c.params) for c in slack.fake.calls[before:])
        assert nl.msg(expect["says"])[:40] in shown
    if "department" in expect:
        assert department(slack.app) == expect["department"]
    if "cases" in expect:
        assert count(slack.wired.engine, "cases") == cases + expect["cases"]


# --- Teams ------------------------------------------------------------------------------------------------

@pytest.fixture
def teams_production(start, signing_key, monkeypatch):
    """Pestbot as in production (app id, password, tenant); its outgoing calls get a fixed test token."""
    teams = start_production(start, monkeypatch, APP_ID, TENANT)
    key, kid = signing_key
    teams.bearer = {"Authorization": f"Bearer {token(key, kid, teams.connector.url)}"}
    return teams


def teams_case_awaiting_department(teams) -> tuple[str, str]:
    for text in ("nieuw", "2B"):
        activity = teams.activity("message", text=text)
        assert teams.post(activity, teams.bearer) in (200, 201)
    card = next(p.card for p in reversed(teams.connector.posted) if p.card and p.card.get("actions"))
    data = card["actions"][0]["data"]
    assert data["question_id"] == "department"
    return data["case_id"], data["card"]


def teams_post(teams, activity: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(teams.url, data=json.dumps(activity).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize("path", TEAMS, ids=[p.stem for p in TEAMS])
def test_every_teams_activity_gets_its_documented_answer(teams_production, path, nl):
    teams, data = teams_production, load(path)
    expect = data["_expect"]
    values = {"SERVICE_URL": teams.connector.url, "CASE": "NONE-NONE-NONE", "CARD": "c0"}
    if data.get("_setup") == "case_awaiting_department":
        values["CASE"], values["CARD"] = teams_case_awaiting_department(teams)
    text = json.dumps(data["body"])
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    activity = json.loads(text)

    unsigned, _ = teams_post(teams, activity, {})
    assert unsigned == 401

    cases, before = count(teams.wired.engine, "cases"), len(teams.connector.posted)
    status, body = teams_post(teams, activity, teams.bearer)
    assert status in expect["status"], body
    assert expect.get("body_contains", "") in body
    replies = teams.connector.posted[before:]
    assert bool(replies) == (expect["replies"] == "some"), [p.text for p in replies]
    if "says" in expect:
        key = expect["says"]
        assert nl.msg(key)[:30] in "\n".join(p.text for p in replies)
    if "department" in expect:
        assert department(teams.app) == expect["department"]
    if "cases" in expect:
        assert count(teams.wired.engine, "cases") == cases + expect["cases"]
    if "refs" in expect:
        assert sorted(r["key"] for r in teams.rows("conversation_refs")) == sorted(expect["refs"])
