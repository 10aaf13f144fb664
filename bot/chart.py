"""The monitoring chart: new cases per month of a school year, as a PNG for the yearly report.

matplotlib (Agg backend, imported here only). A month whose count is from 1 to 4 gets no bar, only the
label "<5": the chart never shows a small number, not even as a bar's height.
"""

from __future__ import annotations

from pathlib import Path


def write_chart(series: list[tuple[str, int | None]], title: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [label for label, _ in series]
    heights = [value or 0 for _, value in series]
    fig, ax = plt.subplots(figsize=(9, 4), dpi=120)
    try:
        bars = ax.bar(labels, heights, color="#3b6ea5")
        for bar, (_, value) in zip(bars, series):
            text = "<5" if value is None else str(value)
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        xytext=(0, 2), textcoords="offset points", fontsize=8)
        ax.set_title(title)
        ax.set_ylim(0, max(heights + [5]) * 1.2)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        fig.savefig(path, format="png", metadata={"Software": "Pestbot"})
    finally:
        plt.close(fig)
    return path
