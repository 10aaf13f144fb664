"""A staff export (CSV) as the people of the school config: `pestbot people import STAFF.csv`.

The columns (a header line; Dutch or English names, in any order, other columns ignored):

| column | also written as | what |
| --- | --- | --- |
| `naam` | `name` | the person's name as colleagues know it |
| `e-mail` | `email`, `e-mailadres`, `mail` | the address they sign in with (Microsoft 365 / Slack) |
| `rollen` | `roles`, `rol`, `role` | one or more of the roles below, separated by `,` `;` `/` or `|` |
| `afdeling` | `department` | the department's id or name in the config; empty for school-wide roles |

Roles as a school writes them: mentor; schoolleider, afdelingsleider, teamleider; antipestcoördinator;
sociale veiligheid (the social-safety team); zorgcoördinator; intern begeleider (ib). The config's own role
names (`school_leader`, …) count too. A spreadsheet's separator (`;` in a Dutch locale, `,` elsewhere, tab)
and its byte-order mark are recognised.

Everyone keeps the id they have (cases name their mentor by id): a known address keeps its person's id and
platform accounts; a new one gets an id made from the address.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flows.school import Person, Role

COLUMNS = {
    "name": ("naam", "name"),
    "email": ("e-mail", "email", "e-mailadres", "emailadres", "mail"),
    "roles": ("rollen", "roles", "rol", "role"),
    "department": ("afdeling", "department"),
}
REQUIRED = {"name": "naam", "email": "e-mail", "roles": "rollen"}  # as the message names them
ROLES = {
    **{role.value: role for role in Role},
    "mentor": Role.MENTOR,
    "schoolleider": Role.SCHOOL_LEADER, "afdelingsleider": Role.SCHOOL_LEADER, "teamleider": Role.SCHOOL_LEADER,
    "antipestcoördinator": Role.ANTI_BULLYING_COORDINATOR, "antipestcoordinator": Role.ANTI_BULLYING_COORDINATOR,
    "anti-pestcoördinator": Role.ANTI_BULLYING_COORDINATOR, "anti-pestcoordinator": Role.ANTI_BULLYING_COORDINATOR,
    "sociale veiligheid": Role.SAFETY_TEAM, "team sociale veiligheid": Role.SAFETY_TEAM,
    "zorgcoördinator": Role.CARE_COORDINATOR, "zorgcoordinator": Role.CARE_COORDINATOR,
    "intern begeleider": Role.INTERN_BEGELEIDER, "ib": Role.INTERN_BEGELEIDER, "ib'er": Role.INTERN_BEGELEIDER,
}
EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
MAX_ERRORS = 20


class StaffError(ValueError):
    """The export cannot be used; the message names every line that is wrong (up to MAX_ERRORS)."""


@dataclass(frozen=True)
class Imported:
    people: list[dict[str, Any]]  # as the people file holds them
    new: int  # addresses that were not in the people file before
    gone: int  # addresses in the people file before that the export no longer has


def import_staff(text: str, source: str, departments: Iterable[tuple[str, str]],
                 before: Iterable[Person], taken: Iterable[str] = ()) -> Imported:
    """The export in `text` as people. `departments`: the config's (id, name); `before`: the people file as it
    is (their ids and accounts are kept); `taken`: ids the config uses elsewhere (people listed by hand)."""
    rows = list(csv.reader(text.removeprefix("\ufeff").splitlines(), _dialect(text)))
    if not rows:
        raise StaffError(f"{source}: het bestand is leeg")
    where = _columns(rows[0], source)
    by_dept = {key.casefold(): dept_id for dept_id, name in departments for key in (dept_id, name)}
    known = {p.email.casefold(): p for p in before if p.email}
    used = set(taken) | {p.id for p in known.values()}
    people, errors, seen = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {key: (row[i].strip() if i < len(row) else "") for key, i in where.items()}
        problem = _problem(cell, by_dept, seen.get(cell["email"].casefold()))
        if problem:
            errors.append(f"{source}, regel {line}: {problem}")
            continue
        seen[cell["email"].casefold()] = line
        earlier = known.get(cell["email"].casefold())
        person_id = earlier.id if earlier else _new_id(cell["email"], used)
        used.add(person_id)
        people.append(_person(person_id, cell, by_dept, earlier))
    if errors:
        more = f"\n… en nog {len(errors) - MAX_ERRORS} regel(s)" if len(errors) > MAX_ERRORS else ""
        raise StaffError("\n".join(errors[:MAX_ERRORS]) + more)
    if not people:
        raise StaffError(f"{source}: geen medewerkers gevonden onder de kopregel")
    addresses = set(seen)
    return Imported(people, new=len(addresses - set(known)), gone=len(set(known) - addresses))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    header = text.removeprefix("\ufeff").split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=";,\t")
    except csv.Error:
        return csv.excel


def _columns(header: list[str], source: str) -> dict[str, int]:
    names = [name.strip().casefold() for name in header]
    where = {key: next((names.index(a) for a in aliases if a in names), -1) for key, aliases in COLUMNS.items()}
    missing = [shown for key, shown in REQUIRED.items() if where[key] < 0]
    if missing:
        raise StaffError(f"{source}, regel 1: de kolom(men) {', '.join(missing)} ontbreken (gevonden: "
                         f"{', '.join(h.strip() for h in header) or 'niets'}); zie 'pestbot people import --help'")
    return {key: i for key, i in where.items() if i >= 0}


def _roles(cell: str) -> tuple[list[Role], list[str]]:
    words = [w.strip().casefold() for w in re.split(r"[,;/|]", cell) if w.strip()]
    return [ROLES[w] for w in words if w in ROLES], [w for w in words if w not in ROLES]


def _problem(cell: dict[str, str], by_dept: dict[str, str], earlier_line: int | None) -> str | None:
    if not cell["name"]:
        return "geen naam"
    if not EMAIL.match(cell["email"]):
        return f"geen geldig e-mailadres ('{cell['email'][:100]}')"
    if earlier_line is not None:
        return f"{cell['email']} staat ook op regel {earlier_line}"
    roles, unknown = _roles(cell["roles"])
    if unknown:
        return f"onbekende rol '{unknown[0]}' (bekend: mentor, schoolleider, antipestcoördinator, " \
               "sociale veiligheid, zorgcoördinator, intern begeleider)"
    if not roles:
        return "geen rol"
    department = cell.get("department", "")
    if department and department.casefold() not in by_dept:
        return f"onbekende afdeling '{department[:100]}' (bekend: {', '.join(sorted(set(by_dept.values())))})"
    return None


def _new_id(email: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", email.split("@", 1)[0].casefold()).strip("-")[:56] or "persoon"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _person(person_id: str, cell: dict[str, str], by_dept: dict[str, str], earlier: Person | None) -> dict[str, Any]:
    roles, _ = _roles(cell["roles"])
    person: dict[str, Any] = {"id": person_id, "name": cell["name"], "email": cell["email"],
                              "roles": [r.value for r in Role if r in roles]}
    if cell.get("department"):
        person["department"] = by_dept[cell["department"].casefold()]
    if earlier is not None and earlier.ids:  # accounts an admin added by hand stay
        person["ids"] = dict(earlier.ids)
    if earlier is not None and earlier.language:
        person["language"] = earlier.language
    return person
