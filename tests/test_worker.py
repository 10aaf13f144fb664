"""The worker on SQLite and PostgreSQL: claims, retries, failures, ambiguous sends, an operator's retry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from typer.testing import CliRunner

from flows.delivery import MAX_FAILURES, deliver_outbox, failed_deliveries, retry_failed
from flows.messages import Message
from flows.model import OutboxMessage
from tests.fakes import RecordingNotifier
from tests.helpers import FASE1, FASE2, INTAKE, Chat


def queue(app, count: int) -> list[int]:
    now = app.clock.now()
    with app.uow() as uow:
        rows = [OutboxMessage(None, "dm", "jdevries", "test", Message(text=f"bericht {i}").model_dump(mode="json"), now)
                for i in range(count)]
        for row in rows:
            uow.outbox.add(row)
        uow.commit()
        return [row.id for row in rows]


def statuses(app) -> dict[str, int]:
    with app.uow() as uow:
        rows = uow.outbox.load(list(range(1, 10_000)))
    result: dict[str, int] = {}
    for row in rows:
        result[row.status] = result.get(row.status, 0) + 1
    return result


def test_two_workers_sweeping_at_once_send_each_message_once(app):
    queue(app, 120)
    notifier = RecordingNotifier()
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        while deliver_outbox(app, notifier, limit=10, concurrency=4):
            pass

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    texts = [m.text for _, _, m in notifier.sent]
    assert len(texts) == 120 and len(set(texts)) == 120
    assert statuses(app) == {"sent": 120}


def test_a_failed_send_is_retried_after_backoff_and_never_dropped(app, clock):
    [row_id] = queue(app, 1)
    notifier = RecordingNotifier(fail_times=2)
    assert deliver_outbox(app, notifier) == 0
    assert deliver_outbox(app, notifier) == 0  # not before the backoff
    clock.advance(seconds=11)
    assert deliver_outbox(app, notifier) == 0  # second failure
    clock.advance(seconds=21)
    assert deliver_outbox(app, notifier) == 1
    with app.uow() as uow:
        [row] = uow.outbox.load([row_id])
    assert (row.status, row.failures, row.attempts, row.platform_message_id) == ("sent", 2, 3, "msg-1")
    assert row.last_error == "ConnectionError"


def test_after_the_last_try_it_is_failed_and_an_operator_can_retry(app, clock):
    [row_id] = queue(app, 1)
    notifier = RecordingNotifier(fail_times=MAX_FAILURES)
    for _ in range(MAX_FAILURES):
        deliver_outbox(app, notifier)
        clock.advance(hours=2)
    assert statuses(app) == {"failed": 1}
    assert failed_deliveries(app) == [(row_id, None, "test", "ConnectionError")]
    assert retry_failed(app) == 1
    assert deliver_outbox(app, notifier) == 1 and statuses(app) == {"sent": 1}


def test_a_dead_workers_claim_is_taken_over_after_the_lease(app, clock):
    queue(app, 3)
    with app.uow() as uow:  # a worker claims, then dies before sending anything
        uow.outbox.claim(clock.now(), timedelta(seconds=30), 10)
        uow.commit()
    notifier = RecordingNotifier()
    assert deliver_outbox(app, notifier) == 0  # still leased
    clock.advance(seconds=31)
    assert deliver_outbox(app, notifier) == 3 and len(notifier.sent) == 3


class RememberingNotifier(RecordingNotifier):
    """A platform that can say whether a message with a delivery key arrived (Slack metadata, say)."""

    can_look_up = True

    def delivered(self, target_kind: str, target: str, key: str, since=None) -> str | None:  # type: ignore[no-untyped-def]
        return next((f"msg-{i + 1}" for i, (_, _, m) in enumerate(self.sent) if m.delivery_key == key), None)


def test_an_ambiguous_send_is_not_sent_twice_when_the_platform_can_tell(app, clock):
    [row_id] = queue(app, 1)
    notifier = RememberingNotifier()
    with app.uow() as uow:  # the worker claimed, sent, and died before recording it
        uow.outbox.claim(clock.now(), timedelta(seconds=30), 10)
        uow.commit()
    notifier.send("dm", "jdevries", Message(text="bericht 0", delivery_key=f"pestbot-outbox-{row_id}"))
    clock.advance(seconds=31)
    assert deliver_outbox(app, notifier) == 1
    assert len(notifier.sent) == 1 and statuses(app) == {"sent": 1}


def test_the_cli_lists_and_retries_failed_messages(wired, clock, monkeypatch):
    from bot.cli import app as cli

    app = wired.app
    queue(app, 2)
    notifier = RecordingNotifier(fail_times=2 * MAX_FAILURES)
    for _ in range(MAX_FAILURES):
        deliver_outbox(app, notifier)
        clock.advance(hours=2)
    url = str(wired.engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli, ["outbox", "failed", "--db", url])
    assert result.exit_code == 0 and "2 niet bezorgd." in result.output
    result = CliRunner().invoke(cli, ["outbox", "retry", "--db", url])
    assert result.exit_code == 0 and "2 bericht(en)" in result.output
    assert statuses(app) == {"pending": 2}


def test_reminders_become_messages_exactly_once_with_two_workers(app, clock):
    chats = [Chat(app) for _ in range(5)]
    for chat in chats:
        chat.script(INTAKE + FASE1 + FASE2)
    clock.current = chats[-1].case().evaluation_due
    from flows.delivery import fire_due_reminders

    counts: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        counts.append(sum(fire_due_reminders(app, limit=2) for _ in range(5)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    notifier = RecordingNotifier()
    while deliver_outbox(app, notifier):
        pass
    evaluations = [m for m in notifier.dms("jdevries") if m.question_id == "evaluation"]
    assert sum(counts) == 5 and len(evaluations) == 5 and len({m.case_id for m in evaluations}) == 5


class SlowNotifier(RecordingNotifier):
    def send(self, target_kind: str, target: str, message: Message) -> str:
        time.sleep(0.15)
        return super().send(target_kind, target, message)


def test_no_send_starts_after_half_the_lease(app):
    """Past half its lease a claim may be taken over: the worker gives the rest back instead of sending."""
    ids = queue(app, 3)
    notifier = SlowNotifier()
    assert deliver_outbox(app, notifier, lease=timedelta(seconds=0.2), concurrency=1) == 1
    with app.uow() as uow:
        rows = uow.outbox.load(ids)
    assert [(r.status, r.attempts, r.claim_token) for r in rows] == [("sent", 1, None), ("pending", 0, None),
                                                                     ("pending", 0, None)]
    assert deliver_outbox(app, notifier, lease=timedelta(seconds=0.2), concurrency=1) == 1
