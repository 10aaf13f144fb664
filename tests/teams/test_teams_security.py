"""Who may reach a turn: tokens in production, the configured tenant, and no insecure start by accident."""

from __future__ import annotations

import base64
import json

import pytest

from bot.server import NotConfigured, create_web_app
from bot.settings import ServerSettings
from bot.teams import render as cards
from bot.teams.inbound import Submit, parse_submit
from flows.messages import Choice, Message
from tests.teams.conftest import TENANT, no_slack, teams_settings


def forged_token(issuer: str) -> str:
    """A JWT-shaped token nobody signed: an unknown issuer and a made-up signature."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return ".".join([part({"alg": "RS256", "typ": "JWT", "kid": "k1"}),
                     part({"iss": issuer, "aud": "app-123", "serviceurl": "http://127.0.0.1/"}), "c2lnbmF0dXJl"])


@pytest.fixture
def production(start):
    return start(teams_settings(app_id="app-123", app_password="geheim", app_tenant_id=TENANT),
                 ServerSettings(production=True))


def as_dict(detail: str | dict) -> dict:
    return detail if isinstance(detail, dict) else json.loads(detail)  # JSON on PostgreSQL, text on SQLite


def nothing_happened(teams) -> None:
    assert teams.connector.posted == []
    for table in ("conversation_refs", "conversations", "cases", "receipts"):
        assert teams.rows(table) == [], table


def test_in_production_an_activity_without_a_valid_token_is_refused_and_no_turn_runs(production):
    teams = production
    assert teams.post(teams.activity("message", text="nieuw")) == 401
    assert teams.post(teams.activity("message", text="nieuw"), {"Authorization": "Bearer garbage"}) == 401
    assert teams.post(teams.activity("message", text="nieuw"), {"Authorization": "Basic dTpw"}) == 401
    token = forged_token("https://evil.example")
    assert teams.post(teams.activity("message", text="nieuw"), {"Authorization": f"Bearer {token}"}) == 401
    assert teams.post(teams.activity("conversationUpdate", membersAdded=[{"id": "28:pestbot-app"}])) == 401
    nothing_happened(teams)


def test_an_activity_from_another_tenant_is_refused_before_any_turn(teams):
    assert teams.post(teams.activity("message", text="nieuw", tenant="tenant-elders")) == 403
    assert teams.post(teams.activity("conversationUpdate", tenant="tenant-elders",
                                     membersAdded=[{"id": "28:pestbot-app"}])) == 403
    nothing_happened(teams)
    # On record, with the tenant's id only (issue 14: every request from another tenant refused and audited).
    assert [(r["actor"], r["action"], as_dict(r["detail"])) for r in teams.rows("audit")] == [
        ("outsider", "outsider_refused", {"platform": "teams", "place": "tenant-elders"})] * 2
    assert teams.post(teams.activity("message", text="help")) in (200, 201)


def test_bad_bodies_are_refused(teams):
    import urllib.request

    for body, content_type, status in ((b"{", "application/json", 400), (b"[1]", "application/json", 400),
                                       (b"{}", "text/plain", 415)):
        request = urllib.request.Request(teams.url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            urllib.request.urlopen(request, timeout=10)
            code = 200
        except urllib.error.HTTPError as error:
            code = error.code
        assert code == status
    nothing_happened(teams)


def test_the_server_refuses_to_start_teams_without_credentials(wired, capfd):
    assert not teams_settings().enabled
    assert not teams_settings(app_id="app-123").enabled  # a password is needed too
    with pytest.raises(NotConfigured):
        create_web_app(wired, ServerSettings(), no_slack(), teams_settings(), run_worker=False)
    with pytest.raises(NotConfigured, match="PESTBOT_PRODUCTION"):
        create_web_app(wired, ServerSettings(production=True), no_slack(),
                       teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True), run_worker=False)
    capfd.readouterr()
    create_web_app(wired, ServerSettings(), no_slack(), teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True),
                   run_worker=False)
    assert "PESTBOT_TEAMS_INSECURE_DEV=1" in capfd.readouterr().err  # announced loudly
    create_web_app(wired, ServerSettings(), no_slack(), teams_settings(app_id="a", app_password="b",
                                                                     app_tenant_id=TENANT), run_worker=False)
    assert "INSECURE" not in capfd.readouterr().err


def test_user_text_cannot_add_links_mentions_or_actions_to_a_card(school):
    text = "Wat er gebeurde: [klik hier](https://evil.example) <at>Thomas Bos</at> </at>"
    message = Message(text=text, case_id="7KQ2-M9XD-HAPE", question_id="digital",
                      choices=(Choice(label="ja", value="1"),))
    card = cards.card(message, school, cards.Words(send="Versturen", placeholder="…"))
    body = json.dumps(card["body"], ensure_ascii=False)
    assert "](" not in body and "<at>" not in body and "</at>" not in body
    assert "klik hier" in body and "msteams" in card and "entities" not in card["msteams"]
    assert [a["type"] for a in card["actions"]] == ["Action.Submit"]
    assert card["actions"][0]["data"]["case_id"] == "7KQ2-M9XD-HAPE"


def test_a_submit_that_is_not_ours_is_not_read(school):
    assert parse_submit({"pestbot": "choice", "case_id": "X", "question_id": "q", "value": 3}) is None
    assert parse_submit({"case_id": "X", "question_id": "q", "value": "1"}) is None
    assert parse_submit("ja") is None
    assert parse_submit({"pestbot": "answer", "case_id": "X", "question_id": "q", "answer": "2B",
                               "card": "c1"}) == Submit("X", "q", "2B", "c1")


def test_production_is_the_default_for_what_teams_needs(wired, capfd):
    """Issue 14, item 8: the insecure dev mode served on 0.0.0.0 with only a warning, and Teams ran without a
    tenant id (any Microsoft 365 organisation's activities were let in)."""
    insecure = teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(NotConfigured, match="127.0.0.1"):
            create_web_app(wired, ServerSettings(host=host), no_slack(), insecure, run_worker=False)
    create_web_app(wired, ServerSettings(host="localhost"), no_slack(), insecure, run_worker=False)
    with pytest.raises(NotConfigured, match="MICROSOFT_APP_TENANT_ID"):
        create_web_app(wired, ServerSettings(), no_slack(), teams_settings(app_id="a", app_password="b"),
                       run_worker=False)
    create_web_app(wired, ServerSettings(), no_slack(),
                   teams_settings(app_id="a", app_password="b", app_tenant_id=TENANT), run_worker=False)
    capfd.readouterr()


def test_a_setting_that_is_not_a_setting_stops_with_a_message(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app as cli

    monkeypatch.setenv("PESTBOT_PRODUCTION", "2")
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "PESTBOT_PRODUCTION" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
