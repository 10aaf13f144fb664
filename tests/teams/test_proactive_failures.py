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


def test_pestbot_worker_alone_delivers_to_teams(teams, database_url, tmp_path):
    """Issue 15: the Teams notifier got its event loop only from the web server, which `pestbot worker` never
    runs: every send raised "the Teams endpoint is not running" until the row was marked failed."""
    import os
    import subprocess
    import sys
    import time

    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    Chat(teams.app).script(INTAKE + FASE1 + FASE2)  # the summary waits in the outbox; no sweep here
    assert not teams.connector.to(SAFETY)
    env = {**os.environ, "PESTBOT_DATABASE_URL": database_url, "PESTBOT_TEAMS_INSECURE_DEV": "1",
           "MICROSOFT_APP_TENANT_ID": "tenant-voorbeeldschool", "PESTBOT_WORKER_INTERVAL": "0.2"}
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID",
                 "MICROSOFT_APP_PASSWORD", "PESTBOT_ENCRYPTION_KEY"):
        env.pop(name, None)
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def summary_sent() -> bool:  # posted, and recorded as sent (the post comes a moment before the record)
            return any(r["target_kind"] == "channel" and r["status"] == "sent" for r in teams.rows("outbox"))

        deadline = time.monotonic() + 30
        while not summary_sent() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert teams.connector.to(SAFETY), worker.stderr.read().decode()[-2000:] if worker.poll() else "no post"
    finally:
        worker.terminate()
        worker.wait(10)
    [summary] = teams.connector.to(SAFETY)
    assert "2B" in summary.text
    [row] = [r for r in teams.rows("outbox") if r["target_kind"] == "channel"]
    assert row["status"] == "sent"
