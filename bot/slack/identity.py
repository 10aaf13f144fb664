"""Slack users ↔ the school's people: by `ids: {slack: …}` in the config, or by e-mail address.

A person with an `email` but no Slack id is found through the Web API (`users.info` for someone who
writes to the bot, `users.lookupByEmail` to write to someone); the answers are remembered in memory,
which is only a cache: the config stays the source of truth.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from flows.school import Person, SchoolConfig

log = logging.getLogger(__name__)


class HasSchool(Protocol):
    school: SchoolConfig


class People:
    def __init__(self, app: HasSchool) -> None:
        self.app = app  # its `school` may be replaced while running (bot/reload.py): always read it from there
        self._lock = threading.Lock()
        self._school: SchoolConfig | None = None  # the people the remembered look-ups were made against
        self._by_user: dict[str, str] = {}  # Slack user id → person id
        self._by_person: dict[str, str] = {}  # person id → Slack user id
        self._by_email = False

    @property
    def school(self) -> SchoolConfig:
        school = self.app.school
        if school is not self._school:  # the people were reloaded: forget what was looked up for the old ones
            with self._lock:
                self._school, self._by_user, self._by_person = school, {}, {}
                self._by_email = any(p.email and not p.id_on("slack") for p in school.people)
        return school

    def person(self, user_id: str | None, client: WebClient | None = None) -> Person | None:
        """The school's person for a Slack user id, or None: someone the bot must refuse."""
        if not isinstance(user_id, str) or not user_id:
            return None
        school = self.school
        found = school.by_platform_id("slack", user_id)
        if found is not None or not self._by_email or client is None:
            return found
        with self._lock:
            if user_id in self._by_user:
                return school.person(self._by_user[user_id])
        email = self._call(client.users_info, ("user", "profile", "email"), user=user_id)
        person = school.by_email(email)
        person = person if person is not None and not person.id_on("slack") else None
        if person is not None:  # only what was found is remembered: a failed look-up is tried again
            with self._lock:
                self._by_user[user_id] = person.id
        return person

    def user_id(self, person: Person, client: WebClient) -> str | None:
        """Where to write to a person: their configured Slack id, or the one their e-mail address has."""
        if person.id_on("slack") or not person.email:
            return person.id_on("slack")
        self.school  # noqa: B018 - forgets what was looked up when the people were reloaded
        with self._lock:
            if person.id in self._by_person:
                return self._by_person[person.id]
        user_id = self._call(client.users_lookupByEmail, ("user", "id"), email=person.email)
        if user_id:
            with self._lock:
                self._by_person[person.id] = user_id
        return user_id

    @staticmethod
    def _call(method, path: tuple[str, ...], **kwargs: str) -> str | None:  # type: ignore[no-untyped-def]
        try:
            data = method(**kwargs).data
        except SlackApiError as exc:
            log.info("Slack user look-up failed (%s)", exc.response.get("error", "?"))
            return None
        for key in path:
            data = data.get(key) if isinstance(data, dict) else None
        return data if isinstance(data, str) else None
