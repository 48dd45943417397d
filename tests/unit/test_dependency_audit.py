"""The dependency audit's reading of PyPI's JSON API, against a small index served on 127.0.0.1: a release
page with its advisories, a project page standing in for a missing release page, and what cannot be checked."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADVISORY = {"id": "PYSEC-2099-1", "fixed_in": ["2.0.1"]}
PAGES = {
    # A release page of its own: what it lists is what affects that release.
    "/pypi/oldlib/1.0/json": {"vulnerabilities": [ADVISORY]},
    "/pypi/safelib/3.0/json": {"vulnerabilities": []},
    # Only the project page: it lists the newest release's advisories.
    "/pypi/newest/json": {"info": {"version": "2.0"}, "vulnerabilities": [ADVISORY]},
    "/pypi/behind/json": {"info": {"version": "5.0"}, "vulnerabilities": []},
}


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / ".ci" / "audit_dependencies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


class _Index(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path)
        body = json.dumps(page).encode() if page is not None else b"Not Found"
        self.send_response(200 if page is not None else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    finally:
        server.shutdown()
        server.server_close()


def test_a_release_page_names_its_advisories(index: str) -> None:
    audit = _audit()
    assert audit.check(index, "oldlib", "1.0").advisories == ["PYSEC-2099-1 (fixed in 2.0.1)"]
    assert audit.check(index, "safelib", "3.0").advisories == []


def test_the_project_page_speaks_for_its_newest_release_only(index: str) -> None:
    audit = _audit()
    newest = audit.check(index, "newest", "2.0")
    assert newest.advisories == ["PYSEC-2099-1 (fixed in 2.0.1)"] and not newest.unchecked
    behind = audit.check(index, "behind", "4.2")
    assert behind.advisories == [] and "newest release" in behind.unchecked  # named, never passed as clean
    assert audit.check(index, "nowhere", "1.0").unchecked == "not on PyPI"


def test_an_index_that_does_not_answer_checks_nothing() -> None:
    finding = _audit().check("http://127.0.0.1:9/pypi", "oldlib", "1.0")
    assert finding.unchecked.startswith("PyPI did not answer") and finding.advisories == []
