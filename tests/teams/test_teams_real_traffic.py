"""Teams requests as they really come, and odd ones: tokens with the wrong algorithm, an unknown channel,
JSON nested 100,000 deep, a refused submit, a conversation without a type, incomplete settings."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.server import NotConfigured, create_web_app
from bot.settings import ServerSettings, SlackSettings
from tests.slack.conftest import fake_slack  # noqa: F401 - fixture
from tests.teams.conftest import BOT_ID, TENANT, no_slack, post_bytes, start_production, teams_settings
from tests.teams.test_teams_token import APP_ID, ISSUER, signing_key, token  # noqa: F401 - fixture

JAN, FATMA = "29:mentor-jdevries", "29:mentor-fyilmaz"


@pytest.fixture
def production(start, signing_key, monkeypatch):
    teams = start_production(start, monkeypatch, APP_ID, TENANT)
    teams.key, teams.kid = signing_key
    return teams


def claims(service_url: str) -> dict:
    now = int(time.time())
    return {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600}


raw_post = post_bytes



def test_a_token_with_another_algorithm_is_refused_401(production):
    teams = production
    activity = teams.activity("message", text="help")
    url = teams.connector.url
    forged = {
        "none": jwt.encode(claims(url), None, algorithm="none", headers={"kid": teams.kid}),
        "HS256": jwt.encode(claims(url), "geheim-geheim-geheim-geheim-1234", algorithm="HS256",
                            headers={"kid": teams.kid}),
        "PS256, the right key": jwt.encode(claims(url), teams.key, algorithm="PS256", headers={"kid": teams.kid}),
    }
    for name, bad in forged.items():
        assert teams.post(activity, {"Authorization": f"Bearer {bad}"}) == 401, name
    assert teams.connector.posted == [] and teams.rows("conversations") == []
    good = {"Authorization": f"Bearer {token(teams.key, teams.kid, url)}"}
    assert teams.post(activity, good) in (200, 201)


def test_an_unknown_channel_id_is_refused(production):
    teams = production
    good = {"Authorization": f"Bearer {token(teams.key, teams.kid, teams.connector.url)}"}
    for channel in ("slack", "webchat", "emulator", "", None, 7):
        assert teams.post({**teams.activity("message", text="help"), "channelId": channel}, good) in (400, 401), channel
    assert teams.connector.posted == []


def test_json_nested_100000_deep_is_refused_400(teams):
    deep = b'{"type": "message", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert raw_post(teams.url, deep) == 400
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert raw_post(teams.url, deep_object) == 400
    assert teams.post(teams.activity("message", text="help")) in (200, 201)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.text(max_size=60), st.binary(max_size=60).map(lambda b: b.hex())),
       alg=st.sampled_from(["none", "HS256", "HS512", "PS256", "ES256", "RS512", "", None]))
def test_any_bearer_header_is_never_a_500(production, header, alg):
    teams = production
    part = lambda data: jwt.utils.base64url_encode(json.dumps(data).encode()).decode()  # noqa: E731
    shaped = ".".join([part({"alg": alg, "kid": teams.kid}), part(claims(teams.connector.url)), part(header)])
    for value in (header, f"Bearer {header}", f"Bearer {shaped}"):
        if not (value.isprintable() and value.isascii()):
            continue  # not sendable as an HTTP header by urllib
        assert teams.post(teams.activity("message", text="help"), {"Authorization": value}) in (401, 403)


def card_data(teams) -> dict:
    teams.say("nieuw")
    replies = teams.say("2B")
    return next(a["data"] for p in reversed(replies) if p.card for a in p.card.get("actions", [])
                if a["title"] == "Onderbouw")


def test_a_refused_submit_does_not_use_up_the_owners_click(teams):
    data = card_data(teams)
    before = {r["key"] for r in teams.rows("receipts")}
    refused = teams.submit(data, reply_to="posted-3", user=FATMA)  # Fatma posts Jan's card data
    assert refused and "Geen toegang" in refused[0].text
    with teams.app.uow() as uow:
        assert uow.cases.get(data["case_id"]).department is None
    # Whatever the refused turn left behind is keyed on its sender, so it can block nobody else's click.
    assert all("fyilmaz" in key for key in {r["key"] for r in teams.rows("receipts")} - before)
    accepted = teams.submit(data, reply_to="posted-3")  # Jan's own, real click
    assert accepted
    with teams.app.uow() as uow:
        assert uow.cases.get(data["case_id"]).department == "onderbouw"


def test_a_conversation_without_a_type_is_not_a_personal_chat(teams):
    activity = teams.activity("message", JAN, conversation="19:iets@thread.tacv2;messageid=1", text="nieuw")
    del activity["conversation"]["conversationType"]
    assert teams.post(activity) in (200, 201)
    [reply] = teams.connector.posted
    assert "19:iets@thread.tacv2" in reply.text  # the channel answer, with the id for the config
    assert teams.rows("cases") == [] and teams.rows("conversations") == []


@pytest.mark.parametrize("with_slack", [False, True], ids=["without Slack", "with Slack"])
@pytest.mark.parametrize("values,missing", [({"app_id": APP_ID}, "MICROSOFT_APP_PASSWORD"),
                                            ({"app_password": "geheim"}, "MICROSOFT_APP_ID")],
                         ids=["id without password", "password without id"])
def test_half_the_teams_credentials_stop_the_server_with_a_message(wired, request, with_slack, values, missing):
    slack = no_slack()
    if with_slack:
        fake = request.getfixturevalue("fake_slack")
        slack = SlackSettings(signing_secret="s", bot_token="xoxb-x", app_token="", client_id="", api_url=fake.url)
    with pytest.raises(NotConfigured, match=missing):
        create_web_app(wired, ServerSettings(), slack, teams_settings(**values), run_worker=False)


def test_an_installation_removed_stores_nothing(teams):
    removed = teams.activity("installationUpdate", action="remove")
    assert teams.post(removed) in (200, 201)
    assert teams.rows("conversation_refs") == [] and teams.connector.posted == []
    gone = teams.activity("conversationUpdate", membersRemoved=[{"id": BOT_ID}])
    assert teams.post(gone) in (200, 201) and teams.rows("conversation_refs") == []


@pytest.mark.parametrize("field,value", [("conversation", None), ("conversation", "a:chat"), ("from", None),
                                         ("from", []), ("recipient", None), ("serviceUrl", 5), ("id", {"a": 1}),
                                         ("channelData", "x"), ("value", "ja"), ("text", 42)])
@pytest.mark.parametrize("kind", ["message", "conversationUpdate", "installationUpdate", "invoke", "typing"])
def test_an_activity_with_a_part_of_the_wrong_shape_is_never_a_500(teams, kind, field, value):
    activity = {**teams.activity(kind, text="help", membersAdded=[{"id": BOT_ID}], name="adaptiveCard/action",
                                 action="add"), field: value}
    assert teams.post(activity) < 500


@pytest.mark.parametrize("with_slack", [False, True], ids=["without Slack", "with Slack"])
def test_pestbot_serve_with_an_app_id_and_no_password_stops_with_the_message(tmp_path, monkeypatch, request,
                                                                             with_slack):
    from typer.testing import CliRunner

    from bot.cli import app

    for name in ("MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "PESTBOT_TEAMS_INSECURE_DEV", "SLACK_APP_TOKEN",
                 "SLACK_CLIENT_ID", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    if with_slack:
        fake = request.getfixturevalue("fake_slack")
        for name, value in (("SLACK_SIGNING_SECRET", "s"), ("SLACK_BOT_TOKEN", "xoxb-x"), ("SLACK_API_URL", fake.url)):
            monkeypatch.setenv(name, value)
    monkeypatch.setattr("aiohttp.web.run_app", lambda *args, **kwargs: None)  # were it to start, return at once
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "p.db")])
    assert result.exit_code != 0 and "MICROSOFT_APP_PASSWORD" in result.output
