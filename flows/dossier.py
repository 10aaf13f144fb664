"""The dossier: a case's whole history (answers, agreements, phase changes, who informed whom, when) as a
document a mentor takes to the fase 3 meeting or a fase 4 procedure. Only for people who may see the
case, and every export is on record.

The document is neutral (`Document`); HTML is made here with the standard library (everything escaped),
PDF by a renderer bot/ hands in (`App.renderers["pdf"]`). Every page of the PDF says "Vertrouwelijk", the case,
the moment of export and "pagina 3 van 7"; the HTML says the same once, at the top. A long dossier (more than
LONG_ROWS lines, about what two printed pages hold) opens with a table of contents: in the PDF with the page of
each part, in the HTML as links to its parts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.dates import format_datetime

from flows.access import can_view
from flows.content import Content
from flows.languages import DEFAULT_LANGUAGE
from flows.model import AuditRecord, Case, Event, normalise_case_id
from flows.school import SchoolConfig

BOT = "pestbot"
LONG_ROWS = 80  # more lines than this: a table of contents (a PDF page holds about 40 of them)


@dataclass
class Section:
    heading: str
    rows: list[tuple[str, ...]] = field(default_factory=list)  # label and text, or time, who and what
    marks: dict[int, str] = field(default_factory=dict)  # row → the part that begins there (the timeline's phases)


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    name: str  # file name without extension
    language: str = DEFAULT_LANGUAGE  # the reader's: the words are in it
    marking: str = ""  # on every page: "Vertrouwelijk"
    running: str = ""  # on every page: the case and the moment of export
    page_label: str = "{page}/{pages}"  # on every page, filled in by the renderer: "pagina {page} van {pages}"
    contents: str = ""  # the heading of the table of contents

    @property
    def long(self) -> bool:
        """Long enough for a table of contents."""
        return sum(len(section.rows) for section in self.sections) > LONG_ROWS


@dataclass
class Export:
    filename: str
    data: bytes
    media_type: str


def moment(content: Content, school: SchoolConfig, at: datetime | None) -> str:
    return "–" if at is None else format_datetime(at, "d-M-yyyy HH:mm", tzinfo=school.zone(), locale=content.language)


def shown(content: Content, question_id: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    if value in content.texts.answers:
        return content.texts.answers[value]  # type: ignore[index]
    return content.option_label(question_id, str(value))


def _name(school: SchoolConfig, person_id: str | None) -> str:
    if person_id == BOT:
        return "Pestbot"
    person = school.person(person_id)
    return person.name if person else (person_id or "–")


def _label(content: Content, question_id: str) -> str:
    words = content.texts.questions.get(question_id)
    return words.label if words else question_id


def _kind(content: Content, kind: object) -> str:
    """What kind of message or reminder, in words: never an internal id such as summary_fase2."""
    key = f"kind_{kind}"
    return content.msg(key) if key in content.texts.messages else str(kind)


def describe(event: Event, content: Content, school: SchoolConfig) -> str:
    """One line of the timeline, in the reader's language."""
    d, kind = event.data, event.kind
    params: dict[str, Any]
    if kind in ("answered", "answer_changed", "skipped"):
        question = d.get("question", "?")
        params = {"question": _label(content, question), "value": shown(content, question, d.get("value"))}
    elif kind == "agreement":
        params = {"what": d.get("what"), "how": d.get("how_checked"), "if_broken": d.get("if_broken")}
    elif kind == "transition":
        params = {"source": content.state_name(d["from"]), "dest": content.state_name(d["to"]),
                  "reason": d.get("reason") or "–"}
    elif kind in ("informed", "reminder"):
        target = str(d.get("to", ""))
        who = f"#{school.safety_channel.name}" if target.startswith("channel:") else _name(school, target.split(":")[-1])
        params = {"to": who, "kind": _kind(content, d.get("kind", ""))}
    elif kind == "scheduled":
        params = {"kind": _kind(content, d.get("kind", "")),
                  "due": moment(content, school, datetime.fromisoformat(d["due"]))}
    elif kind == "incident":
        params = {"reason": d.get("reason") or "–"}
    elif kind == "snoozed":
        params = {"until": moment(content, school, datetime.fromisoformat(d["until"]))}
    elif kind == "shared":
        params = {"person": _name(school, d.get("person")), "role": _kind(content, f"member_{d.get('role', '')}")}
    elif kind == "handed_over":
        params = {"previous": _name(school, d.get("previous")), "mentor": _name(school, d.get("mentor"))}
    else:
        params = {"note": d.get("note", ""), "kind": kind}
    key = f"event_{kind}"
    if key not in content.texts.messages:
        return content.msg("event_other", kind=kind)
    return content.msg(key, **params)


def build(case: Case, events: list[Event], school: SchoolConfig, content: Content, now: datetime,
          reader: str) -> Document:
    dept = school.department(case.department)
    facts = Section(content.msg("dossier_facts"), [
        ("id", case.id),
        ("", content.state_name(case.state)),
        (_label(content, "class_name"), case.class_name or "?"),
        (_label(content, "department"), dept.name if dept else "–"),
        (_label(content, "bullied"), shown(content, "bullied", case.value("bullied"))),
        (_label(content, "bullies"), shown(content, "bullies", case.value("bullies"))),
    ])
    people = Section(content.msg("dossier_people"), [("mentor", _name(school, case.mentor_id))] +
                     [(_kind(content, f"member_{m.role}"), f"{_name(school, m.person_id)} ({moment(content, school, m.added_at)})")
                      for m in case.members])
    answers = Section(content.msg("dossier_given"), [
        (_label(content, a.question_id),
         content.msg("dossier_skipped") if a.skipped else shown(content, a.question_id, a.value))
        for a in case.answers])
    agreements = Section(content.msg("dossier_agreements"), [
        (moment(content, school, a.created_at), content.msg("event_agreement", what=a.what, how=a.how_checked,
                                                            if_broken=a.if_broken)) for a in case.agreements])
    timeline = Section(content.msg("dossier_timeline"), [
        (moment(content, school, e.at), _name(school, e.actor), describe(e, content, school)) for e in events],
        {row: content.state_name(e.data["to"]) for row, e in enumerate(events) if e.kind == "transition"})
    exported = moment(content, school, now)
    return Document(
        title=content.msg("dossier_title", case=case.id),
        subtitle=content.msg("dossier_made", date=exported, person=_name(school, reader)),
        sections=[facts, people, answers, agreements, timeline], name=f"dossier-{case.id}", language=content.language,
        marking=content.msg("dossier_confidential"), running=content.msg("dossier_running", case=case.id, date=exported),
        page_label=content.msg("dossier_page", page="{page}", pages="{pages}"),
        contents=content.msg("dossier_contents"))


def to_html(doc: Document) -> bytes:
    e = html.escape
    parts = ["<!DOCTYPE html>", f'<html lang="{e(doc.language)}"><head><meta charset="utf-8">',
             f"<title>{e(doc.title)}</title>",
             ("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse;"
              "width:100%}td{border-bottom:1px solid #ccc;padding:.3em;vertical-align:top}</style></head><body>"),
             f"<h1>{e(doc.title)}</h1>", f"<p>{e(doc.subtitle)}</p>"]
    if doc.marking or doc.running:
        parts.insert(-2, f'<p class="marking"><strong>{e(doc.marking)}</strong> · {e(doc.running)}</p>')
    anchors = [f"deel-{number}" for number in range(1, len(doc.sections) + 1)]
    if doc.long and doc.contents:
        parts.append(f"<nav><h2>{e(doc.contents)}</h2><ol>")
        for anchor, section in zip(anchors, doc.sections):
            inner = "".join(f'<li><a href="#{anchor}-{row}">{e(name)}</a></li>' for row, name in section.marks.items())
            parts.append(f'<li><a href="#{anchor}">{e(section.heading)}</a>' + (f"<ol>{inner}</ol>" if inner else "")
                         + "</li>")
        parts.append("</ol></nav>")
    for anchor, section in zip(anchors, doc.sections):
        parts.append(f'<h2 id="{anchor}">{e(section.heading)}</h2><table>')
        parts += [(f'<tr id="{anchor}-{row}">' if row in section.marks else "<tr>")
                  + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>" for row, cells in enumerate(section.rows)]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def export_dossier(app: Any, person_id: str, case_id: str, fmt: str = "html") -> Export | None:
    """The dossier of a case, for someone who may see it; None (and a 'denied' record) otherwise."""
    person = app.school.person(person_id)
    now = app.clock.now()
    with app.uow() as uow:
        case = uow.cases.get(normalise_case_id(case_id) or case_id)
        if person is None or case is None or not can_view(person, case, app.school):
            uow.audit.add(AuditRecord(now, person_id, "denied", case.id if case else None, {"what": "export"}))
            uow.commit()
            return None
        content = app.content(person, uow.conversations.get(person.id))
        doc = build(case, uow.events.for_case(case.id), app.school, content, now, person.id)
        if fmt == "html":
            data, media = to_html(doc), "text/html"
        elif fmt in app.renderers:
            data, media = app.renderers[fmt](doc), f"application/{fmt}"
        else:
            raise ValueError(f"onbekend formaat: {fmt}")
        uow.audit.add(AuditRecord(now, person.id, "export", case.id, {"format": fmt}))
        uow.commit()
    return Export(f"{doc.name}.{fmt}", data, media)
