"""Check every installed distribution against the vulnerabilities PyPI publishes for it.

PyPI's JSON API lists, for a release, the advisories known to affect it (from the Python Packaging
Advisory Database and OSV): `/pypi/<name>/<version>/json`. Where a machine reaches only PyPI's
project pages (`/pypi/<name>/json`, which list the advisories of the newest release alone), a
distribution installed at its newest release is still checked exactly; one installed at an older
release cannot be checked there, and is named as unchecked rather than passed.

    .venv/bin/python .ci/audit_dependencies.py [--index https://pypi.org/pypi]

Exit status 1 when an installed release has a known vulnerability (or nothing could be checked at all),
0 otherwise. What could not be checked is printed either way.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata

OWN = {"trainhub"}  # this project, installed in editable mode: not on PyPI


@dataclass
class Finding:
    name: str
    version: str
    advisories: list[str] = field(default_factory=list)
    unchecked: str = ""  # why it could not be checked


def _get(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def _ids(vulnerabilities: list[dict]) -> list[str]:
    return sorted(
        f"{v.get('id')} (fixed in {', '.join(v.get('fixed_in') or []) or 'no release yet'})" for v in vulnerabilities
    )


def check(index: str, name: str, version: str) -> Finding:
    finding = Finding(name, version)
    try:
        release = _get(f"{index}/{name}/{version}/json")
        if release is not None:
            finding.advisories = _ids(release.get("vulnerabilities") or [])
            return finding
        project = _get(f"{index}/{name}/json")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        finding.unchecked = f"PyPI did not answer ({error})"
        return finding
    if project is None:
        finding.unchecked = "not on PyPI"
    elif project["info"]["version"] == version:
        finding.advisories = _ids(project.get("vulnerabilities") or [])
    else:
        finding.unchecked = f"only the newest release's advisories are published here ({project['info']['version']})"
    return finding


def installed() -> list[tuple[str, str]]:
    found = {
        (dist.metadata["Name"].lower(), dist.version)
        for dist in metadata.distributions()
        if dist.metadata["Name"] and dist.metadata["Name"].lower() not in OWN
    }
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default="https://pypi.org/pypi")
    args = parser.parse_args()
    wanted = installed()
    with ThreadPoolExecutor(max_workers=8) as pool:
        findings = list(pool.map(lambda item: check(args.index, *item), wanted))
    vulnerable = [f for f in findings if f.advisories]
    unchecked = [f for f in findings if f.unchecked]
    checked = len(findings) - len(unchecked)
    for finding in vulnerable:
        print(f"VULNERABLE {finding.name} {finding.version}: {'; '.join(finding.advisories)}")
    for finding in unchecked:
        print(f"unchecked  {finding.name} {finding.version}: {finding.unchecked}")
    print(
        f"Dependency audit: {len(findings)} installed distributions, {checked} checked, "
        f"{len(vulnerable)} with a known vulnerability, {len(unchecked)} not checkable here."
    )
    if checked == 0:
        print("Nothing could be checked: PyPI's JSON API did not answer.")
        return 1
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
