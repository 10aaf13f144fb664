"""Encryption at rest: names and free text are stored as Fernet tokens, so a copy of the database alone
reveals no child.

storage/ does not import a crypto library: bot/wiring.py gives the engine a cipher (anything with
`encrypt(bytes) -> bytes` and `decrypt(bytes) -> bytes`, such as `cryptography`'s Fernet or MultiFernet)
and `attach` hangs it on that engine's dialect, where the column type finds it. No key is read here.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import sqlalchemy as sa

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp)
_ATTR = "pestbot_cipher"


class Cipher(Protocol):
    def encrypt(self, data: bytes) -> bytes: ...
    def decrypt(self, token: bytes) -> bytes: ...


class NoKey(RuntimeError):
    """A value must be encrypted or decrypted, but the engine was given no key."""


def attach(engine: sa.Engine, cipher: Cipher | None) -> None:
    setattr(engine.dialect, _ATTR, cipher)


def cipher_of(dialect: sa.Dialect) -> Cipher | None:
    return getattr(dialect, _ATTR, None)


def seal(cipher: Cipher, value: Any) -> str:
    return cipher.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode("ascii")


def is_sealed(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX)


class EncryptedJSON(sa.TypeDecorator[Any]):
    """Any JSON value, stored as a Fernet token in a TEXT column. Rows written before encryption
    (plain JSON) are still read; they are sealed by the migration or at their next write."""

    impl = sa.Text()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        cipher = cipher_of(dialect)
        if cipher is None:
            raise NoKey("geen sleutel voor versleuteling (PESTBOT_ENCRYPTION_KEY)")
        return seal(cipher, value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not is_sealed(value):
            return self._legacy(value)  # written before encryption at rest
        cipher = cipher_of(dialect)
        if cipher is None:
            raise NoKey("geen sleutel voor versleuteling (PESTBOT_ENCRYPTION_KEY)")
        return json.loads(cipher.decrypt(value.encode("ascii")))

    def _legacy(self, value: str) -> Any:
        return json.loads(value)


class EncryptedText(EncryptedJSON):
    """A string, encrypted the same way."""

    cache_ok = True

    def _legacy(self, value: str) -> Any:
        return value
