"""The Bolt listeners. Each one parses, calls one service, renders.

Bolt runs with `process_before_response=True`: a listener's first function does the durable work (the
service commits) and acks; what talks to the Web API afterwards (replies, `views.open`,
`views.publish`) runs as a lazy listener in a thread, after the ack, so a slow Slack API never holds
the ack back. Each delivery carries a dedupe key made of Slack's ids, so a retry changes nothing and
gets no second reply.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt import App as BoltApp
from slack_sdk import WebClient

from bot.slack import clicked, render, views
from bot.slack import replies as shared
from bot.slack.events import register as register_events
from bot.slack.identity import People
from bot.slack.notify import dm_channel, reply_address
from bot.slack.replies import POSTS, UPDATE, VIEW, deliver, hand_over, string, unescape
from flows.access import can_open_cases
from flows.messages import Message
from flows.receipts import first_delivery
from flows.services import App, add_agreement, handle_click, overview, run_command, start_case

SUBCOMMANDS = {"status": "status", "wie": "who", "advies": "advice", "tips": "tips"}


class Listeners:
    """One school's listeners; `register` attaches them to Bolt."""

    def __init__(self, app: App, people: People) -> None:
        self.app = app
        self.people = people

    def content_for(self, person_id: str | None):  # type: ignore[no-untyped-def]
        return shared.content_for(self.app, person_id)

    def rendered(self, replies: list[Message], person_id: str | None) -> list[dict]:
        return shared.rendered(self.app, replies, person_id)

    def refusal(self) -> list[Message]:
        return shared.refusal(self.app)

    # --- /pest --------------------------------------------------------------------------------------
    def pest(self, ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        person = self.people.person(command.get("user_id"), client)
        content = self.content_for(person.id if person else None)  # the language the person chose
        word, _, _rest = unescape(string(command.get("text"))).strip().partition(" ")
        word = word.lower()
        if person is None:
            replies = self.refusal()
        elif word in ("nieuw", "new"):
            if can_open_cases(person):
                if first_delivery(self.app, f"command:{command.get('trigger_id')}"):  # a replay opens nothing
                    context[VIEW] = views.intake(content, self.app.school)
                return ack()
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
        context[POSTS] = [{"text": text, "blocks": part} for part in parts[1:]]  # more than one reply holds
        ack(response_type="ephemeral", text=text, blocks=parts[0])

    def pest_later(self, body: dict, client: WebClient, context: BoltContext, respond: Any) -> None:
        if context.get(VIEW):
            client.views_open(trigger_id=body["trigger_id"], view=context[VIEW])
        for args in context.get(POSTS) or []:
            respond(response_type="ephemeral", replace_original=False, **args)


    # --- buttons --------------------------------------------------------------------------------------
    @staticmethod
    def key(body: dict) -> str:
        action = (body.get("actions") or [{}])[0]
        return f"action:{body.get('user', {}).get('id')}:{action.get('action_ts')}"

    def choice(self, ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
        person = self.people.person(body.get("user", {}).get("id"), client)
        parsed = render.parse_choice(string(action.get("value")))
        target = reply_address(string(body.get("user", {}).get("id")), string((body.get("channel") or {}).get("id")))
        if person is None:
            replies = self.refusal()
        elif parsed is None:
            replies = []
        else:
            replies = handle_click(self.app, person.id, *parsed, dedupe_key=self.key(body), reply_to=target)
            context[UPDATE] = clicked.replacement(self.app, body, action, replies)  # None: refused or a replay
        hand_over(self.app, context, replies, person.id if person else None, target)
        ack()

    def reply_to_click(self, body: dict, client: WebClient, context: BoltContext, respond: Any = None) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        for args in context.get(POSTS) or []:
            if channel and not channel.startswith("D"):
                client.chat_postEphemeral(channel=channel, user=user, **args)
            else:
                client.chat_postMessage(channel=channel or dm_channel(client, user), unfurl_links=False, **args)
        deliver(self.app, context, client)
        if context.get(UPDATE):  # after the replies: a slow or failing update holds none of them back
            clicked.replace(body, client, respond, context[UPDATE])

    def open_view(self, body: dict, client: WebClient, context: BoltContext) -> None:
        if context.get(VIEW):
            client.views_open(trigger_id=body["trigger_id"], view=context[VIEW])
        else:
            self.reply_to_click(body, client, context)

    def agreement_form(self, ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
        ack()
        person = self.people.person(body.get("user", {}).get("id"), client)
        parsed = render.parse_choice(string(action.get("value")))
        if person is None or parsed is None:
            context[POSTS] = self.rendered(self.refusal(), None) if person is None else []
            return
        context[VIEW] = views.agreement(self.content_for(person.id), parsed[0], parsed[1])

    def details(self, ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
        person = self.people.person(body.get("user", {}).get("id"), client)
        if person is None:
            context[VIEW] = views.details(self.app.content(None), self.refusal())
            return ack()
        replies = run_command(self.app, person.id, "details", string(action.get("value")), dedupe_key=self.key(body))
        if replies:  # a retry of the same click opens nothing a second time
            context[VIEW] = views.details(self.content_for(person.id), replies[-1:])
        ack()


    # --- modals ---------------------------------------------------------------------------------------
    def submitted(self, ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
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
        hand_over(self.app, context, replies, person.id, target)

    def reply_in_dm(self, body: dict, client: WebClient, context: BoltContext) -> None:
        posts = context.get(POSTS) or []
        if posts:
            channel = dm_channel(client, body["user"]["id"])
            for args in posts:
                client.chat_postMessage(channel=channel, unfurl_links=False, **args)
        deliver(self.app, context, client)


def register(bolt: BoltApp, app: App, people: People) -> None:
    on = Listeners(app, people)
    bolt.command("/pest")(ack=on.pest, lazy=[on.pest_later])
    bolt.action(re.compile(rf"^{render.CHOICE}:\d+$"))(ack=on.choice, lazy=[on.reply_to_click])
    bolt.action(render.AGREEMENT)(ack=on.agreement_form, lazy=[on.open_view])
    bolt.action(render.DETAILS)(ack=on.details, lazy=[on.open_view])
    bolt.view_submission(views.INTAKE)(ack=on.submitted, lazy=[on.reply_in_dm])
    bolt.view_submission(views.AGREEMENT)(ack=on.submitted, lazy=[on.reply_in_dm])
    register_events(bolt, app, people)  # last: its catch-alls take only what nothing else took
