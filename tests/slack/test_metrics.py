"""Issue 15: operators were blind: no metrics. `GET /metrics` now answers in Prometheus' text format, read
back here with prometheus-client's own parser: turns and their latency, the outbox backlog and its age,
deliveries that gave up, reminders due; nothing that names a child."""

from __future__ import annotations

import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import FASE1, FASE2, INTAKE, Chat
from tests.slack.harness import USERS


def scrape(slack) -> dict[str, float]:  # type: ignore[no-untyped-def]
    page = slack.request("/metrics", method="GET")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/plain")
    return {f"{s.name}{sorted(s.labels.items()) if s.labels else ''}": s.value
            for family in text_string_to_metric_families(page.body) for s in family.samples}


def test_metrics_count_turns_and_show_the_backlog(slack, fake_slack, clock):
    before = fake_slack.count()
    assert slack.dm(USERS["jdevries"], "help").status == 200
    fake_slack.settle(before)
    forged = slack.request("/slack/events", "{}", {"Content-Type": "application/json",
                                                    "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"})
    assert forged.status == 401
    found = scrape(slack)
    assert found["pestbot_turns_total[('platform', 'slack'), ('status', '200')]"] == 1
    assert found["pestbot_turns_total[('platform', 'slack'), ('status', '401')]"] == 1
    assert found["pestbot_turn_seconds_count[('platform', 'slack')]"] == 2
    assert found["pestbot_database_up"] == 1 and found["pestbot_outbox_pending"] == 0

    Chat(slack.app).script(INTAKE + FASE1 + FASE2)  # the fase 2 summary waits for the worker
    clock.advance(minutes=3)
    found = scrape(slack)
    assert found["pestbot_outbox_pending"] >= 1 and found["pestbot_outbox_oldest_seconds"] >= 180
    with slack.wired.engine.begin() as connection:
        connection.execute(sa.text("UPDATE outbox SET status = 'failed' WHERE target_kind = 'channel'"))
    found = scrape(slack)
    assert found["pestbot_deliveries_failed"] == 1

    clock.advance(days=40)  # the four-week evaluation is due; no worker has run
    assert scrape(slack)["pestbot_reminders_due"] >= 1
    page = slack.request("/metrics", method="GET").body
    assert "Anna" not in page and "Bram" not in page and Chat(slack.app).case_id() not in page


def test_metrics_say_when_the_database_cannot_be_read(slack, monkeypatch):
    def gone(app):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("flows.delivery.backlog", gone)
    found = scrape(slack)
    assert found["pestbot_database_up"] == 0 and "pestbot_outbox_pending" not in found
