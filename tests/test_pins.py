"""Issue 15: dependencies had lower bounds only, so a new release of any of them could break a school's
install or CI on any day. constraints.txt pins every package; these tests keep it whole and in use."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    found = [line.split("==") for line in lines if line and not line.startswith("#")]
    assert all(len(parts) == 2 for parts in found), "every line is name==version"
    return {canonical(name): version for name, version in found}


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra, listed in project["optional-dependencies"].items():
        wanted += [Requirement(r) for r in listed if not r.startswith("pestbot")]
    return wanted


def test_every_dependency_is_pinned_within_what_pyproject_allows():
    pinned = pins()
    for requirement in requirements():
        name = canonical(requirement.name)
        assert name in pinned, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} breaks {requirement}"


def test_this_environment_was_installed_with_the_pins():
    """The test command installs with -c constraints.txt: what runs here is what the file says."""
    off = {}
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # bench-only tools (py-spy, pyinstrument) are not in the test install
        if installed != version:
            off[name] = (installed, version)
    assert off == {}, f"installed ≠ pinned: {off}"


def test_the_readme_ci_and_the_dockerfile_install_with_the_pins():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    commands = re.findall(r"```sh\n(.*?)\n```", readme[start:readme.index("\n## ", start + 5)], re.S)
    assert all("-c constraints.txt" in c for c in commands)
    assert "-c constraints.txt" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
