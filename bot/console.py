"""The console chat: the embedded default, for trying Pestbot without Slack or Teams.

It plays one configured person. Channel posts, pings and direct messages to others get lines of their
own; choices appear numbered; `/tijd +4w` moves the demo clock so the evaluation can be seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import TextIO

from babel.dates import format_datetime

from bot.clock import OffsetClock
from flows.delivery import deliver_outbox, fire_due_reminders
from flows.languages import DEFAULT_LANGUAGE
from flows.messages import Message
from flows.ports import SendOnly
from flows.services import App, handle_message

CLOCK_KEY = "console_clock_offset_seconds"
_UNITS = {"m": 60, "u": 3600, "h": 3600, "d": 86400}


class ConsoleNotifier(SendOnly):
    """Prints what the worker delivers, each kind of target clearly marked."""

    def __init__(self, app: App, person_id: Callable[[], str], write: Callable[[str], None]) -> None:
        self.app, self.person_id, self.write = app, person_id, write
        self.sent = 0

    def send(self, target_kind: str, target: str, message: Message) -> str:
        school = self.app.school
        mentions = " ".join(f"@{p.name}" for p in map(school.person, message.mentions) if p)
        if target_kind == "channel":
            head = f"[#{school.safety_channel.name}]" + (f" {mentions}" if mentions else "")
        elif target == self.person_id():
            head = "[bericht van Pestbot]"
        else:
            person = school.person(target)
            head = f"[bericht aan {person.name if person else target}]"
        self.write(f"{head}\n{render(message, indent='    ')}")
        self.sent += 1
        return f"console-{self.sent}"


def render(message: Message, indent: str = "") -> str:
    lines = [f"{indent}{line}" for line in message.text.splitlines()]
    if message.choices:
        lines.append(indent + "   ".join(f"[{c.value}] {c.label}" for c in message.choices))
    return "\n".join(lines)


def parse_moment(text: str, zone: ZoneInfo) -> datetime | None:
    for fmt in ("%d-%m-%Y %H:%M", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def parse_offset(text: str) -> tuple[int, str] | None:
    """"+4w" → (4, "w"): minutes, hours (u or h), days, or school weeks."""
    match = re.fullmatch(r"\+?(\d{1,4})\s*([muhdw])", text.strip().lower())
    return (int(match[1]), match[2]) if match else None


class Console:
    def __init__(self, app: App, clock: OffsetClock, person_id: str, state: KeyValue,
                 write: Callable[[str], None] = print, exports: Path = Path("dossiers")) -> None:
        self.app, self.clock, self.person_id, self.state, self.write = app, clock, person_id, state, write
        self.exports = exports
        self.notifier = ConsoleNotifier(app, lambda: self.person_id, write)
        saved = state.get(CLOCK_KEY)
        if saved:
            clock.offset = timedelta(seconds=float(saved))

    def banner(self) -> None:
        person = self.app.school.person(self.person_id)
        name = person.name if person else self.person_id
        self.write(f"Pestbot – {self.app.school.name}. Je bent {name}. "
                   "Typ 'help' voor de opdrachten, '/tijd +4w' om de tijd te verzetten, '/stop' om te stoppen.")

    def run(self, lines: Iterable[str]) -> None:
        self.banner()
        self.tick()
        for line in lines:
            if not self.step(line.rstrip("\n")):
                break

    def step(self, line: str) -> bool:
        """One line of input; False when the person wants to stop."""
        word = line.strip()
        if word in ("/stop", "/quit", "/exit"):
            return False
        if word.startswith("/tijd") or word.startswith("/time"):
            self.move_time(word.split(None, 1)[1] if " " in word else "")
        elif word.startswith("/als ") or word.startswith("/as "):
            self.switch(word.split(None, 1)[1])
        else:
            for reply in handle_message(self.app, self.person_id, line):
                self.write(render(reply))
                if reply.attachment == "dossier" and reply.case_id:
                    self.save_dossier(reply.case_id)
        self.tick()
        return True

    def save_dossier(self, case_id: str) -> None:
        """The console's way to attach: the dossier as HTML and PDF files (owner-only), and where they are."""
        from flows.dossier import export_dossier

        written = []
        for fmt in ("html", "pdf"):
            result = export_dossier(self.app, self.person_id, case_id, fmt)
            if result is None:
                return
            path = self.exports / result.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)
            path.write_bytes(result.data)
            written.append(str(path))
        self.write(f"[dossier opgeslagen: {' en '.join(written)}]")

    def move_time(self, argument: str) -> None:
        school = self.app.school
        zone = school.zone()
        if argument:
            parsed = parse_offset(argument)
            offset = None
            if parsed is not None:
                count, unit = parsed
                if unit == "w":  # school weeks, as the evaluation counts them: a holiday does not count
                    now = self.clock.now()
                    offset = school.calendar.add_school_weeks(now, count, zone) - now
                else:
                    offset = timedelta(seconds=count * _UNITS[unit])
            if offset is None:
                moment = parse_moment(argument, zone)
                if moment is None:
                    self.write("Gebruik bijvoorbeeld '/tijd +4w', '/tijd +3d', '/tijd +2u' of '/tijd 05-01-2027 10:00'. "
                               "De tijd is niet verzet.")
                    return
                offset = moment - self.clock.now()
            if offset.total_seconds() < 0:
                self.write("De tijd kan niet terug. De tijd is niet verzet.")
                return
            self.clock.offset += offset
            self.state.set(CLOCK_KEY, str(self.clock.offset.total_seconds()))
        now = self.clock.now()
        shown = format_datetime(now, "EEEE d-M-yyyy HH:mm", tzinfo=zone, locale=DEFAULT_LANGUAGE)  # a Dutch line
        line = f"[tijd] Het is nu {shown}."
        if not school.calendar.is_open(now, zone):
            opens = school.calendar.next_open(now, zone)
            line += f" De school is dicht; herinneringen komen vanaf {opens:%d-%m-%Y %H:%M}."
        self.write(line)

    def switch(self, person_id: str) -> None:
        person = self.app.school.person(person_id.strip())
        if person is None:
            known = ", ".join(p.id for p in self.app.school.people)
            self.write(f"Onbekende persoon. Kies uit: {known}.")
            return
        self.person_id = person.id
        self.write(f"[je bent nu {person.name}]")

    def tick(self) -> None:
        """What the worker does in a server: due reminders into the outbox, the outbox out."""
        fire_due_reminders(self.app)
        deliver_outbox(self.app, self.notifier)


class KeyValue:
    """The console's own small state (the demo clock), kept in the database so a restart keeps it."""

    def __init__(self, uow_factory: Callable[[], object]) -> None:
        self.uow_factory = uow_factory

    def get(self, key: str) -> str | None:
        with self.uow_factory() as uow:  # type: ignore[attr-defined]
            return uow.app_state.get(key)

    def set(self, key: str, value: str) -> None:
        with self.uow_factory() as uow:  # type: ignore[attr-defined]
            uow.app_state.set(key, value)
            uow.commit()


def input_lines(stream: TextIO | None = None, prompt: str = "> ") -> Iterable[str]:
    """Lines from the terminal (with a prompt) or from a piped script (a line is a message).

    At the terminal, lines that arrive together (a pasted text of several lines) are one message."""
    if stream is not None:
        yield from stream
        return
    try:
        import readline  # noqa: F401 - line editing; it also reads the terminal byte by byte, so a paste's
        # further lines stay in the terminal's buffer, where select sees them
    except ImportError:
        pass
    while True:
        try:
            lines = [input(prompt)]
            while _more_waiting():
                lines.append(input(""))
        except EOFError:
            return
        yield "\n".join(lines)


def _more_waiting(wait: float = 0.03) -> bool:
    import select
    import sys

    try:
        return bool(select.select([sys.stdin], [], [], wait)[0])
    except (OSError, ValueError):
        return False
