"""Connector clients kept across turns, as botbuilder's older BotFrameworkAdapter kept them.

botbuilder's CloudAdapter asks its authentication for a new ConnectorClient (and a new user-token client)
on every turn. Each is a new msrest client: a new HTTP session, so a new connection to the connector (in
production a new TLS handshake), and msrest's `ClientRetryPolicy` built anew, which compares every status
code below 999 with a list of 501 (half a million comparisons, twice per turn: most of a bare botbuilder
turn's CPU time in bench/teams_step.py). Here the authentication is wrapped: what it authenticates and
validates is unchanged, only the clients it makes are kept, per app id, service URL and audience; their
credentials refresh their own tokens. The number kept is bounded (service URLs are few: one per region).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

KEPT = 32


def app_id_of(claims: ClaimsIdentity | None) -> str | None:
    """The bot's app id a turn's clients act as (the token's audience; the Emulator's in its appid claim)."""
    if claims is None:
        return None
    return (claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
            or claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM))


class _Kept:
    """A bounded map of clients, the least recently used one dropped first."""

    def __init__(self, size: int) -> None:
        self.size, self.items = size, OrderedDict[tuple[Any, ...], Any]()

    def get(self, key: tuple[Any, ...]) -> Any:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], client: Any) -> Any:
        self.items[key] = client
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return client


class _KeptConnectors(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app_id: str | None, kept: _Kept) -> None:
        self.inner, self.app_id, self.kept = inner, app_id, kept

    async def create(self, service_url: str, audience: str = None) -> Any:  # type: ignore[assignment]  # noqa: RUF013
        key = ("connector", self.app_id, service_url, audience)
        return self.kept.get(key) or self.kept.put(key, await self.inner.create(service_url, audience))


class KeptClients(BotFrameworkAuthentication):
    """`inner`, authenticating and validating as before, with the clients it makes kept across turns."""

    def __init__(self, inner: BotFrameworkAuthentication, size: int = KEPT) -> None:
        self.inner, self.kept = inner, _Kept(size)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _KeptConnectors(result.connector_factory, app_id_of(result.claims_identity),
                                                       self.kept)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str
                                             ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _KeptConnectors(self.inner.create_connector_factory(claims_identity), app_id_of(claims_identity),
                               self.kept)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = ("user-token", app_id_of(claims_identity))
        return self.kept.get(key) or self.kept.put(key, await self.inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)
