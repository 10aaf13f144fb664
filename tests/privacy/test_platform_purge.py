"""Retention through the real platform notifiers: the bot's own posts in Slack and Teams are deleted."""

from __future__ import annotations

from flows.retention import purge_expired
from tests.helpers import FASE1, FASE2, INTAKE
from tests.slack.conftest import fake_slack, slack  # noqa: F401 - fixtures
from tests.slack.harness import USERS
from tests.teams.conftest import SAFETY, connector, loop_thread, start, teams  # noqa: F401 - fixtures


def _close_and_expire(app, clock, chat_say) -> None:  # type: ignore[no-untyped-def]
    for line in ["/sluit het pesten is gestopt"]:
        chat_say(line)
    clock.advance(days=31 * 25)


def test_purge_deletes_the_slack_channel_post(slack, clock):
    from tests.helpers import Chat

    Chat(slack.app).script(INTAKE + FASE1 + FASE2)
    slack.sweep()
    [summary] = [c for c in slack.fake.of("chat.postMessage") if c.params.get("channel") == "C0SAFETY01"]
    _close_and_expire(slack.app, clock, Chat(slack.app).say)
    report = purge_expired(slack.app, notifier=slack.notifier)
    [item] = report.cases
    assert item.posts_deleted == 1 and item.posts_kept == 0
    [deleted] = slack.fake.of("chat.delete")
    assert deleted.params["channel"] == "C0SAFETY01" and deleted.params["ts"] == summary.response["ts"]
    assert USERS  # the Slack ids of the config are the harness's


def test_purge_deletes_the_teams_channel_post(teams, clock):
    from tests.helpers import Chat

    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    Chat(teams.app).script(INTAKE + FASE1 + FASE2)
    teams.sweep()
    [summary] = teams.connector.to(SAFETY)
    _close_and_expire(teams.app, clock, Chat(teams.app).say)
    report = purge_expired(teams.app, notifier=teams.web_app_notifier())
    [item] = report.cases
    assert item.posts_deleted == 1
    assert len(teams.connector.deleted) == 1 and teams.connector.deleted[0][0] == SAFETY
