"""The conversation engine through the services, on SQLite and PostgreSQL: what a mentor experiences."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.delivery import deliver_outbox, fire_due_reminders
from flows.services import handle_click, handle_message
from tests.fakes import RecordingNotifier
from tests.helpers import FASE1, FASE2, FASE3, INTAKE, Chat


def events(app, case_id):
    with app.uow() as uow:
        return [(e.kind, e.actor, e.data) for e in uow.events.for_case(case_id)]


def test_intake_asks_each_question_and_moves_to_fase1(app):
    chat = Chat(app)
    out = chat.script(INTAKE)
    case = chat.case()
    assert case.state == "fase1"
    assert case.class_name == "2B" and case.department == "onderbouw"
    assert case.value("bullies") == ["Bram Smit", "Cas Peters"]
    assert "Fase 1 – informatie en herstel" in out
    assert "Heb je de gepeste leerling gesproken?" in out


def test_digital_bullying_brings_the_evidence_and_helpwanted_questions(app):
    chat = Chat(app)
    chat.script(INTAKE[:-1] + ["ja", "ja"] + FASE1)
    out = chat.say("status")
    assert "bewijs veilig bewaard" in out and "helpwanted.nl" in out and "zorgcoördinator ingelicht" in out
    tips = chat.say("tips").splitlines()
    assert "helpwanted.nl" in tips[1] and "meldknop.nl" in tips[2]
    assert "zorgcoördinator (Pieter Jansen)" in chat.say("wie moet ik informeren?")


def test_answers_in_any_order_and_corrections(app):
    chat = Chat(app)
    chat.script(INTAKE)
    out = chat.say("vraag 3")
    assert "herstelgesprek" in out
    chat.say("ja")
    case = chat.case()
    assert case.value("restorative_talk") == "yes" and case.answer("spoke_bullied") is None
    assert "• 1. gesprek met de gepeste leerling" in chat.say("status")
    out = chat.say("vraag 1")
    assert "1. Heb je de gepeste leerling gesproken?" in out
    chat.say("nee")
    out = chat.say("vraag 1")
    assert "Huidig antwoord: nee" in out
    assert "Aangepast" not in chat.say("ja")  # "nee" → "ja" is the step getting done, not a correction
    assert chat.case().value("spoke_bullied") == "yes"
    out = chat.say("vraag 1")
    assert "Huidig antwoord: ja" in out
    assert "nog niet gedaan" in chat.say("nee")
    chat.say("vraag 2")
    assert "Genoteerd" in chat.say("De docenten")
    assert "Huidig antwoord: De docenten" in chat.say("vraag 2")
    assert "Aangepast" in chat.say("De docenten en de ouders")
    assert chat.case().value("spoke_others") == "De docenten en de ouders"
    kinds = [k for k, _, _ in events(app, chat.case_id())]
    assert kinds.count("answer_changed") == 2


def test_wrong_answers_get_a_dutch_message_and_change_nothing(app):
    chat = Chat(app)
    chat.script(INTAKE[:2])
    before = chat.case().version
    out = chat.say("7")
    assert "Kies een van deze: 1. Onderbouw, 2. Bovenbouw" in out and "niets opgeslagen" in out
    assert chat.case().version == before and chat.case().answer("department") is None
    chat.say("1")
    assert "Geef één of meer namen" in chat.say("123")
    chat.script(["Anna de Jong", "Bram Smit", "x" * 2001])
    assert chat.case().answer("what_happened") is None
    chat.say("Buitensluiten")
    assert "Antwoord met ja of nee" in chat.say("misschien")


def test_required_questions_cannot_be_skipped_optional_ones_can(app):
    chat = Chat(app)
    chat.script(INTAKE)
    assert "verplicht" in chat.say("overslaan")
    chat.say("ja")
    assert "Overgeslagen" in chat.say("overslaan")
    assert chat.case().answer("spoke_others").skipped


def test_completing_a_phase_with_open_steps_is_refused_naming_them(app):
    chat = Chat(app)
    chat.script(INTAKE + ["ja"])
    version = chat.case().version
    out = chat.say("afronden")
    assert "kan nog niet worden afgerond" in out
    assert "3. herstelgesprek" in out and "4. afspraken (fase 1)" in out and "1. gesprek" not in out
    assert chat.case().state == "fase1" and chat.case().version == version


def test_a_task_answered_no_comes_back_until_it_is_done(app):
    chat = Chat(app)
    chat.script(INTAKE)
    assert "nog niet gedaan" in chat.say("nee")
    chat.script(FASE1[1:])
    case = chat.case()
    assert case.state == "fase1"
    out = chat.say("status")
    assert "• 1. gesprek met de gepeste leerling" in out
    out = chat.say("ja")  # nothing was asked: a plain "ja" answers nothing, and the bot says what is open
    assert "nog niet alles is gedaan: 1. gesprek met de gepeste leerling" in out
    assert chat.case().state == "fase1"
    assert "Is het inmiddels gelukt?" in chat.say("vraag 1")
    out = chat.say("ja")
    assert "Fase 2 – vastleggen en informeren" in out and chat.case().state == "fase2"


def test_events_that_do_not_fit_the_state_are_refused(app):
    chat = Chat(app)
    chat.script(INTAKE)
    out = chat.say("heropen het begint opnieuw")
    assert "Dat kan niet in Fase 1" in out and "'sluit <reden>'" in out
    out = chat.say("sluit")
    assert "Geef een reden mee" in out
    assert chat.case().state == "fase1"


def test_whole_case_to_fase3_and_closed_with_posts_and_reminders(app, clock):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    case = chat.case()
    assert case.state == "monitoring2"
    assert case.answer("team_informed").answered_by == "pestbot"
    deliver_outbox(app, notifier)
    [summary] = notifier.channel_posts()
    assert set(summary.mentions) == {"tbos", "sduijveman", "ngroen", "mzwart"}
    assert "A.d.J." in summary.text and "Anna" not in summary.text and "klas 2B" in summary.text
    assert "geen vraag open" in chat.say("ja")  # no evaluation before its time
    # Four school weeks from Tuesday 24 November: the Christmas holiday moves it to 5 January, 10:00.
    assert case.evaluation_due == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    clock.current = case.evaluation_due
    assert fire_due_reminders(app) >= 1
    deliver_outbox(app, notifier)
    [reminder] = [m for m in notifier.dms("jdevries") if m.question_id == "evaluation"]
    assert "nog steeds gepest" in reminder.text
    out = chat.say("ja")
    assert chat.case().state == "fase3" and "Fase 3" in out
    deliver_outbox(app, notifier)
    ping = notifier.channel_posts()[-1]
    # The school leader comes in, and the social-safety team (its standing members) hears of it too.
    assert set(ping.mentions) == {"tbos", "sduijveman", "ngroen", "mzwart"}
    chat.script(FASE3)
    assert chat.case().state == "monitoring3"
    out = chat.say("sluit het pesten is gestopt")
    assert "gesloten" in out.lower() and chat.case().state == "closed"
    with app.uow() as uow:
        assert uow.reminders.due(clock.now().replace(year=2030), 100) == []  # closing cancels every reminder
    timeline = events(app, case.id)
    kinds = [k for k, _, _ in timeline]
    assert kinds.count("transition") == 6 and kinds[0] == "created"
    informed = [d for k, _, d in timeline if k == "informed"]
    assert [d["kind"] for d in informed] == ["summary_fase2", "ping_fase3", "closed_to_coordinator"]
    assert informed[0]["to"] == "channel:safety" and "ngroen" in informed[0]["mentions"]
    assert informed[2]["to"] == "dm:sduijveman"  # the coordinator follows every case: told when it closes
    scheduled = [d["kind"] for k, _, d in timeline if k == "scheduled"]
    assert scheduled.count("evaluation") == 2 and "reminders_cancelled" in kinds


def test_second_case_closes_at_the_evaluation(app, clock):
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    clock.current = chat.case().evaluation_due
    fire_due_reminders(app)
    out = chat.say("nee")
    case = chat.case()
    assert case.state == "closed" and case.closed_from == "monitoring2"
    assert "Gesloten" in out
    transition = [d for k, _, d in events(app, case.id) if k == "transition"][-1]
    assert transition["trigger"] == "evaluate" and transition["reason"] == "bij de evaluatie gestopt"


def test_severe_incident_from_monitoring_goes_to_fase3_and_pings(app):
    notifier = RecordingNotifier()
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    deliver_outbox(app, notifier)
    out = chat.say("incident Bram heeft Anna geslagen")
    assert chat.case().state == "fase3" and "Fase 3" in out
    deliver_outbox(app, notifier)
    assert "Ernstig incident" in notifier.channel_posts()[-1].text
    assert "geslagen" not in notifier.channel_posts()[-1].text  # the reason stays in the case


def test_close_and_reopen_return_to_the_same_phase(app):
    chat = Chat(app)
    chat.script(INTAKE + ["ja"])
    # The bot awaited a typed answer: it asks whether "sluit …" is the command or the answer.
    assert "Bedoel je de opdracht 'sluit'" in chat.say("sluit aan bij wat de docenten zagen")
    assert "Genoteerd" in chat.say("mijn antwoord")
    chat.say("/sluit verkeerd gemeld")  # "/" makes it a command at once
    assert chat.case().state == "closed"
    assert "gesloten" in chat.say("ja")
    chat.say("heropen toch wel pesten")
    case = chat.case()
    assert case.state == "fase1" and case.value("spoke_bullied") == "yes"


def test_pause_and_resume_days_later_in_the_middle_of_an_agreement(app, clock):
    chat = Chat(app)
    chat.script(INTAKE + FASE1[:4])
    clock.advance(days=3)
    out = Chat(app).say("De mentor vraagt het elke week na")
    assert "Wat gebeurt er als de afspraak niet wordt nageleefd?" in out


def test_status_who_advice_tips_help(app):
    chat = Chat(app)
    assert "nieuw" in chat.say("help")
    assert "Geen toegang" not in chat.say("wie")
    chat.script(INTAKE + FASE1)
    status = chat.say("status")
    assert "Fase 2" in status and "Nog open" in status and "✓ afspraak: Niet meer buitensluiten" in status
    who = chat.say("wie moet ik informeren?")
    assert "Nicole Groen" in who and "Marije Zwart" in who and "Sharon Duijveman" in who and "Thomas Bos" in who
    assert "logboek → nieuwe notitie → incidenten → pesten" in who and "vertrouwenspersoon" in who
    advice = chat.say("advies")
    assert "orthotheek" in advice and "Sharon Duijveman" in advice and "Thomas Bos" in advice
    assert "pestweb.nl" in chat.say("tips")


def test_english_speakers_can_switch_language(app):
    chat = Chat(app)
    assert "English" in chat.say("taal en")
    out = chat.say("new")
    assert "In which class" in out or "class" in out.lower()
    assert "Nederlands" in chat.say("language nl")


def test_unknown_people_are_refused_and_nothing_is_stored(app):
    replies = handle_message(app, "stranger", "nieuw")
    assert "ik ken je niet" in replies[0].text
    with app.uow() as uow:
        assert uow.conversations.get("stranger") is None


def test_too_long_message_changes_nothing(app):
    chat = Chat(app)
    chat.script(INTAKE[:1])
    version = chat.case().version
    out = chat.say("x" * 5000)
    assert "te lang" in out and chat.case().version == version


def test_only_mentors_and_the_coordinator_open_cases(app):
    assert "Alleen mentoren" in Chat(app, "ngroen").say("nieuw")


def test_others_cannot_act_on_or_see_a_case(app):
    chat = Chat(app)
    chat.script(INTAKE)
    case_id = chat.case_id()
    other = Chat(app, "fyilmaz")
    assert "Geen toegang" in other.say(f"open {case_id}")
    assert "Geen toegang" in other.say(f"details {case_id}")
    assert "Geen toegang" in other.say("open 0000-0000-0000")
    team = Chat(app, "ngroen")
    assert "Anna de Jong" in team.say(f"details {case_id}")
    assert "Geen toegang" in team.say(f"open {case_id}") or "staat nu open" in team.say(f"open {case_id}")
    assert "Geen toegang" in team.say("ja")  # the team may look, not answer for the mentor


def test_a_second_click_changes_nothing(app):
    chat = Chat(app)
    chat.script(INTAKE)
    case_id = chat.case_id()
    first = handle_click(app, "jdevries", case_id, "spoke_bullied", "1")
    assert "Genoteerd" in first[0].text
    version = chat.case().version
    second = handle_click(app, "jdevries", case_id, "spoke_bullied", "1")
    assert "al beantwoord" in second[0].text and chat.case().version == version
    stale = handle_click(app, "jdevries", case_id, "class_name", "3A")  # the report's, answered long ago
    assert "al beantwoord" in stale[0].text and "wijzig 1" in stale[0].text and chat.case().class_name == "2B"
    closed = handle_click(app, "jdevries", case_id, "no_such_question", "1")
    assert "niet meer openstaat" in closed[0].text


def test_an_old_button_hears_already_answered_and_gets_the_question_that_is_open_now(app):
    """Issue 13: "a click on an outdated button gets a short 'al beantwoord' with the current question"."""
    chat = Chat(app)
    chat.script(INTAKE)
    case_id = chat.case_id()
    handle_click(app, "jdevries", case_id, "spoke_bullied", "1")
    waiting = chat.case()
    with app.uow() as uow:
        pending = uow.conversations.get("jdevries").pending
    stale = handle_click(app, "jdevries", case_id, "spoke_bullied", "2")
    assert "al beantwoord" in stale[0].text
    [asked] = stale[1:]
    assert asked.question_id == pending.question_id and asked.case_id == case_id
    assert asked.question_id != "spoke_bullied"
    with app.uow() as uow:
        assert uow.conversations.get("jdevries").pending == pending  # asked again, nothing else moved
    assert chat.case().version == waiting.version


def test_every_answer_and_transition_is_on_the_timeline(app):
    chat = Chat(app)
    chat.script(INTAKE)
    timeline = events(app, chat.case_id())
    answered = [d["question"] for k, _, d in timeline if k == "answered"]
    assert answered[:2] == ["class_name", "department"]
    transition = next(t for t in reversed(timeline) if t[0] == "transition")
    assert transition[1] == "jdevries" and transition[2]["to"] == "fase1"
    assert ("scheduled", "jdevries") == timeline[-1][:2]  # fase 1's nudge, caused by the same answer
    assert all(actor in ("jdevries", "pestbot") for _, actor, _ in timeline)


def test_a_redelivered_request_changes_nothing_and_says_nothing(app):
    chat = Chat(app)
    chat.script(INTAKE)
    first = handle_message(app, "jdevries", "ja", dedupe_key="slack:Ev01")
    version = chat.case().version
    again = handle_message(app, "jdevries", "ja", dedupe_key="slack:Ev01")
    assert first and again == [] and chat.case().version == version
    click = handle_click(app, "jdevries", chat.case_id(), "restorative_talk", "1", dedupe_key="slack:A1")
    assert click and handle_click(app, "jdevries", chat.case_id(), "restorative_talk", "1", dedupe_key="slack:A1") == []


def test_a_typed_answer_that_starts_with_a_command_word_is_an_answer_or_the_bot_asks(app):
    chat = Chat(app)
    chat.script(INTAKE + FASE1[:4])  # asking how the agreement is checked
    chat.say("Vraag elke week na bij de gepeste leerling")  # `vraag` takes a number: these words are the answer
    assert "Wat gebeurt er als de afspraak niet wordt nageleefd?" in chat.transcript[-1]
    version = chat.case().version
    asked = chat.say("Sluit aan bij fase 3: gesprek met de ouders")  # `sluit <reden>` would close the case
    assert "Bedoel je de opdracht 'Sluit'" in asked and "Er is nog niets opgeslagen" in asked
    assert chat.case().version == version and chat.case().state == "fase1"
    assert "Afspraak 1 vastgelegd" in chat.say("2")  # "mijn antwoord"
    case = chat.case()
    assert case.state == "fase1" and case.agreements[0].how_checked.startswith("Vraag elke week")
    assert case.agreements[0].if_broken.startswith("Sluit aan")
    # A whole-message command still works while waiting, and "/" makes any command explicit.
    chat.say("ja")  # agreements on paper
    chat.say("status")
    assert "Nog open" in chat.transcript[-1]
    assert "Dat kan niet in Fase 1" in chat.say("/heropen toch")


def test_a_second_click_that_loses_the_race_hears_already_answered_not_someone_else(app, monkeypatch):
    """Issue 13: a double click on one's own button said "Iemand anders heeft deze zaak net gewijzigd".
    The losing turn now runs once more on what is stored, and says what happened."""
    chat = Chat(app)
    chat.script(INTAKE)
    case_id = chat.case_id()
    real = app.uow
    raced = []

    class UowWithAClickInBetween:
        def __enter__(self):
            self.uow = real().__enter__()
            read = self.uow.cases.for_turn

            def for_turn(wanted):
                case = read(wanted)
                if not raced:  # the first click commits while the second has read the case
                    raced.append(True)
                    assert "Genoteerd" in handle_click(app, "jdevries", case_id, "spoke_bullied", "1")[0].text
                return case
            self.uow.cases.for_turn = for_turn
            return self.uow

        def __exit__(self, *exc):
            return self.uow.__exit__(*exc)

    uow_with_a_click_in_between = UowWithAClickInBetween

    monkeypatch.setattr(app, "uow", uow_with_a_click_in_between)
    second = handle_click(app, "jdevries", case_id, "spoke_bullied", "1")
    assert raced and "al beantwoord" in second[0].text and "net gewijzigd" not in second[0].text
    assert chat.case().value("spoke_bullied") == "yes"
