"""One person answering, in a process of its own, at a given moment (for the race tests).

usage: python -m tests.reliability.race_process DATABASE_URL PERSON TEXT START_AT_EPOCH
Prints the bot's replies; with a conflict, waits a moment and tries once more, as a person would.
"""

from __future__ import annotations

import sys
import time

from bot.clock import SystemClock
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from flows.services import handle_message


def main() -> None:
    url, person, text, start_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    app = build(EXAMPLE_CONFIG, url, SystemClock(), migrate=False).app
    time.sleep(max(0.0, start_at - time.time()))
    replies = " | ".join(r.text for r in handle_message(app, person, text))
    print(f"first: {replies}", flush=True)
    if "net gewijzigd" in replies:
        time.sleep(0.2)
        print("retry: " + " | ".join(r.text for r in handle_message(app, person, text)), flush=True)


if __name__ == "__main__":
    main()
