"""Issue 15: "Teams messages are lost but marked sent". A connector error inside `continue_conversation` went
to botbuilder's on_turn_error, which posted "Er ging iets mis… probeer het zo nog eens" into the target
conversation (the safety team's channel!) and returned normally, so the outbox row was marked sent.

The connector's answer to a failed post is an ErrorResponse with a status >= 400 (Bot Framework REST API
reference, "Error responses"); the fake connector answers 500 for the next `failing_posts` posts.
"""

from __future__ import annotations

from tests.helpers import FASE1, FASE2, INTAKE, Chat
from tests.teams.conftest import SAFETY


def test_a_post_the_connector_refuses_is_retried_and_no_apology_goes_to_the_team(teams, clock):
    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    Chat(teams.app).script(INTAKE + FASE1 + FASE2)  # fase 2: the summary for the safety team
    teams.connector.failing_posts = 1
    teams.sweep()
    assert not teams.connector.to(SAFETY)  # the summary did not arrive: nothing there, no apology either
    [row] = [r for r in teams.rows("outbox") if r["target_kind"] == "channel"]
    assert row["status"] == "pending" and row["failures"] == 1 and row["sent_at"] is None
    clock.advance(minutes=10)
    teams.sweep()
    [summary] = teams.connector.to(SAFETY)
    assert "Er ging iets mis" not in summary.text and "2B" in summary.text
    [row] = [r for r in teams.rows("outbox") if r["target_kind"] == "channel"]
    assert row["status"] == "sent"


def test_a_failed_delete_posts_no_apology(teams, clock):
    from flows.retention import purge_expired

    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    chat = Chat(teams.app)
    chat.script(INTAKE + FASE1 + FASE2)
    teams.sweep()
    chat.say("sluit het pesten is gestopt")
    posted = len(teams.connector.posted)
    clock.advance(days=31 * 25)
    teams.connector.failing_deletes = 1  # the connector refuses (the message is too old, say)
    [item] = purge_expired(teams.app, notifier=teams.web_app_notifier()).cases
    assert item.posts_deleted == 0 and item.posts_kept >= 1
    assert len(teams.connector.posted) == posted  # no "Er ging iets mis" anywhere
