"""What the benchmark scripts share: a bench school with many mentors, signed Slack payloads, statistics.

The payloads are the ones the Slack tests send (tests/slack/harness.py), built here without a server
object so that the load generator, a separate process, can use them too. Nothing here imports pytest.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from tests.slack.fake_slack import TEAM  # noqa: E402
from tests.slack.harness import SECRET  # noqa: E402

PYTHON = sys.executable
INTAKE = {"class_name": "2B", "department": "1", "bullied": "Anna de Jong", "bullies": "Bram Smit, Cas Peters",
          "what_happened": "Ze sluiten haar buiten in de pauze", "digital": "2"}
EXAMPLE = ROOT / "bot" / "data" / "school.example.yaml"
_verifier = SignatureVerifier(SECRET)


# --- the bench school: the example school plus numbered mentors -------------------------------------------

def mentor(n: int) -> tuple[str, str]:
    """(person id, Slack user id) of bench mentor n."""
    return f"bench{n:04d}", f"U0BENCH{n:04d}"


def write_school(path: Path, mentors: int) -> Path:
    """The example config with `mentors` extra mentors (bench0000 …), each with a Slack and a Teams id."""
    lines = [EXAMPLE.read_text(encoding="utf-8").rstrip("\n")]
    for n in range(mentors):
        person_id, user_id = mentor(n)
        lines += [f"  - id: {person_id}", f"    name: Mentor {n}", "    roles: [mentor]", "    department: onderbouw",
                  f'    ids: {{slack: {user_id}, teams: "29:{person_id}"}}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- signed Slack requests (as tests/slack/harness.py builds them) -------------------------------------

def signed(body: str, content_type: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": _verifier.generate_signature(timestamp=timestamp, body=body), **(extra or {})}


def form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps({"team": {"id": TEAM}, "api_app_id": "A0PESTBOT1", "token": "x",
                                             **payload})})


def command_body(user: str, text: str, n: int, api_url: str) -> str:
    return urlencode({"token": "x", "team_id": TEAM, "user_id": user, "command": "/pest", "text": text,
                      "channel_id": "C0GENERAL1", "trigger_id": f"trigger.{n}",
                      "response_url": api_url.replace("/api/", f"/commands/{n}"), "api_app_id": "A0PESTBOT1"})


def click_body(user: str, case_id: str, question_id: str, value: str, n: int) -> str:
    button_value = json.dumps({"c": case_id, "q": question_id, "v": value}, separators=(",", ":"))
    return form({"type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger.{n}",
                 "channel": {"id": "D" + user[1:]}, "container": {"type": "message"},
                 "actions": [{"type": "button", "block_id": "b", "action_id": "choice:0", "value": button_value,
                              "action_ts": f"{1700000000 + n}.{os.getpid() % 1000000:06d}"}]})


def intake_body(user: str, n: int) -> str:
    state = {}
    for block_id, value in INTAKE.items():
        if block_id in ("department", "digital"):
            state[block_id] = {"value": {"type": "static_select", "selected_option": {"value": value}}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
    return form({"type": "view_submission", "user": {"id": user}, "trigger_id": f"trigger.{n}",
                 "view": {"id": f"V{os.getpid() % 100000:05d}{n:09d}", "type": "modal", "callback_id": "pestbot_intake", "hash": "h",
                          "blocks": [{"block_id": "class_name"}], "state": {"values": state}}})


def dm_body(user: str, text: str, event_id: str) -> str:
    return json.dumps({"token": "x", "team_id": TEAM, "api_app_id": "A0PESTBOT1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()),
                       "event": {"type": "message", "channel_type": "im", "channel": "D" + user[1:], "user": user,
                                 "text": text, "ts": f"{time.time():.6f}"}})


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


# --- numbers -------------------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}×" if reference else "–"


def quiet() -> None:
    """Bolt and botbuilder log at INFO what a benchmark does not need."""
    logging.basicConfig(level=logging.WARNING)
    for name in ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp.access", "msrest"):
        logging.getLogger(name).setLevel(logging.WARNING)


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


PG = os.environ.get("PESTBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A database URL on the PostgreSQL of this machine, in a schema of its own, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    schema = f"pestbot_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def latency_rows(figure: str, ours: list[float], bare: list[float], reference: str,
                 factor: float | None) -> list[str]:
    """The median row (with its target: ours ≤ factor × the reference; none without a factor) and the p99 row."""
    from bench.report import row

    ours_med, bare_med = median(ours), median(bare)
    ours_p99, bare_p99 = quantile(ours, 0.99), quantile(bare, 0.99)
    return [
        row(f"{figure}, median", ms(ours_med), f"{ms(bare_med)} ({reference})", ratio(ours_med, bare_med),
            *((f"≤ {factor:g}× {reference}", ours_med <= factor * bare_med) if factor is not None else ())),
        row(f"{figure}, p99", ms(ours_p99), f"{ms(bare_p99)} ({reference})", ratio(ours_p99, bare_p99), "–"),
    ]
