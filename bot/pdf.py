"""The dossier as PDF (fpdf2: pure Python, well kept).

A Unicode TrueType font renders every name (Dutch letters, and Şükrü, Łucja, Nguyễn) and "→", "–": the
first found of DejaVu Sans (Debian/Ubuntu `fonts-dejavu-core`, the container image has it; also inside
matplotlib when that is installed), Arial (Windows, macOS) or Liberation Sans. `PESTBOT_PDF_FONT` names a
regular and a bold TTF instead (`regular.ttf,bold.ttf`). Without any, the PDF falls back to Helvetica with
letters outside Latin-1 spelled without their accents (Ş → S), never as "?".
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from pathlib import Path
from typing import Any

_FALLBACK = str.maketrans({"→": "->", "–": "-", "—": "-", "•": "*", "✓": "v", "…": "...", "‘": "'", "’": "'",
                           "“": '"', "”": '"', "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D",
                           "ı": "i"})
CANDIDATES = [  # (regular, bold), in order of preference
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
]


def _matplotlib_dejavu() -> tuple[str, str] | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    fonts = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    return str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")


def unicode_font(candidates: list[tuple[str, str]] | None = None) -> tuple[Path, Path] | None:
    """The regular and bold TTF the PDF is set in, or None when the machine has none of them."""
    chosen = os.environ.get("PESTBOT_PDF_FONT", "")
    found = [tuple(chosen.split(",", 1))] if "," in chosen else []
    found += CANDIDATES if candidates is None else candidates
    if candidates is None and (mpl := _matplotlib_dejavu()):
        found.append(mpl)
    for regular, bold in found:
        if Path(regular).is_file() and Path(bold).is_file():
            return Path(regular), Path(bold)
    return None


def latin1(text: str) -> str:
    """Text for Helvetica: what Latin-1 lacks, without its accents (NFKD), never as '?'."""
    text = text.translate(_FALLBACK)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256 and not unicodedata.combining(c))
        out.append(bare or "?")
    return "".join(out)


def render_pdf(doc: Any) -> bytes:
    """A flows.dossier.Document as PDF bytes: on every page "Vertrouwelijk", the case and the moment of export
    (header), and "pagina 3 van 7" (footer); a long document opens with a table of contents (fpdf2's
    insert_toc_placeholder, https://py-pdf.github.io/fpdf2/DocumentOutlineAndTableOfContents.html), and every
    part, and every phase in the timeline, is a bookmark."""
    from fpdf import FPDF
    from fpdf.outline import TableOfContents

    fonts = unicode_font()
    family, clean = ("Body", lambda text: text) if fonts else ("Helvetica", latin1)

    class Paged(FPDF):
        def header(self) -> None:
            self.set_font(family, "B", 8)
            self.cell(0, 5, clean(doc.marking), new_x="LMARGIN", new_y="TOP")
            self.set_font(family, "", 8)
            self.cell(0, 5, clean(doc.running), align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, "", 8)
            self.cell(0, 5, clean(doc.marking), new_x="LMARGIN", new_y="TOP")
            # fpdf2 puts the number of pages in place of "{nb}" when the document is done
            self.cell(0, 5, clean(doc.page_label.format(page=self.page_no(), pages="{nb}")), align="R")

    def contents(pdf: FPDF, outline: list[Any]) -> None:
        pdf.set_x(pdf.l_margin)
        pdf.ln(2)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(doc.contents), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10)
        TableOfContents().render_toc(pdf, outline)

    pdf = Paged(format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("Pestbot")
    if fonts:
        pdf.add_font("Body", "", str(fonts[0]))
        pdf.add_font("Body", "B", str(fonts[1]))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 9, clean(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.multi_cell(0, 5, clean(doc.subtitle), new_x="LMARGIN", new_y="NEXT")
    if doc.long and doc.contents:  # the parts begin on page 2, the contents fill the rest of page 1
        pdf.insert_toc_placeholder(contents, pages=1)
    for section in doc.sections:
        pdf.ln(3)
        if pdf.will_page_break(7 + 2 * 5):  # a heading never stands alone at the foot of a page
            pdf.add_page()
        pdf.start_section(clean(section.heading))
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        for number, row in enumerate(section.rows):
            if not row:
                continue
            if number in section.marks:  # a phase begins: a bookmark and a line in the contents
                if pdf.will_page_break(5):
                    pdf.add_page()
                pdf.start_section(clean(section.marks[number]), level=1)
            text = "  ·  ".join(cell for cell in row[:-1] if cell)
            line = f"{text}: {row[-1]}" if text else row[-1]
            pdf.multi_cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
