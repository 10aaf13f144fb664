"""Test doubles: a clock the test moves, a notifier that records what it was asked to send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.messages import Message
from flows.ports import SendOnly

# A Tuesday in term time, 10:00 in Amsterdam.
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class RecordingNotifier(SendOnly):
    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[tuple[str, str, Message]] = []
        self.fail_times = fail_times

    def send(self, target_kind: str, target: str, message: Message) -> str:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("platform down")
        self.sent.append((target_kind, target, message))
        return f"msg-{len(self.sent)}"

    def reply(self, target: str, replies: list[Message]) -> str:
        """A turn's replies that its request left behind (flows/delivery.py): one post per turn."""
        return self.send("reply", target, replies[0].model_copy(update={"text": "\n".join(r.text for r in replies)}))

    def replies(self, target: str) -> list[Message]:
        return [m for kind, t, m in self.sent if kind == "reply" and t == target]

    def channel_posts(self) -> list[Message]:
        return [m for kind, _, m in self.sent if kind == "channel"]

    def dms(self, person_id: str) -> list[Message]:
        return [m for kind, target, m in self.sent if kind == "dm" and target == person_id]
