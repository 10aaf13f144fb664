"""The encryption key for names and free text at rest: from PESTBOT_ENCRYPTION_KEY, or (the embedded default
only) a key file created beside the SQLite file on first start. The key never goes into the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Key:
    """The key text (`KEY1,KEY2`), where it came from (for messages), and the key file made just now, if any."""

    text: str
    origin: str
    created: Path | None = None


def resolve_key(database_url: str, key: str = "", production: bool = False) -> Key:
    """PESTBOT_ENCRYPTION_KEY, or a development database's key file (made on the first start)."""
    if key:
        return Key(key, "PESTBOT_ENCRYPTION_KEY")
    if production:
        raise KeyProblem("PESTBOT_PRODUCTION=1 maar PESTBOT_ENCRYPTION_KEY is niet gezet; "
                         "Pestbot start niet zonder sleutel voor de gegevens van leerlingen")
    path = key_file_for(database_url)
    if path is None:
        return Key(Fernet.generate_key().decode(), "geheugen")  # an in-memory database lives as long as its key
    created = None
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
        created = path
    return Key(path.read_text().strip(), str(path), created)


def wrong_key(key: Key) -> KeyProblem:
    """The key does not open the database's data: what to do, in Dutch, naming where the key came from."""
    if key.created is not None:
        key.created.unlink(missing_ok=True)  # not left behind: the next start must not take it for the right one
        return KeyProblem(f"Het sleutelbestand {key.origin} ontbrak, maar de database bevat gegevens die met een "
                          "sleutel zijn versleuteld. Zet het oorspronkelijke sleutelbestand terug (uit de aparte "
                          "back-up van de sleutel) of geef die sleutel in PESTBOT_ENCRYPTION_KEY. Er is niets "
                          "gewijzigd.")
    return KeyProblem(f"De sleutel uit {key.origin} past niet bij de gegevens in de database: die zijn met een "
                      "andere sleutel versleuteld. Geef de juiste sleutel (bij een sleutelwissel: nieuw,oud). "
                      "Er is niets gewijzigd.")


def resolve_cipher(database_url: str, key: str = "", production: bool = False) -> MultiFernet:
    return cipher_from(resolve_key(database_url, key, production).text)


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


def rotation(database_url: str, key: str, production: bool, progress: Callable[[str, int], None]) -> int:
    """`pestbot key rotate`. With PESTBOT_ENCRYPTION_KEY=`new,old[,…]`: everything sealed under the first.
    With a development key file: a new key is put in front of the old one in the file first (so that an
    interrupted rotation can go on), everything is sealed under it, and then the old key leaves the file."""
    from storage.database import make_engine
    from storage.sealing import WrongKey, check, rotate

    found = resolve_key(database_url, key, production)
    path = None if key or found.created else key_file_for(database_url)
    text = found.text
    if path is not None and "," not in text:
        text = f"{Fernet.generate_key().decode()},{text}"
        path.write_text(text + "\n")
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if len(keys) < 2:
        raise KeyProblem("Geef de nieuwe én de oude sleutel: PESTBOT_ENCRYPTION_KEY=nieuw,oud "
                         "(een nieuwe maakt 'pestbot key').")
    engine = make_engine(database_url, cipher=cipher_from(text))
    try:
        check(engine)
        done = rotate(engine, Fernet(keys[0].encode()), progress=progress)
    except WrongKey:
        raise wrong_key(found) from None
    finally:
        engine.dispose()
    if path is not None:
        path.write_text(keys[0] + "\n")
    return done
