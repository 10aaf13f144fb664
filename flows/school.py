"""The school's own facts: people, roles, departments, channel, periods. Validated on load."""

from __future__ import annotations

from enum import Enum
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from flows.calendar import SchoolCalendar
from flows.languages import CODE, DEFAULT_LANGUAGE, code_of, entry_problem
from flows.yamlsource import At, load_model

Slug = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Role(str, Enum):
    MENTOR = "mentor"
    SCHOOL_LEADER = "school_leader"
    ANTI_BULLYING_COORDINATOR = "anti_bullying_coordinator"
    SAFETY_TEAM = "safety_team"
    CARE_COORDINATOR = "care_coordinator"
    INTERN_BEGELEIDER = "intern_begeleider"  # a primary school's care coordinator (basisonderwijs)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=100)
    roles: frozenset[Role] = Field(min_length=1)
    department: str | None = None
    language: str | None = Field(default=None, pattern=CODE)  # one the school offers (bot/wiring.py checks)
    email: str | None = None
    ids: dict[Annotated[str, Slug], Annotated[str, Field(min_length=1, max_length=200)]] = {}
    """This person's account per chat platform (`slack: U…`, `teams: 29:…`); without one, matched by e-mail."""

    @model_validator(mode="before")
    @classmethod
    def _platform_fields(cls, data: object) -> object:
        """`slack_id:` / `teams_id:` as written before `ids:` existed: read as `ids: {slack: …, teams: …}`."""
        if not isinstance(data, dict) or not {"slack_id", "teams_id"} & data.keys():
            return data
        data = dict(data)
        ids = dict(data.get("ids") or {})
        for field, platform in (("slack_id", "slack"), ("teams_id", "teams")):
            value = data.pop(field, None)
            if value is not None:
                if platform in ids:
                    raise ValueError(f"{field} en ids.{platform} samen: noem het account één keer")
                ids[platform] = value
        data["ids"] = ids
        return data

    @field_validator("ids")
    @classmethod
    def _known_platforms(cls, ids: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        """With the platforms the wiring has adapters for (context `platforms`), a typo is no silent account."""
        known = (info.context or {}).get("platforms")
        unknown = sorted(set(ids) - set(known)) if known is not None else []
        if unknown:
            raise At((unknown[0],), f"onbekend platform '{unknown[0]}' (bekend: {', '.join(known)})")
        return ids

    def has(self, role: Role) -> bool:
        return role in self.roles

    def id_on(self, platform: str) -> str | None:
        """This person's account on `platform`, if the config names one."""
        return self.ids.get(platform)


class Department(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=100)
    school_leader: str = Field(min_length=1, max_length=200)  # a person's id or e-mail address


class SafetyChannel(Strict):
    name: str = "sociale-veiligheid"
    slack_channel: str | None = None
    teams_conversation: str | None = None


class Magister(Strict):
    incident_path: str = "logboek → nieuwe notitie → incidenten → pesten"
    roles: tuple[str, ...] = (
        "afdelingsleider",
        "calsplus",
        "leerlingbegeleiding",
        "mentor",
        "schoolleiding",
        "vertrouwenspersoon",
        "zorgcoördinator",
    )


class TeamsApp(Strict):
    """What the Teams app package says (`pestbot teams-package`, docs/teams.md): without a name or developer, the
    package takes them from the school's name; the three pages Teams shows are the school's own, in https."""

    name: str = "Pestbot"
    full_name: str | None = None
    developer: str | None = None
    website: str | None = None
    privacy: str | None = None
    terms: str | None = None
    accent_color: str = "#2E6B4F"
    version: str = "1.0.0"

    @field_validator("name", "full_name", "developer")
    @classmethod
    def _fits_teams(cls, value: str | None, info: ValidationInfo) -> str | None:
        limit = {"name": 30, "full_name": 100, "developer": 32}[info.field_name or ""]
        if value is not None and not 0 < len(value.strip()) <= limit:
            raise ValueError(f"hoogstens {limit} tekens (de grens van Teams), niet leeg")
        return value

    @field_validator("website", "privacy", "terms")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("https://") or len(value) <= 8 or len(value) > 2048
                                  or any(c.isspace() for c in value)):
            raise ValueError(f"een https-adres (https://…) van de school, niet '{value[:60]}'")
        return value

    @field_validator("accent_color")
    @classmethod
    def _colour(cls, value: str) -> str:
        if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in value[1:]):
            raise ValueError(f"een kleur als #2E6B4F (# en zes hexadecimale cijfers), niet '{value[:20]}'")
        return value

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        parts = value.split(".")
        if len(parts) != 3 or not all(p.isdigit() and p.isascii() and (p == "0" or p[0] != "0") for p in parts):
            raise ValueError(f"drie getallen met punten, zoals 1.0.0 (hoger bij elke nieuwe upload), niet '{value}'")
        return value


class SchoolConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    language: str = Field(default=DEFAULT_LANGUAGE, pattern=CODE)
    # The languages the school offers (flows/languages.py): a code of a words file Pestbot ships (nl, en, pl), or
    # a words file of the school's own, relative to this file (./talen/de.yaml). Without it: nl and every
    # language the protocol has words for.
    languages: tuple[Annotated[str, Field(min_length=1, max_length=300)], ...] | None = None
    timezone: str = "Europe/Amsterdam"
    # The protocol the school follows: a shipped one by name (vo: voortgezet onderwijs, the default; po:
    # basisonderwijs), or the folder of the school's own, relative to this file.
    protocol: str = Field(default="vo", min_length=1, max_length=300)
    evaluation_weeks: int = Field(default=4, ge=1, le=26)
    checkin_days: int = Field(default=7, ge=1, le=60)
    nudge_days: int = Field(default=5, ge=1, le=60)
    retention_months: int = Field(default=24, ge=1, le=120)
    escalation_days: int = Field(default=3, ge=1, le=30, description="school days an evaluation may wait")
    snooze_days: int = Field(default=2, ge=1, le=14, description="school days a check-in can be put off")
    calendar: SchoolCalendar = SchoolCalendar()
    safety_channel: SafetyChannel = SafetyChannel()
    # The school's own Slack workspace(s): team ids (T…) or an Enterprise Grid organisation (E…). Requests,
    # events and installations from any other workspace are refused; Slack does not start without it.
    slack_workspaces: tuple[Annotated[str, Field(pattern=r"^[TE][A-Z0-9]{2,31}$")], ...] = ()
    magister: Magister = Magister()
    teams_app: TeamsApp = TeamsApp()  # the Teams app package: `pestbot teams-package`
    departments: tuple[Department, ...] = Field(min_length=1)
    people: tuple[Person, ...] = Field(min_length=1)
    # More people in a file of their own (`people:` as here), relative to this file: what `pestbot people
    # import` writes from a staff export. Its people come after the ones listed here; both count.
    people_file: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def _with_people_file(cls, data: object, info: ValidationInfo) -> object:
        more = (info.context or {}).get("people")
        if not more or not isinstance(data, dict) or not isinstance(data.get("people", []), list):
            return data
        return {**data, "people": [*data.get("people", []), *more]}

    @field_validator("languages")
    @classmethod
    def _language_entries(cls, entries: tuple[str, ...] | None) -> tuple[str, ...] | None:
        codes = [code_of(entry) for entry in entries or ()]
        for i, entry in enumerate(entries or ()):
            twice = f"taal {codes[i]} staat er twee keer in" if codes[i] in codes[:i] else None
            problem = entry_problem(entry) or twice
            if problem:
                raise At((i,), problem)
        return entries

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"onbekende tijdzone: {value}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SchoolConfig:
        ids = [p.id for p in self.people]
        for i, person_id in enumerate(ids):
            if person_id in ids[:i]:
                raise At(("people", i, "id"), f"dubbele persoon-id: {person_id}")
        dept_ids = [d.id for d in self.departments]
        for i, dept in enumerate(self.departments):
            if dept.id in dept_ids[:i]:
                raise At(("departments", i, "id"), f"dubbele afdeling-id: {dept.id}")
            leader = self.named(dept.school_leader)
            if leader is None or not leader.has(Role.SCHOOL_LEADER):
                raise At(("departments", i, "school_leader"), f"afdeling {dept.id}: schoolleider "
                         f"'{dept.school_leader}' is geen persoon met rol school_leader")
        for i, person in enumerate(self.people):
            if person.department is not None and person.department not in dept_ids:
                raise At(("people", i, "department"), f"persoon {person.id}: onbekende afdeling '{person.department}'")
        owners: dict[tuple[str, str], str] = {}  # one account, one person: else one acts as the other
        for i, person in enumerate(self.people):
            accounts = [(("email",), "email", person.email.lower() if person.email else None)]
            accounts += [(("ids", platform), platform, account) for platform, account in person.ids.items()]
            for where, kind, account in accounts:
                if account and (kind, account) in owners:
                    raise At(("people", i, *where), f"{kind} {account} is al van {owners[kind, account]}")
                if account:
                    owners[kind, account] = person.id
        for role in (Role.ANTI_BULLYING_COORDINATOR, Role.MENTOR):  # the protocol may need more: bot/wiring.py
            if not self.with_role(role):
                raise At(("people",), f"er is niemand met de rol {role.value}")
        return self

    @cached_property
    def _by_id(self) -> dict[str, Person]:
        return {p.id: p for p in self.people}

    def person(self, person_id: str | None) -> Person | None:
        return self._by_id.get(person_id) if person_id else None

    def named(self, ref: str) -> Person | None:
        """A person the config names by id or by e-mail address (people imported from a staff export get ids
        made from their address; a department can name its leader either way)."""
        return self.person(ref) or (self.by_email(ref) if "@" in ref else None)

    def with_role(self, role: Role) -> list[Person]:
        return [p for p in self.people if p.has(role)]

    def department(self, dept_id: str | None) -> Department | None:
        return next((d for d in self.departments if d.id == dept_id), None)

    def school_leader_of(self, dept_id: str | None) -> Person | None:
        dept = self.department(dept_id)
        return self.named(dept.school_leader) if dept else None

    def safety_team(self, dept_id: str | None) -> list[Person]:
        """The school leader concerned plus the standing members of the social-safety team."""
        team = [p for p in (self.school_leader_of(dept_id),) if p is not None]
        team += [p for p in self.with_role(Role.SAFETY_TEAM) if p not in team]
        return team

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def own_slack_workspace(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """A request or installation of the school's own Slack workspace (or of its Grid organisation)."""
        return bool(set(self.slack_workspaces) & {team_id, enterprise_id} - {None, ""})

    def by_platform_id(self, platform: str, platform_id: str) -> Person | None:
        return self._by_account.get((platform, platform_id)) if isinstance(platform_id, str) else None

    def by_email(self, email: str | None) -> Person | None:
        """E-mail addresses are compared without case (Slack may give "J.deVries@…")."""
        return self._by_email.get(email.lower()) if isinstance(email, str) else None

    @cached_property
    def _by_account(self) -> dict[tuple[str, str], Person]:
        return {(platform, account): p for p in self.people for platform, account in p.ids.items()}

    @cached_property
    def _by_email(self) -> dict[str, Person]:
        return {p.email.lower(): p for p in self.people if p.email}


class PeopleFile(Strict):
    """The file `people_file` names: people only."""

    people: tuple[Person, ...] = ()


def parse_school(text: str, source: str, platforms: tuple[str, ...] | None = None,
                 people: tuple[Person, ...] = ()) -> SchoolConfig:
    """The config in `text`; given the `platforms` there are adapters for, `ids` may name only those. `people`
    (read from its `people_file`) come after the people the text lists."""
    context = {"platforms": platforms} if platforms is not None else {}
    return load_model(SchoolConfig, text, source, {**context, "people": people} if people else context or None)


def parse_people(text: str, source: str, platforms: tuple[str, ...] | None = None) -> tuple[Person, ...]:
    """The people of a people file, each validated as in the config."""
    return load_model(PeopleFile, text, source, {"platforms": platforms} if platforms is not None else None).people
