"""The Web API client every Slack part uses: slack_sdk's, without blind retries of posts, over kept
connections.

slack_sdk retries a request once when its connection resets or closes unanswered (its default
ConnectionErrorRetryHandler). For a post Slack may already have carried out, that is a second post nobody
sees coming; our own retry asks Slack first (bot/slack/history.py). Other calls keep the retry.

slack_sdk's sync client opens a new connection (in production a new TLS handshake) for every call
through urllib. `PooledWebClient` sends the same requests through one urllib3 connection pool per
process (urllib3 comes with `requests`, which botbuilder needs anyway; it checks a kept connection is
still open before reusing it). Its answers and errors look exactly as urllib's would to slack_sdk: an
HTTP error status raises `HTTPError`, a failed connection `URLError`, so the retry handlers and our
callers behave as before.
"""

from __future__ import annotations

import io
import threading
from email.message import Message
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest

POSTING = ("chat.postMessage", "chat.postEphemeral")


class RetryUnlessPosting(ConnectionErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **rest: Any) -> bool:
        if request.url.split("?", 1)[0].rsplit("/", 1)[-1] in POSTING:
            return False
        return super()._can_retry(request=request, **rest)


_POOLS: dict[int, urllib3.PoolManager] = {}
_POOLS_LOCK = threading.Lock()


def _pool(timeout: int) -> urllib3.PoolManager:
    with _POOLS_LOCK:
        if timeout not in _POOLS:  # one pool per process (and timeout): every client shares its connections
            _POOLS[timeout] = urllib3.PoolManager(num_pools=4, maxsize=8, retries=False,
                                                  timeout=urllib3.Timeout(total=timeout))
        return _POOLS[timeout]


class PooledWebClient(WebClient):
    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or self.ssl is not None:  # set by nobody here: slack_sdk's own path then
            return super()._perform_urllib_http_request_internal(url, req)
        if not url.lower().startswith(("http://", "https://")):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        try:
            response = _pool(self.timeout).request(req.get_method(), url, body=req.data,
                                                   headers=dict(req.header_items()))
        except urllib3.exceptions.HTTPError as exc:  # as urlopen says it: the connection failed or closed
            raise URLError(getattr(exc, "reason", None) or exc) from exc
        headers = Message()
        for name, value in response.headers.items():
            headers[name] = value
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason or "", headers,  # type: ignore[arg-type]
                            io.BytesIO(response.data))
        if headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": headers, "body": response.data}
        return {"status": response.status, "headers": headers,
                "body": response.data.decode(headers.get_content_charset() or "utf-8")}


def web_client(token: str | None = None, base_url: str = WebClient.BASE_URL) -> WebClient:
    return PooledWebClient(token=token, base_url=base_url, retry_handlers=[RetryUnlessPosting()])


def pooled(client: WebClient) -> WebClient:
    """Bolt's per-request client (a plain WebClient with the request's token) as one over the kept connections."""
    if isinstance(client, PooledWebClient):
        return client
    return PooledWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                           team_id=client.default_params.get("team_id"), logger=client.logger,
                           retry_handlers=[RetryUnlessPosting()])
