"""Plain domain objects read with Core statements: each remembers the values it was read with, so that a
repository writes back only the columns that changed (no ORM identity map, no instrumented attributes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
_READ = "_read"
_LAZY = "_lazy"


class _Unread:
    """What the database holds for a column not decoded yet: unchanged unless the attribute is assigned."""

    def __repr__(self) -> str:
        return "<unread>"


UNREAD = _Unread()


class LazyColumns:
    """Mixed into a domain class for objects some of whose columns are decoded on first read (a sealed value
    a turn may never look at): the attribute is missing until then, and `__getattr__` decodes it."""

    def __getattr__(self, name: str) -> Any:
        loaders = self.__dict__.get(_LAZY)
        if not loaders or name not in loaders:
            raise AttributeError(name)
        value = loaders.pop(name)()
        self.__dict__[name] = value
        remember(self, {name: value})
        return value


@cache
def _lazy_class(cls: type[T]) -> type[T]:
    return type(cls.__name__, (LazyColumns, cls), {"__module__": cls.__module__, "__doc__": cls.__doc__})


def from_row_lazy(cls: type[T], row: Mapping[str, Any], loaders: Mapping[str, Callable[[], Any]]) -> T:
    """`from_row`, with the columns of `loaders` decoded (each by its loader) only when first read."""
    obj = from_row(_lazy_class(cls), {name: value for name, value in row.items() if name not in loaders})
    obj.__dict__[_LAZY] = dict(loaders)
    remember(obj, dict.fromkeys(loaders, UNREAD))
    return obj


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
    read, values = obj.__dict__.get(_READ, {}), obj.__dict__
    changed = {}
    for name, was in read.items():
        if name == "id":
            continue
        if was is UNREAD:  # never decoded: changed only if assigned meanwhile
            if name in values:
                changed[name] = values[name]
        elif (now := getattr(obj, name)) != was:
            changed[name] = now
    return changed


def known(obj: object) -> bool:
    """Whether `obj` was read from the database or written to it (not a new object yet to be inserted)."""
    return _READ in obj.__dict__
