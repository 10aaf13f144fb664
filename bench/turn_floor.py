"""A click's turn through our services against the floor: the same SQL statements, with the same encryption,
sent through the database driver directly, on the same database (SQLite file, then PostgreSQL).

    python bench/turn_floor.py [--turns 400] [--mentors 50] [--databases sqlite,postgresql] [--no-write]

Both answer question 1 of a case of their own, opened by the real use case (`start_case`). Ours:
`flows.services.handle_click` (no Slack, no Bolt). The floor runs, in one transaction, the eleven
statements such a click makes (README, "How it is built"): read the conversation (decrypt its pending
question), the case, its answers (decrypt them), agreements and members; claim the receipt; insert the
event and the audit record (encrypt the event's data); write the conversation's changed columns, the
case's new version (`WHERE version = ?`) and the encrypted answer; commit. It decides nothing and renders
nothing, so it is the floor of a turn's database part, not a second implementation. The two take turns
per case, so that drift of the machine hits both alike. Targets (issue 17): ≤ 2× on SQLite, ≤ 1.3× on
PostgreSQL.
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
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latency_rows, pg_schema, quiet, write_school  # noqa: E402
from bench.report import publish  # noqa: E402

QUESTION = "spoke_bullied"


def direct_turn(connection, cipher, person_id: str, case_id: str, key: str, postgres: bool) -> None:  # type: ignore[no-untyped-def]
    def run(sql: str, params: tuple) -> Any:  # type: ignore[type-arg]
        cursor = connection.cursor()
        cursor.execute(sql.replace("?", "%s") if postgres else sql, params)
        return cursor

    moment = datetime.now(UTC).replace(tzinfo=None)
    now = moment if postgres else moment.isoformat(" ")
    seal = lambda value: cipher.encrypt(json.dumps(value).encode()).decode("ascii")  # noqa: E731
    if not postgres:
        run("BEGIN", ())
    conversation = run("SELECT person_id, active_case_id, pending, language, updated_at FROM conversations "
                       "WHERE person_id = ?", (person_id,)).fetchone()
    if conversation[2] is not None:
        json.loads(cipher.decrypt(conversation[2].encode("ascii")))
    version = run("SELECT id, mentor_id, state, closed_from, class_name, department, created_at, updated_at, "
                  "phase_started_at, evaluation_due, version FROM cases WHERE id = ?", (case_id,)).fetchone()[10]
    for row in run("SELECT id, case_id, question_id, value, skipped, answered_by, answered_at FROM answers "
                   "WHERE case_id = ? ORDER BY id", (case_id,)).fetchall():
        if row[3] is not None:
            json.loads(cipher.decrypt(row[3].encode("ascii")))
    run("SELECT id, case_id, question_id, what, how_checked, if_broken, created_by, created_at FROM agreements "
        "WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
    run("SELECT case_id, person_id, role, added_by, added_at FROM case_members WHERE case_id = ? ORDER BY added_at",
        (case_id,)).fetchall()
    claimed = run('INSERT INTO receipts ("key", at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING "key"',
                  (key, now)).fetchone()
    assert claimed is not None
    run("INSERT INTO events (case_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)",
        (case_id, now, person_id, "answered", seal({"question": QUESTION, "value": "yes"})))
    run("INSERT INTO audit (at, actor, action, case_id, detail) VALUES (?, ?, ?, ?, ?)",
        (now, person_id, "change", case_id, json.dumps({"events": ["answered"]})))
    run("UPDATE conversations SET pending = ?, updated_at = ? WHERE person_id = ?",
        (seal({"question_id": "spoke_others"}), now, person_id))
    updated = run("UPDATE cases SET updated_at = ?, version = ? WHERE id = ? AND version = ?",
                  (now, version + 1, case_id, version)).rowcount
    assert updated == 1
    run("INSERT INTO answers (case_id, question_id, value, skipped, answered_by, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (case_id, QUESTION, seal("yes"), False, person_id, now)).fetchone()
    if postgres:
        connection.commit()
    else:
        run("COMMIT", ())


def measure(turns: int, mentors: int, url: str = "") -> tuple[list[float], list[float]]:
    from bench.slack_step import open_cases
    from bot.clock import SystemClock
    from bot.wiring import build
    from flows.services import handle_click
    from storage.crypto import cipher_of

    with tempfile.TemporaryDirectory() as tmp:
        school = write_school(Path(tmp) / "school.yaml", mentors)
        postgres = bool(url)
        if postgres:  # a server is upgraded on purpose (storage/database.py); with the key the app finds too
            from bot.keys import resolve_cipher
            from storage.database import make_engine, upgrade

            engine = make_engine(url, cipher=resolve_cipher(url))
            upgrade(engine)
            engine.dispose()
        wired = build(school, url or f"sqlite:///{tmp}/pestbot.db", SystemClock())
        cipher = cipher_of(wired.engine.dialect)
        if postgres:  # the driver's own connection, from the same pool settings (search_path included)
            raw = wired.engine.raw_connection()
            connection = raw.driver_connection
        else:
            raw = None
            connection = sqlite3.connect(f"{tmp}/pestbot.db", isolation_level=None)
            connection.execute("PRAGMA synchronous=NORMAL")  # as storage/database.py sets it (WAL is in the file)
            connection.execute("PRAGMA foreign_keys=ON")
        cases = open_cases(wired.app, 2 * turns, mentors)

        def services_turn(person_id: str, case_id: str) -> None:
            handle_click(wired.app, person_id, case_id, QUESTION, "1", f"bench:{case_id}")

        def direct(person_id: str, case_id: str) -> None:
            direct_turn(connection, cipher, person_id, case_id, f"bench:{case_id}", postgres)

        ours: list[float] = []
        floor: list[float] = []
        for n in range(turns):  # alternating, each on a case of its own, the order swapped every turn
            pair = [(ours, cases[2 * n], services_turn), (floor, cases[2 * n + 1], direct)]
            for times, (user, case_id), turn in (pair if n % 2 else pair[::-1]):
                person_id = wired.app.school.by_platform_id("slack", user).id
                started = time.perf_counter()
                turn(person_id, case_id)
                times.append(time.perf_counter() - started)
        with wired.engine.connect() as check:
            stored = check.execute(sa.text("SELECT count(*) FROM answers WHERE question_id = :q"),
                                   {"q": QUESTION}).scalar()
        assert stored == 2 * turns, f"{stored} answers stored, {2 * turns} expected"  # both kinds really answered
        if raw is not None:
            raw.close()
        else:
            connection.close()
        wired.engine.dispose()
    return ours, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=400, help="timed turns of each kind")
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()
    rows = []
    for database in args.databases.split(","):
        if database == "postgresql":
            with pg_schema() as url:
                ours, floor = measure(args.turns, args.mentors, url)
            target = 1.3
        else:
            ours, floor = measure(args.turns, args.mentors)
            target = 2
        name = "SQLite file" if database == "sqlite" else "PostgreSQL"
        rows += latency_rows(f"A click's turn through the services, {name}", ours, floor,
                             "the same statements through the driver", target)
    notes = (f"{args.turns} turns each, alternating, each answering question 1 of a case of its own; the floor sends the "
             f"click's eleven statements and its encryption through the driver (sqlite3, psycopg) directly and decides "
             f"nothing (`bench/turn_floor.py`). The p99 rows carry no target: one slow commit decides them.")
    publish("turn_floor", "A turn against the floor of its statements (issue 17)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
