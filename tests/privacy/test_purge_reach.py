"""Issue 14, item 2: the retention purge reaches every post the bot made about a case, and keeps what it
still needs when a platform cannot delete a post now.

Before: `pestbot purge` crashed with KeyError 'notifier' whenever Slack or Teams was configured; without a
platform it deleted the outbox rows that held the post ids, so those posts could never be deleted; and the
bot's replies in the mentor's chat (the Magister draft, `details` with full names) were never tracked.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from typer.testing import CliRunner

from flows.retention import purge_expired
from tests.helpers import FASE1, FASE2, INTAKE
from tests.slack.conftest import fake_slack, slack  # noqa: F401 - fixtures
from tests.slack.harness import SECRET, USERS
from tests.teams.conftest import SAFETY as TEAM_CHANNEL
from tests.teams.conftest import connector, loop_thread, start, teams  # noqa: F401 - fixtures

MENTOR, DM, SAFETY = USERS["jdevries"], "D" + USERS["jdevries"][1:], "C0SAFETY01"


def say(slack, text: str) -> None:
    before = slack.fake.count()
    assert slack.dm(MENTOR, text).status == 200
    slack.fake.settle(before)


def case_in_slack(slack) -> str:
    """A whole case typed in the mentor's DM, the team's post delivered, closed; its id."""
    for line in INTAKE + FASE1 + FASE2:
        say(slack, line)
    say(slack, "details")  # full names, in the DM
    slack.sweep()
    say(slack, "sluit het pesten is gestopt")
    with slack.app.uow() as uow:
        [case] = uow.cases.closed_before(datetime(2100, 1, 1, tzinfo=UTC))
    return case.id


def bot_posts(slack, channel: str) -> set[str]:
    return {c.response["ts"] for c in slack.fake.of("chat.postMessage")
            if c.params.get("channel") == channel and c.response.get("ok")}


def deleted(slack) -> set[tuple[str, str]]:
    return {(c.params["channel"], c.params["ts"]) for c in slack.fake.of("chat.delete")}


def test_the_purge_deletes_the_replies_in_the_mentors_chat_and_the_teams_post(slack, clock):
    case_in_slack(slack)
    dm, channel = bot_posts(slack, DM), bot_posts(slack, SAFETY)
    assert len(dm) > 20 and channel
    clock.advance(days=31 * 25)
    [item] = purge_expired(slack.app, notifier=slack.notifier).cases
    assert deleted(slack) == {(DM, ts) for ts in dm} | {(SAFETY, ts) for ts in channel}
    assert item.posts_deleted == len(dm) + len(channel) and item.posts_kept == 0


def test_posts_that_cannot_be_deleted_now_are_kept_for_the_next_purge(slack, clock):
    case_id = case_in_slack(slack)
    posts = bot_posts(slack, DM) | bot_posts(slack, SAFETY)
    clock.advance(days=31 * 25)
    [item] = purge_expired(slack.app, notifier=None).cases  # no platform at hand: nothing can be deleted
    assert item.posts_deleted == 0 and item.posts_kept == len(posts)
    with slack.app.uow() as uow:
        assert uow.cases.get(case_id) is None  # the case itself is gone, only the posts' ids wait
    with slack.wired.engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT case_id, message_id FROM posts")).all()
    assert {m for _, m in kept} == posts and {c for c, _ in kept} == {case_id}

    report = purge_expired(slack.app, notifier=slack.notifier)  # the next run, with Slack
    assert report.cases == [] and report.posts_deleted == len(posts)
    assert {ts for _, ts in deleted(slack)} == posts
    with slack.wired.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM posts")).scalar() == 0


def test_pestbot_purge_runs_with_slack_configured(slack, clock, database_url, monkeypatch):
    clock.current = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # the CLI runs at today's date
    case_in_slack(slack)
    posts = bot_posts(slack, DM) | bot_posts(slack, SAFETY)
    from bot.cli import app as cli

    monkeypatch.setenv("PESTBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack.fake.url)
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "Verwijderd: 1 zaak" in result.output and f"verwijderd {len(posts)}, niet verwijderd 0" in result.output
    assert {ts for _, ts in deleted(slack)} == posts


def test_the_purge_deletes_the_replies_in_the_teams_chat_too(teams, clock):
    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    for line in INTAKE + FASE1 + FASE2 + ["details"]:
        teams.say(line)
    teams.sweep()
    teams.say("sluit het pesten is gestopt")
    posted = {(p.conversation, p.id) for p in teams.connector.posted}
    assert len(posted) > 20 and any(c == TEAM_CHANNEL for c, _ in posted)
    clock.advance(days=31 * 25)
    [item] = purge_expired(teams.app, notifier=teams.web_app_notifier()).cases
    assert set(teams.connector.deleted) == posted and item.posts_kept == 0
