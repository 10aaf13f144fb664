"""storage/driver.py against SQLAlchemy's own execution, on SQLite and PostgreSQL: the same statement gives the
same rows and stores the same values either way, errors come out as SQLAlchemy's, the work stays inside the
unit of work's transaction, listeners still see each statement, and a lost connection is invalidated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage.cases import _case_by_id, _one, _versioned_update
from storage.driver import run
from storage.repositories import _claim_statement, insert_of
from storage.tables import answers, cases, receipts

MOMENT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def _case(case_id: str) -> dict[str, object]:
    return {"id": case_id, "mentor_id": "jdevries", "state": "fase1", "closed_from": None, "class_name": "2B",
            "department": None, "created_at": MOMENT, "updated_at": MOMENT, "phase_started_at": MOMENT,
            "evaluation_due": None, "version": 1}


def _answer(case_id: str, question: str, value: object, skipped: bool = False) -> dict[str, object]:
    return {"case_id": case_id, "question_id": question, "value": value, "skipped": skipped,
            "answered_by": "jdevries", "answered_at": MOMENT}


def test_the_same_rows_as_sqlalchemy_gives(wired):
    engine = wired.engine
    with engine.connect() as db:
        run(db, insert_of(cases), _case("c-driver"))
        ids = run(db, insert_of(answers, returning_id=True),
                  [_answer("c-driver", "bullied", ["Anna de Jong"]), _answer("c-driver", "witnesses", None, True)])
        db.commit()
    assert len(ids.scalars()) == 2 and all(isinstance(i, int) for i in ids.scalars())
    with engine.connect() as db:
        ours = run(db, _case_by_id(), {"case_id": "c-driver"}).first()
        theirs = dict(db.execute(_case_by_id(), {"case_id": "c-driver"}).mappings().one())
        assert ours == theirs == _case("c-driver")  # datetimes aware in UTC again, as the column type gives them
        ours_answers = list(run(db, _one(answers, "id"), {"case_id": "c-driver"}).mappings())
        theirs_answers = [dict(r) for r in db.execute(_one(answers, "id"), {"case_id": "c-driver"}).mappings()]
        assert ours_answers == theirs_answers
        assert [a["skipped"] for a in ours_answers] == [False, True]  # booleans, not SQLite's integers
        sealed = db.execute(sa.text("SELECT value FROM answers WHERE question_id = 'bullied'")).scalar()
        assert "Anna" not in sealed  # stored encrypted, as SQLAlchemy's path stores it
        assert answers.c.value.type.process_result_value(sealed, db.dialect) == ["Anna de Jong"]


def test_rowcount_and_the_version_check(wired):
    with wired.engine.connect() as db:
        run(db, insert_of(cases), _case("c-version"))
        statement = _versioned_update(("state", "version"))
        assert run(db, statement, {"_id": "c-version", "_version": 1, "state": "fase2", "version": 2}).rowcount == 1
        assert run(db, statement, {"_id": "c-version", "_version": 1, "state": "fase3", "version": 2}).rowcount == 0
        db.commit()
        assert db.execute(sa.select(cases.c.state).where(cases.c.id == "c-version")).scalar() == "fase2"


def test_a_conflict_is_sqlalchemys_integrity_error_without_the_values(wired):
    with wired.engine.connect() as db:
        run(db, insert_of(cases), _case("c-twice"))
        run(db, insert_of(answers, returning_id=True), [_answer("c-twice", "bullied", ["Kim Bakker"])])
        with pytest.raises(sa.exc.IntegrityError) as raised:
            run(db, insert_of(answers, returning_id=True), [_answer("c-twice", "bullied", ["Kim Bakker"])])
        assert "Kim" not in str(raised.value) and "jdevries" not in str(raised.value)


def test_work_is_inside_the_transaction_sqlalchemy_holds(wired):
    engine = wired.engine
    with engine.connect() as db:
        assert run(db, _claim_statement(db.dialect.name), {"key": "k-1", "at": MOMENT}).first() == {"key": "k-1"}
        assert db.in_transaction()
        db.rollback()
    with engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(receipts)).scalar() == 0  # rolled back
        run(db, _claim_statement(db.dialect.name), {"key": "k-1", "at": MOMENT})
        db.commit()
        assert run(db, _claim_statement(db.dialect.name), {"key": "k-1", "at": MOMENT}).first() is None
        db.commit()
    with engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(receipts)).scalar() == 1


def test_listeners_see_each_statement(wired):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0])

    with wired.engine.connect() as db:
        sa.event.listen(wired.engine, "before_cursor_execute", record)  # added while the connection is open
        try:
            run(db, insert_of(cases), _case("c-seen"))
            run(db, _case_by_id(), {"case_id": "c-seen"})
        finally:
            sa.event.remove(wired.engine, "before_cursor_execute", record)
    assert seen == ["INSERT", "SELECT"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # only a server's connection can be ended
def test_a_lost_connection_is_invalidated(wired):
    with wired.engine.connect() as db:
        pid = db.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        db.commit()
        with wired.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.DBAPIError) as raised:
            run(db, _case_by_id(), {"case_id": "c-gone"})
        assert raised.value.connection_invalidated and db.invalidated
    with wired.engine.connect() as db:  # the pool gives a working connection again
        assert run(db, _case_by_id(), {"case_id": "c-gone"}).first() is None
