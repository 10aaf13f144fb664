"""The school calendar: school days, working hours, holidays; and counting in school weeks.

Reminders to people come on school days within working hours; the four-week evaluation counts
school weeks, so a holiday inside the four weeks moves it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3 * 366  # a calendar that never opens is a config error, not an endless loop


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=100)
    start: date
    end: date  # inclusive

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.end < self.start:
            raise ValueError(f"vakantie {self.name}: het einde ligt voor het begin")
        return self


class SchoolCalendar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)
    holidays: tuple[Holiday, ...] = ()

    @model_validator(mode="after")
    def _sane(self) -> SchoolCalendar:
        unknown = [d for d in self.working_days if d not in DAYS]
        if unknown or not self.working_days:
            raise ValueError(f"working_days: gebruik {', '.join(DAYS)}")
        if self.day_end <= self.day_start:
            raise ValueError("day_end moet na day_start liggen")
        return self

    def is_school_day(self, day: date) -> bool:
        if DAYS[day.weekday()] not in self.working_days:
            return False
        return not any(h.start <= day <= h.end for h in self.holidays)

    def is_open(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        return self.is_school_day(local.date()) and self.day_start <= local.time() < self.day_end

    def next_open(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` itself when the school is open then; otherwise the start of the next school day."""
        if self.is_open(moment, zone):
            return moment
        local = moment.astimezone(zone)
        day = local.date()
        if self.is_school_day(day) and local.time() < self.day_start:
            return datetime.combine(day, self.day_start, zone)
        for _ in range(_MAX_DAYS):
            day += timedelta(days=1)
            if self.is_school_day(day):
                return datetime.combine(day, self.day_start, zone)
        raise ValueError("de schoolkalender heeft geen schooldagen")

    def add_school_days(self, moment: datetime, days: int, zone: ZoneInfo) -> datetime:
        """`days` school days later, at the same local time of day."""
        local = moment.astimezone(zone)
        day, counted = local.date(), 0
        for _ in range(_MAX_DAYS):
            if counted == days:
                return datetime.combine(day, local.timetz().replace(tzinfo=None), zone)
            day += timedelta(days=1)
            counted += self.is_school_day(day)
        raise ValueError("de schoolkalender heeft geen schooldagen")

    def add_school_weeks(self, moment: datetime, weeks: int, zone: ZoneInfo) -> datetime:
        """`weeks` school weeks later: a week of holiday does not count."""
        return self.add_school_days(moment, weeks * len(self.working_days), zone)
