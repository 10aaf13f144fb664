"""One worker process for the reliability tests: sweeps until there is nothing left (or it is killed).

usage: python -m tests.reliability.worker_process DATABASE_URL PLATFORM_URL SCHOOL_TIME_ISO LEASE_SECONDS
The clock runs from SCHOOL_TIME_ISO (a moment the school is open) at real speed.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from bot.clock import OffsetClock
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from flows.delivery import deliver_outbox, fire_due_reminders
from tests.reliability.fake_platform import HttpNotifier


def main() -> None:
    url, platform, start, lease_seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    school_time = datetime.fromisoformat(start)
    clock = OffsetClock(offset=school_time - datetime.now(UTC))
    app = build(EXAMPLE_CONFIG, url, clock, migrate=False).app
    notifier = HttpNotifier(platform)
    lease = timedelta(seconds=lease_seconds)
    idle_since = time.monotonic()
    print("ready", flush=True)
    while time.monotonic() - idle_since < lease_seconds + 3:  # then nothing claimed by a dead worker is left
        fired = fire_due_reminders(app, limit=100, lease=lease)
        sent = deliver_outbox(app, notifier, limit=128, lease=lease, concurrency=32,
                              retry_after=lambda failures: timedelta(milliseconds=200))
        if fired or sent:
            idle_since = time.monotonic()
            print(f"sent {sent}", flush=True)
        else:
            time.sleep(0.1)


if __name__ == "__main__":
    main()
