"""Slack over HTTP under load: `pestbot serve` on 127.0.0.1, simulated mentors walking whole cases with
signed requests, a fake Slack Web API on 127.0.0.1 counting every effect; and the same load against a
bare Bolt app served the same way (bench/bare_server.py).

    python bench/slack_load.py [--mentors 50] [--seconds 20] [--max-requests 20000] [--postgres] [--no-write]

Three processes: this one (the fake Slack API, in threads), the server, and the load generator
(bench/load_client.py, asyncio + aiohttp). One walk: `/pest nieuw`, the intake modal, fase 1 and fase 2
by clicks and typed direct messages (the steps of tests/helpers.py), as a calibration walk in process
found them. The calibration also counts what one walk makes the fake Slack API receive, per channel;
after the load, every mentor's direct-message channel and the safety channel must hold exactly that many
posts per walk: fewer is a lost effect, more a doubled one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    FORM,
    JSON,
    PYTHON,
    ROOT,
    SECRET,
    click_body,
    command_body,
    dm_body,
    intake_body,
    median,
    mentor,
    ms,
    pg_schema,
    quantile,
    quiet,
    ratio,
    rss_mb,
    signed,
    write_school,
)
from bench.report import publish, row  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

SAFETY = "C0SAFETY01"


class BenchSlack(FakeSlack):
    """The fake Slack API of the tests, plus `bench.case`: the cases whose buttons a channel has shown, in the
    order they first appeared (what a mentor reads in the replies), and a count of posts per channel. Not
    only the newest: a late post about the mentor's previous case (a reply the worker sent after its lease)
    would hide the new one, and the load client would give up on a walk the server did carry out."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, list[str]] = {}

    def answer(self, method: str, params: dict[str, Any], token: str | None,
               alive: Any = lambda: True) -> dict[str, Any] | None:
        if method == "bench.case":
            return {"ok": True, "cases": list(self.cases.get(params.get("channel", ""), []))}
        body = super().answer(method, params, token, alive)
        if body is None:
            return None
        if method == "chat.postMessage":
            for block in params.get("blocks") or []:
                for element in block.get("elements") or [] if block.get("type") == "actions" else []:
                    if element.get("action_id", "").startswith("choice:"):
                        case = json.loads(element["value"]).get("c")
                        seen = self.cases.setdefault(str(params.get("channel")), [])
                        if case and case not in seen:
                            seen.append(case)
        return body

    def per_channel(self) -> Counter:
        return Counter(str(p.get("channel")) for p in self.posts())


# --- calibration: one mentor walks two cases in process ------------------------------------------------

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


# --- servers -------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(kind: str, fake_url: str, school: Path, database_url: str, tmp: Path) -> Running:
    """`python -m bot serve` (kind "ours") or bench/bare_server.py (kind "bare") on a free port of 127.0.0.1."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "PESTBOT_"))}
    env.update({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": fake_url,
                "PESTBOT_DATABASE_URL": database_url, "PESTBOT_CONFIG": str(school), "PYTHONUNBUFFERED": "1"})
    if kind == "ours":
        if database_url.startswith("postgresql"):
            from storage.database import make_engine, upgrade

            engine = make_engine(database_url)
            upgrade(engine)
            engine.dispose()
        command = [PYTHON, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if os.environ.get("PESTBOT_BENCH_PROFILE"):  # py-spy's collapsed stacks of the server, to find a cause
            command = [str(Path(PYTHON).parent / "py-spy"), "record", "--format", "raw", "--rate", "250",
                       "-o", os.environ["PESTBOT_BENCH_PROFILE"], "--threads", "--gil", "--", *command]
    else:
        command = [PYTHON, str(ROOT / "bench" / "bare_server.py"), "--port", str(port), "--api-url", fake_url]
    log = tmp / f"{kind}-server.log"
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    running = Running(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {kind} server stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(running.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return running
        except OSError:
            time.sleep(0.05)
    running.stop()
    raise RuntimeError(f"the {kind} server did not start: {log.read_text()[-2000:]}")


def run_client(plan: dict, tmp: Path, name: str) -> dict:
    plan_file, result_file = tmp / f"{name}-plan.json", tmp / f"{name}-result.json"
    plan_file.write_text(json.dumps(plan))
    done = subprocess.run([PYTHON, str(ROOT / "bench" / "load_client.py"), str(plan_file), str(result_file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=plan["seconds"] + 300)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-3000:]}")
    return json.loads(result_file.read_text())


@dataclass
class Effects:
    expected: int = 0
    received: int = 0
    lost: int = 0
    doubled: int = 0
    doubled_in: tuple[str, ...] = ()


def count_effects(fake: BenchSlack, walk: Walk, walks: dict[str, int], first_mentor: int, settle: float) -> Effects:
    """Wait until the posts stop coming (the worker's included), then compare every channel with the walks."""
    expected: Counter = Counter()
    for person_id, count in walks.items():
        if not count:
            continue
        user = "U0BENCH" + person_id.removeprefix("bench")
        for channel, posts in (walk.first + Counter({k: v * (count - 1) for k, v in walk.next.items()})).items():
            expected["D" + user[1:] if channel == "dm" else channel] += posts
    want, deadline = sum(expected.values()), time.monotonic() + settle
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:  # posts still coming (the worker's too): wait for a second of quiet
        now = sum(fake.per_channel().values())
        if now != last:
            last, since = now, time.monotonic()
        elif now >= want and time.monotonic() - since >= 1.0:
            break
        time.sleep(0.1)
    got = fake.per_channel()
    effects = Effects(expected=sum(expected.values()), received=sum(got.values()))
    for channel in set(expected) | set(got):
        difference = got.get(channel, 0) - expected.get(channel, 0)
        if difference > 0:
            effects.doubled += difference
            effects.doubled_in += ("dm" if channel.startswith("D") else channel,) * difference
        else:
            effects.lost -= difference
    return effects


@dataclass
class LoadResult:
    steps_per_second: float
    p50: float
    p99: float
    errors: int
    requests: int
    retries: int
    walks: int
    effects: Effects | None
    rss_idle: float
    rss_after: float
    views_expected: int = 0
    views_received: int = 0
    steps_per_walk: int = 0
    error_kinds: tuple[str, ...] = ()
    doubled_in: tuple[str, ...] = ()  # the kinds of channel (dm, the safety channel) where posts came twice
    server_log: str = ""  # the tail of our server's log (types and ids only: the server never logs text)


def load(kind: str, mentors: int, seconds: float, max_requests: int, database_url: str | None = None,
         settle: float = 60) -> LoadResult:
    """One load run against a fresh server of this kind, with its own fake Slack API and database."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        school = write_school(tmp / "school.yaml", mentors + 1)
        walk = calibrate(school, tmp, mentors)  # the last mentor is the calibration's
        url = database_url or f"sqlite:///{tmp / 'pestbot.db'}"
        with BenchSlack() as fake:
            server = start_server(kind, fake.url, school, url, tmp)
            try:
                time.sleep(1.0)
                rss_idle = rss_mb(server.process.pid)
                plan = {"server": server.url, "api_url": fake.url, "mentors": mentors, "first_mentor": 0,
                        "seconds": seconds, "max_requests": max_requests, "steps": walk.steps, "bare": kind == "bare"}
                result = run_client(plan, tmp, kind)
                effects = count_effects(fake, walk, result["walks"], 0, settle) if kind == "ours" else None
                rss_after = rss_mb(server.process.pid)
                views = len(fake.of("views.open"))
            finally:
                server.stop()
            log_tail = server.log.read_text()[-3000:] if server.log.exists() else ""
            if server.process.returncode not in (0, -2, 130, None) and kind == "ours":
                print(server.log.read_text()[-2000:], file=sys.stderr)
            assert not fake.violations, fake.violations[:3]
    latencies = result["latencies"]
    walks = sum(result["walks"].values())
    return LoadResult(steps_per_second=result["requests"] / result["elapsed"], p50=median(latencies),
                      p99=quantile(latencies, 0.99), errors=len(result["errors"]), requests=result["requests"],
                      retries=result["retries"], walks=walks, effects=effects, rss_idle=rss_idle, rss_after=rss_after,
                      views_expected=walks * walk.views, views_received=views,
                      steps_per_walk=len(walk.steps), error_kinds=tuple(result["errors"]),
                      doubled_in=effects.doubled_in if effects else (), server_log=log_tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="time cap of the load (walks under way finish)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request cap of the load")
    parser.add_argument("--postgres", action="store_true", help="the server on PostgreSQL instead of SQLite")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--check", action="store_true",
                        help="only our server under load, to count errors and lost or doubled posts (the load tests)")
    args = parser.parse_args()
    quiet()
    if args.check:
        with pg_schema() if args.postgres else nullcontext() as database_url:
            ours = load("ours", args.mentors, args.seconds, args.max_requests, database_url)
        effects = ours.effects or Effects()
        print(f"| errors under load | {ours.errors} |")
        print(f"| posts lost / doubled (fake Slack API) | {effects.lost} / {effects.doubled} |")
        print(f"{ours.requests} requests, {ours.walks} cases walked, {effects.expected} posts expected")
        if ours.errors or effects.lost or effects.doubled:  # what the test's failure message then shows
            print(f"errors: {sorted(Counter(ours.error_kinds).items())}; doubled in: "
                  f"{sorted(Counter(ours.doubled_in).items())}\nserver log (tail):\n{ours.server_log}")
        return

    with pg_schema() if args.postgres else nullcontext() as database_url:
        bare = load("bare", args.mentors, args.seconds, args.max_requests)
        ours = load("ours", args.mentors, args.seconds, args.max_requests, database_url)
        # One mentor alone: the time a step takes when nobody is queued in front of it.
        alone = load("ours", 1, min(args.seconds, 5), args.max_requests, database_url)
        bare_alone = load("bare", 1, min(args.seconds, 5), args.max_requests)
    effects = ours.effects or Effects()
    database = "PostgreSQL" if args.postgres else "SQLite (the embedded default, a file with WAL)"
    rows = [
        row(f"Slack steps per second, {args.mentors} mentors over HTTP", f"{ours.steps_per_second:.0f}/s",
            f"{bare.steps_per_second:.0f}/s (bare Bolt)", ratio(ours.steps_per_second, bare.steps_per_second),
            "≥ 300/s", ours.steps_per_second >= 300),
        row("Slack step latency over HTTP, p50", ms(ours.p50), f"{ms(bare.p50)} (bare Bolt)", ratio(ours.p50, bare.p50),
            "–"),
        row("Slack step latency over HTTP, p99", ms(ours.p99), f"{ms(bare.p99)} (bare Bolt)", ratio(ours.p99, bare.p99),
            "≤ 100 ms", ours.p99 <= 0.1),
        row(f"p50 that {args.mentors} mentors without pause imply at that rate ({args.mentors} / steps per second)",
            ms(args.mentors / ours.steps_per_second), f"{ms(args.mentors / bare.steps_per_second)} (bare Bolt)",
            "–", "–"),
        row("Slack step latency over HTTP, one mentor alone, p50 / p99", f"{ms(alone.p50)} / {ms(alone.p99)}",
            f"{ms(bare_alone.p50)} / {ms(bare_alone.p99)} (bare Bolt)", ratio(alone.p50, bare_alone.p50), "–"),
        row("errors under load", str(ours.errors), f"{bare.errors} (bare Bolt)", "–", "0", ours.errors == 0),
        row("posts lost / doubled (fake Slack API)", f"{effects.lost} / {effects.doubled}",
            f"{effects.expected} expected, {effects.received} received", "–", "0 / 0",
            effects.lost == 0 and effects.doubled == 0),
        row("modals opened (`views.open`)", str(ours.views_received), f"{ours.views_expected} expected", "–",
            "= expected", ours.views_received == ours.views_expected),
    ]
    notes = (f"`pestbot serve` (`python -m bot serve`, its worker running beside it) on 127.0.0.1 with {database}; "
             f"{args.mentors} simulated mentors in a separate load process (asyncio + aiohttp), each walking whole "
             f"cases (`/pest nieuw`, the intake modal, then fase 1 and fase 2 in {ours.steps_per_walk} clicks and typed "
             f"messages: {ours.steps_per_walk + 2} signed requests a case) with no pause between steps; {args.seconds:.0f} s time cap, "
             f"{args.max_requests:,} request cap. Ours: {ours.requests:,} requests ({ours.retries} of them Slack-style "
             f"retries of a message event, which must change nothing), {ours.walks} cases walked; bare Bolt: "
             f"{bare.requests:,} requests. Without pauses the mentors queue: by Little's law the median wait is about "
             f"mentors / throughput, so a p99 of 100 ms at {args.mentors} mentors needs well over "
             f"{args.mentors / 0.1:.0f} steps per second; the one-mentor row shows a step without a queue. "
             f"The bare reference is bench/bare_server.py: aiohttp, Bolt dispatched in a "
             f"thread, listeners that only ack. Effects counted per channel in the fake Slack API (this process), "
             f"the channel summaries the worker posts included (`bench/slack_load.py`).")
    publish("slack_load", "Slack over HTTP under load (issue 7, figure 2)", rows, notes, write=not args.no_write)

if __name__ == "__main__":
    main()
