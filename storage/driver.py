"""The fixed statements of a turn, sent through the database driver's own cursor on the unit of work's pooled
connection, inside the transaction SQLAlchemy holds on it.

Each statement is built once with Core from the tables (storage/tables.py stays the single source) and
compiled once per dialect and set of parameters: its SQL text, the order of its parameters and the type
processors of its parameters and columns (the sealing of names, SQLite's datetimes and booleans). What a
SQLAlchemy execution does besides (an execution context, a result object, cache keys and events per
statement) was about 25–35 µs a statement against 5–8 µs through the driver (issue 17, BENCHMARKS.md), most
of a turn's own time. Listeners of `before_cursor_execute` still run (SQLite's writer queue,
storage/sqlite_writers.py), errors come out as SQLAlchemy's (IntegrityError included, parameters hidden), and
a lost connection is invalidated as SQLAlchemy would. Statements built per call (a search, a purge) go
through `Connection.execute` as before; only statements built once at module level or by a cached factory
belong here (the compiled forms are kept for the life of the engine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # a positional paramstyle's parameters in order (SQLite); empty for a named one (psycopg)
    binds: dict[str, Processor]  # the parameters that need converting for the driver
    keys: tuple[str, ...]  # the result's columns
    results: tuple[tuple[int, Processor], ...]  # the result columns that need converting from the driver

    def parameters(self, values: Mapping[str, Any]) -> Any:
        binds = self.binds
        if self.names:
            return [binds[name](values[name]) if name in binds else values[name] for name in self.names]
        return {name: binds[name](value) if name in binds else value for name, value in values.items()}


_CACHE = "pestbot_compiled"  # on the dialect object: its type processors are bound to it (and to its cipher)


def _compile(statement: sa.Executable, dialect: sa.Dialect, keys: tuple[str, ...]) -> Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise TypeError("a fixed statement must be given every column that has a Python-side default")
    binds = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[name] = process
    columns = list(getattr(statement, "exported_columns", ()))
    results = []
    for index, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((index, process))
    return Compiled(str(compiled), tuple(compiled.positiontup or ()), binds, tuple(c.name for c in columns),
                    tuple(results))


def compiled_for(statement: sa.Executable, dialect: sa.Dialect, keys: tuple[str, ...]) -> Compiled:
    known = dialect.__dict__.get(_CACHE)
    if known is None:
        known = dialect.__dict__[_CACHE] = {}
    found = known.get((statement, keys))
    if found is None:
        found = known[(statement, keys)] = _compile(statement, dialect, keys)
    return found


class Rows:
    """What a fixed statement returned: its rows as dicts, and how many rows it changed."""

    __slots__ = ("_keys", "_rows", "rowcount")

    def __init__(self, keys: tuple[str, ...], rows: list[Any], rowcount: int) -> None:
        self._keys, self._rows, self.rowcount = keys, rows, rowcount

    def mappings(self) -> Iterator[dict[str, Any]]:
        keys = self._keys
        return (dict(zip(keys, row, strict=True)) for row in self._rows)

    def first(self) -> dict[str, Any] | None:
        return dict(zip(self._keys, self._rows[0], strict=True)) if self._rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


def run(db: sa.Connection, statement: sa.Executable, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Rows:
    """Execute a fixed statement with one set of values (or a list: one execution each, rows collected)."""
    many = not isinstance(values, Mapping)
    batch: Sequence[Mapping[str, Any]] = values if many else [values]  # type: ignore[assignment,list-item]
    if not batch:
        return Rows((), [], 0)
    compiled = compiled_for(statement, db.dialect, tuple(batch[0]))  # the caller's order: one entry per call site
    if not db.in_transaction():
        db.begin()  # SQLAlchemy commits or rolls back what the driver's cursor does here
    dbapi_connection = db.connection.dbapi_connection
    cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
    parameters = [compiled.parameters(row) for row in batch]
    try:
        if db._has_events or db.engine._has_events:  # SQLAlchemy's own flags: a listener on the connection or engine
            db.dispatch.before_cursor_execute(db, cursor, compiled.sql, parameters, None, many)
        rows, rowcount = [], 0
        for one in parameters:
            cursor.execute(compiled.sql, one)
            rowcount += max(cursor.rowcount, 0)
            if compiled.keys:
                rows += cursor.fetchall()
    except db.dialect.loaded_dbapi.Error as exc:
        invalidated = db.dialect.is_disconnect(exc, dbapi_connection, cursor)
        if invalidated:
            db.invalidate(exc)
        raise sa.exc.DBAPIError.instance(compiled.sql, None, exc, db.dialect.loaded_dbapi.Error,
                                         hide_parameters=True, connection_invalidated=invalidated,
                                         dialect=db.dialect) from exc
    finally:
        cursor.close()
    if compiled.results:
        rows = [_converted(row, compiled.results) for row in rows]
    return Rows(compiled.keys, rows, rowcount)


def _converted(row: Sequence[Any], results: tuple[tuple[int, Processor], ...]) -> list[Any]:
    row = list(row)
    for index, process in results:
        row[index] = process(row[index])
    return row
