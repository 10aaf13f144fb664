"""What the HTTP server itself logs: never a query string, a header or a body.

aiohttp's access log line holds the whole request line, so `/slack/oauth_redirect?code=…&state=…` would put
an OAuth code in the log; its error log for a request it cannot parse quotes the first 100 bytes of the
offending line (a bearer token, say). Here the access log names method, path and status only, and a
refused request is logged by the type of its error only.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.abc import AbstractAccessLogger

SERVER_LOG = "pestbot.http"
MAX_FIELD = 32 * 1024  # a header aiohttp accepts (its default is 8190): longer tokens reach Pestbot's own 401


class PathOnlyAccessLogger(AbstractAccessLogger):
    def log(self, request: Any, response: Any, time: float) -> None:
        self.logger.info("%s %s %s %s %.3fs", request.remote, request.method, request.path, response.status, time)


class _TypeOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.msg, record.args = "refused a request the HTTP parser could not read (%s)", (type(error).__name__,)
            record.exc_info, record.exc_text = None, None
        return True


def server_logger() -> logging.Logger:
    logger = logging.getLogger(SERVER_LOG)
    if not any(isinstance(f, _TypeOnly) for f in logger.filters):
        logger.addFilter(_TypeOnly())
    return logger


def handler_args() -> dict[str, Any]:
    """For `web.Application(handler_args=…)`: every runner of the app (serve and tests) gets them."""
    return {"access_log_class": PathOnlyAccessLogger, "logger": server_logger(), "max_field_size": MAX_FIELD}
