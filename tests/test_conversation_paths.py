"""What a mentor met in the console at commit ef1fa93 (issue 12, items 1-10), each as the mentor
would do it; every test here failed on that code."""

from __future__ import annotations

from flows.delivery import deliver_outbox, fire_due_reminders
from tests.fakes import RecordingNotifier
from tests.helpers import FASE1, FASE2, INTAKE, Chat


def monitored(app, chat: Chat) -> str:
    chat.script(INTAKE + FASE1 + FASE2)
    assert chat.case().state == "monitoring2"
    return chat.case_id()


def evaluation_due(app, clock, case_id: str, notifier: RecordingNotifier) -> None:
    with app.uow() as uow:
        clock.current = uow.cases.get(case_id).evaluation_due
    fire_due_reminders(app)
    deliver_outbox(app, notifier, concurrency=1)


def state(app, case_id: str) -> str:
    with app.uow() as uow:
        return uow.cases.get(case_id).state


def test_1_the_language_switch_holds_for_every_following_message(app):
    chat = Chat(app)
    chat.say("help")
    assert "From now on I'll talk to you in English" in chat.say("taal en")
    assert "What you can type" in chat.say("help")
    assert "Nederlands" in chat.say("language nl") and "Wat je kunt typen" in chat.say("help")


def test_2_the_evaluation_reminder_of_one_case_takes_the_answer_while_another_is_active(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    first = monitored(app, chat)
    chat.script(INTAKE[:4] + ["vraag 4"])  # a second case, its question 4 (who bullies) waiting
    second = chat.case_id()
    evaluation_due(app, clock, first, notifier)
    [reminder] = [m for m in notifier.dms("jdevries") if m.question_id == "evaluation"]
    assert first in reminder.text
    out = chat.say("nee")
    assert state(app, first) == "closed", out
    with app.uow() as uow:
        assert uow.cases.get(second).answer("bullies") is None  # the other case is untouched
    assert f"Terug naar zaak {second}" in out and "Wie pest(en)?" in out  # and the bot goes back to it
    assert chat.case_id() == second


def test_3_an_abandoned_agreement_prompt_does_not_swallow_the_evaluation_answer(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    case_id = monitored(app, chat)
    assert "Wat spreken jullie af?" in chat.say("afspraak")  # started, then left half-way
    chat.say("Ze zitten apart in de klas")
    evaluation_due(app, clock, case_id, notifier)
    out = chat.say("ja")
    assert state(app, case_id) == "fase3", out
    with app.uow() as uow:
        assert len(uow.cases.get(case_id).agreements) == 1  # the half agreement did not take "ja"


def test_4_not_yet_decided_keeps_fase4_open_and_a_reopened_case_stays_open(app, clock):
    chat = Chat(app)
    chat.script(INTAKE + FASE1[:1])
    chat.say("/incident hij is in elkaar geslagen")  # fase 1 → fase 3 ("/": a text answer is awaited)
    chat.script(["ja", "overslaan", "Geen geweld meer", "De schoolleider spreekt hen", "Schorsing", "ja", "1",
                 "nee", "ja", "ja", "n.v.t."])
    assert chat.case().state == "monitoring3"
    chat.say("incident hij heeft het opnieuw gedaan")
    assert chat.case().state == "fase4"
    out = chat.script(["ja", "3"])  # information passed on; the decision: "nog geen besluit"
    assert chat.case().state == "fase4", out
    assert "nog niet rond" in out and "binnen 5 schooldagen" in out
    out = chat.script(["vraag 3", "1", "vandaag"])  # suspension, today: the phase ends with the decision
    assert chat.case().state == "closed", out
    out = chat.say("heropen hij pest weer")
    assert chat.case().state == "fase4", out
    assert "Alle stappen van Fase 4" in out


def test_5_no_to_the_last_open_step_is_not_asked_again_at_once(app):
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2[:2])
    out = chat.say("nee")  # the separate note for teachers: not yet
    assert out.count("losse notitie") <= 1 and "Concept voor de losse notitie" not in out, out
    assert "nog niet gedaan" in out


def test_6_a_severe_incident_tells_the_team_and_still_asks_what_fase2_records(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(INTAKE[:-1] + ["ja", "nee"] + FASE1[:1])  # online bullying, no sexual content
    out = chat.say("/incident de afspraken zijn ernstig overtreden")
    assert "Fase 1 – informatie en herstel is afgerond" not in out and "Ernstig incident" in out
    deliver_outbox(app, notifier)
    [ping] = notifier.channel_posts()
    assert {"tbos", "sduijveman", "ngroen", "mzwart"} <= set(ping.mentions)
    status = chat.say("status")
    assert "aanleiding" in status and "opnieuw geïnformeerd" not in status
    assert "bewijs veilig bewaard" in status  # fase 2 never ran: its evidence step is asked in fase 3
    chat.script(["ja", "overslaan", "Geen geweld meer", "De schoolleider spreekt hen", "Schorsing"])
    out = chat.say("incident weer geslagen")  # fase 3's agreements exist: now fase 4
    assert chat.case().state == "fase4"


def test_6b_an_incident_in_fase3_before_its_agreements_stays_in_fase3_and_tells_the_team(app):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(INTAKE + FASE1[:1])
    chat.say("/incident hij is geslagen")
    out = chat.say("/incident en nu weer")
    assert chat.case().state == "fase3" and "blijft in fase 3" in out
    deliver_outbox(app, notifier)
    assert len(notifier.channel_posts()) == 2


def test_7_no_meeting_no_questions_about_it_and_guidance_in_words(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    case_id = monitored(app, chat)
    evaluation_due(app, clock, case_id, notifier)
    chat.say("ja")
    out = chat.say("nee")  # the meeting has not been held yet
    assert "Wie waren er bij het gesprek?" not in out and "nieuwe afspraken" not in out
    assert "strafbare feiten" in out
    out = chat.script(["vraag 2", "ja", "overslaan", "a", "b", "c", "ja"])
    assert "begeleiding" in out
    for word, stored in (("extern", "external"), ("intern", "internal"), ("nee", "none")):
        chat.say("vraag 6")
        chat.say(word)
        assert chat.case().value("guidance") == stored, word
    chat.say("vraag 6")
    assert "Kies een van deze" in chat.say("ja")  # intern or extern? both say "ja"


def test_8_who_without_a_case_gives_the_protocol_per_phase_with_the_schools_people(app):
    out = Chat(app).say("wie moet ik informeren?")
    for words in ("Fase 1", "Fase 2", "Fase 3", "Fase 4", "Nicole Groen", "Marije Zwart", "Sharon Duijveman",
                  "Thomas Bos", "Eva Visser", "logboek → nieuwe notitie → incidenten → pesten", "zorgcoördinator",
                  "Typ 'nieuw'"):
        assert words in out, words
    assert "zaak –" not in out


def test_9_drafts_read_well_and_the_report_can_be_corrected_later(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(["nieuw", "2B", "1", "Ana de Jong", "Bram Smit", "Ze sluiten haar buiten.", "nee"])
    chat.script(["ja", "overslaan", "ja", "Niet meer buitensluiten.", "De mentor vraagt het na.",
                 "Dan volgt fase 3.", "ja", "overslaan", "ja", "ja"])
    assert "Ana de Jong" in chat.say("wijzig")
    chat.say("wijzig 3")
    assert "Aangepast" in chat.say("Anna de Jong")
    out = chat.say("vraag 3")  # the Magister note
    assert ".." not in out and ".;" not in out and "Anna de Jong" in out and "Ana de Jong" not in out
    chat.script(["ja", "n.v.t."])
    evaluation_due(app, clock, chat.case_id(), notifier)
    chat.say("ja")
    out = chat.say("vraag 10")
    assert "Fase 3" in out and "Aanleiding: na 4 schoolweken wordt er nog steeds gepest" in out


def test_10_closing_tells_the_coordinator_and_reads_right_afterwards(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(INTAKE)
    chat.say("sluit het was een misverstand")
    deliver_outbox(app, notifier)
    [told] = notifier.dms("sduijveman")
    assert "is gesloten" in told.text and "het was een misverstand" in told.text
    status = chat.say("status")
    assert "afronden" not in status and "heropen" in status
    assert "voor de antipestcoördinator en het team" in chat.say("stats")


def test_10_the_dossier_names_reminders_and_posts_in_words(app):
    from flows.dossier import export_dossier

    chat = Chat(app)
    chat.script(INTAKE + FASE1)
    html = export_dossier(app, "jdevries", chat.case_id(), "html").data.decode()
    for internal in ("(nudge", "(summary_fase2)", "(evaluation", "gepland: nudge"):
        assert internal not in html, internal
    assert "samenvatting fase 2" in html


def test_10_monitoring_speaks_of_school_weeks(app):
    chat = Chat(app)
    out = chat.script(INTAKE + FASE1 + FASE2)
    assert "Over 4 schoolweken" in out and "dinsdag 5 januari 2027" in out  # the Christmas holiday moves it


def test_a_multi_line_paste_in_the_console_is_one_message(monkeypatch):
    import io

    from bot import console

    typed = iter(["Ze sluiten haar buiten", "en lachen haar uit", "status"])
    waiting = iter([True, False, False])  # the second line came with the first; "status" later
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    monkeypatch.setattr(console, "_more_waiting", lambda: next(waiting))
    lines = console.input_lines()
    assert next(lines) == "Ze sluiten haar buiten\nen lachen haar uit" and next(lines) == "status"
    assert list(console.input_lines(io.StringIO("a\nb\n"))) == ["a\n", "b\n"]  # a script: a line a message


def test_an_old_button_of_another_case_then_a_typed_answer_each_lands_in_its_place(app):
    """Not in the issue's list, found by the model: an old button of another case, then a typed answer."""
    from flows.services import handle_click

    chat = Chat(app)
    chat.script(INTAKE[:3])
    first = chat.case_id()
    chat.script(INTAKE[:3])
    second = chat.case_id()
    out = handle_click(app, "jdevries", first, "bullied", "Anna de Jong")
    text = "\n".join(m.text for m in out)
    assert f"Over zaak {first}" in text
    chat.say("Bram Smit")  # the question now shown is the first case's "who bullies"
    with app.uow() as uow:
        assert uow.cases.get(first).value("bullies") == ["Bram Smit"]
        assert uow.cases.get(second).answer("bullied") is None


def test_a_yes_or_no_where_names_are_asked_is_no_childs_name(app):
    """Found trying the console as a mentor: "nee" meant for a reminder was stored as a bullied child."""
    chat = Chat(app)
    chat.script(INTAKE[:3])
    for word in ("nee", "ja", "n.v.t."):
        assert "Geef één of meer namen" in chat.say(word)
    assert chat.case().answer("bullied") is None
    chat.say("Anna de Jong")
    assert chat.case().value("bullied") == ["Anna de Jong"]


def test_a_command_while_a_name_is_asked_is_asked_about_not_stored_as_a_name(app):
    """Found in the transcripts: "sluit het pesten is gestopt" while the bot asked who is bullied
    became a child's name. Now the bot asks which was meant; nothing is stored before the answer."""
    chat = Chat(app)
    chat.script(INTAKE[:3])
    before = chat.case().version
    out = chat.say("sluit het pesten is gestopt")
    assert "Bedoel je de opdracht 'sluit'" in out and chat.case().version == before
    assert "Gesloten" in chat.say("de opdracht") and chat.case().state == "closed"
    assert chat.case().answer("bullied") is None
    chat.say("heropen toch nog")
    out = chat.say("incident in de gang")
    assert "Bedoel je de opdracht 'incident'" in out
    chat.say("2")  # as the answer: a name, then, as asked
    assert chat.case().value("bullied") == ["incident in de gang"]
    out = chat.say("deel mzwart")  # now a name is asked again (who bullies): ask, then something else
    assert "Bedoel je de opdracht 'deel'" in out
    assert "Genoteerd" in chat.say("Bram Smit")  # neither: a new message, the held words are let go
    assert chat.case().value("bullies") == ["Bram Smit"] and not chat.case().members


def test_a_new_report_while_the_bot_asks_command_or_answer_is_a_new_report(app):
    """Found by the model-based test: `nieuw` right after "the command, or your answer?" lost the case."""
    chat = Chat(app)
    chat.script(INTAKE[:3])  # who is bullied? (names)
    assert "Bedoel je de opdracht" in chat.say("incident hij is in elkaar geslagen")
    first = chat.case_id()
    assert "Nieuwe zaak" in chat.say("nieuw")
    assert chat.case_id() != first and chat.case().state == "intake"
