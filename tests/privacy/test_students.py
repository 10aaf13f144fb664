"""Issue 14, items 3 and 4: students as identities, so that erasure and inzage act on one child alone.

Before: erasure matched a first name everywhere (`erase-student "Anna de Vries"` turned another case's
"Anna Jansen" into "[verwijderd] Jansen", for good), and inzage redacted only the case's own student lists
(a witness named in the description appeared in the inzage of the bullied child).
"""

from __future__ import annotations

from flows.dossier import to_html
from flows.retention import erase_student, inzage
from tests.helpers import Chat

COORDINATOR = "sduijveman"


def report_case(app, mentor: str, klas: str, bullied: str, bullies: str, what: str) -> str:
    chat = Chat(app, mentor)
    chat.script(["nieuw", klas, "1", bullied, bullies, what, "nee"])
    return chat.case_id()


def texts_of(app, case_id: str) -> str:
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        return repr([a.value for a in case.answers] + [e.data for e in uow.events.for_case(case_id)]
                    + [o.payload for o in uow.outbox.for_case(case_id)])


def test_erasing_one_anna_leaves_another_childs_record_alone(app):
    mine = report_case(app, "jdevries", "2B", "Anna de Vries", "Bram Smit", "Anna de Vries wordt uitgelachen")
    other = report_case(app, "fyilmaz", "3C", "Anna Jansen", "Dirk Claes", "Anna Jansen krijgt berichten")
    before = texts_of(app, other)
    report = erase_student(app, COORDINATOR, "Anna de Vries")
    assert list(report.cases) == [mine]
    assert "Anna de Vries" not in texts_of(app, mine) and "[verwijderd]" in texts_of(app, mine)
    assert texts_of(app, other) == before  # untouched: "Anna Jansen" is another child
    with app.uow() as uow:
        assert uow.cases.get(other).value("bullied") == ["Anna Jansen"]
    assert erase_student(app, COORDINATOR, "Anna de Vries").found is False  # gone: nothing left to erase


def test_a_full_name_in_another_cases_free_text_is_erased_too(app):
    mine = report_case(app, "jdevries", "2B", "Anna de Vries", "Bram Smit", "Uitlachen")
    witness = report_case(app, "fyilmaz", "3C", "Cas Peters", "Dirk Claes", "Anna de Vries zag het; Anna hielp")
    report = erase_student(app, COORDINATOR, "Anna de Vries")
    assert set(report.cases) == {mine, witness}
    left = texts_of(app, witness)
    assert "Anna de Vries" not in left and "Anna hielp" in left  # a first name alone there could be anyone


def test_a_first_name_alone_is_erased_only_where_it_can_mean_one_child(app):
    alone = report_case(app, "jdevries", "2B", "Anna de Vries", "Bram Smit", "Bram duwt Anna elke pauze")
    shared = report_case(app, "jdevries", "2B", "Anna de Vries", "Anna Bakker", "Anna lacht Anna de Vries uit")
    report = erase_student(app, COORDINATOR, "Anna de Vries")
    assert set(report.cases) == {alone, shared}
    assert "Anna" not in texts_of(app, alone)  # "Anna" here can only be her: erased
    left = texts_of(app, shared)
    assert "Anna de Vries" not in left and "Anna Bakker" in left and "Anna lacht" in left
    [(case_id, word, count)] = report.undecided  # shown to the coordinator, who decides
    assert (case_id, word) == (shared, "Anna") and count >= 1


def test_inzage_redacts_every_other_known_child_also_in_free_text(app):
    witness = report_case(app, "fyilmaz", "3C", "Cas Peters", "Dirk Claes", "Schelden op het plein")
    subject = report_case(app, "jdevries", "2B", "Anna de Jong", "Bram Smit",
                          "Bram duwt Anna; Cas Peters zag het en Cas vertelde het aan Dirk Claes")
    page = to_html(inzage(app, COORDINATOR, "Anna de Jong")).decode()
    assert subject in page and "Anna de Jong" in page
    assert witness not in page  # a case that does not name her is not hers to see
    for other in ("Bram", "Cas Peters", "Cas vertelde", "Dirk"):
        assert other not in page, other
    assert "[leerling]" in page


def test_the_retention_purge_forgets_a_student_no_remaining_case_names(app, clock):
    from flows.retention import purge_expired

    chat = Chat(app)
    chat.script(["nieuw", "2B", "1", "Anna de Vries", "Bram Smit", "Buitensluiten", "nee"])
    chat.say("sluit het pesten is gestopt")
    kept = report_case(app, "fyilmaz", "3C", "Cas Peters", "Bram Smit", "Schelden")
    with app.uow() as uow:
        assert len(uow.students.all()) == 3  # Bram Smit is one record, named in two cases
    clock.advance(days=31 * 25)
    report = purge_expired(app)
    assert report.students == 1  # Anna de Vries; Bram Smit is still named in the open case
    with app.uow() as uow:
        assert sorted(s.name for s in uow.students.all()) == ["Bram Smit", "Cas Peters"]
        assert uow.students.case_ids(uow.students.all()[0].id) == [kept]


def test_an_erased_name_does_not_come_back_as_a_record(app):
    report_case(app, "jdevries", "2B", "Anna de Vries", "Bram Smit", "Uitlachen")
    erase_student(app, COORDINATOR, "Anna de Vries")
    erase_student(app, COORDINATOR, "Bram Smit")  # the case now names no known child
    inzage(app, COORDINATOR, "Cas Peters")  # links older cases again: "[verwijderd]" is nobody
    with app.uow() as uow:
        assert uow.students.all() == []
