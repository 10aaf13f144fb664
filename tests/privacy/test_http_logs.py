"""Issue 14, item 10: what the HTTP server logs. At INFO, aiohttp's access log recorded the OAuth `code` and
`state` of `/slack/oauth_redirect`; an oversized bearer token's first 100 characters were logged (and echoed)."""

from __future__ import annotations

import logging
import socket

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.httplog import PathOnlyAccessLogger
from tests.teams.conftest import connector, loop_thread, start, teams  # noqa: F401 - fixtures

SECRET = "eyJTOKENSECRETPART"


def test_the_access_log_names_the_path_never_the_query(caplog):
    logger = logging.getLogger("aiohttp.access")
    request = make_mocked_request("GET", "/slack/oauth_redirect?code=c0de-secret&state=st4te-secret")
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        PathOnlyAccessLogger(logger, "").log(request, web.Response(status=200), 0.01)
    logged = caplog.text
    assert "/slack/oauth_redirect" in logged and "200" in logged
    assert "c0de-secret" not in logged and "st4te-secret" not in logged


def test_an_oversized_bearer_token_is_neither_logged_nor_a_500(teams, caplog):
    host, port = "127.0.0.1", int(teams.url.rsplit(":", 1)[1].split("/")[0])
    for size in (20_000, 200_000):  # under the field limit (Pestbot's 401) and over it (the parser's 400)
        token = "Bearer " + SECRET + "A" * size
        with caplog.at_level(logging.DEBUG), socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(f"POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
                         "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
        assert answer.split(b" ", 2)[1] in (b"400", b"401")
    assert SECRET not in caplog.text
