"""Model-based: a school's staff changes year after year (people come, leave, come back, are renamed, their
address is written with other capitals), and each change is imported from a new staff export. Checked against
a small model after every import: an address keeps its id while it stays (cases name their mentor by id),
no two people share an id, ids of people listed by hand are never handed out, and the counts of new and
gone addresses are right. All names invented."""

from __future__ import annotations

import csv
import io

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from flows.school import Person
from flows.staff import import_staff

DEPARTMENTS = [("onderbouw", "Onderbouw"), ("bovenbouw", "Bovenbouw")]
BY_HAND = ("jdevries", "a-jansen")  # ids the config lists by hand; an import must never give them out
NAMES = ["Anna Jansen", "Bram de Wit", "Chris Smit", "Daan Mulder", "Eva Bos", "Fleur Kok", "Gijs Dekker"]
ADDRESSES = ["a.jansen", "b.dewit", "c.smit", "d.mulder", "e.bos", "f.kok", "g.dekker", "jdevries", "a-jansen",
             "a_jansen"]  # the last three collide with hand-listed ids or with each other once made into ids
ROLES = ["mentor", "schoolleider", "antipestcoördinator", "sociale veiligheid", "zorgcoördinator"]


def export(staff: dict[str, tuple[str, str, list[str], str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Naam", "E-mail", "Rollen", "Afdeling"])
    for name, email, roles, department in staff.values():
        writer.writerow([name, email, ", ".join(roles), department])
    return out.getvalue()


class StaffYears(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.staff: dict[str, tuple[str, str, list[str], str]] = {}  # address (casefolded) → the export's row
        self.ids: dict[str, str] = {}  # model: address → the id it was given, while it stays in the file
        self.file: tuple[Person, ...] = ()  # the people file as the last import wrote it

    @rule(name=st.sampled_from(NAMES), address=st.sampled_from(ADDRESSES),
          roles=st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True),
          department=st.sampled_from(["", "onderbouw", "Bovenbouw"]))
    def someone_comes(self, name: str, address: str, roles: list[str], department: str) -> None:
        email = f"{address}@vlinderschool.example"
        if email.casefold() not in self.staff:
            self.staff[email.casefold()] = (name, email, roles, department)

    @precondition(lambda self: self.staff)
    @rule(data=st.data())
    def someone_leaves(self, data: st.DataObject) -> None:
        del self.staff[data.draw(st.sampled_from(sorted(self.staff)))]

    @precondition(lambda self: self.staff)
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def someone_is_renamed(self, data: st.DataObject, name: str) -> None:
        key = data.draw(st.sampled_from(sorted(self.staff)))
        _, email, roles, department = self.staff[key]
        self.staff[key] = (name, email, roles, department)

    @precondition(lambda self: self.staff)
    @rule(data=st.data())
    def an_address_gets_other_capitals(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.staff)))
        name, email, roles, department = self.staff[key]
        self.staff[key] = (name, email.upper() if email.islower() else email.lower(), roles, department)

    @precondition(lambda self: self.staff)
    @rule()
    def the_export_is_imported(self) -> None:
        before = {p.email.casefold() for p in self.file if p.email}
        imported = import_staff(export(self.staff), "personeel.csv", DEPARTMENTS, self.file, BY_HAND)
        people = {p["email"].casefold(): p for p in imported.people}
        assert set(people) == set(self.staff)
        for address, person in people.items():
            if address in self.ids:
                assert person["id"] == self.ids[address], "an address that stayed got another id"
            name, _, roles, _ = self.staff[address]
            assert person["name"] == name and len(person["roles"]) == len(roles)
        assert imported.new == len(set(people) - before) and imported.gone == len(before - set(people))
        self.ids = {address: person["id"] for address, person in people.items()}
        self.file = tuple(Person.model_validate(p) for p in imported.people)

    @invariant()
    def ids_are_unique_and_never_a_hand_listed_one(self) -> None:
        ids = list(self.ids.values())
        assert len(ids) == len(set(ids)) and not set(ids) & set(BY_HAND)


StaffYears.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_staff_years = StaffYears.TestCase
