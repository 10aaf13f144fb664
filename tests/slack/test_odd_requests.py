"""Odd requests at `POST /slack/events`: never a 500. Unsigned oddities are 401; signed garbage is 400;
a signed payload of the right type with wrongly typed parts gets 400 or a polite 200, and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.slack.fake_slack import TEAM
from tests.slack.harness import SECRET, USERS

MENTOR = USERS["jdevries"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def send(slack, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(slack.url + "/slack/events", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def signature(body: bytes, timestamp: str) -> str:
    return "v0=" + hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def signed(body: bytes, content_type: str = "application/json") -> dict[str, str]:
    now = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature(body, now)}


def stored(slack) -> int:
    with slack.app.uow() as uow:
        return len(uow.cases.for_mentor("jdevries"))


EVENT = json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "EvOdd", "event": {
    "type": "message", "channel_type": "im", "channel": "D0MENTOR01", "user": MENTOR, "text": "nieuw"}}).encode()


@pytest.mark.parametrize("case", ["superscript two", "5,000 digits", "negative", "non-ASCII signature",
                                  "signature of 5,000 characters", "body not UTF-8", "unknown charset"])
def test_odd_unsigned_requests_are_401(slack, case):
    now = str(int(time.time()))
    body, headers = EVENT, {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now,
                            "X-Slack-Signature": signature(EVENT, now)}
    if case == "superscript two":
        headers["X-Slack-Request-Timestamp"] = "²"
    elif case == "5,000 digits":
        headers["X-Slack-Request-Timestamp"] = "1" * 5000
    elif case == "negative":
        headers["X-Slack-Request-Timestamp"] = "-" + now
    elif case == "non-ASCII signature":
        headers["X-Slack-Signature"] = "v0=" + "é" * 64
    elif case == "signature of 5,000 characters":
        headers["X-Slack-Signature"] = "v0=" + "a" * 5000
    elif case == "body not UTF-8":
        body = b'{"type": "event_callback", "x": "\xff\xfe"}'
    else:
        headers["Content-Type"] = "application/json; charset=x-unknown-charset"
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    encoded = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}  # raw UTF-8 bytes on the wire
    assert send(slack, body, encoded) == 401
    assert stored(slack) == 0


def test_signed_garbage_is_400_and_a_signed_unknown_charset_is_read_as_utf8(slack):
    body = b'{"type": "event_callback", "x": "\xff\xfe"}'
    assert send(slack, body, signed(body)) == 400
    headers = {**signed(EVENT), "Content-Type": "application/json; charset=x-unknown-charset"}
    assert send(slack, EVENT, headers) == 200  # Slack sends UTF-8, whatever a header says
    time.sleep(0.3)
    assert stored(slack) == 1


def interactive(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps({"team": {"id": TEAM}, "api_app_id": "A0PESTBOT1", "token": "x",
                                             "trigger_id": "t.1", "user": {"id": MENTOR}, **payload})}).encode()


MALFORMED = {
    "view without type": {"type": "view_submission", "view": {"id": "V1", "callback_id": "pestbot_intake",
                                                               "state": {"values": {}}}},
    "state.values a list": {"type": "view_submission", "view": {"id": "V2", "type": "modal",
                                                                 "callback_id": "pestbot_intake",
                                                                 "state": {"values": [1, 2]}}},
    "a block's values a list": {"type": "view_submission", "view": {"id": "V3", "type": "modal",
                                "callback_id": "pestbot_intake", "state": {"values": {"class_name": [1]}}}},
    "state a string": {"type": "view_submission", "view": {"id": "V4", "type": "modal", "callback_id": "pestbot_intake",
                                                            "state": "x"}},
    "private_metadata a number": {"type": "view_submission", "view": {"id": "V5", "type": "modal",
                                  "callback_id": "pestbot_agreement", "private_metadata": 42, "state": {"values": {}}}},
    "blocks a number": {"type": "view_submission", "view": {"id": "V6", "type": "modal",
                                                             "callback_id": "pestbot_intake",
                                                             "blocks": 7, "state": {"values": {}}}},
    "action value a number": {"type": "block_actions", "channel": {"id": "D0MENTOR01"},
                              "actions": [{"action_id": "choice:0", "value": 3, "action_ts": "1.2"}]},
    "agreement value a list": {"type": "block_actions", "actions": [{"action_id": "agreement", "value": [1]}]},
    "details value an object": {"type": "block_actions", "actions": [{"action_id": "details", "value": {"a": 1}}]},
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_signed_interactions_with_wrongly_typed_parts_are_never_a_500(slack, name):
    body = interactive(MALFORMED[name])
    assert send(slack, body, signed(body, "application/x-www-form-urlencoded")) in (200, 400)
    assert stored(slack) == 0


@pytest.mark.parametrize("text", [42, None, ["nieuw"], {"a": 1}, True])
def test_a_signed_message_whose_text_is_not_a_string_is_never_a_500(slack, text):
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": f"EvText{type(text).__name__}",
                       "event": {"type": "message", "channel_type": "im", "channel": "D0MENTOR01", "user": MENTOR,
                                 "text": text}}).encode()
    assert send(slack, body, signed(body)) == 200
    assert stored(slack) == 0


@pytest.mark.parametrize("field,value", [("user", 5), ("user", {"id": MENTOR}), ("channel", 7), ("tab", 3),
                                         ("thread_ts", {"x": 1}), ("files", "x")])
def test_signed_events_with_wrongly_typed_fields_are_never_a_500(slack, field, value):
    event = {"type": "message", "channel_type": "im", "channel": "D0MENTOR01", "user": MENTOR, "text": "help"}
    for kind in ("message", "app_home_opened"):
        body = json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": f"Ev{kind}{field}",
                           "event": {**event, "type": kind, field: value}}).encode()
        assert send(slack, body, signed(body)) in (200, 400), kind


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=12), inner, max_size=3),
                       max_leaves=12)


@SETTINGS
@given(view=st.dictionaries(st.sampled_from(["type", "id", "state", "private_metadata", "blocks", "hash"]), JSONISH),
       callback=st.sampled_from(["pestbot_intake", "pestbot_agreement", "iets anders"]),
       kind=st.sampled_from(["view_submission", "view_closed"]))
def test_any_signed_view_is_never_a_500(slack, view, callback, kind):
    body = interactive({"type": kind, "view": {**view, "callback_id": callback}})
    assert send(slack, body, signed(body, "application/x-www-form-urlencoded")) in (200, 400)


@SETTINGS
@given(timestamp=st.text(max_size=30), sig=st.text(max_size=80))
def test_any_timestamp_and_signature_header_is_401(slack, timestamp, sig):
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": sig}
    try:
        encoded = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
        urllib.request.Request(slack.url, headers=encoded)
    except ValueError:
        return
    if any(ord(c) < 32 or ord(c) == 127 for v in encoded.values() for c in v):
        return  # control characters: the HTTP parser refuses the request (400) before the app sees it
    assert send(slack, EVENT, encoded) == 401
