"""`pestbot serve` killed with SIGKILL at every step of a whole case in Slack, and started again.

No partial case, every answer kept once, every channel post delivered exactly once, also when the
server dies between Slack receiving a post and the server recording it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk.signature import SignatureVerifier

from tests.helpers import FASE1, FASE2, INTAKE
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SECRET, USERS, Server

ROOT = Path(__file__).resolve().parents[2]
SAFETY = "C0SAFETY01"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess(Server):
    """The real `python -m bot serve` in its own process; the request helpers of the Slack tests."""

    def __init__(self, db: Path, fake: FakeSlack) -> None:  # no super(): nothing runs in this process
        self.fake, self.ids, self.verifier = fake, iter(range(1, 10**6)), SignatureVerifier(SECRET)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test",
                    "SLACK_API_URL": fake.url, "PESTBOT_DATABASE_URL": f"sqlite:///{db}",
                    "PESTBOT_WORKER_INTERVAL": "0.1", "PESTBOT_WORKER_LEASE": "2"}
        for name in ("SLACK_CLIENT_ID", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "PESTBOT_TEAMS_INSECURE_DEV"):
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(self.process.stderr.read().decode()[-3000:])
                time.sleep(0.05)
        raise AssertionError("pestbot serve did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.restarts += 1

    def safe_dm(self, user: str, text: str, event_id: str, retry: int | None = None) -> None:
        try:
            self.dm(user, text, event_id=event_id, retry=retry)
        except OSError:
            pass  # the server died under the request: Slack retries, and so do we


def rows(db: Path, sql: str) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        result = connection.execute(sa.text(sql)).all()
    engine.dispose()
    return result


def wait_until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_killed_at_every_step_nothing_is_lost_or_doubled(tmp_path):
    db = tmp_path / "pestbot.db"
    mentor = USERS["jdevries"]
    script = INTAKE + FASE1 + FASE2 + ["incident Bram heeft Anna geslagen", "sluit het pesten is gestopt"]
    fase1_done = len(INTAKE) + len(FASE1) - 1  # this answer brings fase 2 and the channel summary
    with FakeSlack() as fake:
        server = ServeProcess(db, fake)
        server.start()
        try:
            for step, text in enumerate(script):
                event_id = f"EvCrash{step:03d}"
                if step == fase1_done:
                    # Die between Slack taking the summary and the server recording it: ambiguous.
                    fake.hangs["chat.postMessage"] = 3.0
                    server.safe_dm(mentor, text, event_id)
                    wait_until(lambda: any(p.get("channel") == SAFETY for p in fake.posts()))
                    server.kill()
                    fake.hangs.clear()
                elif step % 3 == 0:  # die while the request is under way
                    killer = threading.Timer(0.01 * (step % 5), server.kill)
                    killer.start()
                    server.safe_dm(mentor, text, event_id)
                    killer.join()
                elif step % 3 == 1:  # die right after the ack
                    server.safe_dm(mentor, text, event_id)
                    server.kill()
                else:
                    server.safe_dm(mentor, text, event_id)
                    continue
                server.start()
                server.safe_dm(mentor, text, event_id, retry=1)  # Slack delivers it again
            # The worker finishes what is left (after the lease, for the ambiguous post).
            wait_until(lambda: rows(db, "SELECT count(*) FROM outbox WHERE status != 'sent'")[0][0] == 0)
        finally:
            server.process.kill()
            server.process.wait(10)

    assert server.restarts >= 10
    [(state, closed_from)] = rows(db, "SELECT state, closed_from FROM cases")
    assert (state, closed_from) == ("closed", "fase3")
    answered = [q for (q,) in rows(db, "SELECT data FROM events WHERE kind = 'answered' AND actor = 'jdevries'")]
    assert len(answered) == len(set(answered)), "an answer was stored twice"
    [(answers,)] = rows(db, "SELECT count(*) FROM answers")
    [(agreements,)] = rows(db, "SELECT count(*) FROM agreements")
    # 6 intake answers, 6 in fase 1 (two of them skipped), 4 in fase 2, and fase 3's team post and why it
    # was entered (the incident): as without crashes.
    assert agreements == 1 and answers == 18
    channel = [p for p in fake.posts() if p.get("channel") == SAFETY]
    summaries = [p for p in channel if "Pestmelding in fase 2" in str(p.get("text"))]
    incidents = [p for p in channel if "Ernstig incident" in str(p.get("text"))]
    assert len(summaries) == 1 and len(incidents) == 1 and len(channel) == 2
