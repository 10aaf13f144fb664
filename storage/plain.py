"""Plain domain objects read with Core statements: each remembers the values it was read with, so that a
repository writes back only the columns that changed (no ORM identity map, no instrumented attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")
_READ = "_read"


def from_row(cls: type[T], row: Mapping[str, Any]) -> T:
    """An object of `cls` holding the row's columns as attributes (its __init__ is not run)."""
    obj = cls.__new__(cls)
    obj.__dict__.update(row)
    remember(obj, row)
    return obj


def remember(obj: object, values: Mapping[str, Any]) -> None:
    """These values are now what the database holds for `obj`."""
    obj.__dict__[_READ] = {**obj.__dict__.get(_READ, {}), **values}


def changes(obj: object) -> dict[str, Any]:
    """The columns whose value differs from what was read or last written (the key `id` never changes).
    A value is compared, not watched: assign a new value, do not change one in place."""
    read = obj.__dict__.get(_READ, {})
    return {name: getattr(obj, name) for name, was in read.items() if name != "id" and getattr(obj, name) != was}


def known(obj: object) -> bool:
    """Whether `obj` was read from the database or written to it (not a new object yet to be inserted)."""
    return _READ in obj.__dict__
