"""A fake chat platform on 127.0.0.1 for worker processes: records deliveries, fails a share on purpose,
answers after a set latency. Used by the reliability tests and by bench/reminders.py."""

from __future__ import annotations

import json
import random
import threading
import time
import http.client
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from flows.messages import Message
from flows.ports import SendOnly


class FakePlatform:
    """POST /send {key, target} → 200 {id} or 503 (a share `fail_rate`); GET /delivered?key= → {id|null}."""

    def __init__(self, fail_rate: float = 0.0, seed: int = 7, latency: float = 0.0) -> None:
        self.fail_rate = fail_rate
        self.latency = latency
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.delivered: Counter[str] = Counter()
        self.failures = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the workers reuse their connections

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if platform.latency:
                    time.sleep(platform.latency)
                with platform.lock:
                    if platform.random.random() < platform.fail_rate:
                        platform.failures += 1
                        return self._reply(503, {"ok": False})
                    platform.delivered[payload["key"]] += 1
                    count = sum(platform.delivered.values())
                self._reply(200, {"id": f"m{count}"})

            def do_GET(self) -> None:  # noqa: N802
                key = parse_qs(urlparse(self.path).query)["key"][0]
                with platform.lock:
                    found = key if platform.delivered[key] else None
                self._reply(200, {"id": found})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakePlatform:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class HttpNotifier(SendOnly):
    """The worker side: a notifier that talks to the fake platform over HTTP, and can look a message up."""

    can_look_up = True

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.local = threading.local()  # one kept-alive connection per sending thread

    def _call(self, method: str, path: str, body: bytes | None = None) -> dict:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            data = json.loads(response.read())
        except Exception:
            connection.close()
            self.local.connection = None
            raise
        if response.status != 200:
            raise ConnectionError(f"platform answered {response.status}")
        return data

    def send(self, target_kind: str, target: str, message: Message) -> str:
        body = json.dumps({"key": message.delivery_key, "target": f"{target_kind}:{target}"}).encode()
        return self._call("POST", "/send", body)["id"]

    def delivered(self, target_kind: str, target: str, key: str, since=None) -> str | None:  # type: ignore[no-untyped-def]
        return self._call("GET", f"/delivered?key={key}")["id"]
