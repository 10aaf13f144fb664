"""A real token check: a fake OpenID metadata endpoint with our own signing key, tokens signed with it.

botbuilder fetches the keys with blocking `requests`, so the endpoint runs in its own thread
(http.server), apart from the server's event loop.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.settings import ServerSettings
from tests.teams.conftest import BOT_ID, TENANT, teams_settings

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"


@pytest.fixture
def signing_key(monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = f"k-{uuid.uuid4().hex[:8]}"
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "endorsements": ["msteams"]}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = {"jwks_uri": f"{host}/keys"} if "openid" in self.path else {"keys": [jwk]}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # A fresh URL per test: botbuilder caches metadata per URL for a day.
    url = f"http://127.0.0.1:{server.server_address[1]}/{kid}/openidconfiguration"
    monkeypatch.setattr("botframework.connector.auth.ChannelValidation.open_id_metadata_endpoint", url)
    yield key, kid
    server.shutdown()


def token(key, kid: str, service_url: str, audience: str = APP_ID, issuer: str = ISSUER, age: int = 0) -> str:
    now = int(time.time()) - age
    claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_a_token_signed_by_the_channel_is_accepted_and_a_wrong_one_refused(start, signing_key):
    key, kid = signing_key
    teams = start(teams_settings(app_id=APP_ID, app_password="geheim", app_tenant_id=TENANT),
                  ServerSettings(production=True))
    install = teams.activity("conversationUpdate", membersAdded=[{"id": BOT_ID}])
    url = teams.connector.url
    wrong = {
        "other app": token(key, kid, url, audience="99999999-0000-0000-0000-000000000000"),
        "other service url": token(key, kid, "https://smba.example/evil/"),
        "other key": token(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid, url),
        "unknown key id": token(key, "k-unknown", url),
        "expired an hour ago": token(key, kid, url, age=4200),
        "other issuer": token(key, kid, url, issuer="https://sts.example/evil"),
    }
    for reason, bad in wrong.items():
        assert teams.post(install, {"Authorization": f"Bearer {bad}"}) == 401, reason
    assert teams.rows("conversation_refs") == []
    assert teams.post(install, {"Authorization": f"Bearer {token(key, kid, url)}"}) in (200, 201)
    [row] = teams.rows("conversation_refs")
    assert row["person_id"] == "jdevries" and row["tenant_id"] == TENANT
