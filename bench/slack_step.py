"""One Slack step in process: a signed `block_actions` click that answers one question of a case, through
our Bolt app (verify, load, decide, commit, render), against a bare Bolt app with the same settings whose
listener only acks. SQLite file on disk.

    python bench/slack_step.py [--requests 600] [--mentors 50] [--no-write]

Each click answers question 1 of its own case (one case per click, spread over the mentors), so every
request does the whole turn. Timed: `App.dispatch` of a BoltRequest, signature check included. Our
reply is posted by a lazy listener after the ack (as in production); the next request waits until the
fake Slack API received it, so that work does not run inside the next measurement. The two apps take
turns in rounds, so that drift of the machine hits both.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import FORM, SECRET, click_body, latency_rows, median, mentor, ms, quiet, ratio, signed, write_school  # noqa: E402,E501
from bench.report import publish, row  # noqa: E402

TOKEN = "xoxb-bench"
FIRST_QUESTION = "spoke_bullied"


def our_bolt(wired, api_url: str):  # type: ignore[no-untyped-def]
    from bot.settings import SlackSettings
    from bot.slack.app import build

    return build(wired, SlackSettings(signing_secret=SECRET, bot_token=TOKEN, api_url=api_url, app_token="",
                                      client_id="", client_secret="")).bolt


def bare_bolt(api_url: str, lazy: bool = False):  # type: ignore[no-untyped-def]
    """The same Bolt settings as bot/slack/app.py (client, signing secret, process_before_response, logger).
    `lazy`: the listener also has an empty lazy function, Bolt's way to work after the ack (ours posts there)."""
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.slack.app import quiet_loggers

    bolt = App(client=WebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
               request_verification_enabled=True, process_before_response=True, logger=quiet_loggers())

    def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    def nothing() -> None:
        pass

    if lazy:
        bolt.action(re.compile(r"^choice:\d+$"))(ack=only_ack, lazy=[nothing])
    else:
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


class Clicker:
    """Signed clicks on 'ja' of question 1, dispatched in process; the seconds each dispatch took."""

    def __init__(self, bolt, fake=None) -> None:  # type: ignore[no-untyped-def]
        from slack_bolt import BoltRequest

        self.bolt, self.fake, self.request = bolt, fake, BoltRequest
        self.posts_each = 0
        self.n = 0

    def click(self, user: str, case_id: str) -> float:
        self.n += 1
        body = click_body(user, case_id, FIRST_QUESTION, "1", self.n + int(time.time() * 1000) % 10**9)
        request = self.request(body=body, headers=signed(body, FORM))
        before = self.fake.count() if self.fake is not None else 0
        started = time.perf_counter()
        response = self.bolt.dispatch(request)
        took = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"dispatch answered {response.status}")
        if self.fake is not None:
            self.settle(before)
        return took

    def settle(self, before: int) -> None:
        """Wait for the lazy listener's posts (how many: learnt on the first click)."""
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
            bare: bool = True) -> tuple[list[float], list[float], list[float]]:  # type: ignore[no-untyped-def]
    """(our seconds per click, bare Bolt's, bare Bolt's with an empty lazy listener).

    In rounds: every mentor reports a case (untimed), then clicks 'ja' on its first question, as a mentor
    does right after reporting; bare Bolt gets the same clicks in the same round.
    """
    ours = Clicker(our_bolt(wired, fake.url), fake)
    references = [Clicker(bare_bolt(fake.url)), Clicker(bare_bolt(fake.url, lazy=True))] if bare else []
    for user, case_id in open_cases(wired.app, warmup, mentors):
        for clicker in (ours, *references):
            clicker.click(user, case_id)
    our_times: list[float] = []
    bare_times: list[list[float]] = [[], []]
    while len(our_times) < requests:
        cases = open_cases(wired.app, min(mentors, requests - len(our_times)), mentors)
        gc.collect()
        for times, reference in zip(bare_times, references):
            times += [reference.click(user, case_id) for user, case_id in cases]
        our_times += [ours.click(user, case_id) for user, case_id in cases]
    return our_times, bare_times[0], bare_times[1]


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
        ours, bare, lazy = measure(wired, fake, args.requests, args.mentors)
        wired.engine.dispose()
        posts_ok = not fake.violations
    rows = latency_rows("Slack step in process", ours, bare, "bare Bolt", 10)
    rows.append(row("bare Bolt with an empty lazy listener (Bolt's work-after-the-ack, which ours uses), median",
                    ms(median(lazy)), f"{ms(median(bare))} (bare Bolt)", ratio(median(lazy), median(bare)), "–"))
    notes = (f"{len(ours)} signed `block_actions` clicks per app, each answering question 1 of its own case "
             f"({args.mentors} mentors); our app on a SQLite file (WAL), its reply posted after the ack by a lazy "
             f"listener to the fake Slack API (not inside the timing); bare Bolt: same settings "
             f"(`process_before_response`, signature check, client), a listener that only acks. "
             f"Block Kit limits kept: {'yes' if posts_ok else 'NO'} (`bench/slack_step.py`).")
    publish("slack_step", "Slack step in process (issue 7, figure 1)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
