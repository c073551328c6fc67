"""Audit the lock files against PyPI's published advisories: exit 1 if a pinned version has one.

What pip-audit does with its default (PyPI) service, by the same data: PyPI's JSON API lists, for a release,
the advisories (PYSEC, GHSA, CVE ids, from the OSV database) that affect it. pip-audit asks for each pinned
release (``/pypi/NAME/VERSION/json``). Where only the per-project document answers (some PyPI mirrors and
proxies serve ``/pypi/NAME/json`` alone: it lists the advisories of the latest release), a pin that is the
latest release is audited from it, and a pin that is not cannot be audited here: that fails too (as
``pip-audit --strict`` does), since "no known advisory" cannot be said of a version nobody looked up. The
fix then is ``make lock UPGRADE=1`` or an audit where the per-release documents answer. Files given with
``--dev`` (tools and test servers that never reach an image) may keep such pins: they are listed, not failed.

Usage: python scripts/audit_deps.py requirements/services.lock requirements/codegen.lock --dev requirements/dev.lock
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

INDEX = "https://pypi.org/pypi"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass
class Audit:
    name: str
    version: str
    advisories: list[str] = field(default_factory=list)
    unaudited: str = ""


def pins(paths: list[Path]) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            match = PIN.match(line)
            if match:
                found[(match.group(1).lower(), match.group(2))] = None
    return list(found)


def _get(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return json.load(reply)  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def _described(vulnerability: dict[str, object]) -> str:
    ids = [str(vulnerability.get("id"))] + [str(a) for a in vulnerability.get("aliases") or []]  # type: ignore[attr-defined]
    fixed = ", ".join(str(v) for v in vulnerability.get("fixed_in") or []) or "no fixed release"  # type: ignore[attr-defined]
    return f"{' / '.join(ids)} (fixed in {fixed})"


def audit(name: str, version: str) -> Audit:
    result = Audit(name, version)
    document = _get(f"{INDEX}/{name}/{version}/json")
    if document is None:
        project = _get(f"{INDEX}/{name}/json")
        latest = str(project["info"]["version"]) if project else "?"  # type: ignore[index]
        if project is None or latest != version:
            result.unaudited = f"no advisory data for this release here (latest is {latest})"
            return result
        document = project
    seen: set[str] = set()  # one advisory is often listed once per database (PYSEC, GHSA), each aliasing the other
    for vulnerability in document.get("vulnerabilities") or []:  # type: ignore[attr-defined]
        ids = {str(vulnerability.get("id")), *(str(a) for a in vulnerability.get("aliases") or [])}
        if not vulnerability.get("withdrawn") and not ids & seen:
            result.advisories.append(_described(vulnerability))
        seen |= ids
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="+", type=Path, help="lock files whose every pin must be audited")
    parser.add_argument("--dev", action="append", type=Path, default=[], help="a lock whose pins may go unaudited")
    args = parser.parse_args(argv)
    strict = set(pins(args.locks))
    wanted = list(dict.fromkeys([*strict, *pins(args.dev)]))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda pin: audit(*pin), wanted))
    bad = [r for r in results if r.advisories]
    unaudited = [r for r in results if r.unaudited]
    failing = bad + [r for r in unaudited if (r.name, r.version) in strict]
    for r in bad:
        for advisory in r.advisories:
            print(f"{r.name}=={r.version}: {advisory}")
    for r in unaudited:
        where = "" if (r.name, r.version) in strict else " (development only: allowed)"
        print(f"{r.name}=={r.version}: not audited{where}: {r.unaudited}")
    files = ", ".join(str(p) for p in [*args.locks, *args.dev])
    print(
        f"audited {len(results) - len(unaudited)} of {len(results)} pinned releases in {files} against PyPI's "
        f"advisories: {sum(len(r.advisories) for r in bad)} known advisories, {len(unaudited)} not audited"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
