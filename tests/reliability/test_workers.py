"""Several worker processes against the PostgreSQL of this machine: nothing lost, nothing doubled.

4 workers, 5,000 due reminders and 5,000 queued messages, a platform that fails 10% of sends; and
the same with one worker killed (SIGKILL) in the middle of its batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.database import make_engine
from storage.tables import cases, outbox, reminders
from tests.reliability.fake_platform import FakePlatform

ROOT = Path(__file__).resolve().parents[2]
SCHOOL_TIME = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Amsterdam
COUNT = 5000
LEASE = 5.0  # far longer than a batch here, even on 2 busy cores; the killed worker's claims wait this long

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url(pg_schema_url):
    from tests.conftest import _reset_postgres

    _reset_postgres(pg_schema_url)
    return pg_schema_url


def seed(url: str) -> None:
    from bot.keys import resolve_cipher

    engine = make_engine(url, cipher=resolve_cipher(url))  # the key the worker processes will find too
    past = SCHOOL_TIME - timedelta(days=2)
    case_rows = [{"id": f"T{i:07d}-0000-00"[:14], "mentor_id": "jdevries", "state": "monitoring2", "closed_from": None,
                  "class_name": "2B", "department": "onderbouw", "created_at": past, "updated_at": past,
                  "phase_started_at": past, "evaluation_due": past, "version": 1} for i in range(COUNT)]
    reminder_rows = [{"case_id": c["id"], "kind": "evaluation", "due_at": past, "for_state": "monitoring2",
                      "status": "pending", "attempts": 0} for c in case_rows]
    outbox_rows = [{"case_id": None, "target_kind": "dm", "target": "jdevries", "kind": "test",
                    "payload": {"text": f"bericht {i}"}, "status": "pending", "attempts": 0, "failures": 0,
                    "next_attempt_at": past, "created_at": past} for i in range(COUNT)]
    with engine.begin() as connection:
        connection.execute(sa.insert(cases), case_rows)
        connection.execute(sa.insert(reminders), reminder_rows)
        connection.execute(sa.insert(outbox), outbox_rows)
    engine.dispose()


def start_workers(url: str, platform: FakePlatform, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return [subprocess.Popen([sys.executable, "-m", "tests.reliability.worker_process", url, platform.url,
                              SCHOOL_TIME.isoformat(), str(LEASE)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]


def finish(workers: list[subprocess.Popen], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    for worker in workers:
        try:
            worker.wait(max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
        if worker.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"worker failed: {worker.stderr.read()[-2000:]}")


def check_exactly_once(url: str, platform: FakePlatform) -> None:
    engine = make_engine(url)  # reads only unencrypted columns
    with engine.connect() as connection:
        by_status = dict(connection.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)).all())
        pending_reminders = connection.execute(sa.select(sa.func.count()).where(
            reminders.c.kind == "evaluation", reminders.c.status != "sent")).scalar()
    engine.dispose()
    assert by_status == {"sent": 2 * COUNT}, by_status  # 5,000 queued + 5,000 from the reminders
    assert pending_reminders == 0
    assert len(platform.delivered) == 2 * COUNT
    doubled = {k: n for k, n in platform.delivered.items() if n > 1}
    assert doubled == {}, f"{len(doubled)} messages arrived more than once"


def test_four_workers_and_a_flaky_platform_deliver_everything_exactly_once(pg_url):
    seed(pg_url)
    with FakePlatform(fail_rate=0.10) as platform:
        finish(start_workers(pg_url, platform, 4))
        assert platform.failures > 0
        check_exactly_once(pg_url, platform)


def test_a_worker_killed_mid_batch_loses_nothing(pg_url):
    seed(pg_url)
    with FakePlatform(fail_rate=0.10) as platform:
        workers = start_workers(pg_url, platform, 4)
        deadline = time.monotonic() + 120
        while sum(platform.delivered.values()) < COUNT // 2:
            assert time.monotonic() < deadline, "workers made no progress"
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        finish(workers)
        assert workers[0].returncode == -signal.SIGKILL
        check_exactly_once(pg_url, platform)
