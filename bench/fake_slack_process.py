"""The fake Slack Web API of bench/slack_load.py, in a process of its own (issue 17: the fake platform must not
take CPU from, or share a GIL with, the process that measures).

    python bench/fake_slack_process.py      # prints its URL, serves until its stdin closes

It is the tests' FakeSlack (tests/slack/fake_slack.py: HTTP/1.1 keep-alive, a listen backlog of 128, Block Kit
limits checked) plus two methods of the bench's own: `bench.case`, the cases whose buttons a channel has shown
(the load client finds the case its intake opened), and `bench.counts`, what the load made it receive.
`FakeSlackProcess` starts it and reads those counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.slack.fake_slack import FakeSlack  # noqa: E402


class BenchSlack(FakeSlack):
    """`bench.case`: the cases whose buttons a channel has shown, in the order they first appeared (what a
    mentor reads in the replies). Not only the newest: a late post about the mentor's previous case (a reply
    the worker sent after its lease) would hide the new one, and the load client would give up on a walk the
    server did carry out. `bench.counts`: posts per channel, modals opened, Block Kit violations."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, list[str]] = {}

    def answer(self, method: str, params: dict[str, Any], token: str | None,
               alive: Any = lambda: True) -> dict[str, Any] | None:
        if method == "bench.case":
            return {"ok": True, "cases": list(self.cases.get(params.get("channel", ""), []))}
        if method == "bench.counts":
            return {"ok": True, "per_channel": dict(self.per_channel()), "views": len(self.of("views.open")),
                    "violations": self.violations[:3]}
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


class FakeSlackProcess:
    """BenchSlack in a child process: its URL, and its counts over HTTP."""

    def __enter__(self) -> FakeSlackProcess:
        self.process = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.url = (self.process.stdout.readline() if self.process.stdout else "").strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError("the fake Slack API did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.stdin:
            self.process.stdin.close()  # its signal to stop
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def counts(self) -> dict[str, Any]:
        request = urllib.request.Request(self.url + "bench.counts", data=b"{}",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def per_channel(self) -> Counter:
        return Counter(self.counts()["per_channel"])


def main() -> None:
    with BenchSlack() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()  # until the bench closes our stdin


if __name__ == "__main__":
    main()
