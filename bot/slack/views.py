"""The modals (intake, agreement, details) and the App Home tab, and reading a submitted modal back.

Every label comes from the words of the reader's language; the intake's inputs are the questions of the
school's protocol, named after their ids, so a form's answers go to the services as {question id: text}.
"""

from __future__ import annotations

from typing import Any

from bot.slack import render
from flows.answers import options_for
from flows.content import Content
from flows.protocol import QuestionSpec
from flows.messages import Message
from flows.school import SchoolConfig

INTAKE = "pestbot_intake"
AGREEMENT = "pestbot_agreement"
TITLE_MAX = 24
LABEL_MAX = 2000
HINT_MAX = 2000
TEXT_MAX = 3000  # Slack's plain_text_input allows no more
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


def intake_questions(content: Content) -> list[QuestionSpec]:
    """The questions of the protocol's report that a person answers (the bot fills in the `auto` ones)."""
    return [q for q in content.protocol.questions(content.protocol.report) if q.auto is None]


def intake_fields(content: Content) -> tuple[str, ...]:
    return tuple(q.id for q in intake_questions(content))


def intake(content: Content, school: SchoolConfig) -> dict:
    """`/pest nieuw`: the report's questions of the school's protocol in one form; the answers are sent as the
    chat would type them. A follow-up (`when`) is optional, with a hint that it applies only sometimes."""
    blocks = []
    for q in intake_questions(content):
        if q.id == "department" and len(school.departments) == 1:
            continue  # the bot fills it in itself
        words = content.texts.questions[q.id]
        follow_up = q.when is not None
        hint = content.msg("slack_if_it_applies") if follow_up else words.hint
        blocks.append(_input(q.id, words.prompt, _element(q, content, school), hint,
                             optional=follow_up or not q.required))
    return _modal(INTAKE, content.msg("slack_intake_title"), content, blocks)


def _element(q: QuestionSpec, content: Content, school: SchoolConfig) -> dict:
    """The input for a question: yes / no (and n.v.t.) as radio buttons, other choices as a menu, else a text field."""
    choices = options_for(q, content, [(d.id, d.name) for d in school.departments])
    if choices:
        kind = "radio_buttons" if q.kind in ("yes_no", "task") else "static_select"
        return {"type": kind, "options": _options(choices)}
    return _text(min(q.max_length, TEXT_MAX), multiline=q.kind == "text" and q.max_length > 200)


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
