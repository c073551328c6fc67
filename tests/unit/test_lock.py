"""The lock files: everything pinned with hashes, in step with pyproject.toml, and the only source of installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ;.*)? \\$")
# Versions with published advisories that the floors must exclude (issue 15 item 11).
ADVISORY_FLOORS = {"pyjwt": "2.10.1", "aiohttp": "3.12.14"}


def pins(lock: str) -> dict[str, str]:
    found: dict[str, str] = {}
    lines = (LOCKS / lock).read_text().splitlines()
    for index, line in enumerate(lines):
        if line and not line[0].isspace() and not line.startswith("#"):
            match = PIN.match(line)
            assert match, f"{lock}: not an exact pin: {line!r}"
            assert lines[index + 1].strip().startswith("--hash=sha256:"), f"{lock}: {line!r} has no hash"
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def project_requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return [Requirement(text) for text in listed]


@pytest.mark.parametrize("lock", ["dev.lock", "services.lock", "codegen.lock", "build.lock", "uv.lock"])
def test_every_lock_pins_exact_versions_with_hashes(lock: str) -> None:
    assert pins(lock)


@pytest.mark.parametrize(("lock", "extras"), [("dev.lock", ("local", "dev")), ("services.lock", ())])
def test_the_lock_satisfies_pyproject(lock: str, extras: tuple[str, ...]) -> None:
    pinned = pins(lock)
    for requirement in project_requirements(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is in pyproject.toml but not in {lock}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}: run make lock"
        )


def test_the_image_and_tool_locks_pin_what_the_dev_lock_pins() -> None:
    dev = pins("dev.lock")
    for lock in ("services.lock", "codegen.lock", "build.lock"):
        for name, version in pins(lock).items():
            assert dev.get(name) == version, f"{lock} pins {name}=={version}, dev.lock {dev.get(name)}"


def test_floors_exclude_versions_with_advisories() -> None:
    for requirement in project_requirements():
        floor = ADVISORY_FLOORS.get(canonicalize_name(requirement.name))
        if floor:
            below = floor.rsplit(".", 1)[0] + "." + str(int(floor.rsplit(".", 1)[1]) - 1)
            assert not requirement.specifier.contains(below), f"{requirement} admits {below}"
            assert requirement.specifier.contains(floor)


def test_setup_and_the_image_install_only_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    setup = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for where, text in (("make setup", setup), ("deploy/Dockerfile", dockerfile)):
        installs = re.findall(r"pip install[^\n&]*", text)
        assert installs, where
        for command in installs:
            assert "--require-hashes -r requirements/" in command or "--no-deps --no-build-isolation" in command, (
                f"{where} installs something unlocked: {command!r}"
            )


def test_the_base_image_is_pinned() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    image = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
    assert image, "the base image is one ARG"
    assert "@sha256:" in image.group(1) or re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", image.group(1))
