"""A real server process on a free loopback port, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("TRAINHUB_SCREENSHOT_DIR", ROOT / "test-results" / "screenshots"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _trainhub(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True)


def start_server(
    directory: Path, settings: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen, dict[str, str]]:
    """`trainhub serve` on the demo data in `directory`, on 127.0.0.1 and a free port; answers (base URL,
    process, environment). Without `settings` naming a Stripe key, payments are in the offline test mode."""
    port = free_port()
    env = {
        **os.environ,
        "TRAINHUB_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'trainhub.db'}",
        "TRAINHUB_ENV": "test",
        "TRAINHUB_STORAGE_SECRET": "e2e-storage-secret-for-tests-only",
        "TRAINHUB_BASE_URL": f"http://127.0.0.1:{port}",
    }
    for name in ("TRAINHUB_STRIPE_SECRET_KEY", "TRAINHUB_STRIPE_API_BASE", "TRAINHUB_STRIPE_WEBHOOK_SECRET"):
        env.pop(name, None)
    env |= settings or {}
    # NiceGUI takes this variable to mean "inside pytest" and would serve on a test port instead.
    env.pop("PYTEST_CURRENT_TEST", None)
    _trainhub("db", "upgrade", env=env)
    _trainhub("demo", "seed", env=env)
    log = (directory / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()  # the child has its own copy
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {(directory / 'server.log').read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return base, process, env
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(process)
            raise RuntimeError("server did not answer within 60 s")
        time.sleep(0.2)


def api_token(env: dict[str, str], slug: str) -> str:
    """A fresh ADMIN token of a centre on the server's database, made by the CLI."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "token", "create", "--tenant", slug, "--name", "e2e"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app on the demo data in the offline payment mode; stopped by its own pid."""
    base, process, _env = start_server(Path(tempfile.mkdtemp(prefix="trainhub-e2e-")))
    try:
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop a server we started, by its own pid (and its process group), waiting for it to end."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - one stat before the browser starts
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
