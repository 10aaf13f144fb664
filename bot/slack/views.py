"""The modals (intake, agreement, details) and the App Home tab, and reading a submitted modal back.

Every label comes from the content file of the reader's language; input blocks are named after the
protocol's question ids, so a form's answers go to the services as {question id: text}.
"""

from __future__ import annotations

from typing import Any

from bot.slack import render
from flows.content import Content
from flows.messages import Message
from flows.school import SchoolConfig

INTAKE = "pestbot_intake"
AGREEMENT = "pestbot_agreement"
TITLE_MAX = 24
LABEL_MAX = 2000
HINT_MAX = 2000
INTAKE_FIELDS = ("class_name", "department", "bullied", "bullies", "what_happened", "digital", "sexual_content")
TEXT_MAX = {"class_name": 20, "what_happened": 2000, "bullied": 2000, "bullies": 2000}
AGREEMENT_PARTS = ("what", "how", "if_broken")
AGREEMENT_MAX = 500


def _modal(callback_id: str, title: str, content: Content, blocks: list[dict], metadata: str = "",
           submit: bool = True) -> dict:
    view = {"type": "modal", "callback_id": callback_id, "title": render.plain(title, TITLE_MAX),
            "close": render.plain(content.msg("slack_cancel" if submit else "slack_close"), TITLE_MAX),
            "blocks": blocks, "private_metadata": metadata}
    if submit:
        view["submit"] = render.plain(content.msg("slack_submit"), TITLE_MAX)
    return view


def _input(block_id: str, label: str, element: dict, hint: str | None = None, optional: bool = False) -> dict:
    block = {"type": "input", "block_id": block_id, "label": render.plain(label, LABEL_MAX),
             "element": {**element, "action_id": "value"}, "optional": optional}
    if hint:
        block["hint"] = render.plain(hint, HINT_MAX)
    return block


def _text(max_length: int, multiline: bool = False) -> dict:
    return {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}


def _options(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"text": render.plain(label, 75), "value": str(i)} for i, (_, label) in enumerate(pairs, 1)]


def intake(content: Content, school: SchoolConfig) -> dict:
    """`/pest nieuw`: the intake's questions in one form; answers are sent as the chat would type them."""
    words = content.texts.questions
    yes_no = _options([("yes", content.texts.answers["yes"]), ("no", content.texts.answers["no"])])
    departments = [(d.id, d.name) for d in school.departments]
    blocks = [
        _input("class_name", words["class_name"].prompt, _text(TEXT_MAX["class_name"]), words["class_name"].hint),
        _input("department", words["department"].prompt, {"type": "static_select", "options": _options(departments)}),
        _input("bullied", words["bullied"].prompt, _text(TEXT_MAX["bullied"]), words["bullied"].hint),
        _input("bullies", words["bullies"].prompt, _text(TEXT_MAX["bullies"]), words["bullies"].hint),
        _input("what_happened", words["what_happened"].prompt, _text(TEXT_MAX["what_happened"], multiline=True)),
        _input("digital", words["digital"].prompt, {"type": "radio_buttons", "options": yes_no}),
        _input("sexual_content", words["sexual_content"].prompt, {"type": "radio_buttons", "options": yes_no},
               content.msg("slack_only_if_online"), optional=True),
    ]
    if len(school.departments) == 1:
        blocks.pop(1)  # the bot fills it in itself
    return _modal(INTAKE, content.msg("slack_intake_title"), content, blocks)


def agreement(content: Content, case_id: str, question_id: str) -> dict:
    """The three parts of a good agreement: what, how it is checked, what if it is broken."""
    prompt = content.texts.questions[question_id].prompt if question_id in content.texts.questions else None
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": render.escape(prompt)}}] if prompt else []
    blocks += [_input(part, content.msg(f"agreement_{part}"), _text(AGREEMENT_MAX, multiline=True))
               for part in AGREEMENT_PARTS]
    metadata = render.choice_value(case_id, question_id, "")
    return _modal(AGREEMENT, content.msg("slack_agreement_title"), content, blocks, metadata)


def details(content: Content, replies: list[Message]) -> dict:
    """A case's details, for the person who clicked (only when they may see the case)."""
    return _modal("pestbot_details", content.msg("slack_details_title"), content,
                  render.view_blocks(replies, content), submit=False)


def home(content: Content, message: Message) -> dict:
    """The Home tab: the person's open cases (the whole team's, for the social-safety team)."""
    return {"type": "home", "blocks": render.view_blocks([message], content)}


def answers(view: dict[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """The submitted values by block id, as text the services parse (a choice as its number). A part that is
    not shaped as Slack shapes it (a signed but malformed payload) counts as not filled in."""
    values = _dict(_dict(view.get("state")).get("values"))
    out: dict[str, str] = {}
    for field in fields:
        element = _dict(_dict(values.get(field)).get("value"))
        if element.get("type") in ("static_select", "radio_buttons"):
            value = _dict(element.get("selected_option")).get("value")
        else:
            value = element.get("value")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            out[field] = str(value)
    return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
