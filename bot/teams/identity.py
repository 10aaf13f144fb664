"""Who a Teams activity comes from: the school person its account belongs to, and the tenant it claims.

A person is found by `ids: {teams: …}` in the config (a Teams user id or an Entra object id), or by e-mail
address. A person listed with an `email` and no Teams id is found when they first write to the bot: the Bot
Framework's member look-up (`TeamsInfo.get_member`, `GET /v3/conversations/{id}/members/{userId}` on the
connector; no Graph permission needed) gives the member's `email` and `userPrincipalName`, either of which may
be the address in the config. What was found is remembered in this process until the people are reloaded,
and the personal chat's conversation reference is stored with the person (bot/teams/refs.py): that is how the
worker writes to them later. A failed look-up is not remembered: it is tried again at the next message.
"""

from __future__ import annotations

import logging
import threading

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount

from flows.school import Person, SchoolConfig
from flows.services import App

log = logging.getLogger(__name__)
PLATFORM = "teams"


class TeamsPeople:
    def __init__(self, app: App) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._school: SchoolConfig | None = None  # the people the remembered look-ups were made against
        self._by_user: dict[str, str] = {}  # Teams user id → person id

    def known(self, account: ChannelAccount | None) -> Person | None:
        """The person this account is, without asking Teams: by the config's ids or an earlier look-up."""
        school = self.app.school
        found = person_of(school, account)
        if found is not None or account is None or not account.id:
            return found
        with self._lock:
            if self._school is not school:  # the people were reloaded: what was looked up may no longer hold
                self._school, self._by_user = school, {}
            person_id = self._by_user.get(account.id)
        return school.person(person_id)

    async def person(self, turn_context: TurnContext) -> Person | None:
        """The school's person who sent this activity, or None: someone the bot must refuse."""
        account = turn_context.activity.from_property
        found = self.known(account)
        school = self.app.school
        if found is not None or account is None or not account.id or not self._by_email(school):
            return found
        try:
            member = await TeamsInfo.get_member(turn_context, account.id)
        except Exception as exc:  # noqa: BLE001 - any failure of the connector: refused now, asked again later
            log.info("Teams member look-up failed (%s)", type(exc).__name__)
            return None
        addresses = [getattr(member, "email", None), getattr(member, "user_principal_name", None)]
        person = next((p for p in map(school.by_email, addresses) if p is not None), None)
        if person is None or person.id_on(PLATFORM):  # a configured Teams id is the only account of that person
            return None
        with self._lock:
            if self._school is school:
                self._by_user[account.id] = person.id
        return person

    @staticmethod
    def _by_email(school: SchoolConfig) -> bool:
        return any(p.email and not p.id_on(PLATFORM) for p in school.people)


def person_of(school: SchoolConfig, account: ChannelAccount | None) -> Person | None:
    if account is None:
        return None
    return (school.by_platform_id("teams", account.id or "")
            or (account.aad_object_id and school.by_platform_id("teams", account.aad_object_id)) or None)


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)
