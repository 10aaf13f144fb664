"""Delivering the outbox: claimed in batches, sent concurrently, never dropped, never doubled knowingly.

A turn's own replies are outbox rows too (kind "reply", flows/services.py): the request that committed
them sends them at once (`deliver_replies`); the worker sends those a dead request left behind.

A failed send is retried with backoff; after the last try the row is marked failed (the overview
shows it, `pestbot outbox retry` sends it again). The platform's message id is stored. Before any retry
(the worker died mid-send, or the send failed in a way that may still have posted: a timeout, a 500 after
the post) the notifier is asked whether the message arrived.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.messages import Message
from flows.model import REPLY, OutboxMessage, Post
from flows.ports import Notifier, PartlyDelivered
from flows.reminders import LEASE, fire_due_reminders
from flows.services import App

log = logging.getLogger(__name__)
MAX_FAILURES = 8

__all__ = ["deliver_outbox", "deliver_replies", "claim_replies", "record", "fire_due_reminders",
           "failed_deliveries", "retry_failed", "MAX_FAILURES"]


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(size: int) -> ThreadPoolExecutor:
    """The sending threads, kept for the life of the process: a platform client that keeps one connection
    per thread (HTTP keep-alive) keeps it from sweep to sweep."""
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pestbot-send")
        return _POOLS[size]


def backoff(failures: int) -> timedelta:
    """10 s, 20 s, 40 s … at most an hour."""
    return timedelta(seconds=min(3600, 5 * 2 ** failures))


def deliver_outbox(app: App, notifier: Notifier, limit: int = 64, lease: timedelta = LEASE,
                   concurrency: int = 8, retry_after: Callable[[int], timedelta] = backoff) -> int:
    """One sweep: claim up to `limit` messages, send them, record each outcome. The number sent."""
    now = app.clock.now()
    with app.uow() as uow:  # the claim is committed before anything is sent
        token, claimed = uow.outbox.claim(now, lease, limit)
        items = uow.outbox.load([c.id for c in claimed]) if claimed else []
        uow.commit()
    if not claimed:
        return 0
    unsure(claimed, items)

    # No send starts after half the lease: past that, another worker may take the claim over and send
    # the same message. What is left is given back untouched and sent by the next sweep.
    cutoff = time.monotonic() + lease.total_seconds() / 2

    def send(item) -> str | Exception | None:  # type: ignore[no-untyped-def]
        if time.monotonic() > cutoff:
            return None
        key = delivery_key(item)
        try:
            if item.unsure and notifier.can_look_up:
                found = notifier.delivered(item.target_kind, item.target, key, since=item.created_at)
                if found:
                    return found
            if item.kind == REPLY:
                return notifier.reply(item.target, replies_of(item))  # type: ignore[attr-defined]
            message = Message.model_validate(item.payload).model_copy(update={
                "delivery_key": key, "delivered": item.platform_message_id,
                "unsure_since": item.created_at if item.unsure else None})
            return notifier.send(item.target_kind, item.target, message)
        except Exception as exc:  # any platform error: recorded, retried later
            return exc

    if concurrency > 1 and len(items) > 1:
        results = list(_pool(concurrency).map(send, items))
    else:
        results = [send(item) for item in items]
    return record(app, token, items, results, retry_after)


def delivery_key(item: OutboxMessage) -> str:
    """The same key on every attempt to deliver one row, so that a platform can tell whether it arrived."""
    key = item.payload.get("key") if item.kind == REPLY else None
    return key if isinstance(key, str) else f"pestbot-outbox-{item.id}"


def replies_of(item: OutboxMessage) -> list[Message]:
    """A reply row's messages, in order; the first carries the row's delivery key (and, when an earlier
    attempt may have posted them, `unsure_since`)."""
    key, since = delivery_key(item), (item.created_at if item.unsure else None)
    replies = [Message.model_validate(r) for r in item.payload.get("replies") or []]
    return [r.model_copy(update={"delivery_key": key, "unsure_since": since}) if i == 0 else r
            for i, r in enumerate(replies)]


def record(app: App, token: str, items: list[OutboxMessage], results: list[str | Exception | None],
           retry_after: Callable[[int], timedelta] = backoff) -> int:
    """What became of each claimed row: sent (a reply row is then deleted: a chat answer has no place in
    the record), failed (retried after `retry_after`), or not tried (given back). The number sent."""
    sent = 0
    finished = app.clock.now()
    with app.uow() as uow:
        held = {item.id: item for item in uow.outbox.hold(token, [i.id for i in items])}
        done: list[OutboxMessage] = []
        kept: list[OutboxMessage] = []
        for item, result in zip(items, results):
            row = held.get(item.id)
            if row is None:
                log.warning("outbox %s: the claim was lost before the result was recorded", item.id)
                continue
            row.claim_token, row.lease_until = None, None
            if result is None:  # not tried in time: as if never claimed
                row.attempts -= 1
            elif isinstance(result, Exception):
                if isinstance(result, PartlyDelivered):  # kept: the retry sends only where it did not arrive
                    _ledger(uow, row, result.delivered, finished)
                    row.platform_message_id = result.delivered[:128]
                    result = result.cause
                row.failures += 1
                row.last_error = type(result).__name__[:100]
                row.next_attempt_at = finished + retry_after(row.failures)
                row.status = "failed" if row.failures >= MAX_FAILURES else "pending"
                log.warning("outbox %s: delivery failed (%s), failure %s", item.id, row.last_error, row.failures)
            else:
                _ledger(uow, row, str(result), finished)
                row.status, row.sent_at, row.platform_message_id = "sent", finished, str(result)[:128]
                sent += 1
            (done if row.kind == REPLY and row.status == "sent" else kept).append(row)
        uow.outbox.save(kept)
        uow.outbox.delete(done)
        uow.commit()
    return sent


def _ledger(uow: Any, row: OutboxMessage, result: str, at: datetime) -> None:
    """Every post about a case, for the retention purge to delete; an earlier partial attempt's posts once."""
    if row.case_id is None:
        return
    before = {(p.platform, p.message_id) for p in posts_of(row, row.platform_message_id or "", at)}
    uow.posts.add_many([p for p in posts_of(row, result, at) if (p.platform, p.message_id) not in before])


NOT_AN_ID = frozenset({"", "slack", "teams", "ephemeral"})  # "sent, but nothing that can be deleted later"


def posts_of(row: OutboxMessage, result: str, at: datetime) -> list[Post]:
    """The posts a send made, from the notifier's answer: `slack:ts+ts,teams:id` (a long message is several
    posts; a platform without tags gives a bare id). Ephemeral posts and bare markers are not posts."""
    found = []
    for tagged in result.split(","):
        platform, _, ids = tagged.partition(":") if ":" in tagged else ("", "", tagged)
        found += [Post(row.case_id or "", platform, row.target_kind, row.target, message_id, at)
                  for message_id in ids.split("+") if message_id not in NOT_AN_ID]
    return found


def claim_replies(app: App, target: str) -> tuple[str, list[OutboxMessage]]:
    """The undelivered replies to one conversation (`target`), oldest first, claimed for this process:
    the request that just committed its turn takes its own replies at once, and those an earlier request
    left behind when it died or failed to send."""
    with app.uow() as uow:
        token, claimed = uow.outbox.claim_replies(target, app.clock.now(), app.reply_lease)
        items = uow.outbox.load([c.id for c in claimed]) if claimed else []
        uow.commit()
    unsure(claimed, items)
    return token, items


def unsure(claimed: list[Any], items: list[OutboxMessage]) -> None:
    """Mark the rows an earlier attempt may have posted (`Claimed.ambiguous`): they are looked up first."""
    ambiguous = {c.id for c in claimed if c.ambiguous}
    for item in items:
        item.unsure = item.id in ambiguous


def deliver_replies(app: App, target: str, send: Callable[[list[Message]], str]) -> int:
    """Send the undelivered replies to `target`, in order, with `send` (the platform's post of one turn's
    replies, returning its message id); record each outcome as the worker does. The number sent.

    Called by the platform adapter right after a turn that queued its replies (`Replies.queued`), and on
    a redelivery of a turn that was committed already: whatever it did not send yet is sent now, once.
    A reply an earlier request may have posted before it failed or died carries `unsure_since`."""
    token, items = claim_replies(app, target)
    if not items:
        return 0
    results: list[str | Exception | None] = []
    for item in items:
        try:
            results.append(send(replies_of(item)))
        except Exception as exc:  # recorded like the worker's failures; the worker retries the row
            results.append(exc)
    return record(app, token, items, results)


@dataclass(frozen=True)
class Backlog:
    """What is waiting, for an operator's dashboard (bot/metrics.py): all workers' work, from the database."""
    pending: int  # messages not yet delivered
    retrying: int  # of those, how many failed at least once
    oldest_seconds: float  # how long the oldest undelivered message has waited (0 when none)
    failed: int  # messages that gave up (`pestbot outbox retry`)
    reminders_due: int  # reminders due and not yet turned into messages


def backlog(app: App) -> Backlog:
    now = app.clock.now()
    with app.uow() as uow:
        pending, retrying, oldest, failed = uow.outbox.backlog()
        due = uow.reminders.due_count(now)
    age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return Backlog(pending, retrying, age, failed, due)


def failed_deliveries(app: App) -> list[tuple[int, str | None, str, str | None]]:
    """(outbox id, case id, kind, last error) of every message that gave up: for the overview."""
    with app.uow() as uow:
        return [(row.id, row.case_id, row.kind, row.last_error) for row in uow.outbox.failed()]


def retry_failed(app: App, ids: list[int] | None = None) -> int:
    """An operator sends failed messages again (all of them when `ids` is None)."""
    with app.uow() as uow:
        count = uow.outbox.retry(ids, app.clock.now())
        uow.commit()
    return count
