"""Growth: the in-process Slack step (bench/slack_step.py, our app only) with 100, 10,000 and 100,000 cases
in the database, on SQLite and on PostgreSQL.

    python bench/growth.py [--sizes 100,10000,100000] [--requests 300] [--databases sqlite,postgresql] [--no-write]

The cases are seeded with SQL (fast), as a board with many schools has them: spread over many mentors,
each with its answers, events, a reminder and handled-request receipts; then the timed clicks answer
question 1 of fresh cases, as in figure 1. One database grows from size to size. PostgreSQL is the one of
this machine (PESTBOT_BENCH_POSTGRES_URL to use another), in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.common import median, ms, pg_schema, quantile, quiet, ratio, write_school  # noqa: E402
from bench.report import publish, row  # noqa: E402

CHUNK = 5_000


def seed(engine: sa.Engine, start: int, stop: int) -> None:
    """Cases start … stop-1 of 5,000 seeded mentors, in every phase; two answers, two events, a reminder and
    two receipts each."""
    from storage.tables import answers, cases, conversations, events, receipts, reminders

    past = datetime(2026, 9, 1, 8, tzinfo=UTC)
    states = ["fase1", "fase2", "monitoring2", "fase3", "closed"]
    with engine.begin() as connection:
        for low in range(start, stop, CHUNK):
            numbers = range(low, min(stop, low + CHUNK))
            ids = {n: f"S{n:07d}-00-000"[:14] for n in numbers}
            connection.execute(sa.insert(cases), [
                {"id": ids[n], "mentor_id": f"seed{n % 5000:04d}", "state": states[n % 5],
                 "closed_from": "fase2" if n % 5 == 4 else None, "class_name": "3C", "department": "bovenbouw",
                 "created_at": past, "updated_at": past, "phase_started_at": past,
                 "evaluation_due": past + timedelta(weeks=4), "version": 3} for n in numbers])
            connection.execute(sa.insert(answers), [
                {"case_id": ids[n], "question_id": q, "value": "yes", "skipped": False, "answered_by": f"seed{n % 5000:04d}",
                 "answered_at": past} for n in numbers for q in ("class_name", "spoke_bullied")])
            connection.execute(sa.insert(events), [
                {"case_id": ids[n], "at": past, "actor": f"seed{n % 5000:04d}", "kind": k, "data": {}}
                for n in numbers for k in ("created", "answered")])
            connection.execute(sa.insert(reminders), [
                {"case_id": ids[n], "kind": "evaluation", "due_at": past + timedelta(weeks=4), "for_state": "monitoring2",
                 "status": "pending", "attempts": 0} for n in numbers])
            connection.execute(sa.insert(receipts), [
                {"key": f"action:seed:{n}:{r}", "at": past} for n in numbers for r in range(2)])
            mentors = sorted({n % 5000 for n in numbers if n < 5000})
            if mentors:
                connection.execute(sa.insert(conversations), [
                    {"person_id": f"seed{m:04d}", "active_case_id": ids[m], "pending": None, "language": None,
                     "updated_at": past} for m in mentors])
        connection.execute(sa.text("ANALYZE"))


def grow(url: str, sizes: list[int], requests: int, mentors: int, tmp: Path) -> dict[int, list[float]]:
    from bench.slack_step import measure
    from bot.clock import SystemClock
    from bot.keys import resolve_cipher
    from bot.wiring import build
    from storage.database import make_engine, upgrade
    from tests.slack.fake_slack import FakeSlack

    engine = make_engine(url, cipher=resolve_cipher(url))  # the key the measured app finds too
    upgrade(engine)
    school = write_school(tmp / "school.yaml", mentors)
    times: dict[int, list[float]] = {}
    seeded = 0
    with FakeSlack() as fake:
        for size in sizes:
            seed(engine, seeded, size)
            seeded = size
            wired = build(school, url, SystemClock(), migrate=False)
            times[size] = measure(wired, fake, requests, mentors, bare=False)[0].wall
            wired.engine.dispose()
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--requests", type=int, default=300, help="timed clicks per size")
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            if database == "sqlite":
                times = grow(f"sqlite:///{tmp / 'pestbot.db'}", sizes, args.requests, args.mentors, tmp)
                label = "SQLite"
            else:
                with pg_schema() as url:
                    times = grow(url, sizes, args.requests, args.mentors, tmp)
                label = "PostgreSQL"
        first, last = median(times[sizes[0]]), median(times[sizes[-1]])
        for size in sizes:
            value = median(times[size])
            is_last = size == sizes[-1] and len(sizes) > 1
            rows.append(row(f"Slack step, {label}, {size:,} cases (median; p99 {ms(quantile(times[size], 0.99))})",
                            ms(value), f"{ms(first)} ({sizes[0]:,} cases)" if size != sizes[0] else "–",
                            ratio(value, first) if size != sizes[0] else "–",
                            f"≤ 1.2× the {sizes[0]:,} figure" if is_last else "–",
                            last <= 1.2 * first if is_last else None))
    notes = (f"The in-process step of figure 1 (our app, {args.requests} clicks per size), the database grown by SQL "
             f"seeding between sizes: cases spread over 5,000 mentors and every phase, each with two answers, two "
             f"events, a reminder and two handled-request receipts (`bench/growth.py`).")
    publish("growth", "Growth: the Slack step as cases pile up (issue 7, figure 4)", rows, notes,
            write=not args.no_write)


if __name__ == "__main__":
    main()
