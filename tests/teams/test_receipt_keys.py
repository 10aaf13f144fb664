"""Issue 14, item 5: the receipt of a Teams form answer held `sha256(answer)[:16]`, so a copy of the database
and a list of names gave the children's names back. Now it holds a fingerprint keyed with the school's key."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from tests.teams.test_clicked_cards import card_with, data

NAME = "Anna de Jong"


def receipt_keys(teams) -> list[str]:
    with teams.wired.engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT key FROM receipts")).scalars())


def test_a_typed_answer_cannot_be_recovered_from_its_receipt_with_a_list_of_names(teams):
    form = card_with(teams.say("nieuw"), "answer")
    teams.submit({**data(form), "answer": "2B"}, reply_to=form.id)
    department = card_with(teams.connector.posted, "choice")
    teams.submit(data(department, "Onderbouw"), reply_to=department.id)
    bullied = card_with(teams.connector.posted, "answer")
    assert "Wie wordt er gepest?" in bullied.text
    teams.submit({**data(bullied), "answer": NAME}, reply_to=bullied.id)
    with teams.app.uow() as uow:
        assert uow.cases.get(data(bullied)["case_id"]).value("bullied") == [NAME]

    keys = receipt_keys(teams)
    assert len([k for k in keys if k.startswith("teams:card:")]) == 3
    for candidate in (NAME, NAME.lower(), "2B"):  # the attack: hash every name on a class list
        for digest in (hashlib.sha256(candidate.encode()).hexdigest(), hashlib.md5(candidate.encode()).hexdigest()):
            assert not any(digest[:12] in k for k in keys)
    assert not any(NAME in k for k in keys)

    # The keyed fingerprint still does its work: the same answer once more is the same delivery.
    again = teams.submit({**data(bullied), "answer": NAME}, reply_to=bullied.id)
    assert again == [] and len(receipt_keys(teams)) == len(keys)
