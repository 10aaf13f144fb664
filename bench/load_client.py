"""The load generator of bench/slack_load.py, a process of its own: simulated mentors walking whole cases.

    python bench/load_client.py PLAN.json RESULT.json

The plan (written by slack_load.py) names the server, the fake Slack API, the mentors, the steps of one
walk, the time cap and the request cap. Each mentor (a coroutine; one aiohttp session) walks case after
case: `/pest nieuw`, the intake modal, then every step of fase 1 and fase 2 as a click or a typed direct
message, each one signed, each sent as soon as the previous one was acknowledged. A new walk starts only
while the caps allow, so every walk that starts is finished. Every tenth message event is delivered a
second time, as Slack retries it (same event_id, X-Slack-Retry-Num: 1). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import itertools
import json
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

    async def send(self, session: aiohttp.ClientSession, body: str, kind: str,
                   extra: dict[str, str] | None = None) -> bool:
        self.requests += 1
        headers = signed(body, kind, extra)
        started = time.perf_counter()
        try:
            async with session.post(self.plan["server"] + "/slack/events", data=body.encode(), headers=headers) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
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
            if not await self.send(session, command_body(user, "nieuw", next(self.ids), self.plan["api_url"]), FORM):
                return
            if not await self.send(session, intake_body(user, next(self.ids)), FORM):
                return
            case_id = await self.case_id(session, user, known)
            if case_id is None:
                return
            for kind, *args in steps:
                if kind == "click":
                    question_id, value = args
                    ok = await self.send(session, click_body(user, case_id, question_id, value, next(self.ids)), FORM)
                else:
                    event_id = f"Ev{person_id}{next(self.ids):09d}"
                    body = dm_body(user, args[0], event_id)
                    ok = await self.send(session, body, JSON)
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
            started = time.perf_counter()
            await asyncio.gather(*(self.mentor(session, plan["first_mentor"] + i) for i in range(plan["mentors"])))
            elapsed = time.perf_counter() - started
        return {"latencies": self.latencies, "errors": self.errors, "walks": self.walks, "requests": len(self.latencies),
                "retries": self.retries, "elapsed": elapsed}


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(Load(plan).run())
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
