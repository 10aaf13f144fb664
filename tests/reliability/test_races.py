"""Two people answering one case at the same moment, from two processes: no lost update; the loser
gets a clear message and can retry."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import INTAKE, Chat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_two_processes_answering_at_once_lose_no_update(app, wired, database_url):
    chat = Chat(app)
    chat.script(INTAKE)
    case_id = chat.case_id()
    Chat(app, "sduijveman").say(f"open {case_id}")
    url = wired.engine.url.render_as_string(hide_password=False)
    for round_ in range(3):
        start_at = time.time() + 2.5  # both processes are built and waiting by then
        runs = [("jdevries", "ja" if round_ == 0 else f"/checkin ronde {round_} mentor"),
                ("sduijveman", f"/checkin ronde {round_} coördinator")]
        procs = [subprocess.Popen([sys.executable, "-m", "tests.reliability.race_process", url, person, text,
                                   str(start_at)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for person, text in runs]
        outputs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
        for out, _ in outputs:  # whoever lost the race was told, and their retry went through
            if "net gewijzigd" in out:
                assert "retry:" in out and "net gewijzigd" not in out.split("retry:")[1]
    with app.uow() as uow:
        notes = [e.data["note"] for e in uow.events.for_case(case_id) if e.kind == "checkin"]
        case = uow.cases.get(case_id)
    assert case.value("spoke_bullied") == "yes", "the mentor's answer was lost"
    assert sorted(notes) == sorted([f"ronde {r} coördinator" for r in range(3)] + [f"ronde {r} mentor" for r in (1, 2)])
