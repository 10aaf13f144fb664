"""The school holidays as the Rijksoverheid publishes them (open data, JSON), read into the calendar of our config.

The shape of the file is the publisher's: https://www.rijksoverheid.nl/opendata/schoolvakanties describes the
two downloads (all school years: a list; one school year, …/schoolholidays/schoolyear/2026-2027: one object),
and the fields (id, type, canonical, content → schoolyear, vacations → type, compulsorydates, regions → region,
startdate, enddate; notice, …) are those of the Rijksoverheid connector's API definition in
microsoft/PowerPlatformConnectors (independent-publisher-connectors/Rijksoverheid/apiDefinition.swagger.json).
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from flows.calendar import Holiday, SchoolCalendar
from flows.holidays import HolidayDataError, Published, holiday_lines, merge, read_published

# One school year as …/schoolholidays/schoolyear/2026-2027?output=json gives it. Herfst-, kerst- and
# voorjaarsvakantie are verbatim, with their whitespace and their timestamps (start 00:00Z on the first day, end
# 23:59 Dutch time on the last: 21:59Z in summer time, 22:59Z in winter time), from the copy of the real
# response in the test of src/plugins/vakantie.rs of a public Rust chat bot (found by its fixture:
# "Ingekorte kopie van de echte API-respons (schooljaar 2026-2027)"). Meivakantie and zomervakantie carry the
# dates of the same response as burakkp/nl-holidays-ical (dist/nl-school-all.ics, built from this open data)
# shows them, written the same way. The notice is that file's DESCRIPTION, which it takes from `notice`.
NOTICE = ("&sup1; Voor de herfst- en voorjaarsvakanties en de extra week meivakantie geeft het ministerie van OCW "
          "alleen adviesdata. Scholen mogen hier dus van afwijken. Het ministerie adviseert om bij de school na te "
          "vragen op welke dagen deze gesloten is in verband met vakantie.")
YEAR_2026 = {
    "content": [{"schoolyear": "2026-2027", "vacations": [
        {"type": "\n Herfstvakantie \n", "compulsorydates": "false", "regions": [
            {"region": "noord", "startdate": "2026-10-10T00:00:00.000Z", "enddate": "2026-10-18T21:59:00.000Z"},
            {"region": "midden", "startdate": "2026-10-17T00:00:00.000Z", "enddate": "2026-10-25T22:59:00.000Z"},
            {"region": "zuid", "startdate": "2026-10-17T00:00:00.000Z", "enddate": "2026-10-25T22:59:00.000Z"}]},
        {"type": "Kerstvakantie", "compulsorydates": "true", "regions": [
            {"region": "heel Nederland", "startdate": "2026-12-19T00:00:00.000Z",
             "enddate": "2027-01-03T22:59:00.000Z"}]},
        {"type": "Voorjaarsvakantie", "compulsorydates": "false", "regions": [
            {"region": "noord", "startdate": "2027-02-20T00:00:00.000Z", "enddate": "2027-02-28T22:59:00.000Z"},
            {"region": "midden", "startdate": "2027-02-20T00:00:00.000Z", "enddate": "2027-02-28T22:59:00.000Z"},
            {"region": "zuid", "startdate": "2027-02-13T00:00:00.000Z", "enddate": "2027-02-21T22:59:00.000Z"}]},
        {"type": "Meivakantie", "compulsorydates": "true", "regions": [
            {"region": "heel Nederland", "startdate": "2027-04-24T00:00:00.000Z",
             "enddate": "2027-05-02T21:59:00.000Z"}]},
        {"type": "Zomervakantie", "compulsorydates": "true", "regions": [
            {"region": "noord", "startdate": "2027-07-10T00:00:00.000Z", "enddate": "2027-08-22T21:59:00.000Z"},
            {"region": "midden", "startdate": "2027-07-17T00:00:00.000Z", "enddate": "2027-08-29T21:59:00.000Z"},
            {"region": "zuid", "startdate": "2027-07-24T00:00:00.000Z", "enddate": "2027-09-05T21:59:00.000Z"}]},
    ]}],
    "notice": NOTICE,
}
# The download of all school years is a list of such objects (the connector's API definition; the Home Assistant
# school_holiday coordinator and burakkp/nl-holidays-ical read it so). 2025-2026 carries two of its holidays as
# dist/nl-school-all.ics shows them; its school year is written with spaces, which other readers of this data
# strip (burakkp/nl-holidays-ical src/fetch-schoolholidays.ts removes all whitespace from `schoolyear`).
YEAR_2025 = {
    "content": [{"schoolyear": "2025 - 2026 ", "vacations": [
        {"type": "Kerstvakantie", "compulsorydates": "true", "regions": [
            {"region": "heel Nederland", "startdate": "2025-12-20T00:00:00.000Z",
             "enddate": "2026-01-04T22:59:00.000Z"}]},
        {"type": "Zomervakantie", "compulsorydates": "true", "regions": [
            {"region": "noord", "startdate": "2026-07-04T00:00:00.000Z", "enddate": "2026-08-16T21:59:00.000Z"},
            {"region": "midden", "startdate": "2026-07-18T00:00:00.000Z", "enddate": "2026-08-30T21:59:00.000Z"},
            {"region": "zuid", "startdate": "2026-07-11T00:00:00.000Z", "enddate": "2026-08-23T21:59:00.000Z"}]},
    ]}],
    "notice": NOTICE,
}
ONE_YEAR = json.dumps(YEAR_2026)
ALL_YEARS = json.dumps([YEAR_2025, YEAR_2026])


def read(text: str = ONE_YEAR, region: str = "midden", year: str | None = "2026-2027"):  # type: ignore[no-untyped-def]
    return read_published(text, "schoolvakanties.json", region, year)


def test_a_region_gets_its_own_holidays_and_those_of_heel_nederland():
    got = read()
    assert (got.year, got.region) == ("2026-2027", "midden")
    assert got.holidays == (
        Published("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25), advisory=True),
        Published("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3), advisory=False),
        Published("Voorjaarsvakantie", date(2027, 2, 20), date(2027, 2, 28), advisory=True),
        Published("Meivakantie", date(2027, 4, 24), date(2027, 5, 2), advisory=False),
        Published("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29), advisory=False),
    )
    assert [h.start for h in read(region="zuid").holidays][:3] == [date(2026, 10, 17), date(2026, 12, 19),
                                                                   date(2027, 2, 13)]


def test_the_end_is_the_last_day_of_the_holiday_in_dutch_time_summer_and_winter():
    """23:59 on the last Sunday: 21:59Z in summer time (noord's herfstvakantie ends 18 October), 22:59Z in winter
    time (midden's ends 25 October, the day the clocks go back). Not a day early, not the day after."""
    noord = read(region="noord").holidays[0]
    assert (noord.start, noord.end) == (date(2026, 10, 10), date(2026, 10, 18))
    assert read(region="midden").holidays[0].end == date(2026, 10, 25)


def test_the_imported_holidays_close_the_school_until_monday():
    holidays = [Holiday(name=h.name, start=h.start, end=h.end) for h in read().holidays]
    calendar = SchoolCalendar(holidays=tuple(holidays))
    assert calendar.is_school_day(date(2026, 10, 16))  # the Friday before
    assert not calendar.is_school_day(date(2026, 10, 19))
    assert not calendar.is_school_day(date(2026, 10, 23))
    assert calendar.is_school_day(date(2026, 10, 26))  # the Monday after
    assert calendar.is_school_day(date(2027, 1, 4))  # after the Christmas holiday of heel Nederland


def test_the_download_of_all_school_years_and_a_school_year_written_with_spaces():
    assert [h.name for h in read(ALL_YEARS, year="2025-2026").holidays] == ["Kerstvakantie", "Zomervakantie"]
    assert read(ALL_YEARS, year="2025-2026").holidays[1].end == date(2026, 8, 30)
    assert len(read(ALL_YEARS, year="2026/2027").holidays) == 5
    assert read(ALL_YEARS, region="Midden", year=" 2026 - 2027").region == "midden"


def test_one_school_year_in_the_file_needs_no_year():
    assert read(year=None).year == "2026-2027"
    with pytest.raises(HolidayDataError, match=r"Kies een schooljaar met --year: 2025-2026, 2026-2027"):
        read(ALL_YEARS, year=None)


def test_the_notice_of_the_publisher_is_kept_readable():
    assert read().notice.startswith("Voor de herfst- en voorjaarsvakanties en de extra week meivakantie geeft")


def test_an_unknown_region_names_the_three():
    with pytest.raises(HolidayDataError) as caught:
        read(region="oost")
    assert str(caught.value) == "Onbekende regio 'oost'. Kies noord, midden of zuid."
    with pytest.raises(HolidayDataError, match="Kies noord, midden of zuid"):
        read(region="heel Nederland")


def test_a_school_year_not_in_the_file_names_those_that_are():
    with pytest.raises(HolidayDataError) as caught:
        read(ALL_YEARS, year="2027-2028")
    assert str(caught.value) == ("Schooljaar 2027-2028 staat niet in schoolvakanties.json; wel: 2025-2026, "
                                 "2026-2027.")
    with pytest.raises(HolidayDataError, match="Schooljaar 'volgend jaar': schrijf het als 2026-2027"):
        read(year="volgend jaar")


@pytest.mark.parametrize(("text", "said"), [
    ("<?xml version='1.0'?><schoolholidays/>", "is geen JSON"),
    ("", "is geen JSON"),
    ('{"foo": 1}', "geen schoolvakanties van de Rijksoverheid"),
    ("[]", "geen schoolvakanties van de Rijksoverheid"),
    ('{"content": [{"schoolyear": "2026-2027", "vacations": {}}]}', "vacations"),
    (ONE_YEAR.replace('"2026-10-17T00:00:00.000Z"', '"17 oktober"', 1),
     "Herfstvakantie (midden): startdate '17 oktober'"),
    (ONE_YEAR.replace('"2027-01-03T22:59:00.000Z"', '"2026-12-01T22:59:00.000Z"'),
     "Kerstvakantie (heel Nederland): het einde ligt voor het begin"),
    (ONE_YEAR.replace('"Kerstvakantie"', '"  "'), "een vakantie zonder naam"),
])
def test_a_broken_file_says_what_is_wrong(text, said):
    with pytest.raises(HolidayDataError) as caught:
        read(text)
    assert said in str(caught.value)
    assert str(caught.value).startswith("schoolvakanties.json")


def test_a_region_name_we_do_not_know_is_named_not_silently_dropped():
    text = ONE_YEAR.replace('"region": "zuid"', '"region": "zuidwest"', 1)
    assert read(text, region="midden").skipped == ("Herfstvakantie: regio 'zuidwest'",)
    assert read(region="midden").skipped == ()


def test_merge_replaces_what_the_year_brings_and_keeps_the_schools_own_days():
    existing = [Holiday(name="Zomervakantie", start=date(2026, 7, 18), end=date(2026, 8, 30)),
                Holiday(name="Herfstvakantie", start=date(2026, 10, 17), end=date(2026, 10, 25)),
                Holiday(name="Studiedag", start=date(2026, 11, 12), end=date(2026, 11, 12)),
                Holiday(name="Voorjaarsvakantie", start=date(2027, 2, 13), end=date(2027, 2, 21))]
    merged = merge(existing, read().holidays)
    assert [(h.name, h.start) for h in merged.holidays] == [
        ("Zomervakantie", date(2026, 7, 18)), ("Herfstvakantie", date(2026, 10, 17)),
        ("Studiedag", date(2026, 11, 12)), ("Kerstvakantie", date(2026, 12, 19)),
        ("Voorjaarsvakantie", date(2027, 2, 20)), ("Meivakantie", date(2027, 4, 24)),
        ("Zomervakantie", date(2027, 7, 17))]
    assert [h.name for h in merged.replaced] == ["Herfstvakantie", "Voorjaarsvakantie"]
    assert [h.name for h in merged.kept] == ["Zomervakantie", "Studiedag"]
    assert merge(merged.holidays, read().holidays).holidays == merged.holidays  # again: nothing changes


def test_the_lines_for_the_config_read_back_as_the_same_calendar():
    import yaml

    merged = merge([Holiday(name="Studiedag: team", start=date(2026, 11, 12), end=date(2026, 11, 12)),
                    Holiday(name="yes", start=date(2026, 11, 13), end=date(2026, 11, 13))], read().holidays)
    lines = holiday_lines(merged.holidays, merged.advisory)
    assert lines[0] == "- {name: Herfstvakantie, start: 2026-10-17, end: 2026-10-25}  # adviesdatum"
    assert lines[1] == '- {name: "Studiedag: team", start: 2026-11-12, end: 2026-11-12}'
    assert lines[3] == "- {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}"
    back = SchoolCalendar.model_validate({"holidays": yaml.safe_load("\n".join(lines))})
    assert back.holidays == merged.holidays
