"""Proactive messages to Teams (reminders, check-ins, the safety team's posts) from stored references.

The worker calls `send` in a worker thread (`asyncio.to_thread`); the SDK's connector lives on the web
server's event loop. So `send` hands the post to that loop (`run_coroutine_threadsafe`) and waits for the
posted id. One loop, one connector session pool; no second loop in a thread, no SDK objects shared
across loops.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from botbuilder.core import CloudAdapterBase, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.teams.listeners import PREFIX, content_for
from bot.teams.render import activities, activity
from bot.teams.refs import Ref, RefStore, channel_key
from flows.messages import Message
from flows.model import REPLY
from flows.ports import SendOnly
from flows.services import App

SEND_TIMEOUT = 30.0


class TeamsNotifier(SendOnly):
    platform = "teams"
    can_delete = True  # the connector's delete activity; Teams cannot be asked whether a post arrived

    def __init__(self, app: App, refs: RefStore, adapter: CloudAdapterBase, app_id: str) -> None:
        self.app, self.refs, self.adapter, self.app_id = app, refs, adapter, app_id
        self.loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """`pestbot serve`: the web server's loop, where the adapter also answers Teams' requests."""
        self.loop = loop

    def _loop(self) -> asyncio.AbstractEventLoop:
        """The bound loop; without a web server (`pestbot worker`, `pestbot purge`) one of its own, in a
        daemon thread, started at the first send."""
        with self._lock:
            if self.loop is None or self.loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="teams-notifier", daemon=True).start()
                self.loop = loop
            return self.loop

    def send(self, target_kind: str, target: str, message: Message) -> str | None:
        """The posted activity's id; None when Teams has no reference for the target (retried later)."""
        ref = self._ref(target_kind, target)
        if ref is None:
            return None
        person = None if target_kind == "channel" else self.app.school.person(target)
        content = self.app.content(None) if target_kind == "channel" else content_for(self.app, person)
        return self._run(self.post(ref, activity(self.app, content, message)))

    def reply(self, target: str, replies: list[Message]) -> str | None:
        """A turn's replies its request did not send (it died): into the person's personal chat, in order."""
        person = self.app.school.person(target.removeprefix(PREFIX))
        ref = self._ref("dm", person.id) if person is not None else None
        if ref is None:
            return None
        language = next((m.language for m in replies if m.language), None)
        content = self.app.contents.get(language or "") or content_for(self.app, person)
        return self._run(self.post(ref, *activities(self.app, content, replies)))

    def _run(self, coro: Any) -> Any:
        loop = self._loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coro.close()
            raise RuntimeError("TeamsNotifier.send blocks: call it from a worker thread (asyncio.to_thread)")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(SEND_TIMEOUT)

    async def post(self, ref: Ref, *activities: Activity) -> str | None:
        posted: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            # The SDK's continuation activity has a made-up id, which would make this a reply to a message
            # that does not exist; without it, the post is a new message in the conversation.
            turn_context.activity.id = None
            try:
                responses = await turn_context.send_activities(list(activities))
            except Exception as exc:  # noqa: BLE001 - kept for the caller: raised here, the adapter's
                posted["error"] = exc  # on_turn_error would post an apology there and report success
                return
            posted["ids"] = "+".join(r.id for r in responses or [] if r is not None and r.id)

        await self.adapter.continue_conversation(reference(ref), callback, self.app_id or None)
        if "error" in posted:
            raise posted["error"]  # the worker records a failure and retries; nothing was posted
        return posted.get("ids") or "teams"


    def delete(self, target_kind: str, target: str, activity_id: str) -> bool:
        """Retention: delete the bot's own post (the connector's DELETE activity); False when it cannot."""
        ref = self._ref(target_kind, target)
        if ref is None:
            return False
        loop = self._loop()

        async def remove() -> None:
            failed: list[Exception] = []

            async def callback(turn_context: TurnContext) -> None:
                try:
                    await turn_context.delete_activity(activity_id)
                except Exception as exc:  # noqa: BLE001 - raised below, not through on_turn_error
                    failed.append(exc)
            await self.adapter.continue_conversation(reference(ref), callback, self.app_id or None)
            if failed:
                raise failed[0]  # not deleted: the purge keeps the id and tries again

        try:
            asyncio.run_coroutine_threadsafe(remove(), loop).result(SEND_TIMEOUT)
        except Exception:  # the post is gone already, or Teams refused: reported as not deleted
            return False
        return True

    def _ref(self, target_kind: str, target: str) -> Ref | None:
        school = self.app.school
        if target_kind == "channel":
            conversation = school.safety_channel.teams_conversation
            return self.refs.get(channel_key(conversation)) if conversation else None
        person = school.person(target.removeprefix(PREFIX) if target_kind == REPLY else target)
        # A person listed by e-mail has a reference once they wrote to the bot (bot/teams/identity.py).
        reachable = person is not None and (person.id_on("teams") or person.email)
        return self.refs.for_person(person.id) if reachable else None


def reference(ref: Ref) -> ConversationReference:
    group = ref.key.startswith("channel:")
    return ConversationReference(
        channel_id=ref.channel_id, service_url=ref.service_url,
        conversation=ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id, is_group=group,
                                         conversation_type="channel" if group else "personal"),
        bot=ChannelAccount(id=ref.bot_id), user=None if group else ChannelAccount(id=ref.user_id))
