"""The reference server for the load benchmarks: the frameworks Pestbot stands on, doing nothing.

    python bench/bare_server.py --port 3999 --api-url http://127.0.0.1:PORT/api/

aiohttp on 127.0.0.1, `POST /slack/events` into a Bolt app dispatched in a worker thread (as
bot/slack/http.py does), with the same Bolt settings and listeners for the same requests that only
ack; and `POST /api/messages` into a botbuilder CloudAdapter with an ActivityHandler that does nothing,
so that its memory holds the same SDKs as `pestbot serve`. Not part of Pestbot.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from botbuilder.core import ActivityHandler  # noqa: E402
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication  # noqa: E402
from slack_bolt import App, BoltRequest, BoltResponse  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bench.common import SECRET, quiet  # noqa: E402


def bolt_app(api_url: str) -> App:
    import logging

    logger = logging.getLogger("slack_bolt")
    logger.setLevel(logging.WARNING)
    bolt = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET,
               process_before_response=True, logger=logger)

    def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    bolt.command("/pest")(only_ack)
    bolt.action(re.compile(r"^choice:\d+$"))(only_ack)
    bolt.view_submission("pestbot_intake")(only_ack)
    bolt.event("message")(only_ack)
    return bolt


def web_app(api_url: str) -> web.Application:
    bolt = bolt_app(api_url)

    async def events(request: web.Request) -> web.Response:
        raw = await request.text()
        headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        answer: BoltResponse = await asyncio.to_thread(bolt.dispatch, BoltRequest(body=raw, headers=headers))
        response = web.Response(status=answer.status, body=answer.body.encode() if answer.body else b"")
        for name, value in answer.first_headers_without_set_cookie().items():
            if name.lower() != "content-length":
                response.headers[name] = value
        return response

    class Config:
        APP_ID, APP_PASSWORD, APP_TENANTID, APP_TYPE = "", "", "", "MultiTenant"

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    handler = ActivityHandler()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, handler) or web.Response(status=200)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/slack/events", events)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    quiet()
    web.run_app(web_app(args.api_url), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
