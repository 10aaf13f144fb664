"""The example primary-school protocol (flows/protocols/po/protocol.yaml, its words beside it) as
transcripts, played as tests/test_protocol_scenarios.py plays this school's: through the console and
through the services with the worker beside them, on the example primary school
(bot/data/school.po.example.yaml). What the transcripts expect comes from that protocol file: a
signalling step first, the intern begeleider told in stap 2, the directeur in stap 3, an evaluation
after the school's two weeks, a severe incident taking any step after the signal straight to stap 3."""

from __future__ import annotations

import pytest

from bot.settings import PO_EXAMPLE_CONFIG
from tests.test_protocol_scenarios import Services, ThroughConsole, play

REPORT = """
> nieuw
< Nieuwe zaak
< Signalering
< In welke groep speelt het pesten?
> 6
< Bij welke bouw hoort de groep?
> 2
> Anna de Jong
> Bram Smit
> Ze lachen haar uit op het plein
< Wie heeft het gesignaleerd?
> 2
< online
> nee
< Signalering is afgerond
< Stap 1 – gesprekken en afspraken
< apart met de gepeste leerling
"""
STAP_1 = """
> ja
< apart met de pester(s)
> ja
< Wat spreken jullie af?
> Niet meer uitlachen op het plein
< Hoe houden jullie in de gaten
> De leerkracht vraagt het elke dag
< Wat gebeurt er als de afspraak niet wordt nageleefd? (denk aan stap 2 of 3
> Dan volgt een gesprek met de ouders
< Afspraak 1 vastgelegd
< in de groep besproken
> n.v.t.
< wie je op de hoogte brengt
> ja
"""
STAP_2 = """
< Stap 1 – gesprekken en afspraken is afgerond
< Stap 2 – ouders, intern begeleider en dossier
# The intern begeleider is told by the bot's own post, and the anti-bullying coordinator with them.
< [#zorg-en-veiligheid] @Ruud Kok @Yara de Jong
< Pestmelding in stap 2
< ouders van de gepeste leerling
> wie
< De intern begeleider (Ruud Kok)
> ja
< ouders van de pester(s)
> ja
< ParnasSys
> ja
< Monitoren na stap 2
# The school evaluates after two school weeks; the Christmas holiday moves it.
< Over 2 schoolweken (vakanties tellen niet mee)
"""
TO_MONITORING = REPORT + STAP_1 + STAP_2
EVALUATION = """
~ +2w
< [bericht van Pestbot]
< wordt er na 2 schoolweken nog steeds gepest?
"""
STAP_3 = """
< Stap 3 – de directeur stapt in
< [#zorg-en-veiligheid] @Hanneke Dekker @Ruud Kok @Yara de Jong
> status
< aanleiding: na 2 schoolweken wordt er nog steeds gepest
> ja
< Welke nieuwe afspraken
> Bram speelt in de pauze bij de juf
< Hoe houden jullie in de gaten
> De pleinwacht let erop
< Wat gebeurt er als
> Dan volgt stap 4
< Afspraak 1 vastgelegd
< hulp van buiten
> 2
< ParnasSys vastgelegd
> ja
< Monitoren na stap 3
"""
SCENARIOS = {
    "stap 1 and 2, then closed at the evaluation": TO_MONITORING + EVALUATION + """
> nee
< Gesloten
< [bericht aan Yara de Jong]
""",
    "still bullying: stap 3, then stap 4, and a measure closes it": TO_MONITORING + EVALUATION + """
> ja
""" + STAP_3 + """
~ +2w
< worden de afspraken uit stap 3 niet nageleefd?
> ja
< Stap 4 – time-out, schorsing of verwijdering
< bevoegd gezag
> ja
< Wat heeft het bevoegd gezag besloten?
# "nog geen besluit" keeps the step open
> 4
> status
< Stap 4
> vraag 3
> 1
< Gesloten
""",
    "severe incident while signalling: first the signal, then stap 3 with the directeur": """
> nieuw
< In welke groep speelt het pesten?
# while the bot waits for a typed answer, "/" makes it a command; without the signal there is nobody to name
> /incident Bram duwde Anna van de trap
< Dat kan niet in Signalering
""" + REPORT.split("> nieuw\n< Nieuwe zaak\n< Signalering\n< In welke groep speelt het pesten?\n")[1] + """
> incident Bram duwde Anna van de trap
< Ernstig incident: de zaak gaat direct naar Stap 3
< [#zorg-en-veiligheid] @Hanneke Dekker @Ruud Kok @Yara de Jong
< Ernstig incident in zaak
< · 6 · A.d.J.
> status
< aanleiding: ernstig incident: Bram duwde Anna van de trap
""",
    "severe incident in stap 3 before its new agreements: recorded, still stap 3": TO_MONITORING + EVALUATION + """
> ja
> incident ze hebben zijn tas in de sloot gegooid
< blijft in stap 3
< [#zorg-en-veiligheid] @Hanneke Dekker @Ruud Kok @Yara de Jong
""",
    "close and reopen in stap 2": REPORT + STAP_1 + """
> sluit de ouders hebben het samen opgelost
< Gesloten
> heropen het begint opnieuw
< is heropend
< Stap 2 – ouders, intern begeleider en dossier
""",
}


@pytest.mark.parametrize("through", [Services, ThroughConsole], ids=["services", "console"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_primary_school_protocol_path(name, through, tmp_path):
    runner = through(f"sqlite:///{tmp_path / 'pestbot.db'}", PO_EXAMPLE_CONFIG, "lbakker")
    try:
        play(runner, SCENARIOS[name])
    finally:
        runner.wired.engine.dispose()


def test_the_transcripts_cover_every_step_and_every_way_to_end():
    text = "\n".join(SCENARIOS.values())
    for words in ("Signalering", "Stap 1", "Stap 2", "Monitoren na stap 2", "Stap 3", "Monitoren na stap 3",
                  "Stap 4", "Gesloten", "Ernstig incident", "heropend", "intern begeleider"):
        assert words in text, words
