"""The encryption key for names and free text at rest: from PESTBOT_ENCRYPTION_KEY, or (the embedded default
only) a key file created beside the SQLite file on first start. The key never goes into the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy.engine import make_url


class KeyProblem(ValueError):
    pass


def cipher_from(keys: str) -> MultiFernet:
    """`KEY1,KEY2`: encrypts with the first, decrypts with any (key rotation)."""
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    except (ValueError, TypeError):
        raise KeyProblem("PESTBOT_ENCRYPTION_KEY is geen geldige Fernet-sleutel "
                         "(maak er een met: pestbot key)") from None


def key_file_for(database_url: str) -> Path | None:
    """The key file of a development database: beside a SQLite file, or per server URL in the user's data dir."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database + ".key")
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "pestbot" / "keys"
    return base / (hashlib.sha256(database_url.encode()).hexdigest()[:24] + ".key")


def resolve_key(database_url: str, key: str = "", production: bool = False) -> str:
    """The key text (`KEY1,KEY2`): PESTBOT_ENCRYPTION_KEY, or a development database's key file."""
    if key:
        return key
    if production:
        raise KeyProblem("PESTBOT_PRODUCTION=1 maar PESTBOT_ENCRYPTION_KEY is niet gezet; "
                         "Pestbot start niet zonder sleutel voor de gegevens van leerlingen")
    path = key_file_for(database_url)
    if path is None:
        return Fernet.generate_key().decode()  # an in-memory database lives as long as its key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
    return path.read_text().strip()


def resolve_cipher(database_url: str, key: str = "", production: bool = False) -> MultiFernet:
    return cipher_from(resolve_key(database_url, key, production))


def fingerprint_key(keys: str) -> bytes:
    """The key for keyed fingerprints (HMAC-SHA256) of values that must be compared but not kept, such as a
    typed answer in a delivery receipt: derived from the newest encryption key, so that a copy of the database
    alone cannot test a list of names against them. A rotated key gives new fingerprints; receipts only need
    to match for the minutes a platform redelivers."""
    first = next((k.strip() for k in keys.split(",") if k.strip()), "")
    try:
        raw = base64.urlsafe_b64decode(first.encode())
    except (ValueError, TypeError):
        raise KeyProblem("PESTBOT_ENCRYPTION_KEY is geen geldige Fernet-sleutel (maak er een met: pestbot key)") from None
    return hmac.new(raw, b"pestbot fingerprint v1", hashlib.sha256).digest()
