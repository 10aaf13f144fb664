"""Retention, erasure, access requests, and encryption at rest."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flows.delivery import deliver_outbox
from flows.retention import erase_student, inzage, purge_expired
from flows.dossier import to_html
from flows.services import handle_message
from tests.fakes import RecordingNotifier
from tests.helpers import FASE1, FASE2, INTAKE, Chat


class DeletingNotifier(RecordingNotifier):
    """A platform that lets the bot delete its own posts."""

    can_delete = True

    def __init__(self) -> None:
        super().__init__()
        self.deleted: list[tuple[str, str, str]] = []

    def delete(self, target_kind: str, target: str, platform_message_id: str) -> bool:
        self.deleted.append((target_kind, target, platform_message_id))
        return True


def closed_case(app) -> str:
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    chat.say("checkin Anna de Jong zegt dat het beter gaat")
    chat.say("sluit het pesten is gestopt")
    return chat.case_id()


def raw_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if not p.name.endswith(".key"))


def counts(wired, case_id: str) -> dict[str, int]:
    with wired.engine.connect() as connection:
        return {t: connection.execute(sa.text(f"SELECT count(*) FROM {t} WHERE {'id' if t == 'cases' else 'case_id'}"
                                              " = :c"), {"c": case_id}).scalar()
                for t in ("cases", "answers", "agreements", "events", "outbox", "reminders")}


def test_after_the_period_a_closed_case_and_its_posts_are_gone_and_the_report_says_so(app, wired, clock,
                                                                                       database_url):
    notifier = DeletingNotifier()
    case_id = closed_case(app)
    deliver_outbox(app, notifier)
    assert counts(wired, case_id)["answers"] > 0
    clock.advance(days=30 * 23)
    assert purge_expired(app, notifier=notifier).cases == []  # not yet: 24 months after closing
    clock.advance(days=31 * 2)
    dry = purge_expired(app, dry_run=True, notifier=notifier)
    assert [c.case_id for c in dry.cases] == [case_id] and counts(wired, case_id)["cases"] == 1
    report = purge_expired(app, notifier=notifier)
    [item] = report.cases
    assert item.case_id == case_id and item.counts["answers"] > 0 and item.counts["events"] > 0
    # The fase 2 summary in the channel, and the coordinator's message that the case closed.
    assert item.posts_deleted == 2 and item.posts_kept == 0
    assert notifier.deleted == [("channel", "safety", "msg-1"), ("dm", "sduijveman", "msg-2")]
    assert counts(wired, case_id) == dict.fromkeys(counts(wired, case_id), 0)
    with app.uow() as uow:
        assert [r.action for r in uow.audit.for_case(case_id)][-2:] == ["purge_planned", "purge"]
        assert uow.conversations.get("jdevries").active_case_id is None
    assert purge_expired(app, "jdevries") is None  # only the coordinator (or the retention job itself)
    if database_url.startswith("sqlite"):
        data = raw_bytes(database_url)
        assert b"Anna" not in data and b"Jong" not in data and b"buiten" not in data


def test_the_database_file_holds_no_name_and_no_free_text(app, database_url):
    closed_case(app)
    if database_url.startswith("sqlite"):
        data = raw_bytes(database_url)
        for secret in ("Anna de Jong", "Bram Smit", "Cas Peters", "Ze sluiten haar buiten", "buitensluiten",
                       "elke week na", "beter gaat", "het pesten is gestopt"):
            assert secret.encode() not in data, secret
        assert Path(database_url.removeprefix("sqlite:///") + ".key").stat().st_mode & 0o777 == 0o600
    with app.uow() as uow:  # and through the application everything is still there
        assert uow.cases.all()[0].value("bullied") == ["Anna de Jong"]


def test_a_student_is_erased_on_request_and_the_report_says_where(app):
    case_id = closed_case(app)
    assert erase_student(app, "jdevries", "Anna de Jong") is None
    report = erase_student(app, "sduijveman", "Anna de Jong")
    assert report.cases[case_id]["answers"] == 1 and report.cases[case_id]["events"] >= 2
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        assert case.value("bullied") == ["[verwijderd]"] and case.value("bullies") == ["Bram Smit", "Cas Peters"]
        text = repr([e.data for e in uow.events.for_case(case_id)] + [o.payload for o in uow.outbox.for_case(case_id)])
        assert "Anna" not in text and "[verwijderd]" in text
        assert [r.action for r in uow.audit.for_case(case_id)][-1] == "erase"


def test_an_access_request_shows_one_student_with_the_others_redacted(app):
    case_id = closed_case(app)
    Chat(app, "fyilmaz").script(["nieuw", "4H", "2", "Dirk Claes", "Eva Mol", "Uitschelden", "nee"])
    doc = inzage(app, "sduijveman", "Bram Smit")
    page = to_html(doc).decode()
    assert case_id in page and "Bram Smit" in page and "[leerling]" in page
    assert "Anna" not in page and "Cas Peters" not in page and "Dirk" not in page
    assert inzage(app, "ngroen", "Bram Smit") is None


def test_the_access_request_pdf_is_marked_and_paged_like_a_dossier(app):
    """What goes to a parent (AVG art. 15) is as confidential as the dossier: marked and paged on every page."""
    import io

    from pypdf import PdfReader

    from bot.pdf import render_pdf

    closed_case(app)
    pages = PdfReader(io.BytesIO(render_pdf(inzage(app, "sduijveman", "Bram Smit")))).pages
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "Vertrouwelijk" in text and f"pagina {number} van {len(pages)}" in text and "Inzage" in text


def test_the_purge_forgets_delivery_receipts_after_a_week(app, wired, clock):
    """Issue 14, item 5: receipts were never purged. A platform redelivers within minutes; a week is plenty."""
    chat = Chat(app)
    handle_message(app, "jdevries", "help", dedupe_key="slack:old-delivery")
    clock.advance(days=8)
    handle_message(app, "jdevries", "help", dedupe_key="slack:new-delivery")
    assert purge_expired(app, dry_run=True).receipts == 0
    with wired.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM receipts")).scalar() == 2
    assert purge_expired(app).receipts == 1
    with wired.engine.connect() as connection:
        assert list(connection.execute(sa.text("SELECT key FROM receipts")).scalars()) == ["slack:new-delivery"]
    assert chat.say("help")  # nothing else moved

