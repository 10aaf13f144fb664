"""The Bolt listeners. Each one parses, calls one service, renders.

Bolt runs with `process_before_response=True`: a listener does the durable work (the service commits)
and acks; what talks to the Web API afterwards (replies from the outbox, `views.open`, message updates)
goes to the person's sender thread (bot/slack/senders.py), so a slow Slack API never holds the ack back.
`/pest` answers in the ack itself. Each delivery carries a dedupe key made of Slack's ids, so a retry
changes nothing and gets no second reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt import App as BoltApp
from slack_sdk import WebClient

from bot.slack import clicked, render, views
from bot.slack import replies as shared
from bot.slack.client import pooled
from bot.slack.events import register as register_events
from bot.slack.identity import People
from bot.slack.notify import dm_channel, reply_address
from bot.slack.replies import AfterAck, deliver, hand_over, string, unescape
from bot.slack.senders import Senders
from flows.access import can_open_cases
from flows.messages import Message
from flows.receipts import first_delivery
from flows.services import App, add_agreement, handle_click, overview, run_command, start_case

SUBCOMMANDS = {"status": "status", "wie": "who", "advies": "advice", "tips": "tips"}


class Listeners:
    """One school's listeners; `register` attaches them to Bolt. Each ack function does the durable work and
    acks; what must reach Slack afterwards goes to the person's sender thread (`_later`)."""

    def __init__(self, app: App, people: People, senders: Senders) -> None:
        self.app = app
        self.people = people
        self.senders = senders

    def content_for(self, person_id: str | None):  # type: ignore[no-untyped-def]
        return shared.content_for(self.app, person_id)

    def rendered(self, replies: list[Message], person_id: str | None) -> list[dict]:
        return shared.rendered(self.app, replies, person_id)

    def refusal(self) -> list[Message]:
        return shared.refusal(self.app)

    def _later(self, user_id: Any, work: Callable[[], None]) -> None:
        self.senders.after_ack(string(user_id), work)

    # --- /pest --------------------------------------------------------------------------------------
    def pest(self, ack: Ack, command: dict, client: WebClient, respond: Any) -> None:
        """Answered in the ack; only a form to open, or replies beyond the first message, go after it."""
        person = self.people.person(command.get("user_id"), client)
        content = self.content_for(person.id if person else None)  # the language the person chose
        word, _, _rest = unescape(string(command.get("text"))).strip().partition(" ")
        word = word.lower()
        if person is None:
            replies = self.refusal()
        elif word in ("nieuw", "new"):
            if can_open_cases(person):
                ack()
                if first_delivery(self.app, f"command:{command.get('trigger_id')}"):  # a replay opens nothing
                    view = views.intake(content, self.app.school)
                    self._later(command.get("user_id"),
                                lambda: client.views_open(trigger_id=command["trigger_id"], view=view))
                return None
            replies = run_command(self.app, person.id, "new")  # the service's refusal, nothing stored
        elif word in SUBCOMMANDS:
            replies = run_command(self.app, person.id, SUBCOMMANDS[word],
                                  dedupe_key=f"command:{command.get('trigger_id')}")
        elif word == "overzicht":
            replies = [overview(self.app, person.id)]
        else:
            replies = [Message(text=content.msg("slack_help"))]
        if not replies:
            return ack()  # a replayed command: it was answered the first time
        parts = render.batches([block for reply in replies for block in render.blocks(reply, content)])
        text = render.fallback(replies[-1]) if replies else ""
        ack(response_type="ephemeral", text=text, blocks=parts[0])
        more = [{"text": text, "blocks": part} for part in parts[1:]]  # more than one message holds
        if more:
            self._later(command.get("user_id"), lambda: [respond(response_type="ephemeral", replace_original=False,
                                                                 **args) for args in more])
        return None

    # --- buttons --------------------------------------------------------------------------------------
    @staticmethod
    def key(body: dict) -> str:
        action = (body.get("actions") or [{}])[0]
        return f"action:{body.get('user', {}).get('id')}:{action.get('action_ts')}"

    def choice(self, ack: Ack, body: dict, action: dict, client: WebClient, respond: Any) -> None:
        person = self.people.person(body.get("user", {}).get("id"), client)
        parsed = render.parse_choice(string(action.get("value")))
        target = reply_address(string(body.get("user", {}).get("id")), string((body.get("channel") or {}).get("id")))
        if person is None:
            after = hand_over(self.app, self.refusal(), None, target)
        elif parsed is None:
            after = AfterAck()
        else:
            replies = handle_click(self.app, person.id, *parsed, dedupe_key=self.key(body), reply_to=target)
            after = hand_over(self.app, replies, person.id, target)
            after.update = clicked.replacement(self.app, body, action, replies)  # None: refused or a replay
        ack()
        self._later(body.get("user", {}).get("id"), lambda: self.reply_to_click(body, client, respond, after))

    def reply_to_click(self, body: dict, client: WebClient, respond: Any, after: AfterAck) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        for args in after.posts:
            if channel and not channel.startswith("D"):
                client.chat_postEphemeral(channel=channel, user=user, **args)
            else:
                client.chat_postMessage(channel=channel or dm_channel(client, user), unfurl_links=False, **args)
        deliver(self.app, after, client)
        if after.update:  # after the replies: a slow or failing update holds none of them back
            clicked.replace(body, client, respond, after.update)

    def open_view(self, body: dict, client: WebClient, respond: Any, after: AfterAck) -> None:
        if after.view:
            client.views_open(trigger_id=body["trigger_id"], view=after.view)
        else:
            self.reply_to_click(body, client, respond, after)

    def agreement_form(self, ack: Ack, body: dict, action: dict, client: WebClient, respond: Any) -> None:
        ack()
        person = self.people.person(body.get("user", {}).get("id"), client)
        parsed = render.parse_choice(string(action.get("value")))
        if person is None or parsed is None:
            after = AfterAck(posts=self.rendered(self.refusal(), None) if person is None else [])
        else:
            after = AfterAck(view=views.agreement(self.content_for(person.id), parsed[0], parsed[1]))
        self._later(body.get("user", {}).get("id"), lambda: self.open_view(body, client, respond, after))

    def details(self, ack: Ack, body: dict, action: dict, client: WebClient, respond: Any) -> None:
        person = self.people.person(body.get("user", {}).get("id"), client)
        after = AfterAck()
        if person is None:
            after.view = views.details(self.app.content(None), self.refusal())
        else:
            replies = run_command(self.app, person.id, "details", string(action.get("value")),
                                  dedupe_key=self.key(body))
            if replies:  # a retry of the same click opens nothing a second time
                after.view = views.details(self.content_for(person.id), replies[-1:])
        ack()
        if after.view:
            self._later(body.get("user", {}).get("id"), lambda: self.open_view(body, client, respond, after))

    # --- modals ---------------------------------------------------------------------------------------
    def submitted(self, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        person = self.people.person(body.get("user", {}).get("id"), client)
        blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
        first_block = string((blocks[-1] if blocks and isinstance(blocks[-1], dict) else {}).get("block_id"))
        if person is None:
            return ack(response_action="errors", errors={first_block: self.refusal()[0].text[:150]})
        dedupe = f"view:{view.get('id')}"
        target = reply_address(string(body.get("user", {}).get("id")), None)
        if view.get("callback_id") == views.INTAKE:
            answers = views.answers(view, views.intake_fields(self.app.content(None)))
            replies, errors = start_case(self.app, person.id, answers, dedupe, target)
        else:
            case_id, question_id, _ = render.parse_choice(string(view.get("private_metadata"))) or ("", "", "")
            parts = views.answers(view, views.AGREEMENT_PARTS)
            replies, errors = add_agreement(self.app, person.id, case_id, question_id, parts, dedupe, target)
        if errors:
            return ack(response_action="errors", errors=errors)
        ack()
        after = hand_over(self.app, replies, person.id, target)
        self._later(body["user"]["id"], lambda: self.reply_in_dm(body, client, after))
        return None

    def reply_in_dm(self, body: dict, client: WebClient, after: AfterAck) -> None:
        if after.posts:
            channel = dm_channel(client, body["user"]["id"])
            for args in after.posts:
                client.chat_postMessage(channel=channel, unfurl_links=False, **args)
        deliver(self.app, after, client)


def pooled_client(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
    """Bolt makes a plain WebClient for each request (with the request's token): every listener gets one over
    the kept connections instead (bot/slack/client.py)."""
    context["client"] = pooled(context.client)
    next()


def register(bolt: BoltApp, app: App, people: People, senders: Senders) -> None:
    bolt.use(pooled_client)  # after Bolt's own authorization, which sets the request's token
    on = Listeners(app, people, senders)
    bolt.command("/pest")(on.pest)
    bolt.action(re.compile(rf"^{render.CHOICE}:\d+$"))(on.choice)
    bolt.action(render.AGREEMENT)(on.agreement_form)
    bolt.action(render.DETAILS)(on.details)
    bolt.view_submission(views.INTAKE)(on.submitted)
    bolt.view_submission(views.AGREEMENT)(on.submitted)
    register_events(bolt, app, people, senders)  # last: its catch-alls take only what nothing else took
