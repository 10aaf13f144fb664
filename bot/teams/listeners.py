"""The Teams turn: map the sender to a school person, call one service, render the replies as cards.

Personal chat only for cases. In a team channel or group chat the bot learns where it is (for the safety
team's posts) and says that cases are discussed in the personal chat. Never logs text or names.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, Attachment

from bot.clicked import outdated_line, verdict
from bot.teams import render
from bot.teams.identity import TeamsPeople, tenant_of
from bot.teams.inbound import Submit, parse_submit
from bot.teams.refs import Ref, RefStore, channel_key, teams_ref, user_key
from flows.content import Content
from flows.messages import Message
from flows.school import Person
from flows.delivery import claim_replies, record, replies_of
from flows.receipts import say_once
from flows.services import App, content_of, handle_click, handle_message

log = logging.getLogger(__name__)
SHOWN_ANSWER = 500  # a typed answer as the submitted card shows it
FILE_PREFIXES = ("image/", "video/", "audio/")
FILE_TYPES = {"application/vnd.microsoft.teams.file.download.info", "reference"}
PREFIX = "teams:"


def reply_address(person: Person) -> str:
    """Where the answers to a person's turn go: their personal chat with the bot (the newest reference)."""
    return f"{PREFIX}{person.id}"


def ref_from(activity: Activity, key: str, person_id: str | None) -> Ref:
    return teams_ref(key=key, service_url=activity.service_url, conversation_id=activity.conversation.id,
               channel_id=activity.channel_id or "msteams", tenant_id=tenant_of(activity),
               bot_id=activity.recipient.id if activity.recipient else None,
               user_id=activity.from_property.id if activity.from_property else None, person_id=person_id)


class PestbotTeamsBot(ActivityHandler):
    def __init__(self, app: App, refs: RefStore) -> None:
        self.app, self.refs = app, refs
        self.people = TeamsPeople(app)

    # --- who and where -------------------------------------------------------------------------------------

    async def person_for(self, turn_context: TurnContext) -> Person | None:
        """The sender as a school person: by the config's Teams ids, else by e-mail (bot/teams/identity.py)."""
        return await self.people.person(turn_context)

    async def remember_place(self, activity: Activity) -> bool:
        """A team channel or group chat the bot is in; True when it is the safety team's conversation."""
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
        ids = {activity.conversation.id.split(";", 1)[0], *([channel["id"]] if channel.get("id") else [])}
        for conversation_id in ids:
            ref = replace(ref_from(activity, channel_key(conversation_id), None), conversation_id=conversation_id)
            await asyncio.to_thread(self.refs.save, ref)
        return self.app.school.safety_channel.teams_conversation in ids

    @staticmethod
    def personal(activity: Activity) -> bool:
        """Only a conversation Teams calls personal: one without a type (a channel message in Microsoft's
        own example) is not a place to talk about a case."""
        return activity.conversation is not None and activity.conversation.conversation_type == "personal"

    # --- activities ----------------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not self.personal(activity):
            content = self.app.content(None)
            if await self.remember_place(activity):
                text = content.msg("teams_channel_linked")
            else:  # the id helps whoever sets up the safety team's conversation; it says nothing about a case
                text = content.msg("teams_personal_only", conversation=activity.conversation.id.split(";", 1)[0])
            await turn_context.send_activity(MessageFactory.text(text))
            return
        person = await self.person_for(turn_context)
        if person is None:  # the service answers unknown people politely and stores nothing
            replies = await asyncio.to_thread(handle_message, self.app, "", activity.text or "")
            await self.reply(turn_context, None, replies)
            return
        ref = ref_from(activity, user_key(activity.from_property.id), person.id)
        if not self.refs.known(ref):
            await asyncio.to_thread(self.refs.save, ref)
        target = reply_address(person)
        update: Activity | None = None
        if has_files(activity):  # a screenshot as evidence: not kept, and its caption is not read as an answer
            replies = await asyncio.to_thread(file_not_kept, self.app, person,
                                              f"teams:file:{person.id}:{activity.id}", target)
        elif activity.value is not None and not (activity.text or "").strip():
            replies, update = await self.submitted(activity, person, target)
        else:
            replies = await asyncio.to_thread(handle_message, self.app, person.id, activity.text or "",
                                              f"teams:{activity.id}", target)
        if getattr(replies, "queued", False):  # committed with the turn: delivered from the outbox, once
            await self.deliver(turn_context, target)
        else:
            await self.reply(turn_context, person, replies)
        if update is not None:  # after the replies: a slow or failing update holds none of them back
            await replace_card(turn_context, update)

    async def submitted(self, activity: Activity, person: Person,
                        target: str) -> tuple[list[Message], Activity | None]:
        """The submit's replies, and what the submitted card becomes (None: it stays as it is)."""
        submit = parse_submit(activity.value)
        if submit is None:
            content = await asyncio.to_thread(content_for, self.app, person)
            return [Message(text=content.msg("teams_bad_card"))], None
        # One key per sender, card, question and value: a double click or a redelivery changes the case once,
        # a corrected answer on the same form still counts, and someone else posting this card's data (refused)
        # cannot use up the owner's click. The value is a keyed fingerprint: no names in keys, and a copy of the
        # database cannot test a list of names against it.
        card_id = submit.card or activity.reply_to_id or activity.id
        key = f"teams:card:{person.id}:{card_id}:{submit.question_id}:{self.app.fingerprint(submit.value)}"[:200]
        replies = await asyncio.to_thread(handle_click, self.app, person.id, submit.case_id, submit.question_id,
                                          submit.value, key, target)
        return replies, replacement(self.app, submit, replies, activity.reply_to_id)

    async def on_adaptive_card_invoke(self, turn_context: TurnContext,
                                      invoke_value: AdaptiveCardInvokeValue) -> AdaptiveCardInvokeResponse:
        """`Action.Execute` (Universal Actions). Pestbot's cards use `Action.Submit` only, so this is an old or
        a foreign card: it is replaced by a card that says so, instead of Teams' error (botbuilder answers 501).
        (A plain-text answer would be the lighter reply, but botbuilder 4.17 can only serialise a card here.)"""
        person = await self.person_for(turn_context)
        content = await asyncio.to_thread(content_for, self.app, person)
        card = render.activity(self.app, content, Message(text=content.msg("teams_bad_card"))).attachments[0].content
        return AdaptiveCardInvokeResponse(status_code=200, type=render.CONTENT_TYPE, value=card)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        await self.installed(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.installed(turn_context)

    async def installed(self, turn_context: TurnContext) -> None:
        """Added to a personal chat, a team or a group chat: keep where to write later."""
        activity = turn_context.activity
        if activity.members_removed and not activity.members_added:
            return  # someone (or the bot) left: nothing to remember
        if not self.personal(activity):
            await self.remember_place(activity)
            return
        person = await self.person_for(turn_context)
        if person is not None:
            await asyncio.to_thread(self.refs.save, ref_from(activity, user_key(activity.from_property.id),
                                                             person.id))

    # --- replies -------------------------------------------------------------------------------------------

    async def reply(self, turn_context: TurnContext, person: Person | None, replies: list[Message]) -> str | None:
        """The replies as cards in this conversation; the ids of the posts (`id+id`)."""
        if not replies:
            return None
        language = next((m.language for m in replies if m.language), None)
        content = (self.app.contents.get(language) if language else None) or \
            await asyncio.to_thread(content_for, self.app, person)
        posted = await turn_context.send_activities(render.activities(self.app, content, replies))
        return "+".join(p.id for p in posted or [] if p is not None and p.id) or "teams"

    async def deliver(self, turn_context: TurnContext, target: str) -> None:
        """The queued replies to this person (this turn's, and any an earlier request left when it died), in
        order, into this conversation; each recorded as sent or failed, as the worker records its own."""
        token, items = await asyncio.to_thread(claim_replies, self.app, target)
        if not items:
            return
        results: list[str | Exception | None] = []
        for item in items:
            try:
                # Tagged like the worker's sends (`teams:id+id`), so that the retention purge knows the platform.
                results.append(f"teams:{await self.reply(turn_context, None, replies_of(item))}")
            except Exception as exc:  # noqa: BLE001 - the connector's error: the worker retries the row
                log.warning("teams reply failed: %s", type(exc).__name__)
                results.append(exc)
        await asyncio.to_thread(record, self.app, token, items, results)


def replacement(app: App, submit: Submit, replies: list[Message], card_id: str | None) -> Activity | None:
    """The submitted card as it is to stay: its question and "✓ <label>" (a typed answer: "✓ <the answer>"),
    or the engine's "al beantwoord" for an outdated card; never buttons or a form. None when the submit was
    refused or invalid (the card stays usable) or Teams did not say which message holds the card."""
    what = verdict(app, replies)
    if what is None or not card_id:
        return None
    if what == "outdated":
        line = outdated_line(app, replies) or ""
    else:
        shown = submit.label if submit.label is not None else submit.value.strip()
        line = "✓ " + (shown if len(shown) <= SHOWN_ANSWER else shown[: SHOWN_ANSWER - 1] + "…")
    update = MessageFactory.attachment(Attachment(content_type=render.CONTENT_TYPE,
                                                  content=render.answered(submit.asked, line)))
    update.id = card_id
    return update


async def replace_card(turn_context: TurnContext, update: Activity) -> None:
    """Update Activity on the card's message; a failure is logged by its type only (never the card)."""
    try:
        await turn_context.update_activity(update)
    except Exception as exc:  # noqa: BLE001 - the connector's error; the answer itself is stored and sent
        log.warning("could not update a submitted Teams card: %s", type(exc).__name__)


def has_files(activity: Activity) -> bool:
    """An image pasted into the chat (`image/*`) or a file attached from OneDrive; not the `text/html` copy of
    a formatted message, and not a card."""
    return any(isinstance(a.content_type, str)
               and (a.content_type.startswith(FILE_PREFIXES) or a.content_type in FILE_TYPES)
               for a in activity.attachments or [])


def file_not_kept(app: App, person: Person, key: str, target: str) -> list[Message]:
    """Pestbot keeps no files: it says so, once per activity."""
    return say_once(app, key, person.id, Message(text=content_for(app, person).msg("file_not_kept")), target)


def content_for(app: App, person: Person | None) -> Content:
    """The person's language: their own choice ('taal en'), else the config's (flows.services.content_of)."""
    return content_of(app, person.id if person else None)


def turn_error_handler(app: App):  # type: ignore[no-untyped-def]
    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        """A fault in a turn: only its type in the log (a message may hold a child's name); a Dutch apology."""
        log.error("teams turn failed: %s", type(error).__name__)
        activity = turn_context.activity
        if activity is not None and activity.type == "event" and activity.name == "ContinueConversation":
            return  # a proactive post or delete of ours: nobody asked anything there, so no apology either
        try:
            await turn_context.send_activity(MessageFactory.text(app.content(None).msg("teams_error")))
        except Exception as exc:  # noqa: BLE001 - the connector itself may be what failed
            log.error("teams apology failed: %s", type(exc).__name__)
    return on_turn_error
