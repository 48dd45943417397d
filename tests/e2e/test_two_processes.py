"""Two server processes on one database: a booking made through process A shows at once on a page served
by process B. On PostgreSQL through LISTEN/NOTIFY; on one SQLite file through Redis pub/sub."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.conftest import fresh_postgres_database
from tests.e2e.conftest import api_token, start_server, stop

SLUG = "bristol-gas-training"


REDIS_URL = "redis://127.0.0.1:6379/0"


@contextmanager
def _database(relay: str) -> Iterator[dict[str, str]]:
    if relay == "postgresql":
        with fresh_postgres_database("trainhub_relay") as url:
            yield {"TRAINHUB_DATABASE_URL": url}
    else:
        shared = Path(tempfile.mkdtemp(prefix="trainhub-shared-")) / "trainhub.db"
        yield {"TRAINHUB_DATABASE_URL": f"sqlite+aiosqlite:///{shared}", "TRAINHUB_REDIS_URL": REDIS_URL}


@pytest.fixture(scope="module", params=["postgresql", "sqlite-redis"])
def two_servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, dict[str, str]]]:
    with _database(request.param) as settings:
        first, first_process, env = start_server(Path(tempfile.mkdtemp(prefix="trainhub-a-")), settings)
        try:
            second, second_process, _ = start_server(Path(tempfile.mkdtemp(prefix="trainhub-b-")), settings)
            try:
                yield first, second, env
            finally:
                stop(second_process)
        finally:
            stop(first_process)


async def test_a_booking_through_one_process_updates_a_page_of_the_other(
    two_servers: tuple[str, str, dict[str, str]], browser: Browser
) -> None:
    process_a, process_b, env = two_servers
    headers = {"Authorization": f"Bearer {api_token(env, SLUG)}"}
    async with httpx.AsyncClient(base_url=f"{process_a}/api/tenant/{SLUG}", headers=headers, timeout=10) as api:
        course = (await api.get("/courses")).json()["items"][0]
        sessions = (await api.get(f"/courses/{course['id']}/sessions")).json()["items"]
        roomy = next(s for s in sessions if s["availableSpots"] - s["bookedSpots"] >= 6)
        left = roomy["availableSpots"] - roomy["bookedSpots"]

        page = await browser.new_page()
        await page.goto(f"{process_b}/{SLUG}/courses/{course['id']}")
        places = page.locator(f'[data-session-places="{roomy["id"]}"]')
        await expect(places).to_have_text(f"{left} places left")

        student = await api.post(
            "/students", json={"firstName": "Two", "lastName": "Servers", "email": "two@example.com"}
        )
        booked = await api.post("/bookings", json={"customerId": student.json()["id"], "sessionId": roomy["id"]})
        assert booked.status_code == 201, booked.text
        await expect(places).to_have_text(f"{left - 1} places left", timeout=5000)
