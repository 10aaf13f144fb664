"""The school's people read again without a restart: on SIGHUP (`systemctl reload pestbot`, `docker compose kill
-s HUP serve worker`), `pestbot serve` and `pestbot worker` read the config and its people file, validate them as at
the start, and only then take the new people, departments and calendar (the year's holidays). A broken file
changes nothing and is logged.

Everything else in the config (protocol, languages, channels, periods) is read at the start only: a change
there is named in the log as waiting for a restart, and the running bot keeps what it had.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from bot.wiring import check_languages, check_roles, load_school
from flows.services import App
from flows.yamlsource import SourceError

log = logging.getLogger(__name__)
# What a reload takes (each read where it is used, nothing built from it at start); the rest waits for a restart.
RELOADED = ("people", "departments", "people_file", "calendar")
_lock = threading.Lock()


def reload_people(app: App, config_path: Path) -> str:
    """Read the people again; what happened, in Dutch (also logged, without anyone's name)."""
    with _lock:
        old = app.school
        try:
            new = load_school(config_path)
            check_roles(new, app.contents[old.language], config_path)
            check_languages(new, app.contents, config_path)
        except SourceError as exc:
            said = f"De mensen zijn niet herladen; de oude gelden nog:\n{exc}"
            log.warning("people not reloaded: the config or its people file is not valid (%s)",
                        str(exc).splitlines()[0].split(":", 1)[0])
            return said
        waiting = sorted(name for name in type(old).model_fields
                         if name not in RELOADED and getattr(new, name) != getattr(old, name))
        # The new config's people with everything else as it was (its cached look-ups depend on people only).
        app.school = new.model_copy(update={name: getattr(old, name) for name in waiting})
        added = len({p.id for p in new.people} - {p.id for p in old.people})
        removed = len({p.id for p in old.people} - {p.id for p in new.people})
        log.warning("people reloaded: %d people (%d added, %d removed)", len(new.people), added, removed)
        said = f"Herladen: {len(new.people)} personen ({added} nieuw, {removed} weg)."
        if waiting:
            log.warning("config changes wait for a restart: %s", ", ".join(waiting))
            said += f" Wacht op een herstart: {', '.join(waiting)}."
        return said


def install_reload(app: App, config_path: Path) -> Any:
    """Reload the people on SIGHUP (from the main thread, where Python runs signal handlers); the handler that
    was there before is returned."""
    def on_hangup(signum: int, frame: object) -> None:
        reload_people(app, config_path)

    return signal.signal(signal.SIGHUP, on_hangup)
