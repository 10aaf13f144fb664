"""The Events API: the direct-message tab (`message.im`), the Home tab (`app_home_opened`), and every other
event Slack may send, which is acked with 200 and ignored (Slack counts anything else as a failed delivery,
retries it and may switch the app's events off).

In the direct messages, what a person typed is a turn: a plain message, a reply in a thread (`thread_ts`;
the answer comes in the conversation itself, which is one thread of questions), `/me …` (`me_message`) and
a thread reply also sent to the conversation (`thread_broadcast`). A file (`file_share`) is not kept: the
person is told so, and the caption is not read as an answer. Edits and deletions (`message_changed`,
`message_deleted`) change nothing: an answer counts as it was given, and `vraag N` corrects it. Messages from
bots, the bot's own included, are ignored.
"""

from __future__ import annotations

import re

from slack_bolt import Ack
from slack_bolt import App as BoltApp
from slack_sdk import WebClient

from bot.slack import views
from bot.slack.identity import People
from bot.slack.notify import reply_address
from bot.slack.replies import AfterAck, content_for, deliver, hand_over, refusal, rendered, string, unescape
from bot.slack.senders import Senders
from flows.messages import Message
from flows.receipts import say_once
from flows.services import App, handle_message, overview

TYPED = ("", "me_message", "thread_broadcast")  # subtypes that are text a person wrote


def _from_person(event: dict) -> bool:
    return event.get("channel_type") == "im" and not event.get("bot_id") and isinstance(event.get("user"), str)


def is_typed(event: dict) -> bool:
    return _from_person(event) and (event.get("subtype") or "") in TYPED


def is_file(event: dict) -> bool:
    return _from_person(event) and event.get("subtype") == "file_share"


def register(bolt: BoltApp, app: App, people: People, senders: Senders) -> None:
    def typed(ack: Ack, body: dict, event: dict, client: WebClient) -> None:
        person = people.person(event.get("user"), client)
        text = unescape(string(event.get("text")))
        target = reply_address(string(event.get("user")), string(event.get("channel")))
        replies = (handle_message(app, person.id, text, dedupe_key=f"event:{body.get('event_id')}", reply_to=target)
                   if person else refusal(app))
        after = hand_over(app, replies, person.id if person else None, target)
        ack()  # only now: the turn (and its replies) is committed
        senders.after_ack(string(event.get("user")), lambda: reply_in_channel(event, client, after))

    def file(ack: Ack, body: dict, event: dict, client: WebClient) -> None:
        person = people.person(event.get("user"), client)
        target = reply_address(string(event.get("user")), string(event.get("channel")))
        if person is None:
            after = AfterAck(posts=rendered(app, refusal(app), None))
        else:  # said once per delivery, also when Slack retries or the process dies before saying it
            message = Message(text=content_for(app, person.id).msg("file_not_kept"))
            after = hand_over(app, say_once(app, f"event:{body.get('event_id')}", person.id, message, target),
                              person.id, target)
        ack()
        senders.after_ack(string(event.get("user")), lambda: reply_in_channel(event, client, after))

    def reply_in_channel(event: dict, client: WebClient, after: AfterAck) -> None:
        for args in after.posts:
            client.chat_postMessage(channel=event["channel"], unfurl_links=False, **args)
        deliver(app, after, client)

    bolt.event("message", matchers=[is_typed])(typed)
    bolt.event("message", matchers=[is_file])(file)

    def home(event: dict, client: WebClient) -> None:
        person = people.person(event.get("user"), client)
        message = overview(app, person.id) if person else refusal(app)[0]
        client.views_publish(user_id=event["user"], view=views.home(content_for(app, person.id if person else None),
                                                                  message))

    def home_opened(ack: Ack, event: dict, client: WebClient) -> None:
        ack()  # the Home tab is drawn after the ack: the overview reads every case the person may see
        senders.after_ack(event["user"], lambda: home(event, client))

    bolt.event("app_home_opened", matchers=[lambda event: event.get("tab", "home") == "home"
                                            and isinstance(event.get("user"), str)])(home_opened)
    # Registered last: Bolt runs the first listener that matches, so these only take what nothing above took.
    bolt.event(re.compile(".*"))(_ignore)
    bolt.view_closed(re.compile(".*"))(_ignore)
    bolt.action(re.compile(".*"))(_ignore)


def _ignore(ack: Ack) -> None:
    ack()
