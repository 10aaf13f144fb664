"""Teams end to end: real Activity JSON to the running server, a fake connector receiving what it sends."""

from __future__ import annotations

from typing import Any

from flows.messages import Message
from tests.helpers import FASE1, FASE2, FASE3, INTAKE
from tests.teams.conftest import BOT_ID, SAFETY, TENANT, Posted

JAN = "29:mentor-jdevries"
JAN_CHAT = f"a:personal-{JAN}"


def actions(posted: list[Posted]) -> list[dict[str, Any]]:
    """The Action.Submit buttons of the last card that has any."""
    for p in reversed(posted):
        if p.card and p.card.get("actions"):
            return p.card["actions"]
    raise AssertionError("geen kaart met knoppen")


def button(posted: list[Posted], title: str) -> dict[str, Any]:
    return next(a["data"] for a in actions(posted) if a["title"] == title)


def case_of(teams, person: str = "jdevries"):
    with teams.app.uow() as uow:
        conversation = uow.conversations.get(person)
        return uow.cases.get(conversation.active_case_id)


def test_a_personal_message_gets_its_replies_as_adaptive_cards(teams):
    replies = teams.say("help")
    assert [p.conversation for p in replies] == [JAN_CHAT]  # the welcome and the help: one card, one post
    assert all(p.reply_to and p.card for p in replies)
    assert "Hoi Jan de Vries" in replies[0].text and "nieuw – een pestsituatie melden" in replies[0].text
    assert replies[0].text.index("Hoi Jan") < replies[0].text.index("nieuw – een pestsituatie melden")
    assert replies[0].activity["recipient"]["id"] == JAN and replies[0].activity["from"]["id"] == BOT_ID
    assert replies[0].authorization is None  # insecure dev mode: botbuilder sends no token


def test_install_in_the_personal_chat_stores_the_reference_and_enables_proactive_messages(teams):
    assert teams.install_personal() in (200, 201)
    [row] = teams.rows("conversation_refs")
    assert {k: row[k] for k in ("platform", "key", "person_id", "service_url", "conversation_id", "tenant_id",
                                "bot_id", "user_id", "channel_id")} == {
        "platform": "teams", "key": f"user:{JAN}", "person_id": "jdevries", "service_url": teams.connector.url,
        "conversation_id": JAN_CHAT, "tenant_id": TENANT, "bot_id": BOT_ID, "user_id": JAN, "channel_id": "msteams"}
    assert teams.connector.posted == []  # installing says nothing and stores no case data
    assert teams.rows("conversations") == []
    posted_id = teams.notifier.send("dm", "jdevries", Message(text="Een herinnering"))
    [dm] = teams.connector.posted
    assert dm.conversation == JAN_CHAT and dm.reply_to is None and dm.text == "Een herinnering"
    assert posted_id == "posted-1"
    assert teams.notifier.send("dm", "fyilmaz", Message(text="x")) is None  # no reference: later


def test_the_bot_added_to_the_safety_team_stores_its_channel_and_posts_there_with_mentions(teams):
    assert teams.notifier.send("channel", "safety", Message(text="x")) is None
    assert teams.install_team() in (200, 201)
    [row] = teams.rows("conversation_refs")
    assert row["key"] == f"channel:{SAFETY}" and row["conversation_id"] == SAFETY and row["person_id"] is None
    teams.notifier.send("channel", "safety", Message(text="Zaak X", mentions=("tbos", "ngroen")))
    [post] = teams.connector.to(SAFETY)
    assert post.reply_to is None
    assert "<at>Thomas Bos</at> <at>Nicole Groen</at>" in post.text
    assert post.card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Thomas Bos</at>", "mentioned": {"id": "29:leader-tbos", "name": "Thomas Bos"}},
        {"type": "mention", "text": "<at>Nicole Groen</at>", "mentioned": {"id": "29:team-ngroen", "name": "Nicole Groen"}}]


def test_a_message_in_a_channel_is_not_a_conversation_about_a_case(teams):
    teams.post(teams.activity("message", JAN, conversation=f"{SAFETY};messageid=17", conversation_type="channel",
                              text="<at>Pestbot</at> nieuw", channel_data={"team": {"id": SAFETY}}))
    [reply] = teams.connector.posted
    assert "hier plaats ik de samenvattingen" in reply.text
    assert teams.rows("cases") == [] and teams.rows("conversations") == []
    assert [r["key"] for r in teams.rows("conversation_refs")] == [f"channel:{SAFETY}"]


def test_a_whole_case_in_teams_from_the_first_message_to_closed(teams, clock):
    assert teams.install_personal() in (200, 201) and teams.install_team() in (200, 201)
    replies = teams.say("nieuw")
    form = actions(replies)
    assert [a["title"] for a in form] == ["Versturen"]
    assert any(b.get("type") == "Input.Text" for b in replies[-1].card["body"])  # the class is typed in a form
    replies = teams.submit({**form[0]["data"], "answer": "2B"}, reply_to=replies[-1].reply_to)
    assert [a["title"] for a in actions(replies)] == ["Onderbouw", "Bovenbouw"]
    teams.submit(button(replies, "Onderbouw"))
    for line in INTAKE[3:] + FASE1 + FASE2:
        teams.say(line)
    case = case_of(teams)
    assert case.state == "monitoring2" and case.department == "onderbouw" and case.class_name == "2B"

    teams.sweep()
    [summary] = teams.connector.to(SAFETY)
    mentioned = {e["mentioned"]["id"] for e in summary.card["msteams"]["entities"]}
    assert mentioned == {"29:leader-tbos", "29:coord-sduijveman", "29:team-ngroen", "29:team-mzwart"}
    assert "A.d.J." in summary.text and "Anna" not in summary.text and "klas 2B" in summary.text
    assert "<at>Sharon Duijveman</at>" in summary.text

    teams.connector.clear()
    # Four school weeks (the Christmas holiday counts not): the evaluation falls due on 5 January 2027.
    assert case.evaluation_due.date().isoformat() == "2027-01-05"
    clock.current = case.evaluation_due
    teams.sweep()
    [reminder] = [p for p in teams.connector.to(JAN_CHAT) if "nog steeds gepest" in p.text]
    assert reminder.reply_to is None  # a proactive message, not a reply
    replies = teams.submit(button([reminder], "ja"), reply_to="posted-x")
    assert case_of(teams).state == "fase3" and any("Fase 3" in p.text for p in replies)
    teams.sweep()
    ping = teams.connector.to(SAFETY)[-1]
    assert {e["mentioned"]["id"] for e in ping.card["msteams"]["entities"]} == {
        "29:leader-tbos", "29:coord-sduijveman", "29:team-ngroen", "29:team-mzwart"}
    for line in FASE3:
        teams.say(line)
    assert case_of(teams).state == "monitoring3"
    replies = teams.say("sluit het pesten is gestopt")
    assert case_of(teams).state == "closed" and any("gesloten" in p.text.lower() for p in replies)


def test_a_card_submitted_twice_changes_the_case_once(teams):
    teams.say("nieuw")
    replies = teams.say("2B")
    data = button(replies, "Onderbouw")
    first = teams.submit(data, reply_to="posted-3")
    version = case_of(teams).version
    again = teams.submit(data, reply_to="posted-3")  # a double click: another activity, the same card
    assert first and again == []
    other = teams.submit(button(replies, "Bovenbouw"), reply_to="posted-3")
    assert "al beantwoord" in other[0].text
    case = case_of(teams)
    assert case.version == version and case.department == "onderbouw"
    with teams.wired.app.uow() as uow:  # events.data is encrypted at rest: read it through storage
        data = [e.data for e in uow.events.for_case(case.id) if e.kind == "answered"]
    answered = [d for d in data if d["question"] == "department"]
    assert len(answered) == 1


def test_a_redelivered_activity_changes_the_case_once(teams):
    teams.say("nieuw")
    activity = teams.activity("message", JAN, id="1:redelivered", text="2B")
    assert teams.post(activity) in (200, 201)
    count, version = len(teams.connector.posted), case_of(teams).version
    assert teams.post(activity) in (200, 201)
    assert len(teams.connector.posted) == count and case_of(teams).version == version
    assert case_of(teams).class_name == "2B"


def test_invalid_card_input_gets_a_dutch_message_and_stores_nothing(teams):
    replies = teams.say("nieuw")
    form = actions(replies)[0]["data"]
    version = case_of(teams).version
    replies = teams.submit({**form, "answer": "x" * 30})
    assert "te lang" in replies[0].text and "niets opgeslagen" in replies[0].text
    assert case_of(teams).class_name is None and case_of(teams).version == version
    replies = teams.submit({**form, "answer": "   "})
    assert "Ik heb een antwoord nodig" in replies[0].text
    replies = teams.submit({"pestbot": "choice", "case_id": form["case_id"]})  # tampered: no question, no value
    assert "formulier kan ik niet lezen" in replies[0].text
    replies = teams.submit({"pestbot": "choice", "case_id": "ZZZZ-ZZZZ-ZZZZ", "question_id": "class_name",
                            "value": "2B"})  # someone else's or no case
    assert "Geen toegang" in replies[0].text
    assert case_of(teams).version == version and teams.rows("outbox") == []
    replies = teams.submit({**form, "answer": "2B"})
    assert case_of(teams).class_name == "2B"  # the corrected answer on the same form counts


def test_an_unknown_teams_user_is_refused_politely_and_nothing_is_stored(teams):
    assert teams.post(teams.activity("conversationUpdate", "29:stranger", membersAdded=[{"id": BOT_ID}])) in (200, 201)
    replies = teams.say("nieuw", user="29:stranger")
    assert "ik ken je niet" in replies[0].text
    assert teams.rows("conversation_refs") == [] and teams.rows("conversations") == []
    assert teams.rows("cases") == [] and teams.rows("receipts") == []


def test_a_person_is_also_found_by_the_azure_object_id(teams, wired):
    replies = teams.say("help", user="29:other-device-id", aad="29:mentor-fyilmaz")
    assert "Hoi Fatma Yilmaz" in replies[0].text


def test_a_group_chat_tells_its_id_for_the_config_and_is_remembered(teams):
    chat = "19:groepschat-zorg@thread.v2"
    teams.post(teams.activity("message", JAN, conversation=chat, conversation_type="groupChat",
                              text="<at>Pestbot</at> hallo"))
    [reply] = teams.connector.posted
    assert reply.conversation == chat and f"schoolconfig: {chat}" in reply.text
    assert [r["key"] for r in teams.rows("conversation_refs")] == [f"channel:{chat}"]
    assert teams.rows("conversations") == []


def test_turns_reuse_one_connector_client_and_its_connections(teams):
    """botbuilder's CloudAdapter makes a new ConnectorClient for every turn: a new HTTP session, so a new
    connection (in production a new TLS handshake) to the connector, and msrest's retry policy built anew
    twice per turn (a million list comparisons each). The clients are kept per service URL (issue 17)."""
    teams.connector.peers.clear()
    posted = []
    for line in INTAKE[:4]:
        posted += teams.say(line)
    assert len(posted) >= 4  # every turn answered
    assert len(teams.connector.peers) <= 2, teams.connector.peers
