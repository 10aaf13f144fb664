"""The Web API client every Slack part uses: slack_sdk's, without blind retries of posts.

slack_sdk retries a request once when its connection resets or closes unanswered (its default
ConnectionErrorRetryHandler). For a post Slack may already have carried out, that is a second post nobody
sees coming; our own retry asks Slack first (bot/slack/history.py). Other calls keep the retry.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest

POSTING = ("chat.postMessage", "chat.postEphemeral")


class RetryUnlessPosting(ConnectionErrorRetryHandler):
    def _can_retry(self, *, request: HttpRequest, **rest: Any) -> bool:
        if request.url.split("?", 1)[0].rsplit("/", 1)[-1] in POSTING:
            return False
        return super()._can_retry(request=request, **rest)


def web_client(token: str | None = None, base_url: str = WebClient.BASE_URL) -> WebClient:
    return WebClient(token=token, base_url=base_url, retry_handlers=[RetryUnlessPosting()])
