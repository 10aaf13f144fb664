"""The newest migration's id without importing Alembic (which costs a start of `pestbot chat` ~0.15 s).

Reads `revision = '…'` and `down_revision = '…'` from the files in migrations/versions; the head is the
one revision nobody names as its parent. Anything unusual (a merge, a branch, a file it cannot read)
gives None, and the caller asks Alembic.
"""

from __future__ import annotations

import re
from importlib import resources

_ASSIGN = re.compile(r"^(revision|down_revision)\s*(?::[^=]+)?=\s*(?:'([^']*)'|\"([^\"]*)\"|None)\s*$", re.M)


def quick_head() -> str | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        versions = resources.files("storage").joinpath("migrations", "versions")
        files = [f for f in versions.iterdir() if f.name.endswith(".py")]
        for file in files:
            found = {m.group(1): m.group(2) or m.group(3) for m in _ASSIGN.finditer(file.read_text(encoding="utf-8"))}
            if "revision" not in found or not found["revision"]:
                return None
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
    except OSError:
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(revisions) == len(files) else None
