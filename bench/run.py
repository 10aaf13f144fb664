"""Every benchmark, one after the other, each in its own process; each rewrites its section of BENCHMARKS.md.

    python bench/run.py [--skip NAME,NAME]

Runs bench/slack_step.py, turn_floor.py, slack_load.py, teams_step.py, growth.py, footprint.py, reminders.py and
install.py with their default sizes (about fifteen minutes on a 2-core machine). The figures of one run belong
together: the machine's cores and Python version are written beside each table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["slack_step", "turn_floor", "slack_load", "teams_step", "growth", "footprint", "reminders", "install"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip", default="", help="names of scripts to leave out, comma-separated")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    failed = []
    started = time.monotonic()
    for name in SCRIPTS:
        if name in skip:
            continue
        print(f"== bench/{name}.py", flush=True)
        begun = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py")], cwd=ROOT)
        print(f"== bench/{name}.py: exit {done.returncode} after {time.monotonic() - begun:.0f} s", flush=True)
        if done.returncode != 0:
            failed.append(name)
    print(f"== all done in {time.monotonic() - started:.0f} s; failed: {', '.join(failed) or 'none'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
