"""Logging as the operator sets it: PESTBOT_LOG_LEVEL (WARNING by default) and PESTBOT_LOG_FORMAT (`text`,
or `json`: one JSON object per line, for a log collector). Pestbot's own log lines hold ids, counts and
error types, never a child's data; the loggers that would log bodies (Bolt, slack-sdk) stay at WARNING."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__  # the type only: a traceback may quote data
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, form: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
