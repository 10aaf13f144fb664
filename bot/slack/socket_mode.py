"""Socket Mode, for schools without a public address: the same Bolt app over a WebSocket (SLACK_APP_TOKEN)."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.settings import ServerSettings, SlackSettings
from bot.slack.app import SlackBot, build
from bot.wiring import Wired


def handler(wired: Wired, settings: SlackSettings) -> tuple[SocketModeHandler, SlackBot]:
    """Built without connecting; `handler.connect()` opens the WebSocket, `handler.close()` ends it."""
    if not settings.app_token:
        raise ValueError("Socket Mode heeft SLACK_APP_TOKEN nodig (een app-level token, xapp-…)")
    bot = build(wired, settings, socket_mode=True)
    return SocketModeHandler(bot.bolt, settings.app_token, web_client=bot.bolt.client), bot


def serve(wired: Wired, settings: SlackSettings, server: ServerSettings) -> None:
    """`pestbot serve --socket-mode`: the WebSocket to Slack, and the worker beside it, until Ctrl-C."""
    import asyncio
    import contextlib

    from bot.worker import run_forever

    socket, bot = handler(wired, settings)
    socket.connect()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_forever(wired.app, bot.notifier, server.worker_interval))
    finally:
        socket.close()
