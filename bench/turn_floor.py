"""Diagnostic: what a click's turn costs through our services (SQLAlchemy's ORM), against the same SQL
statements sent through Python's sqlite3 module directly, on the same database file.

    python bench/turn_floor.py [--turns 400] [--mentors 50] [--no-write]

Both answer question 1 of a case of their own, opened by the real use case (`start_case`). Ours:
`flows.services.handle_click` (no Slack, no Bolt). The reference runs the seven statements a click
makes (README, "How it is built") with the same encryption: read the conversation, read the case
joined with its answers and decrypt them, then in one transaction claim the receipt, insert the event
and the audit record, bump the case's version, insert the encrypted answer, commit. It decides nothing
and renders nothing, so it is a floor for the database part of a turn, not a second implementation.
The two take turns per case, so that drift of the machine hits both. No target: this explains figure 1.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latency_rows, quiet, write_school  # noqa: E402
from bench.report import publish  # noqa: E402

QUESTION = "spoke_bullied"


def direct_turn(connection: sqlite3.Connection, cipher, person_id: str, case_id: str, key: str) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    connection.execute("SELECT person_id, active_case_id, pending, language, updated_at FROM conversations "
                       "WHERE person_id = ?", (person_id,)).fetchone()
    rows = connection.execute("SELECT cases.version, answers.value FROM cases LEFT OUTER JOIN answers "
                              "ON answers.case_id = cases.id WHERE cases.id = ?", (case_id,)).fetchall()
    for _version, value in rows:
        if value is not None:
            json.loads(cipher.decrypt(value.encode("ascii")))
    version = rows[0][0]
    seal = lambda value: cipher.encrypt(json.dumps(value).encode()).decode("ascii")  # noqa: E731
    connection.execute("BEGIN")
    claimed = connection.execute("INSERT INTO receipts (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key",
                                 (key, now)).fetchone()
    assert claimed is not None
    connection.execute("INSERT INTO events (case_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)",
                       (case_id, now, person_id, "answered", seal({"question": QUESTION, "value": "yes"})))
    connection.execute("INSERT INTO audit (at, actor, action, case_id, detail) VALUES (?, ?, ?, ?, ?)",
                       (now, person_id, "change", case_id, json.dumps({"events": ["answered"]})))
    updated = connection.execute("UPDATE cases SET updated_at = ?, version = ? WHERE id = ? AND version = ?",
                                 (now, version + 1, case_id, version)).rowcount
    assert updated == 1
    connection.execute("INSERT INTO answers (case_id, question_id, value, skipped, answered_by, answered_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (case_id, QUESTION, seal("yes"), 0, person_id, now))
    connection.execute("COMMIT")


def measure(turns: int, mentors: int) -> tuple[list[float], list[float]]:
    from bench.slack_step import open_cases
    from bot.clock import SystemClock
    from bot.wiring import build
    from flows.services import handle_click
    from storage.crypto import cipher_of

    with tempfile.TemporaryDirectory() as tmp:
        school = write_school(Path(tmp) / "school.yaml", mentors)
        wired = build(school, f"sqlite:///{tmp}/pestbot.db", SystemClock())
        cipher = cipher_of(wired.engine.dialect)
        connection = sqlite3.connect(f"{tmp}/pestbot.db", isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")  # as storage/database.py sets it (WAL is in the file)
        connection.execute("PRAGMA foreign_keys=ON")
        cases = open_cases(wired.app, 2 * turns, mentors)

        def services_turn(person_id: str, case_id: str) -> None:
            handle_click(wired.app, person_id, case_id, QUESTION, "1", f"bench:{case_id}")

        def sqlite_turn(person_id: str, case_id: str) -> None:
            direct_turn(connection, cipher, person_id, case_id, f"bench:{case_id}")

        ours: list[float] = []
        direct: list[float] = []
        for n in range(turns):  # alternating, each on a case of its own
            for times, (user, case_id), turn in ((ours, cases[2 * n], services_turn),
                                                 (direct, cases[2 * n + 1], sqlite_turn)):
                person_id = wired.app.school.by_platform_id("slack", user).id
                started = time.perf_counter()
                turn(person_id, case_id)
                times.append(time.perf_counter() - started)
        stored = connection.execute("SELECT count(*) FROM answers WHERE question_id = ?", (QUESTION,)).fetchone()[0]
        assert stored == 2 * turns, f"{stored} answers stored, {2 * turns} expected"  # both kinds really answered
        connection.close()
        wired.engine.dispose()
    return ours, direct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=400, help="timed turns of each kind")
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()
    ours, direct = measure(args.turns, args.mentors)
    rows = latency_rows("A click's turn through the services (SQLAlchemy ORM)", ours, direct,
                        "the same statements through sqlite3", None)  # a diagnostic: no target
    notes = (f"{len(ours)} turns each, alternating, on one SQLite file (WAL), each answering question 1 of a case of "
             f"its own; the reference sends the click's seven statements and its encryption through Python's sqlite3 "
             f"directly and decides nothing, so it is the floor of the database part of a turn (`bench/turn_floor.py`).")
    publish("turn_floor", "A turn without the ORM (diagnostic for figure 1)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
