"""The load generator of bench/slack_load.py, a process of its own: simulated mentors walking whole cases.

    python bench/load_client.py PLAN.json RESULT.json

The plan (written by slack_load.py) names the server, the fake Slack API, the mentors, the steps of one
walk, the time cap and the request cap. Each mentor (a coroutine; one aiohttp session) walks case after
case: `/pest nieuw`, the intake modal, then every step of fase 1 and fase 2 as a click or a typed direct
message, each one signed, each sent as soon as the previous one was acknowledged. A new walk starts only
while the caps allow, so every walk that starts is finished. Every tenth message event is delivered a
second time, as Slack retries it (same event_id, X-Slack-Retry-Num: 1). Traffic goes to 127.0.0.1 only.

With `rate` in the plan the load is an open loop instead: steps arrive as a Poisson process at that many per
second (exponential gaps, a seeded generator), the way mentors with think time arrive, each given to a mentor
who is not waiting for an answer. A step's latency counts from its scheduled arrival, not from its sending, so
a slow server cannot hide its queue (no coordinated omission); an arrival that finds every mentor waiting is
counted as dropped, never silently skipped. After the time cap the walks under way finish untimed, so that the
posts of every walk can still be counted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from bench.common import FORM, JSON, click_body, command_body, dm_body, intake_body, mentor, signed  # noqa: E402

PLACEHOLDER = "CASE"


class Load:
    def __init__(self, plan: dict) -> None:
        self.plan = plan
        for url in (plan["server"], plan["api_url"]):
            assert url.startswith("http://127.0.0.1:"), "traffic to 127.0.0.1 only"
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.walks: dict[str, int] = {}
        self.requests = 0
        self.retries = 0
        self.ids = itertools.count(1)
        self.deadline = 0.0
        self.gates: dict[int, Gate] = {}  # open loop: per mentor, where its next arrival is handed over
        self.closed = False  # open loop: no more arrivals; walks under way finish untimed
        self.timed: list[float] = []  # open loop: each arrival's latency, from its scheduled time
        self.dropped = 0

    async def step(self, session: aiohttp.ClientSession, n: int, body: str, kind: str, first: bool = False) -> bool:
        """One step of mentor `n`: at once (closed loop), or when an arrival is handed to it (open loop). A walk's
        first step is not sent once the open loop is over (False): no walk starts untimed."""
        gate = self.gates.get(n)
        arrival = await gate.wait(self) if gate is not None else None
        if gate is not None and arrival is None and first:
            return False
        ok = await self.send(session, body, kind)
        if arrival is not None and ok:
            self.timed.append(time.perf_counter() - arrival)
        return ok

    async def arrivals(self, rate: float, seconds: float) -> None:
        """Poisson arrivals for `seconds`, each to a random mentor that is waiting for one."""
        rng = random.Random(17)
        moment = time.perf_counter()
        end = moment + seconds
        while True:
            moment += rng.expovariate(rate)
            if moment >= end:
                break
            if (delay := moment - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            ready = [gate for gate in self.gates.values() if gate.ready]
            if not ready:
                self.dropped += 1
                continue
            rng.choice(ready).hand(moment)
        self.closed = True
        for gate in self.gates.values():
            gate.hand(None)

    async def send(self, session: aiohttp.ClientSession, body: str, kind: str,
                   extra: dict[str, str] | None = None) -> bool:
        self.requests += 1
        headers = signed(body, kind, extra)
        started = time.perf_counter()
        try:
            async with session.post(self.plan["server"] + "/slack/events", data=body.encode(), headers=headers) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.errors.append(type(exc).__name__)
            return False
        self.latencies.append(time.perf_counter() - started)
        if status != 200:
            self.errors.append(f"HTTP {status}")
            return False
        return True

    async def case_id(self, session: aiohttp.ClientSession, user: str, known: set[str]) -> str | None:
        """The case the intake just opened: the first case the mentor's chat shows that they did not know."""
        if self.plan["bare"]:
            return "BARE-BARE-BARE"
        give_up = time.monotonic() + 20
        while time.monotonic() < give_up:
            async with session.post(self.plan["api_url"] + "bench.case", data={"channel": "D" + user[1:]}) as r:
                shown = (await r.json()).get("cases") or []
            new = next((case for case in shown if case not in known), None)
            if new is not None:
                known.add(new)
                return new
            await asyncio.sleep(0.01)
        self.errors.append("no intake reply")
        return None

    def may_start(self, cost: int) -> bool:
        if time.monotonic() >= self.deadline or self.requests + cost > self.plan["max_requests"]:
            return False
        return True

    async def mentor(self, session: aiohttp.ClientSession, n: int) -> None:
        person_id, user = mentor(n)
        steps = self.plan["steps"]
        cost = 2 + len(steps) + sum(1 for s in steps if s[0] == "dm") // 10 + 1
        case_id: str | None = None
        known: set[str] = set()
        dms = 0
        self.walks[person_id] = 0
        while self.may_start(cost):
            command = command_body(user, "nieuw", next(self.ids), self.plan["api_url"])
            if not await self.step(session, n, command, FORM, first=True):
                return
            if not await self.step(session, n, intake_body(user, next(self.ids)), FORM):
                return
            case_id = await self.case_id(session, user, known)
            if case_id is None:
                return
            for kind, *args in steps:
                if kind == "click":
                    question_id, value = args
                    ok = await self.step(session, n, click_body(user, case_id, question_id, value, next(self.ids)),
                                         FORM)
                else:
                    event_id = f"Ev{person_id}{next(self.ids):09d}"
                    body = dm_body(user, args[0], event_id)
                    ok = await self.step(session, n, body, JSON)
                    dms += 1
                    if ok and dms % 10 == 0:
                        self.retries += 1
                        ok = await self.send(session, body, JSON,
                                             {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
                if not ok:
                    return
            self.walks[person_id] += 1

    async def run(self) -> dict:
        plan = self.plan
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=plan["mentors"] + 10)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            self.deadline = time.monotonic() + plan["seconds"]
            mentors = [plan["first_mentor"] + i for i in range(plan["mentors"])]
            if plan.get("rate"):
                self.gates = {n: Gate() for n in mentors}
            started = time.perf_counter()
            work = [self.mentor(session, n) for n in mentors]
            if plan.get("rate"):
                work.append(self.arrivals(plan["rate"], plan["seconds"]))
            await asyncio.gather(*work)
            elapsed = time.perf_counter() - started
        return {"latencies": self.latencies, "errors": self.errors, "walks": self.walks,
                "requests": len(self.latencies), "retries": self.retries, "elapsed": elapsed, "timed": self.timed,
                "dropped": self.dropped}


class Gate:
    """Where the open loop hands one mentor its next arrival (the scheduled time), or None once it is over."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[float | None] = asyncio.Queue()
        self.ready = False  # waiting for an arrival, none handed yet

    async def wait(self, load: Load) -> float | None:
        if load.closed:
            return None
        self.ready = True
        try:
            return await self.queue.get()
        finally:
            self.ready = False

    def hand(self, arrival: float | None) -> None:
        if arrival is None or self.ready and self.queue.empty():
            self.ready = arrival is None and self.ready
            self.queue.put_nowait(arrival)


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(Load(plan).run())
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
