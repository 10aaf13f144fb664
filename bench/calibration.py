"""The calibration of bench/slack_load.py: one mentor walks two cases in process with our Bolt app against the
tests' fake Slack API, the worker included, which gives the steps of a walk (a click where the bot offered a
button, a typed message otherwise) and the posts one walk makes per channel (the first walk and every next)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import FORM, JSON, SECRET, click_body, command_body, dm_body, intake_body, mentor, signed
from tests.slack.fake_slack import FakeSlack


@dataclass
class Walk:
    steps: list[list[str]] = field(default_factory=list)   # ["click", question, value] or ["dm", text]
    first: Counter = field(default_factory=Counter)         # posts per channel ("dm" = the mentor's own)
    next: Counter = field(default_factory=Counter)
    views: int = 0                                           # views.open per walk


def calibrate(school: Path, tmp: Path, mentor_index: int) -> Walk:
    """Walk two cases in process with our Bolt app against a fake Slack API, the worker included."""
    from slack_bolt import BoltRequest

    from bench.slack_step import our_bolt
    from bot.clock import SystemClock
    from bot.wiring import build
    from bot.worker import sweep
    from tests.helpers import FASE1, FASE2

    walk = Walk()
    person_id, user = mentor(mentor_index)
    dm = "D" + user[1:]
    with FakeSlack() as fake:
        wired = build(school, f"sqlite:///{tmp / 'calibration.db'}", SystemClock())
        bolt = our_bolt(wired, fake.url)
        fake.idle = bolt.listener_runner.listener_executor.idle  # wait for the sender threads, not for silence
        from bot.settings import SlackSettings
        from bot.slack.app import build as build_slack

        notifier = build_slack(wired, SlackSettings(signing_secret=SECRET, bot_token="xoxb-bench", api_url=fake.url,
                                                    app_token="", client_id="", client_secret="")).notifier
        ids = iter(range(1, 10**6))

        def send(body: str, kind: str) -> list:
            before = fake.count()
            response = bolt.dispatch(BoltRequest(body=body, headers=signed(body, kind)))
            assert response.status == 200, response.body
            fake.settle(before, timeout=10, quiet=0.15)
            return fake.calls[before:]

        for number in range(2):
            before = Counter(str(p.get("channel")) for p in fake.posts())
            views_before = len(fake.of("views.open"))
            send(command_body(user, "nieuw", next(ids), fake.url), FORM)
            calls = send(intake_body(user, next(ids)), FORM)
            for line in FASE1 + FASE2:
                offered = [e for c in calls if c.method == "chat.postMessage" for b in c.params.get("blocks") or []
                           if b.get("type") == "actions" for e in b["elements"]
                           if e["action_id"].startswith("choice:")]
                button = next((e for e in offered if e["text"]["text"] == line), None)
                if button is not None:
                    value = json.loads(button["value"])
                    step = ["click", value["q"], value["v"]]
                    calls = send(click_body(user, value["c"], value["q"], value["v"], next(ids)), FORM)
                else:
                    step = ["dm", line]
                    calls = send(dm_body(user, line, f"EvCal{next(ids):08d}"), JSON)
                if number == 0:
                    walk.steps.append(step)
            sweep(wired.app, notifier)
            after = Counter(str(p.get("channel")) for p in fake.posts())
            made = Counter({("dm" if k == dm else k): v - before.get(k, 0) for k, v in after.items()
                            if v - before.get(k, 0)})
            setattr(walk, "first" if number == 0 else "next", made)
            walk.views = len(fake.of("views.open")) - views_before
        with wired.app.uow() as uow:
            state = uow.cases.get(uow.conversations.get(person_id).active_case_id).state
        assert state == "monitoring2", f"the calibration walk ended in {state}"
        assert not fake.violations, fake.violations
        wired.engine.dispose()
    return walk
