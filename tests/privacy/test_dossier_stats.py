"""The dossier (HTML and PDF) and the incident registration (stats) with small numbers suppressed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.pdf import latin1, render_pdf, unicode_font
from bot.settings import EXAMPLE_CONFIG
from flows.content import load_content
from flows.dossier import LONG_ROWS, Document, Section, export_dossier
from flows.model import Case, Event, new_case_id
from flows.registration import to_csv
from flows.stats import MIN_SHOWN, Figures, chart_series, compute
from tests.helpers import FASE1, FASE2, FASE3, INTAKE, Chat

SVG = "{http://www.w3.org/2000/svg}"
NAMES = "Şükrü Yıldız, Łucja Wójcik, Nguyễn Thị Lan"  # invented pupils, letters outside Latin-1


def test_the_dossier_is_the_whole_timeline_as_html_and_pdf(app):
    chat = Chat(app)
    chat.script(INTAKE[:5] + ["Ze <script>alert(1)</script> sluiten haar buiten"] + INTAKE[6:] + FASE1 + FASE2)
    case_id = chat.case_id()
    page = export_dossier(app, "jdevries", case_id, "html").data.decode()
    assert f"Dossier zaak {case_id}" in page and "Anna de Jong" in page and "Bram Smit, Cas Peters" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "Niet meer buitensluiten in de pauze" in page and "De mentor vraagt het elke week na" in page
    assert "Fase 1 – informatie en herstel → Fase 2" in page  # the phase change
    assert "ingelicht: #sociale-veiligheid (samenvatting fase 2)" in page  # who informed whom
    pdf = export_dossier(app, "jdevries", case_id, "pdf")
    assert pdf.filename == f"dossier-{case_id}.pdf" and pdf.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert case_id in text and "Anna de Jong" in text and "→" in text and "–" in text
    assert export_dossier(app, "fyilmaz", case_id, "pdf") is None
    with app.uow() as uow:
        assert [r.action for r in uow.audit.for_case(case_id)][-3:] == ["export", "export", "denied"]


MONTHLY = [0, 3, 7, 12, 5, 2, 9, 6, 1, 4, 8, 0]  # Aug … Jul: several under 5
DIGITAL = [(c + 1) // 2 for c in MONTHLY]  # every case with an even number is digital bullying …
SEXUAL = [(c + 3) // 4 for c in MONTHLY]  # … every fourth of them also sexual images or messages …
CRIMINAL = [min(c, 1) for c in MONTHLY]  # … and the first case of each month has "strafbare feiten: ja"


def generate_year(app) -> None:
    """A year of cases straight into storage: fast, and with known counts per month."""
    zone = app.school.zone()
    with app.uow() as uow:
        for index, count in enumerate(MONTHLY):
            year, month = (2026, 8 + index) if index < 5 else (2027, index - 4)
            for n in range(count):
                created = datetime(year, month, 2 + n, 10, tzinfo=zone)
                case = Case(new_case_id(), "jdevries", created)
                case.set_answer("digital", "yes" if n % 2 == 0 else "no", "jdevries", created)
                if n % 4 == 0:
                    case.set_answer("sexual_content", "yes", "jdevries", created)
                case.set_answer("criminal_acts", "yes" if n == 0 else "no", "jdevries", created)
                case.set_answer("bullied", [f"Leerling {index}-{n}"], "jdevries", created)
                uow.cases.add(case)
                moves = [("intake", "fase1"), ("fase1", "fase2"), ("fase2", "monitoring2")][: 1 + n % 3]
                if n % 4 == 0:
                    moves.append((moves[-1][1], "fase3"))
                for step, (source, dest) in enumerate(moves):
                    uow.events.add(Event(case.id, created + timedelta(days=step), "jdevries", "transition",
                                         {"from": source, "to": dest, "trigger": "complete_phase", "reason": None}))
                if n % 2:
                    case.state, case.phase_started_at = "closed", created + timedelta(days=20 + n)
        uow.commit()


def shown(counts: list[int]) -> list[str]:
    return ["<5" if 0 < c < MIN_SHOWN else str(c) for c in counts]


def test_stats_write_a_csv_and_a_chart_and_never_show_a_number_under_5(app, database_url, tmp_path, monkeypatch):
    generate_year(app)
    with app.uow() as uow:
        figures = compute(uow, app.school, "2026-2027", app.protocol.counted)
    assert [m["new"] for m in figures.counts] == MONTHLY
    assert all(v is None or v == 0 or v >= MIN_SHOWN for _, v in chart_series(figures, app.content(None)))
    result = CliRunner().invoke(cli, ["stats", "--year", "2026-2027", "--as", "sduijveman", "--out", str(tmp_path),
                                      "--db", database_url, "--config", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((tmp_path / "pestbot-stats-2026-2027.csv").open(encoding="utf-8")))
    table = {row[0]: row[2:] for row in rows if len(row) == 15}  # label, what is counted, 12 months, total
    cells = [c for values in table.values() for c in values]
    assert "<5" in cells and not [c for c in cells if c.isdigit() and 0 < int(c) < MIN_SHOWN]
    assert table["grove pesterijen"][:12] == shown(MONTHLY)
    assert table["grove pesterijen"][12].startswith("≥")  # a plain total would give the small months away
    svg = ElementTree.parse(tmp_path / "pestbot-stats-2026-2027.svg").getroot()  # well-formed SVG
    counts = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "count"]
    assert counts == ["<5" if v is None else str(v or 0) for _, v in chart_series(figures, app.content(None))]
    assert "<5" in counts and not [c for c in counts if c.isdigit() and 0 < int(c) < MIN_SHOWN]
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]) == len(
        [c for c in counts if c.isdigit() and int(c) > 0])  # a "<5" month has no bar
    title = svg.find(f"{SVG}title").text
    assert title.startswith("Incidentregistratie pesten") and "2026-2027" in title and "monitor" not in title.lower()
    refused = CliRunner().invoke(cli, ["stats", "--as", "jdevries", "--out", str(tmp_path), "--db", database_url])
    assert refused.exit_code == 2 and "Geen toegang" in refused.output


# The categories of the incident registration: the definitions OCW had drawn up (ITS, "Definities van incidenten
# in het onderwijs", 2009), which Voion's Incidentenvenster-VO uses, as schools list them (e.g.
# https://www.sophianum.nl/informatie/incidentregistratie/): fysiek geweld met letsel, met een wapen, wapenbezit,
# seksueel misbruik, grove pesterijen, discriminatie, bedreiging, vernieling of diefstal, drugs.
NOT_ASKED = ["fysiek geweld met letsel", "fysiek geweld met een wapen", "wapenbezit", "seksueel misbruik",
             "discriminatie", "bedreiging", "vernieling of diefstal", "drugs"]


def test_the_csv_is_an_incident_registration_in_the_incidentenvenster_categories(app):
    generate_year(app)
    with app.uow() as uow:
        figures = compute(uow, app.school, "2026-2027", app.protocol.counted)
    rows = list(csv.reader(io.StringIO(to_csv(figures, app.content(None)))))
    head = " ".join(" ".join(row) for row in rows[:4])
    assert "Incidentregistratie" in head and "2026-2027" in head
    assert "niet de monitor sociale veiligheid" in head and "Wet veiligheid op school" in head
    assert "Incidentenvenster-VO" in head and "Arbocatalogus VO" in head
    header = next(row for row in rows if row[:2] == ["categorie", "wat Pestbot telt"])
    assert header[2:] == ["aug 2026", "sep 2026", "okt 2026", "nov 2026", "dec 2026", "jan 2027", "feb 2027",
                          "mrt 2027", "apr 2027", "mei 2027", "jun 2027", "jul 2027", "totaal"]
    table = {row[0]: row[1:] for row in rows if len(row) == 15}
    assert list(table)[:len(NOT_ASKED) + 3] == [
        "categorie", "fysiek geweld met letsel", "fysiek geweld met een wapen", "wapenbezit", "seksueel misbruik",
        "grove pesterijen", "– waarvan digitaal", "discriminatie", "bedreiging", "vernieling of diefstal", "drugs"]
    for name in NOT_ASKED:  # Pestbot does not ask: never a 0 that would claim there were none
        assert table[name] == ["niet vastgelegd"] * 14, name
    assert table["grove pesterijen"][0].startswith("elke gemelde pestzaak")
    assert table["– waarvan digitaal"][0] == "'ja' op: digitaal pesten"
    assert table["– waarvan digitaal"][1:13] == shown(DIGITAL)
    sexual = next(label for label in table if label.startswith("seksueel getinte beelden of berichten"))
    assert "overig" in sexual and table[sexual][1:13] == shown(SEXUAL)
    criminal = next(label for label in table if label.startswith("strafbare feiten"))
    assert table[criminal][1:13] == shown(CRIMINAL) and "<5" in table[criminal]
    incident = next(label for label in table if label.startswith("ernstig incident"))
    assert table[incident][1:] == ["0"] * 13
    reached = next(label for label in table if label.startswith("bereikt: Fase 3"))
    assert table[reached][1:13] == shown([(c + 3) // 4 for c in MONTHLY]) and "gesloten" in table


def test_a_protocol_that_does_not_ask_a_question_leaves_its_row_not_recorded(contents):
    po = load_content("po")["nl"]
    assert "digital" in po.questions and "sexual_content" not in po.questions
    months = [date(2026 + (m >= 5), (m + 7) % 12 + 1, 1) for m in range(12)]
    figures = Figures("2026-2027", months, [dict.fromkeys(("new", "closed"), 6) for _ in months],
                      columns=("new", "closed"), yes=[{"digital": 5, "sexual_content": 5} for _ in months])
    table = {row[0]: row[1:] for row in csv.reader(io.StringIO(to_csv(figures, po))) if len(row) == 15}
    sexual = next(label for label in table if label.startswith("seksueel getinte"))
    assert table[sexual] == ["niet vastgelegd"] * 14  # the primary-school protocol never asks it
    assert table["– waarvan digitaal"][1:13] == ["5"] * 12
    english = {row[0] for row in csv.reader(io.StringIO(to_csv(figures, contents["en"]))) if len(row) == 15}
    assert {"category", "serious bullying", "– of which online"} <= english


def test_stats_says_what_it_is_and_what_it_is_not():
    text = " ".join(CliRunner().invoke(cli, ["stats", "--help"], terminal_width=200).output.split())
    assert "Incidentregistratie" in text and "geen monitor sociale veiligheid" in text.lower()


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


DOC = Document(title="Dossier zaak 7KQ2-M9XD-HAPE", subtitle="Fase 1 – informatie → Fase 2",
               sections=[Section("Leerlingen", [("gepest", NAMES)])], name="dossier-7KQ2-M9XD-HAPE",
               marking="Vertrouwelijk", running="Dossier zaak 7KQ2-M9XD-HAPE · geëxporteerd op 24-11-2026 10:00",
               page_label="pagina {page} van {pages}", contents="Inhoud")


@pytest.mark.skipif(unicode_font() is None, reason="this machine has none of the TrueType fonts bot/pdf.py looks for")
def test_the_pdf_keeps_every_letter_of_a_name_with_a_unicode_font():
    assert NAMES in pdf_text(render_pdf(DOC))


def test_without_a_unicode_font_a_name_loses_its_accents_never_its_letters(monkeypatch):
    monkeypatch.setattr("bot.pdf.unicode_font", lambda: None)
    text = pdf_text(render_pdf(DOC))
    assert "Sükrü Yildiz, Lucja Wójcik, Nguyen Thi Lan" in text and "?" not in text  # ü and ó are Latin-1
    assert latin1("Fase 1 – informatie → Fase 2") == "Fase 1 - informatie -> Fase 2"
    assert "Vertrouwelijk" in text and "pagina 1 van 1" in text and "geëxporteerd op 24-11-2026 10:00" in text


EXPORTED = "24-11-2026 10:00"  # the test clock's moment, in the school's time zone
HEADINGS = ["Gegevens", "Met toegang", "Antwoorden", "Afspraken", "Tijdlijn"]


def long_case(app) -> str:
    """A case through fase 3 into monitoring, with a check-in every week: a dossier of more than two pages."""
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    chat.say("incident Bram sloeg Anna in de kantine")
    chat.script(FASE3)
    for week in range(1, 13):
        chat.say(f"checkin week {week}: Anna zegt dat het rustiger is")
    return chat.case_id()


def other_case(app) -> str:
    chat = Chat(app)
    chat.script(["nieuw", "3C", "1", "Dirk Claes", "Eva Smit", "Eva deelt berichten over Dirk", "nee"])
    return chat.case_id()


def test_a_dossier_longer_than_the_threshold_gets_contents():
    rows = [("", f"regel {n}") for n in range(LONG_ROWS)]
    assert not replace(DOC, sections=[Section("Tijdlijn", rows)]).long
    assert replace(DOC, sections=[Section("Tijdlijn", rows + [("", "nog een")])]).long


def test_every_page_of_the_dossier_says_confidential_its_number_the_case_and_the_export_date(app):
    case_id = long_case(app)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(export_dossier(app, "jdevries", case_id, "pdf").data)).pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert "Vertrouwelijk" in text, number
        assert f"pagina {number} van {len(pages)}" in text, number
        assert case_id in text and EXPORTED in text, number


def test_a_long_dossier_opens_with_contents_that_point_at_the_right_pages(app):
    case_id = long_case(app)
    reader = PdfReader(io.BytesIO(export_dossier(app, "jdevries", case_id, "pdf").data))
    pages = [p.extract_text() for p in reader.pages]
    parts = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in parts] == HEADINGS  # bookmarks too
    assert "Inhoud" in pages[0]
    for heading, item in zip(HEADINGS, parts):
        listed = int(re.search(rf"{heading}[ .]*(\d+)", pages[0])[1])
        assert reader.get_destination_page_number(item) == listed - 1, heading
        assert heading in pages[listed - 1].splitlines(), heading  # the heading stands on the page listed
    # The timeline's phases are in the contents too: where fase 3 begins is what the meeting looks for.
    phases = reader.outline[-1]
    assert [item.title for item in phases] == ["Fase 1 – informatie en herstel", "Fase 2 – vastleggen en informeren",
                                               "Monitoren na fase 2", "Fase 3 – de schoolleider stapt in",
                                               "Monitoren na fase 3"]
    for item in phases:
        listed = int(re.search(rf"{item.title}[ .]*(\d+)", pages[0])[1])
        assert reader.get_destination_page_number(item) == listed - 1
        assert f"→ {item.title}" in pages[listed - 1], item.title  # the phase change is on that page


def test_a_short_dossier_has_no_contents_and_still_its_marks(app):
    short = other_case(app)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(export_dossier(app, "jdevries", short, "pdf").data)).pages]
    assert len(pages) == 1 and "Inhoud" not in pages[0]
    assert "Vertrouwelijk" in pages[0] and "pagina 1 van 1" in pages[0] and short in pages[0]
    assert "<nav" not in export_dossier(app, "jdevries", short, "html").data.decode()


def test_the_html_dossier_has_its_marking_and_when_long_contents_of_anchors(app):
    case_id = long_case(app)
    page = export_dossier(app, "jdevries", case_id, "html").data.decode()
    assert "Vertrouwelijk" in page and f"{case_id} · geëxporteerd op {EXPORTED}" in page
    nav = re.search(r"<nav.*?</nav>", page, re.DOTALL)[0]
    assert "Inhoud" in nav
    targets = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
    assert [name for _, name in targets][:5] == HEADINGS
    assert [name for _, name in targets][5:] == ["Fase 1 – informatie en herstel", "Fase 2 – vastleggen en informeren",
                                                 "Monitoren na fase 2", "Fase 3 – de schoolleider stapt in",
                                                 "Monitoren na fase 3"]
    for anchor, name in targets[:5]:
        assert f'<h2 id="{anchor}">{name}</h2>' in page
    for anchor, name in targets[5:]:  # the row of the phase change
        assert re.search(rf'<tr id="{anchor}">[^\n]*→ {name}', page), name


def test_a_dossier_holds_its_own_case_never_another_childs_text(app):
    other_case(app)
    case_id = long_case(app)
    for fmt in ("html", "pdf"):
        data = export_dossier(app, "jdevries", case_id, fmt).data
        text = data.decode() if fmt == "html" else pdf_text(data)
        assert "Anna de Jong" in text
        assert "Dirk Claes" not in text and "Eva" not in text, fmt
