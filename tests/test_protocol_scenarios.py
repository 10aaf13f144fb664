"""Every path of the protocol (shared/protocol/PROTOCOL.md), as a transcript a person can read: what
the mentor types (`>`), what the bot must say in substance (`<`, a piece of its words since the last
line typed), and time passing (`~ +4w`: four school weeks). Each runs through the console and
through the services with the worker beside them, on the example school.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import OffsetClock
from bot.console import Console, ConsoleNotifier, KeyValue, render
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from flows.delivery import deliver_outbox, fire_due_reminders
from flows.services import handle_message
from tests.fakes import START

REPORT = """
> nieuw
< Nieuwe zaak
< In welke klas speelt het pesten?
> 2B
< Bij welke afdeling
> 1
> Anna de Jong
> Bram Smit, Cas Peters
> Ze sluiten haar buiten in de pauze
< online
"""
REPORT_OFFLINE = REPORT + """
> nee
< Fase 1 – informatie en herstel
< Heb je de gepeste leerling gesproken?
"""
FASE_1 = """
# "Je spreekt in ieder geval de gepeste leerling"
> ja
< Met wie heb je verder gesproken
> overslaan
< herstelgesprek
> ja
# "Goede afspraken houden niet alleen in wat er afgesproken wordt, maar ook hoe ... en wat er gebeurt"
< Wat spreken jullie af?
> Niet meer buitensluiten in de pauze
< Hoe houden jullie in de gaten
> De mentor vraagt het elke week na
< Wat gebeurt er als de afspraak niet wordt nageleefd?
> Dan volgt een gesprek met de ouders (fase 3)
< Afspraak 1 vastgelegd
< op papier
> ja
< steungroepje
> overslaan
# "Laat altijd weten wie je op de hoogte brengt"
< laten weten wie je op de hoogte brengt
> ja
"""
FASE_2 = """
< Fase 1 – informatie en herstel is afgerond
< Fase 2 – vastleggen en informeren
# The team is informed by the bot's own post, naming the school leader concerned and the members.
< [#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart
< ouders op de hoogte
> ja
# "logboek → nieuwe notitie → incidenten → pesten", authorised for the listed roles
< logboek → nieuwe notitie → incidenten → pesten
< afdelingsleider, calsplus, leerlingbegeleiding, mentor, schoolleiding, vertrouwenspersoon, zorgcoördinator
> ja
< NIET als incident
> n.v.t.
< Monitoren na fase 2
# "na 4 weken": school weeks; the Christmas holiday moves the evaluation
< Over 4 schoolweken (vakanties tellen niet mee), op dinsdag 5 januari 2027
"""
TO_MONITORING = REPORT_OFFLINE + FASE_1 + FASE_2
EVALUATION = """
~ +4w
< [bericht van Pestbot]
< wordt er na 4 schoolweken nog steeds gepest?
"""
FASE_3 = """
# "In deze fase wordt de schoolleider actief betrokken"
< Fase 3 – de schoolleider stapt in
< [#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart
< gesprek gevoerd met de schoolleiding, de pester(s) en de ouders
> ja
< Wie waren er bij het gesprek?
> De schoolleider, de ouders en de antipestcoördinator
< nieuwe afspraken
> Bram en Cas laten Anna met rust
> De schoolleider spreekt hen elke week
> Dan volgt schorsing (fase 4)
# "Wees in het gesprek altijd bewust van de volgende fase en communiceer dit"
< volgende fase
> ja
< begeleiding
> intern
# "Leg deze vraag dan bij de zorgcoördinator neer"
< zorgcoördinator neergelegd
> ja
< strafbare feiten
> ja
< politie
> ja
# "Vervolgens ga je alles weer doorlopen wat je ook in fase 2 hebt gedaan"
< Ook in fase 3 worden de ouders ingelicht
> ja
< Aanleiding: na 4 schoolweken wordt er nog steeds gepest
> ja
> n.v.t.
< Monitoren na fase 3
"""
FASE_4 = """
< Fase 4 – schorsing of verwijdering
< de afspraken uit fase 3 worden niet nageleefd
< [#sociale-veiligheid] @Thomas Bos
< informatie aan de schoolleider doorgegeven
> ja
< Wat heeft de schoolleiding besloten?
> nog geen besluit
< nog niet rond
> status
< Fase 4 – schorsing of verwijdering
> vraag 3
> schorsing
< Op welke datum
> vandaag
< Gesloten
< De antipestcoördinator volgt elke zaak
< [bericht aan Sharon Duijveman]
< fase 4 afgerond met het besluit van de schoolleiding
"""

SCENARIOS = {
    "fase 1 and 2, then closed at the evaluation": TO_MONITORING + EVALUATION + """
# "Most cases end in fase 1 or 2"
> nee
< Gesloten
< [bericht aan Sharon Duijveman]
< bij de evaluatie: er wordt niet meer gepest
> status
< heropen
""",
    "still bullying after four weeks: fase 3, then closed": TO_MONITORING + EVALUATION + """
> ja
""" + FASE_3 + EVALUATION.replace("wordt er na 4 schoolweken nog steeds gepest?", "afspraken uit fase 3") + """
> nee
< Gesloten
""",
    "fase 3 agreements not kept: fase 4, a decision closes it": TO_MONITORING + EVALUATION + """
> ja
""" + FASE_3 + """
~ +4w
< worden de afspraken uit fase 3 niet nageleefd?
> ja
""" + FASE_4,
    "severe incident in fase 1: fase 3 at once, and what fase 2 records is still asked": REPORT + """
> ja
< seksueel getinte
> nee
> ja
< Met wie heb je verder gesproken
# "door een heftig incident eerder in deze fase", and the team meets on severe cases
> /incident Bram sloeg Anna in de kantine
< Ernstig incident: de zaak gaat direct naar Fase 3
< [#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart
> status
< aanleiding: ernstig incident: Bram sloeg Anna in de kantine
< bewijs veilig bewaard
""",
    "severe incident in fase 2": REPORT_OFFLINE + FASE_1 + """
< Fase 2
> incident de afspraken zijn ernstig overtreden
< Ernstig incident: de zaak gaat direct naar Fase 3
""",
    "severe incident while monitoring after fase 2": TO_MONITORING + """
> incident hij is opnieuw geslagen
< Ernstig incident: de zaak gaat direct naar Fase 3
""",
    "severe incident in fase 3 before its new agreements: recorded, team told, still fase 3": TO_MONITORING + EVALUATION
    + """
> ja
> incident ze hebben haar telefoon afgepakt
< blijft in fase 3
< [#sociale-veiligheid] @Thomas Bos @Sharon Duijveman @Nicole Groen @Marije Zwart
> status
< Fase 3 – de schoolleider stapt in
""",
    "severe incident while monitoring after fase 3: fase 4": TO_MONITORING + EVALUATION + """
> ja
""" + FASE_3 + """
> incident de afspraken uit fase 3 zijn ernstig overtreden
< Ernstig incident: de zaak gaat direct naar Fase 4
< [#sociale-veiligheid] @Thomas Bos
""",
    "online bullying with sexual content: evidence, helpwanted.nl, the care coordinator": REPORT + """
> ja
< seksueel getinte beelden of berichten
> ja
> tips
< helpwanted.nl
""" + FASE_1 + """
< Fase 2
> wie
< De zorgcoördinator (Pieter Jansen)
> ja
> ja
> n.v.t.
# "Bij digitaal pesten ... zoveel mogelijk bewijs verzamelt en opslaat op een veilige plek"
< niet op een USB-stick
> ja
< helpwanted.nl
> ja
< zorgcoördinator ingelicht
> ja
< Monitoren na fase 2
""",
}

REOPEN = """
# "/": while the bot waits for a typed answer (a name, say), a command starts with it
> /sluit het pesten is gestopt
< Gesloten
> heropen het pesten begint opnieuw
< is heropend
< {state}
> status
< {state}
"""
REOPEN_FROM = {
    "intake": (REPORT.split("> Anna de Jong")[0], "Melding"),
    "fase1": (REPORT_OFFLINE, "Fase 1 – informatie en herstel"),
    "fase2": (REPORT_OFFLINE + FASE_1, "Fase 2 – vastleggen en informeren"),
    "monitoring2": (TO_MONITORING, "Monitoren na fase 2"),
    "fase3": (TO_MONITORING + EVALUATION + "> ja\n", "Fase 3 – de schoolleider stapt in"),
    "monitoring3": (TO_MONITORING + EVALUATION + "> ja\n" + FASE_3, "Monitoren na fase 3"),
    "fase4": (TO_MONITORING + EVALUATION + "> ja\n" + FASE_3 + "~ +4w\n> ja\n", "Fase 4 – schorsing of verwijdering"),
}
SCENARIOS.update({f"close and reopen in {phase}": before + REOPEN.format(state=state)
                  for phase, (before, state) in REOPEN_FROM.items()})


class Services:
    """The services and the worker, as `pestbot serve` runs them, printed as the console prints them."""

    def __init__(self, database_url: str, config: Path = EXAMPLE_CONFIG, person: str = "jdevries") -> None:
        self.clock = OffsetClock(source=lambda: START)
        self.wired = build(config, database_url, self.clock)
        self.output: list[str] = []
        self.person = person
        self.notifier = ConsoleNotifier(self.wired.app, lambda: person, self.output.append)

    def type(self, line: str) -> None:
        self.output += [render(r) for r in handle_message(self.wired.app, self.person, line)]
        self.tick()

    def school_weeks(self, weeks: int) -> None:
        school = self.wired.app.school
        now = self.clock.now()
        self.clock.offset += school.calendar.add_school_weeks(now, weeks, school.zone()) - now
        self.tick()

    def tick(self) -> None:
        fire_due_reminders(self.wired.app)
        deliver_outbox(self.wired.app, self.notifier, concurrency=1)


class ThroughConsole:
    def __init__(self, database_url: str, config: Path = EXAMPLE_CONFIG, person: str = "jdevries") -> None:
        clock = OffsetClock(source=lambda: START)
        self.wired = build(config, database_url, clock)
        self.output: list[str] = []
        self.console = Console(self.wired.app, clock, person, KeyValue(self.wired.app.uow),
                               write=self.output.append)

    def type(self, line: str) -> None:
        self.console.step(line)

    def school_weeks(self, weeks: int) -> None:
        self.console.step(f"/tijd +{weeks}w")


def play(runner, transcript: str) -> None:
    said_since = 0
    for number, line in enumerate(transcript.strip().splitlines(), 1):
        kind, _, rest = line.partition(" ")
        if kind == ">":
            said_since = len(runner.output)
            runner.type(rest)
        elif kind == "~":
            said_since = len(runner.output)
            runner.school_weeks(int(rest.strip("+w")))
        elif kind == "<":
            heard = "\n".join(runner.output[said_since:])
            assert rest in heard, f"line {number}: expected {rest!r} after the last input; the bot said:\n{heard}"
        elif kind != "#" and line.strip():
            raise ValueError(f"line {number} of the transcript: {line!r}")


@pytest.mark.parametrize("through", [Services, ThroughConsole], ids=["services", "console"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_protocol_path(name, through, tmp_path):
    runner = through(f"sqlite:///{tmp_path / 'pestbot.db'}")
    try:
        play(runner, SCENARIOS[name])
    finally:
        runner.wired.engine.dispose()


def test_the_transcripts_cover_every_phase_and_every_way_to_end():
    text = "\n".join(SCENARIOS.values())
    for words in ("Fase 1", "Fase 2", "Monitoren na fase 2", "Fase 3", "Monitoren na fase 3", "Fase 4", "Gesloten",
                  "Ernstig incident", "heropend", "helpwanted.nl", "niet op een USB-stick"):
        assert words in text, words
