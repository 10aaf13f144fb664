"""The store of Teams conversation references: what a message carries is written once, then trusted."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from bot.teams.refs import RefStore, teams_ref, user_key

REF = teams_ref(key=user_key("29:jan"), service_url="http://127.0.0.1:1/", conversation_id="a:jan-chat",
          tenant_id="tenant-1", bot_id="28:bot", user_id="29:jan", person_id="jdevries")


def reads_of_refs(engine: sa.Engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: seen.append(statement)
                    if "conversation_refs" in statement else None)
    return seen


def test_a_reference_stored_here_is_known_and_needs_no_read(wired, clock):
    store = RefStore(wired.app)
    assert not store.known(REF)
    assert store.save(REF) is True
    statements = reads_of_refs(wired.engine)
    assert store.known(REF)
    assert statements == []  # known() answers from memory
    assert store.get(REF.key) == REF


def test_a_moved_conversation_is_not_known_and_is_written(wired, clock):
    store = RefStore(wired.app)
    store.save(REF)
    moved = replace(REF, service_url="http://127.0.0.1:2/")
    assert not store.known(moved)
    assert store.save(moved) is True
    assert store.get(REF.key) == moved and store.known(moved) and not store.known(REF)


def test_a_known_reference_is_read_again_after_a_while(wired, clock, monkeypatch):
    store = RefStore(wired.app)
    store.save(REF)
    monkeypatch.setattr(RefStore, "RECHECK", 0.0)
    assert not store.known(REF)  # another process may have changed it since: save() reads it again
    assert store.save(REF) is False
