"""The console demo's install: time, size and package count of the README's first command, now and before
the server parts and the plotting library became extras (issue 15).

    python bench/install.py [--before COMMIT] [--rounds 2] [--only now|before] [--no-write]

Each round installs both trees into a fresh virtual environment, interleaved (before, now, before, now …),
with the install part of each tree's own README quick start (`python3 -m venv … && pip install …`), pip's
cache off, from this machine's package index; then times `pestbot chat` to its first line. The figures are
the medians of the rounds; the reference is the tree before (default: 0cdf9f7, the last commit with
matplotlib, aiohttp, Bolt and botbuilder in the core dependencies).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, median, ratio  # noqa: E402
from bench.report import publish, row  # noqa: E402

BEFORE = "0cdf9f7"


def install_command(tree: Path, venv: Path) -> str:
    """The first quick-start command of the tree's README, up to the start of the chat, for `venv`."""
    readme = (tree / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    first = re.findall(r"```sh\n(.*?)\n```", readme[start:], re.S)[0]
    install = first.rsplit("&&", 1)[0].strip()
    assert install.startswith("python3 -m venv .venv") and "pip install" in install, install
    return install.replace(".venv", str(venv))


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def measure(tree: Path, work: Path) -> tuple[float, float, int, float]:
    """(install seconds, environment MB, packages, seconds from `pestbot chat` to its first line)."""
    venv = work / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(install_command(tree, venv), shell=True, cwd=tree, check=True, capture_output=True,
                   env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PIP_NO_CACHE_DIR": "1", "HOME": str(work)})
    took = time.perf_counter() - started
    listed = subprocess.run([str(venv / "bin" / "pip"), "list", "--format=freeze"], capture_output=True, text=True,
                            check=True).stdout.split()
    packages = len([p for p in listed if not p.lower().startswith(("pip==", "setuptools==", "pestbot"))])
    chat_started = time.perf_counter()
    chat = subprocess.Popen([str(venv / "bin" / "pestbot"), "chat", "--db", str(work / "demo.db")], cwd=work,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    chat.stdin.write("/stop\n")
    chat.stdin.flush()
    line = chat.stdout.readline()
    first = time.perf_counter() - chat_started
    chat.communicate(timeout=60)
    if not line:
        raise RuntimeError(f"pestbot chat of {tree} printed nothing")
    return took, size_mb(venv), packages, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=["now", "before"], default=None)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, int, float]]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        if args.only != "now":
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old), args.before], cwd=ROOT, check=True)
        try:
            trees = {"before": old, "now": ROOT}
            for _ in range(args.rounds):
                for label, tree in trees.items():
                    if args.only in (None, label):
                        (Path(tmp) / label).mkdir(exist_ok=True)
                        results[label].append(measure(tree, Path(tmp) / label))
        finally:
            if args.only != "now":
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)

    def figure(label: str, index: int) -> float:
        return median([r[index] for r in results[label]]) if results[label] else float("nan")

    rows = []
    for index, name, unit, judged in ((0, "install time (venv + pip install)", "s", True),
                                       (1, "environment size", "MB", True),
                                       (3, "first `pestbot chat` to its first line (creates the database)", "s", False)):
        now, before = figure("now", index), figure("before", index)
        known = now == now and before == before  # not NaN: both trees were measured
        rows.append(row(f"console demo: {name}", f"{now:.1f} {unit}", f"{before:.1f} {unit} (before, {args.before})",
                        ratio(now, before), "smaller than before" if judged else "–",
                        (now < before) if judged and known else None))
    now_n = int(figure("now", 2)) if results["now"] else 0
    before_n = int(figure("before", 2)) if results["before"] else 0
    rows.append(row("console demo: packages installed", str(now_n), f"{before_n} (before)", ratio(now_n, before_n)))
    notes = (f"Median of {args.rounds} rounds, each tree installed into a fresh venv with its own README quick-start "
             f"install command, interleaved, pip's cache off, from this machine's package index (no network "
             f"download); the environment's size is every file in the venv. Before: "
             f"`{args.before}` (`pip install -e .`, matplotlib + numpy for the chart, aiohttp, Bolt and "
             f"botbuilder in the core). Now: `pip install -c constraints.txt -e .` (the server parts are the "
             f"`[server]` extra, the chart is SVG written directly) (`bench/install.py`).")
    publish("install", "The console demo's install (issue 15)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
