"""Footprint: how long `pestbot chat` takes to its first prompt, and the resident memory of `pestbot serve`
idle and after a load run.

    python bench/footprint.py [--starts 7] [--mentors 50] [--seconds 10] [--no-write]

Start: `python -m bot chat --db FILE` on an existing database, stdin a pipe holding "/stop", timed from
the spawn to the first line it prints (the greeting), median of several starts; the reference is the
same interpreter running `import sqlalchemy` (the issue's yardstick: the console may cost 2× that), started
alternately with ours in the same run. Memory: VmRSS of the `python -m bot serve` process (/proc/PID/status), one
second after it answers /healthz and after the load of bench/slack_load.py; the reference is the bare
server (aiohttp, Bolt and botbuilder loaded, bench/bare_server.py) measured the same way.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, median, quiet, ratio  # noqa: E402
from bench.report import publish, row  # noqa: E402

FRAMEWORKS = "import sqlalchemy; print('ready', flush=True)"


# As a school's machine starts it: Python keeps the compiled bytecode of what it imports (site-packages has it
# from pip's install; our modules get it at the first, untimed start). An environment that forbids writing
# it (PYTHONDONTWRITEBYTECODE, as this workplace's shell sets) would compile our ~60 modules at every start
# while the reference's came precompiled.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def first_line(command: list[str]) -> float:
    """Seconds from spawn to the first line on stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV)
    process.stdin.write("/stop\n")
    process.stdin.flush()
    line = process.stdout.readline()
    took = time.perf_counter() - started
    out, err = process.communicate(timeout=30)
    if not line or process.returncode != 0:
        raise RuntimeError(f"{command[2:4]} printed nothing or failed: {err[-2000:]}")
    return took


def start_times(starts: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        chat = [PYTHON, "-m", "bot", "chat", "--db", f"{tmp}/chat.db"]
        first_line(chat)  # creates and migrates the database: not what a start costs afterwards
        ours, reference = [], []
        for _ in range(starts):
            reference.append(first_line([PYTHON, "-c", FRAMEWORKS]))
            ours.append(first_line(chat))
    return ours, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()
    from bench.slack_load import load

    ours_start, frameworks = start_times(args.starts)
    bare = load("bare", args.mentors, args.seconds, args.max_requests)
    ours = load("ours", args.mentors, args.seconds, args.max_requests)
    start, reference = median(ours_start), median(frameworks)
    rows = [
        row("`pestbot chat` start to first prompt (median)", f"{start:.2f} s",
            f"{reference:.2f} s (python -c 'import sqlalchemy')", ratio(start, reference),
            "≤ 2× import sqlalchemy", start <= 2 * reference),
        row("`pestbot serve` resident memory, idle", f"{ours.rss_idle:.0f} MB", f"{bare.rss_idle:.0f} MB (bare server)",
            ratio(ours.rss_idle, bare.rss_idle), "≤ 150 MB", ours.rss_idle <= 150),
        row("`pestbot serve` resident memory, after the load", f"{ours.rss_after:.0f} MB",
            f"{bare.rss_after:.0f} MB (bare server)", ratio(ours.rss_after, bare.rss_after), "≤ 200 MB",
            ours.rss_after <= 200),
    ]
    notes = (f"Start: median of {args.starts} starts of `python -m bot chat --db FILE` on an existing SQLite file, "
             f"to its greeting, alternating with the reference, both with Python's bytecode cache on (as after an "
             f"install; the first, untimed start writes ours). Memory: VmRSS of `python -m bot serve` (Slack on, SQLite, the worker running) and of "
             f"the bare server (bench/bare_server.py: aiohttp, Bolt, botbuilder), idle and after {args.seconds:.0f} s "
             f"of the load of figure 2 ({args.mentors} mentors; ours served {ours.requests:,} requests, "
             f"{ours.walks} cases) (`bench/footprint.py`).")
    publish("footprint", "Footprint (issue 7, figure 5)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
