"""Issue 14, item 1: one school, its own Slack workspace only.

An app with OAuth can be installed in any workspace, and Slack signs that workspace's requests with the app's
own signing secret (https://api.slack.com/authentication/verifying-requests-from-slack): a good signature
does not make a request the school's. Before this, an outsider who installed the app became the newest
installation (the worker sent the school's reminders with their token), and a user there whose profile
e-mail was a mentor's became that mentor.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace as copy
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.server import NotConfigured
from bot.settings import SlackSettings
from flows.messages import Message
from tests.slack.fake_slack import TEAM
from tests.slack.harness import SECRET, USERS, Server

OUTSIDER = "T0OUTSIDE1"
JAN = USERS["jdevries"]


def audit(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text("SELECT actor, action FROM audit ORDER BY id"))]


def stored(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("cases", "conversations", "receipts", "outbox")}


def test_every_request_from_another_workspace_is_refused_before_anyone_is_looked_up(wired, fake_slack):
    with Server(wired, fake_slack) as server:
        server.team = OUTSIDER
        before, nothing = fake_slack.count(), stored(wired.engine)
        reply = server.command("U0IMPOSTOR", "zaken")
        assert reply.status == 200 and "andere school" in reply.body and "Jan" not in reply.body
        assert server.dm("U0IMPOSTOR", "nieuw").status == 200
        assert server.click("U0IMPOSTOR", {"action_id": "choice:1", "value": "X:department:1"}).status == 200
        time.sleep(0.5)  # a sender thread would have called by now
        assert fake_slack.calls[before:] == []  # no users.info, no post: nothing about the school reached them
        assert stored(wired.engine) == nothing
        assert audit(wired.engine).count(("outsider", "outsider_refused")) == 3

        server.team = TEAM  # the school's own workspace still works
        before = fake_slack.count()
        server.dm(JAN, "help")
        fake_slack.settle(before)
        assert fake_slack.of("chat.postMessage")


def test_slack_does_not_start_without_the_schools_workspace(wired, fake_slack):
    school = wired.app.school.model_copy(update={"slack_workspaces": ()})
    unbound = copy(wired, app=copy(wired.app, school=school))
    with pytest.raises(NotConfigured, match="slack_workspaces"):
        Server(unbound, fake_slack).__enter__()


def test_slack_does_not_start_without_the_teams_channel(wired, fake_slack):
    """Issue 14, item 9: without `safety_channel.slack_channel` every post to the team was retried forever."""
    school = wired.app.school
    school = school.model_copy(update={"safety_channel": school.safety_channel.model_copy(
        update={"slack_channel": None})})
    with pytest.raises(NotConfigured, match="slack_channel"):
        Server(copy(wired, app=copy(wired.app, school=school)), fake_slack).__enter__()


@pytest.fixture
def oauth(wired, fake_slack):
    settings = SlackSettings(signing_secret=SECRET, client_id="111.222", client_secret="geheim", api_url=fake_slack.url)
    with Server(wired, fake_slack, settings) as server:
        yield server


def install(server: Server) -> tuple[int, str]:
    page = server.request("/slack/install", method="GET")
    state = re.search(r"state=([\w-]+)", page.body)[1]
    done = server.request(f"/slack/oauth_redirect?code=c0de&state={state}", method="GET",
                          headers={"Cookie": f"slack-app-oauth-state={state}"})
    return done.status, done.body


def test_installing_from_another_workspace_is_refused_undone_and_on_record(oauth, database_url):
    fake, engine = oauth.fake, oauth.wired.engine
    assert install(oauth)[0] == 200  # the school's own installation
    fake.installing_team = OUTSIDER
    status, page = install(oauth)
    assert status == 403 and "andere school" in page and "another school" in page
    [uninstall] = fake.of("apps.uninstall")  # https://api.slack.com/methods/apps.uninstall
    assert uninstall.token == "xoxb-outsider" and uninstall.params["client_id"] == "111.222"
    with engine.connect() as connection:
        teams = list(connection.execute(sa.text("SELECT team_id FROM slack_installs")).scalars())
    assert teams == [TEAM]
    assert ("outsider", "outsider_refused") in audit(engine)
    # The worker writes with the school's token, not with the newest installation's.
    assert oauth.notifier.send("channel", "safety", Message(text="x", case_id="C")).startswith("slack:")
    assert fake.calls[-1].token == "xoxb-installed"


def test_tokens_and_oauth_states_are_not_readable_in_a_copy_of_the_database(oauth, database_url):
    page = oauth.request("/slack/install", method="GET")
    state = re.search(r"state=([\w-]+)", page.body)[1]
    with oauth.wired.engine.connect() as connection:
        [digest] = connection.execute(sa.text("SELECT digest FROM oauth_nonces")).scalars()
    assert state not in digest
    oauth.request(f"/slack/oauth_redirect?code=c0de&state={state}", method="GET",
                  headers={"Cookie": f"slack-app-oauth-state={state}"})
    with oauth.wired.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        [sealed] = connection.execute(sa.text("SELECT installation FROM slack_installs")).scalars()
    assert not tables & {"slack_bots", "slack_installations", "slack_oauth_states"}  # slack-sdk's plain tables
    assert "xoxb-installed" not in sealed and sealed.startswith("gAAAAA")
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith(".key"))
        assert b"xoxb-installed" not in raw and state.encode() not in raw
