"""The dossier (HTML and PDF) and the monitoring figures with small numbers suppressed."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta

from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.pdf import latin1, render_pdf, unicode_font
from bot.settings import EXAMPLE_CONFIG
from flows.dossier import export_dossier
from flows.model import Case, Event, new_case_id
from flows.stats import MIN_SHOWN, chart_series, compute
from tests.helpers import FASE1, FASE2, INTAKE, Chat


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


def generate_year(app) -> None:
    """A year of cases straight into storage: fast, and with known counts per month."""
    rnd = random.Random(6)
    zone = app.school.zone()
    with app.uow() as uow:
        for index, count in enumerate(MONTHLY):
            year, month = (2026, 8 + index) if index < 5 else (2027, index - 4)
            for n in range(count):
                created = datetime(year, month, 2 + n, 10, tzinfo=zone)
                case = Case(new_case_id(), "jdevries", created)
                case.set_answer("digital", rnd.choice(["yes", "no"]), "jdevries", created)
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
    cells = [c for row in rows[2:] for c in row[1:]]
    assert "<5" in cells and not [c for c in cells if c.isdigit() and 0 < int(c) < MIN_SHOWN]
    assert rows[1][:2] == ["month", "new"] and rows[2][1] == "0" and rows[3][1] == "<5" and rows[4][1] == "7"
    total = rows[-2]
    assert total[0] == "totaal" and total[1].startswith("≥")  # a plain total would give the small months away
    svg = ElementTree.parse(tmp_path / "pestbot-stats-2026-2027.svg").getroot()  # well-formed SVG
    counts = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "count"]
    assert counts == ["<5" if v is None else str(v or 0) for _, v in chart_series(figures, app.content(None))]
    assert "<5" in counts and not [c for c in counts if c.isdigit() and 0 < int(c) < MIN_SHOWN]
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]) == len(
        [c for c in counts if c.isdigit() and int(c) > 0])  # a "<5" month has no bar
    refused = CliRunner().invoke(cli, ["stats", "--as", "jdevries", "--out", str(tmp_path), "--db", database_url])
    assert refused.exit_code == 2 and "Geen toegang" in refused.output


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


class Doc:  # the shape of flows.dossier.Document that render_pdf reads
    title, subtitle = "Dossier zaak 7KQ2-M9XD-HAPE", "Fase 1 – informatie → Fase 2"

    class Section:
        heading, rows = "Leerlingen", [["gepest", NAMES]]

    sections = [Section]


@pytest.mark.skipif(unicode_font() is None, reason="this machine has none of the TrueType fonts bot/pdf.py looks for")
def test_the_pdf_keeps_every_letter_of_a_name_with_a_unicode_font():
    assert NAMES in pdf_text(render_pdf(Doc))


def test_without_a_unicode_font_a_name_loses_its_accents_never_its_letters(monkeypatch):
    monkeypatch.setattr("bot.pdf.unicode_font", lambda: None)
    text = pdf_text(render_pdf(Doc))
    assert "Sükrü Yildiz, Lucja Wójcik, Nguyen Thi Lan" in text and "?" not in text  # ü and ó are Latin-1
    assert latin1("Fase 1 – informatie → Fase 2") == "Fase 1 - informatie -> Fase 2"

