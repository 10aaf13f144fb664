"""Reminders at scale: 100,000 open cases, 10,000 evaluations due, 2 worker processes, a platform
that takes 20 ms per call; and the database time of one sweep.

    python bench/reminders.py [--cases 100000] [--due 10000] [--workers 2] [--latency 0.02] [--no-write]

Needs the PostgreSQL of this machine (PESTBOT_BENCH_POSTGRES_URL to use another); works in a schema of
its own that it drops afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import pg_schema  # noqa: E402
from bench.report import publish, row  # noqa: E402
from storage.database import make_engine, upgrade  # noqa: E402
from storage.tables import cases, reminders  # noqa: E402
from tests.reliability.fake_platform import FakePlatform  # noqa: E402

SCHOOL_TIME = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Amsterdam


def seed(url: str, total: int, due: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    past, future = SCHOOL_TIME - timedelta(days=1), SCHOOL_TIME + timedelta(weeks=3)
    with engine.begin() as connection:
        for start in range(0, total, 10_000):
            ids = [f"B{i:07d}-00-000"[:14] for i in range(start, min(total, start + 10_000))]
            connection.execute(sa.insert(cases), [
                {"id": i, "mentor_id": "jdevries", "state": "monitoring2", "closed_from": None, "class_name": "2B",
                 "department": "onderbouw", "created_at": past, "updated_at": past, "phase_started_at": past,
                 "evaluation_due": past, "version": 1} for i in ids])
            connection.execute(sa.insert(reminders), [
                {"case_id": i, "kind": "evaluation", "due_at": past if n + start < due else future,
                 "for_state": "monitoring2", "status": "pending", "attempts": 0} for n, i in enumerate(ids)])
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


def query_times(url: str, repeat: int = 21) -> tuple[float, float]:
    """Median ms of the due-reminder query (a worker's claim query, read-only) and of a whole claim."""
    engine = make_engine(url)
    ready = sa.and_(reminders.c.status == "pending", reminders.c.due_at <= SCHOOL_TIME)
    pick = sa.select(reminders.c.id).where(ready).order_by(reminders.c.due_at).limit(100).with_for_update(skip_locked=True)
    selects, claims = [], []
    from storage.claims import claim

    with engine.connect() as connection:
        for _ in range(repeat):
            with connection.begin() as transaction:
                t0 = time.perf_counter()
                connection.execute(pick).all()
                selects.append((time.perf_counter() - t0) * 1000)
                transaction.rollback()
        for _ in range(repeat):
            with connection.begin() as transaction:
                t0 = time.perf_counter()
                claim(connection, reminders, ready, reminders.c.due_at, SCHOOL_TIME, timedelta(seconds=60), 100)
                claims.append((time.perf_counter() - t0) * 1000)
                transaction.rollback()
    engine.dispose()
    return statistics.median(selects), statistics.median(claims)


def run_workers(url: str, workers: int, latency: float, due: int) -> tuple[float, int]:
    with FakePlatform(latency=latency) as platform:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "tests.reliability.worker_process", url, platform.url,
                                   SCHOOL_TIME.isoformat(), "30"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(workers)]
        try:
            while sum(platform.delivered.values()) < due:
                if all(p.poll() is not None for p in procs):
                    raise RuntimeError("workers stopped early: " + procs[0].stderr.read().decode()[-2000:])
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
        finally:
            for p in procs:
                p.kill()
                p.wait()
        doubled = sum(1 for n in platform.delivered.values() if n > 1)
    return elapsed, doubled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()

    with pg_schema() as url:
        seed(url, args.cases, args.due)
        select_ms, claim_ms = query_times(url)
        elapsed, doubled = run_workers(url, args.workers, args.latency, args.due)
    rate = args.due / elapsed
    rows = [
        row(f"deliveries per second, {args.workers} workers, {args.latency * 1000:.0f} ms per platform call",
            f"{rate:.0f}/s", f"{args.due} in {elapsed:.1f} s", "–", "≥ 300/s", rate >= 300),
        row(f"due-reminder query at {args.cases:,} cases (median)", f"{select_ms:.2f} ms", "–", "–", "< 50 ms",
            select_ms < 50),
        row("one claim of 100 reminders (median)", f"{claim_ms:.2f} ms", "–", "–", "–"),
        row("messages delivered twice", str(doubled), "–", "–", "0", doubled == 0),
    ]
    notes = (f"PostgreSQL, {args.cases:,} open cases of which {args.due:,} have their evaluation due; "
             f"each worker process claims 128 messages at a time and sends 32 at once (PESTBOT_WORKER_BATCH, PESTBOT_WORKER_CONCURRENCY; the defaults, 64 and 8, suit one school) (`bench/reminders.py`).")
    publish("reminders", "Reminders and deliveries (issue 5)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
