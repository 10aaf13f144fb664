"""Slack over HTTP under load: `pestbot serve` on 127.0.0.1, simulated mentors walking whole cases with
signed requests, a fake Slack Web API on 127.0.0.1 counting every effect; and the same load against a
bare Bolt app served the same way (bench/bare_server.py).

    python bench/slack_load.py [--mentors 50] [--seconds 20] [--max-requests 20000] [--rates 25,50] [--postgres]
                               [--no-write]

Four processes: this one, the fake Slack API (bench/fake_slack_process.py), the server, and the load generator
(bench/load_client.py, asyncio + aiohttp): a closed loop (each mentor's next step as soon as the last was
answered), then an open loop at each of `--rates` (Poisson arrivals, latency from the scheduled arrival). The
server's CPU per request is read from the OS. One walk: `/pest nieuw`, the intake modal, fase 1 and fase 2
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.calibration import Walk, calibrate  # noqa: E402
from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    SECRET,
    median,
    ms,
    pg_schema,
    quantile,
    quiet,
    ratio,
    rss_mb,
    write_school,
)
from bench.fake_slack_process import FakeSlackProcess  # noqa: E402
from bench.report import publish, row  # noqa: E402

SAFETY = "C0SAFETY01"


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


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far, user and system, as the OS counts it (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def count_effects(fake: FakeSlackProcess, walk: Walk, walks: dict[str, int], first_mentor: int, settle: float) -> Effects:
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
    cpu_per_step: float = 0.0  # the server process's CPU seconds (OS: user + system) per request served
    rate: float = 0.0  # open loop: the offered steps per second (0: the closed loop)
    timed: tuple[float, ...] = ()  # open loop: each arrival's latency from its scheduled time
    dropped: int = 0  # open loop: arrivals that found every mentor waiting


def load(kind: str, mentors: int, seconds: float, max_requests: int, database_url: str | None = None,
         settle: float = 60, rate: float = 0.0) -> LoadResult:
    """One load run against a fresh server of this kind, with its own fake Slack API (a process of its own) and
    database; a closed loop, or with `rate` an open one (bench/load_client.py)."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        school = write_school(tmp / "school.yaml", mentors + 1)
        walk = calibrate(school, tmp, mentors)  # the last mentor is the calibration's
        url = database_url or f"sqlite:///{tmp / 'pestbot.db'}"
        with FakeSlackProcess() as fake:
            server = start_server(kind, fake.url, school, url, tmp)
            try:
                time.sleep(1.0)
                rss_idle = rss_mb(server.process.pid)
                plan = {"server": server.url, "api_url": fake.url, "mentors": mentors, "first_mentor": 0,
                        "seconds": seconds, "max_requests": max_requests, "steps": walk.steps, "bare": kind == "bare",
                        "rate": rate}
                cpu_before = cpu_seconds(server.process.pid)
                result = run_client(plan, tmp, kind)
                effects = count_effects(fake, walk, result["walks"], 0, settle) if kind == "ours" else None
                cpu = cpu_seconds(server.process.pid) - cpu_before  # the worker's posts after the load included
                rss_after = rss_mb(server.process.pid)
                counts = fake.counts()
            finally:
                server.stop()
            log_tail = server.log.read_text()[-3000:] if server.log.exists() else ""
            if server.process.returncode not in (0, -2, 130, None) and kind == "ours":
                print(server.log.read_text()[-2000:], file=sys.stderr)
            assert not counts["violations"], counts["violations"]
            views = counts["views"]
    latencies = result["latencies"]
    walks = sum(result["walks"].values())
    return LoadResult(steps_per_second=result["requests"] / result["elapsed"], p50=median(latencies),
                      p99=quantile(latencies, 0.99), errors=len(result["errors"]), requests=result["requests"],
                      retries=result["retries"], walks=walks, effects=effects, rss_idle=rss_idle, rss_after=rss_after,
                      views_expected=walks * walk.views, views_received=views,
                      steps_per_walk=len(walk.steps), error_kinds=tuple(result["errors"]),
                      doubled_in=effects.doubled_in if effects else (), server_log=log_tail,
                      cpu_per_step=cpu / max(1, result["requests"]), rate=rate, timed=tuple(result["timed"]),
                      dropped=result["dropped"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="time cap of the load (walks under way finish)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request cap of the load")
    parser.add_argument("--postgres", action="store_true", help="the server on PostgreSQL instead of SQLite")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--rates", default="25,50", help="open-loop arrival rates (steps per second), comma-separated")
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
        open_loop = []  # (ours, bare) per rate, the order alternating
        for n, rate in enumerate(float(r) for r in args.rates.split(",") if r):
            pair = [("ours", database_url), ("bare", None)]
            done = {kind: load(kind, args.mentors, args.seconds, args.max_requests, url, rate=rate)
                    for kind, url in (pair if n % 2 == 0 else pair[::-1])}
            open_loop.append((done["ours"], done["bare"]))
    effects = ours.effects or Effects()
    database = "PostgreSQL" if args.postgres else "SQLite (the embedded default, a file with WAL)"
    rows = [
        row(f"Slack steps per second, {args.mentors} mentors over HTTP", f"{ours.steps_per_second:.0f}/s",
            f"{bare.steps_per_second:.0f}/s (bare Bolt)", ratio(ours.steps_per_second, bare.steps_per_second),
            "≥ 0.10× bare Bolt", ours.steps_per_second >= 0.1 * bare.steps_per_second),
        row("Slack step latency over HTTP, p50", ms(ours.p50), f"{ms(bare.p50)} (bare Bolt)", ratio(ours.p50, bare.p50),
            "–"),
        row("Slack step latency over HTTP, p99", ms(ours.p99), f"{ms(bare.p99)} (bare Bolt)", ratio(ours.p99, bare.p99),
            "–"),
        row("server CPU per request, closed loop (OS: user + system, the worker's included)",
            ms(ours.cpu_per_step), f"{ms(bare.cpu_per_step)} (bare Bolt)", ratio(ours.cpu_per_step, bare.cpu_per_step),
            "–"),
        row(f"p50 that {args.mentors} mentors without pause imply at that rate ({args.mentors} / steps per second)",
            ms(args.mentors / ours.steps_per_second), f"{ms(args.mentors / bare.steps_per_second)} (bare Bolt)",
            "–", "–"),
        row("Slack step latency over HTTP, one mentor alone, p50 / p99", f"{ms(alone.p50)} / {ms(alone.p99)}",
            f"{ms(bare_alone.p50)} / {ms(bare_alone.p99)} (bare Bolt)", ratio(alone.p50, bare_alone.p50), "–"),
        *open_rows(open_loop, args.seconds),
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
             f"thread, listeners that only ack. Effects counted per channel in the fake Slack API, "
             f"the channel summaries the worker posts included (`bench/slack_load.py`).")
    notes += (f" Open loop: steps arrive as a Poisson process at each rate for {args.seconds:.0f} s, each to a mentor "
              f"not waiting for an answer, latency counted from the scheduled arrival; ours and bare Bolt take turns "
              f"per rate. The fake Slack API runs in a process of its own; the server's CPU is read from "
              f"/proc/PID/stat before and after each run.")
    publish("slack_load", "Slack over HTTP under load (issue 7, figure 2; issue 17)", rows, notes,
            write=not args.no_write)


def open_rows(runs: list[tuple[LoadResult, LoadResult]], seconds: float) -> list[str]:
    """Per offered rate: p50 / p99 from the scheduled arrival, the achieved rate, dropped arrivals, errors, posts
    lost or doubled; at 50 steps/s the issue's target (p99 ≤ 100 ms, 0 errors, 0 lost or doubled)."""
    rows = []
    for ours, bare in runs:
        effects = ours.effects or Effects()
        p50, p99 = median(list(ours.timed)), quantile(list(ours.timed), 0.99)
        bare50, bare99 = median(list(bare.timed)), quantile(list(bare.timed), 0.99)
        clean = ours.errors == 0 and effects.lost == 0 and effects.doubled == 0
        target = ("p99 ≤ 100 ms, 0 errors, 0 lost / doubled", p99 <= 0.1 and clean) if ours.rate == 50 else ("–",)
        rows.append(row(f"Slack open loop at {ours.rate:g} steps/s over HTTP, p50 / p99", f"{ms(p50)} / {ms(p99)}",
                        f"{ms(bare50)} / {ms(bare99)} (bare Bolt)", ratio(p99, bare99), *target))
        rows.append(row(f"… at {ours.rate:g} steps/s: achieved, dropped arrivals, errors, lost / doubled, "
                        f"server CPU per request (OS)",
                        f"{len(ours.timed) / seconds:.1f}/s, {ours.dropped}, {ours.errors}, "
                        f"{effects.lost} / {effects.doubled}, {ms(ours.cpu_per_step)}",
                        f"{len(bare.timed) / seconds:.1f}/s, {bare.dropped}, {bare.errors}, –, "
                        f"{ms(bare.cpu_per_step)} (bare Bolt)", "–", "–"))
    return rows


if __name__ == "__main__":
    main()
