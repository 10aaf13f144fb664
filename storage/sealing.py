"""The key and the sealed columns: is the engine's key the one the data was sealed with, and sealing every
value again under a new key (rotation).

A database remembers a `key_check` (a token of a fixed text, sealed with the key) in `app_state`, written
on the first start. A start with a key that cannot open it, or that cannot open the data of a database from
before the check, is refused (`WrongKey`) instead of writing new rows under a second key. No crypto library
here: the engine's cipher (bot/keys.py) decrypts, and its `rotate` seals again under the newest key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.crypto import Cipher, EncryptedJSON, EncryptedText, cipher_of, is_sealed
from storage.tables import app_state, metadata

CHECK_KEY = "key_check"
CHECK_TEXT = b"pestbot key check"


class WrongKey(RuntimeError):
    """The engine's key does not open what the database holds."""


def sealed_columns() -> Iterator[tuple[str, tuple[str, ...], str, bool]]:
    """(table, primary key columns, column, stores JSON) for every encrypted column."""
    for table in metadata.sorted_tables:
        keys = tuple(c.name for c in table.primary_key.columns)
        for column in table.columns:
            if isinstance(column.type, EncryptedJSON):
                yield table.name, keys, column.name, not isinstance(column.type, EncryptedText)


def _opens(cipher: Cipher, token: str) -> bool:
    try:
        cipher.decrypt(token.encode("ascii"))
    except Exception:  # noqa: BLE001 - the crypto library's own "invalid token"
        return False
    return True


def _sample(connection: sa.Connection) -> str | None:
    """One sealed value, from any table that has one: enough to tell whether a key fits."""
    present = set(sa.inspect(connection).get_table_names())  # an older database lacks the newer tables
    for name, _keys, column, _json in sealed_columns():
        if name not in present:
            continue
        raw = sa.cast(sa.column(column), sa.Text())  # JSON, not TEXT, before migration 0006 on PostgreSQL
        value = connection.execute(sa.select(raw).select_from(sa.table(name))
                                   .where(raw.like("gAAAAA%")).limit(1)).scalar()
        if value is not None:
            return value
    return None


def check(engine: sa.Engine) -> None:
    """Refuse a key that does not open the database's data; remember the key on a database's first start."""
    cipher = cipher_of(engine.dialect)
    if cipher is None:
        return
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table(app_state.name):
            return  # a database nobody has migrated yet holds nothing to open
        stored = connection.execute(sa.select(app_state.c.value).where(app_state.c.key == CHECK_KEY)).scalar()
        if stored is not None:
            if not _opens(cipher, stored):
                raise WrongKey("the key does not open the key check")
            return
        sample = _sample(connection)
        if sample is not None and not _opens(cipher, sample):
            raise WrongKey("the key does not open the data")
        try:
            with connection.begin_nested():
                connection.execute(app_state.insert().values(key=CHECK_KEY,
                                                             value=cipher.encrypt(CHECK_TEXT).decode("ascii")))
        except IntegrityError:
            pass  # another process wrote it first, with the same key (or it would have been refused)


def rotate(engine: sa.Engine, newest: Cipher, batch: int = 500,
           progress: Callable[[str, int], None] = lambda table, done: None) -> int:
    """Seal every value under the newest key: the engine's cipher (newest key first, then the old ones)
    opens each value and seals it again; a value the newest key opens already is left alone, so that an
    interrupted rotation goes on where it stopped when it runs again. Plain values from before encryption
    are sealed too. One transaction per batch. How many values were sealed again."""
    cipher: Any = cipher_of(engine.dialect)
    if cipher is None or not hasattr(cipher, "rotate"):
        raise WrongKey("rotation needs the new key and the old ones")
    total = 0
    for name, keys, column, is_json in sealed_columns():
        table = sa.table(name, *(sa.column(k) for k in keys), sa.column(column))
        last: tuple[Any, ...] | None = None
        while True:
            query = sa.select(*(table.c[k] for k in keys), table.c[column]).where(table.c[column].is_not(None))
            if last is not None:
                query = query.where(sa.tuple_(*(table.c[k] for k in keys)) > sa.tuple_(*last))
            with engine.begin() as connection:
                rows = connection.execute(query.order_by(*(table.c[k] for k in keys)).limit(batch)).all()
                for row in rows:
                    raw = row[-1]
                    if is_sealed(raw):
                        if _opens(newest, raw):
                            continue
                        sealed = cipher.rotate(raw.encode("ascii")).decode("ascii")
                    else:
                        value = json.loads(raw) if is_json else raw
                        sealed = cipher.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode("ascii")
                    where = sa.and_(*(table.c[k] == v for k, v in zip(keys, row[:-1])))
                    connection.execute(sa.update(table).where(where).values({column: sealed}))
                    total += 1
            if len(rows) < batch:
                break
            last = tuple(rows[-1][:-1])
            progress(name, total)
    with engine.begin() as connection:
        connection.execute(sa.delete(app_state).where(app_state.c.key == CHECK_KEY))
        connection.execute(app_state.insert().values(key=CHECK_KEY, value=newest.encrypt(CHECK_TEXT).decode("ascii")))
    return total
