"""Benchmark tables: printed, and written into BENCHMARKS.md between a section's markers."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADER = "| figure | value | reference | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |"


def row(figure: str, value: str, reference: str = "–", ratio: str = "–", target: str = "–", met: bool | None = None) -> str:
    verdict = "–" if met is None else ("yes" if met else "**no**")
    return f"| {figure} | {value} | {reference} | {ratio} | {target} | {verdict} |"


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"


def publish(section: str, title: str, rows: list[str], notes: str = "", write: bool = True) -> str:
    table = "\n".join([f"## {title}", "", f"Measured on {machine()}.", "", HEADER, *rows, "", notes.strip(), ""])
    print(table)
    if write:
        begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
        text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n\n"
        block = f"{begin}\n{table}\n{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        BENCHMARKS.write_text(text, encoding="utf-8")
        print(f"(written to {BENCHMARKS.relative_to(ROOT)})", file=sys.stderr)
    return table
