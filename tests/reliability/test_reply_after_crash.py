"""`pestbot serve` killed (SIGKILL) after a turn was committed and before its reply reached the platform,
Slack and Teams: after a restart and the platform's redelivery the reply arrives, once (issue 13).

The platform fakes hold the reply back (the post waits before it is taken), so the kill falls exactly
between the commit and the reply. A turn's replies are committed with it, to the outbox; the restarted
process sends what the dead one left, once its short claim has run out (PESTBOT_REPLY_LEASE).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.test_crash_anywhere import ServeProcess, free_port, rows, wait_until
from tests.slack.fake_slack import FakeSlack, texts
from tests.slack.harness import USERS
from tests.teams.conftest import BOT_ID, TENANT, FakeConnector, LoopThread, _serve, post_bytes

pytestmark = pytest.mark.slow
LEASE = 2  # seconds: how long the dead process's claim on its replies holds
MENTOR = USERS["jdevries"]


def reply_rows(db: Path) -> list[tuple]:
    return rows(db, "SELECT id, status, claim_token FROM outbox WHERE kind = 'reply'")


def answered(db: Path, question: str) -> int:
    return rows(db, f"SELECT count(*) FROM answers WHERE question_id = '{question}'")[0][0]


def test_slack_the_reply_of_a_turn_killed_before_replying_arrives_once_after_redelivery(tmp_path):
    db = tmp_path / "pestbot.db"
    with FakeSlack() as fake:
        server = ServeProcess(db, fake)
        server.env["PESTBOT_REPLY_LEASE"] = str(LEASE)
        server.start()
        try:
            server.dm(MENTOR, "nieuw", event_id="EvReply001")
            wait_until(lambda: any('"q":"class_name"' in json.dumps(p) or "klas" in texts(p).lower()
                                   for p in fake.posts()))
            before = len(fake.posts())
            fake.delays["chat.postMessage"] = 8.0  # Slack takes the reply only after 8 s: the server dies first
            assert server.dm(MENTOR, "2B", event_id="EvReply002").status == 200  # acked: the turn is committed
            wait_until(lambda: answered(db, "class_name") == 1)
            time.sleep(0.3)  # the reply is on its way to Slack, which holds it
            server.kill()
            fake.delays.clear()
            assert len(fake.posts()) == before  # it never arrived
            server.start()
            assert server.dm(MENTOR, "2B", event_id="EvReply002", retry=1).status == 200  # Slack redelivers
            wait_until(lambda: any("Onderbouw" in texts(p) for p in fake.posts()[before:]))
            time.sleep(LEASE + 1.0)  # time enough for a second copy, if there were one
        finally:
            server.process.kill()
            server.process.wait(10)
    after = [texts(p) for p in fake.posts()[before:]]
    assert any("Onderbouw" in t for t in after), after  # the next question: which department
    assert len(after) == len(set(after)), "a reply was posted twice"
    assert answered(db, "class_name") == 1
    assert reply_rows(db) == []  # sent, and a sent reply is not kept


class TeamsServe(ServeProcess):
    """`python -m bot serve` with the Teams endpoint (the insecure dev mode: no tokens on 127.0.0.1)."""

    def __init__(self, db: Path, connector: FakeConnector) -> None:  # no super(): no Slack here
        self.connector, self.port, self.process, self.restarts = connector, free_port(), None, 0
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PESTBOT_DATABASE_URL": f"sqlite:///{db}", "PESTBOT_TEAMS_INSECURE_DEV": "1",
                    "PESTBOT_WORKER_INTERVAL": "0.1", "PESTBOT_REPLY_LEASE": str(LEASE)}
        for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_APP_TOKEN",
                     "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "PESTBOT_PRODUCTION"):
            self.env.pop(name, None)

    def say(self, text: str, activity_id: str, timeout: float = 20) -> int | None:
        """A personal message as Teams sends it (Microsoft's message activity); None if the server died."""
        activity = {"type": "message", "id": activity_id, "channelId": "msteams", "text": text,
                    "serviceUrl": self.connector.url, "timestamp": "2026-11-24T09:00:00.000Z",
                    "from": {"id": "29:mentor-jdevries", "name": "Jan de Vries"},
                    "recipient": {"id": BOT_ID, "name": "Pestbot"},
                    "conversation": {"id": "a:personal-jdevries", "conversationType": "personal",
                                     "tenantId": TENANT},
                    "channelData": {"tenant": {"id": TENANT}}}
        try:
            return post_bytes(self.url + "/api/messages", json.dumps(activity).encode())
        except OSError:
            return None


def test_teams_the_reply_of_a_turn_killed_before_replying_arrives_once_after_redelivery(tmp_path):
    db = tmp_path / "pestbot.db"
    loop = LoopThread()
    connector = FakeConnector()
    runner, port = loop.run(_serve(connector.app()))
    connector.url = f"http://127.0.0.1:{port}/"
    server = TeamsServe(db, connector)
    server.start()
    try:
        assert server.say("nieuw", "1:reply-001") in (200, 201)
        before = len(connector.posted)
        assert before >= 1
        connector.delay = 8.0  # the connector takes the reply only after 8 s: the server dies first
        sender = threading.Thread(target=server.say, args=("2B", "1:reply-002"))
        sender.start()  # the channel waits for the turn; the reply is what hangs
        wait_until(lambda: answered(db, "class_name") == 1)
        time.sleep(0.3)  # the reply is on its way to the connector, which holds it
        server.kill()
        sender.join(10)
        connector.delay = 0.0
        assert len(connector.posted) == before  # it never arrived
        server.start()
        assert server.say("2B", "1:reply-002") in (200, 201)  # the channel delivers the activity again
        wait_until(lambda: any("Bij welke afdeling" in p.text for p in connector.posted[before:]))
        time.sleep(LEASE + 1.0)  # time enough for a second copy, if there were one
    finally:
        server.process.kill()
        server.process.wait(10)
        loop.run(runner.cleanup())
        loop.stop()
    after = [p.text for p in connector.posted[before:]]
    assert len(after) == 1 and "Bij welke afdeling" in after[0], after  # the next question, once
    assert answered(db, "class_name") == 1
    assert reply_rows(db) == []
