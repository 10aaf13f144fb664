"""One Slack step in process: a signed `block_actions` click that answers one question of a case, through
our Bolt app (verify, load, decide, commit, render), against a bare Bolt app with the same settings whose
listener only acks. SQLite file on disk.

    python bench/slack_step.py [--requests 600] [--mentors 50] [--no-write]

Each click answers question 1 of its own case (one case per click, spread over the mentors), so every
request does the whole turn. Timed: `App.dispatch` of a BoltRequest, signature check included (wall
time, and the CPU time of the dispatching thread). Our reply is posted after the ack by a sender thread
(bot/slack/senders.py, as in production); the next request waits until the fake Slack API received it,
and that thread's CPU time for the click is added to the click's CPU figure (the fake API's own work is
not: it runs in its threads, and thread CPU time counts only ours). The apps take turns click by click
(the order alternating), so that drift of the machine hits both alike.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import FORM, SECRET, click_body, latency_rows, mentor, quiet, signed, write_school  # noqa: E402,E501
from bench.report import publish  # noqa: E402

TOKEN = "xoxb-bench"
FIRST_QUESTION = "spoke_bullied"


def our_bolt(wired, api_url: str):  # type: ignore[no-untyped-def]
    from bot.settings import SlackSettings
    from bot.slack.app import build

    return build(wired, SlackSettings(signing_secret=SECRET, bot_token=TOKEN, api_url=api_url, app_token="",
                                      client_id="", client_secret="")).bolt


def bare_bolt(api_url: str):  # type: ignore[no-untyped-def]
    """The same Bolt settings as bot/slack/app.py (client, signing secret, process_before_response, logger),
    and a listener that only acks."""
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.slack.app import quiet_loggers

    bolt = App(client=WebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
               request_verification_enabled=True, process_before_response=True, logger=quiet_loggers())

    def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    bolt.action(re.compile(r"^choice:\d+$"))(only_ack)
    return bolt


def open_cases(app, count: int, mentors: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """`count` new cases through the real use case, each at question 1 of fase 1: (Slack user, case id)."""
    from bench.common import INTAKE
    from flows.services import start_case

    out = []
    for i in range(count):
        person_id, user_id = mentor(i % mentors)
        replies, errors = start_case(app, person_id, INTAKE)
        assert not errors and replies[-1].question_id == FIRST_QUESTION, (errors, replies[-1])
        out.append((user_id, replies[-1].case_id))
    return out


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)  # the dispatch, seconds
    cpu: list[float] = field(default_factory=list)  # the dispatching thread's CPU plus the sender threads'


class Clicker:
    """Signed clicks on 'ja' of question 1, dispatched in process."""

    def __init__(self, bolt, fake=None) -> None:  # type: ignore[no-untyped-def]
        from slack_bolt import BoltRequest

        self.bolt, self.fake, self.request = bolt, fake, BoltRequest
        executor = bolt.listener_runner.listener_executor
        self.senders = executor if hasattr(executor, "cpu_seconds") else None  # ours: bot/slack/senders.py
        self.posts_each = 0
        self.n = 0
        self.times = Timings()

    def click(self, user: str, case_id: str) -> None:
        self.n += 1
        body = click_body(user, case_id, FIRST_QUESTION, "1", self.n + int(time.time() * 1000) % 10**9)
        request = self.request(body=body, headers=signed(body, FORM))
        before = self.fake.count() if self.fake is not None else 0
        background = self.senders.cpu_seconds if self.senders else 0.0
        started, cpu = time.perf_counter(), time.thread_time()
        response = self.bolt.dispatch(request)
        took, cpu = time.perf_counter() - started, time.thread_time() - cpu
        if response.status != 200:
            raise RuntimeError(f"dispatch answered {response.status}")
        if self.fake is not None:
            self.settle(before)
        if self.senders:
            self.senders.idle(10)
            cpu += self.senders.cpu_seconds - background
        self.times.wall.append(took)
        self.times.cpu.append(cpu)

    def settle(self, before: int) -> None:
        """Wait for the posts after the ack (how many: learnt on the first click)."""
        if not self.posts_each:
            self.fake.settle(before, timeout=10, quiet=0.3)
            self.posts_each = self.fake.count() - before
            return
        deadline = time.monotonic() + 10
        while self.fake.count() < before + self.posts_each:
            if time.monotonic() > deadline:
                raise RuntimeError("the reply of a click never reached the fake Slack API")
            time.sleep(0.0002)


def measure(wired, fake, requests: int, mentors: int, warmup: int = 20,
            bare: bool = True) -> tuple[Timings, Timings]:  # type: ignore[no-untyped-def]
    """(our timings per click, bare Bolt's).

    In rounds: every mentor reports a case (untimed), then clicks 'ja' on its first question, as a mentor
    does right after reporting; bare Bolt gets the same click just before or just after ours, in turn.
    """
    ours = Clicker(our_bolt(wired, fake.url), fake)
    reference = Clicker(bare_bolt(fake.url)) if bare else None
    clickers = [c for c in (ours, reference) if c is not None]
    for user, case_id in open_cases(wired.app, warmup, mentors):
        for clicker in clickers:
            clicker.click(user, case_id)
    ours.times, n = Timings(), 0
    if reference is not None:
        reference.times = Timings()
    while len(ours.times.wall) < requests:
        cases = open_cases(wired.app, min(mentors, requests - len(ours.times.wall)), mentors)
        gc.collect()
        for user, case_id in cases:
            n += 1
            for clicker in (clickers if n % 2 else clickers[::-1]):
                clicker.click(user, case_id)
    return ours.times, (reference.times if reference is not None else Timings())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600, help="timed clicks per app")
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()

    from bot.clock import SystemClock
    from bot.wiring import build
    from tests.slack.fake_slack import FakeSlack

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        school = write_school(Path(tmp) / "school.yaml", args.mentors)
        wired = build(school, f"sqlite:///{tmp}/pestbot.db", SystemClock())
        ours, bare = measure(wired, fake, args.requests, args.mentors)
        wired.engine.dispose()
        posts_ok = not fake.violations
    rows = latency_rows("Slack click in process, CPU with the posting after the ack", ours.cpu, bare.cpu,
                        "bare Bolt", 10)
    rows += latency_rows("Slack step in process (the dispatch until the ack, wall time)", ours.wall, bare.wall,
                         "bare Bolt", None)
    notes = (f"{len(ours.wall)} signed `block_actions` clicks per app, each answering question 1 of its own case "
             f"({args.mentors} mentors), ours and bare Bolt's click by click; our app on a SQLite file (WAL), its "
             f"reply posted after the ack by a sender thread to the fake Slack API (the first rows add that "
             f"thread's CPU time to the click's); bare Bolt: same settings (`process_before_response`, signature "
             f"check, client), a listener that only acks. "
             f"Block Kit limits kept: {'yes' if posts_ok else 'NO'} (`bench/slack_step.py`).")
    publish("slack_step", "Slack step in process (issue 7, figure 1)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
