"""`GET /metrics` for Prometheus (prometheus-client): what an operator watches.

- `pestbot_turns_total{platform, status}` and `pestbot_turn_seconds{platform}`: every request Slack or Teams
  sends (a message, a click, a form, an event Pestbot ignores), by HTTP status, and how long it took.
- From the database on each scrape, so that every process shows the whole school's state, whichever worker
  does the work: `pestbot_outbox_pending`, `pestbot_outbox_retrying`, `pestbot_outbox_oldest_seconds`,
  `pestbot_deliveries_failed` (messages that gave up), `pestbot_reminders_due`, and `pestbot_database_up`.

Counts and times only: no case id, no name, no text ever becomes a label.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.wiring import Wired

PLATFORMS = {"/slack/events": "slack", "/api/messages": "teams"}  # the chat platforms' endpoints
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Backlog(Collector):
    def __init__(self, wired: Wired) -> None:
        self.wired = wired

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from sqlalchemy.exc import SQLAlchemyError

        from flows.delivery import backlog

        up = GaugeMetricFamily("pestbot_database_up", "1 when the last scrape could read the database")
        try:
            found = backlog(self.wired.app)
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, value, text in (
            ("pestbot_outbox_pending", found.pending, "messages committed and not yet delivered"),
            ("pestbot_outbox_retrying", found.retrying, "undelivered messages that failed at least once"),
            ("pestbot_outbox_oldest_seconds", found.oldest_seconds, "how long the oldest undelivered message waits"),
            ("pestbot_deliveries_failed", found.failed, "messages that gave up (pestbot outbox retry)"),
            ("pestbot_reminders_due", found.reminders_due, "reminders due and not yet turned into messages"),
        ):
            yield GaugeMetricFamily(name, text, value=value)


class Metrics:
    """One registry per web app (tests start many in one process)."""

    def __init__(self, wired: Wired) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter("pestbot_turns", "requests from Slack and Teams, by HTTP status",
                             ["platform", "status"], registry=self.registry)
        self.seconds = Histogram("pestbot_turn_seconds", "time to answer a request from Slack or Teams",
                                 ["platform"], buckets=BUCKETS, registry=self.registry)
        self.registry.register(Backlog(wired))

    @web.middleware
    async def middleware(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        platform = PLATFORMS.get(request.path)
        if platform is None:
            return await handler(request)
        started, status = time.perf_counter(), 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.seconds.labels(platform).observe(time.perf_counter() - started)
            self.turns.labels(platform, str(status)).inc()

    async def page(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def mount(web_app: web.Application, wired: Wired) -> None:
    metrics = Metrics(wired)
    web_app.middlewares.append(metrics.middleware)
    web_app.router.add_get("/metrics", metrics.page)
