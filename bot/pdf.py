"""The dossier as PDF (fpdf2: pure Python, well kept). DejaVu Sans renders Dutch letters and "→", "–"; it
ships inside matplotlib (already used for the charts), so no font file lives in this repository. Without
it the PDF falls back to Helvetica, with the few characters outside Latin-1 spelled out."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_FALLBACK = str.maketrans({"→": "->", "–": "-", "—": "-", "•": "*", "✓": "v", "…": "...", "‘": "'", "’": "'",
                           "“": '"', "”": '"'})


def dejavu() -> tuple[Path, Path] | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    fonts = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
    return (regular, bold) if regular.exists() and bold.exists() else None


def render_pdf(doc: Any) -> bytes:
    """A flows.dossier.Document as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("Pestbot")
    fonts = dejavu()
    if fonts:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        family, clean = "DejaVu", (lambda text: text)
    else:
        family = "Helvetica"

        def clean(text: str) -> str:
            return text.translate(_FALLBACK).encode("latin-1", "replace").decode("latin-1")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 9, clean(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.multi_cell(0, 5, clean(doc.subtitle), new_x="LMARGIN", new_y="NEXT")
    for section in doc.sections:
        pdf.ln(3)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        for row in section.rows:
            if not row:
                continue
            text = "  ·  ".join(cell for cell in row[:-1] if cell)
            line = f"{text}: {row[-1]}" if text else row[-1]
            pdf.multi_cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
