"""What talks to Slack after the ack: replies, forms, Home tabs, updated buttons.

A listener does its durable work (the service commits), acks, and hands what must reach Slack to a sender
thread. There is one thread per shard and a person always lands on the same shard, so one person's
replies stay in order while other people's go beside them. This replaces Bolt's lazy listeners, which
re-parse and deep-copy the whole request for each one (issue 17). Whatever a sender could not post stays
in the outbox, and the worker delivers it. `idle` lets a stopping server, and a test, wait until all of it
is done. The same object is Bolt's listener executor, should a listener still be lazy.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class Senders(ThreadPoolExecutor):
    def __init__(self, shards: int = 4) -> None:
        super().__init__(max_workers=shards, thread_name_prefix="pestbot-slack")
        self._shards = [ThreadPoolExecutor(1, thread_name_prefix=f"pestbot-slack-send{n}") for n in range(shards)]
        self._busy = 0
        self._changed = threading.Condition()
        self.cpu_seconds = 0.0  # CPU time the sender threads spent (bench/slack_step.py counts it per click)

    def after_ack(self, key: str, work: Callable[[], None]) -> None:
        """Run `work` on the shard of `key` (a Slack user id), after what was handed to it before."""
        shard = self._shards[zlib.crc32(key.encode()) % len(self._shards)]
        self._counted(shard.submit, self._run, work)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._counted(super().submit, fn, *args, **kwargs)

    def _counted(self, submit: Callable[..., Future], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        with self._changed:
            self._busy += 1
        try:
            future = submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future | None) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or running; False when `timeout` seconds were not enough."""
        with self._changed:
            return self._changed.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for shard in self._shards:
            shard.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


    def _run(self, work: Callable[[], None]) -> None:
        """A failed post is logged by its kind only (a Slack error code, never a message's text): what was
        queued in the outbox stays there for the worker."""
        started = time.thread_time()
        try:
            work()
        except SlackApiError as exc:
            log.warning("Slack call after the ack failed (%s)", exc.response.get("error", "?"))
        except Exception as exc:  # noqa: BLE001 - a sender thread must survive anything one delivery does
            log.warning("Slack call after the ack failed (%s)", type(exc).__name__)
        finally:
            with self._changed:
                self.cpu_seconds += time.thread_time() - started
