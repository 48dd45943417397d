"""Rate limits of the booking API per centre and client address: past the limit, 429 with Retry-After
in the API's error shape; another address or another centre is not affected."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import Centre, make_centre
from trainhub_ui.api import install_api
from trainhub_ui.config import Settings, reload_settings
from trainhub_ui.db import Database, set_database
from trainhub_ui.rate_limits import Door, RateLimits

LIMIT = 3
CLIENT = "198.51.100.7"


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRAINHUB_RATE_LIMIT_BOOKING", f"{LIMIT}/minute")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


Client = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_from(low_limits: None, db: Database) -> AsyncIterator[Client]:
    """httpx clients of one app (one set of counts), each coming from the address it is given."""
    app = FastAPI()
    install_api(app)
    set_database(db)
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://test"))
        return clients[-1]

    try:
        yield make
    finally:
        for client in clients:
            await client.aclose()
        set_database(None)


async def _book(client: httpx.AsyncClient, centre: Centre, headers: dict[str, str] | None = None) -> httpx.Response:
    # An empty body is refused (422) after it is counted: the count comes first, whatever the body.
    return await client.post(
        f"/api/tenant/{centre.slug}/bookings", json={}, headers={**centre.headers, **(headers or {})}
    )


async def test_the_booking_past_the_limit_is_429_with_retry_after(db: Database, client_from: Client) -> None:
    centre = await make_centre(db, "alpha-centre", "Alpha")
    client = client_from(CLIENT)
    for _ in range(LIMIT):
        assert (await _book(client, centre)).status_code == 422
    refused = await _book(client, centre)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["code"] == "too_many_requests" and "field" in body
    assert "Too many requests from your network" in body["message"]


async def test_another_address_and_another_centre_are_not_affected(db: Database, client_from: Client) -> None:
    centre = await make_centre(db, "alpha-centre", "Alpha")
    other = await make_centre(db, "beta-centre", "Beta")
    client = client_from(CLIENT)
    for _ in range(LIMIT + 1):
        await _book(client, centre)
    assert (await _book(client, centre)).status_code == 429
    assert (await _book(client_from("198.51.100.8"), centre)).status_code == 422
    assert (await _book(client, other)).status_code == 422


async def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(
    db: Database, client_from: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = await make_centre(db, "alpha-centre", "Alpha")
    client = client_from(CLIENT)
    for n in range(LIMIT):
        await _book(client, centre, {"X-Forwarded-For": f"203.0.113.{n}"})
    # Without a trusted proxy the header is the client's own words: it does not make a new address.
    assert (await _book(client, centre, {"X-Forwarded-For": "203.0.113.99"})).status_code == 429
    monkeypatch.setenv("TRAINHUB_FORWARDED_FOR_HOPS", "1")
    reload_settings()
    proxy = client_from("10.0.0.1")
    # Behind one proxy, the last address it appended is the client's; what the client wrote before it is not.
    for _ in range(LIMIT):
        assert (await _book(proxy, centre, {"X-Forwarded-For": "6.6.6.6, 203.0.113.50"})).status_code == 422
    assert (await _book(proxy, centre, {"X-Forwarded-For": "7.7.7.7, 203.0.113.50"})).status_code == 429
    assert (await _book(proxy, centre, {"X-Forwarded-For": "203.0.113.51"})).status_code == 422


async def test_with_redis_every_process_shares_the_counts() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", rate_limit_booking="2/minute")
    first, second = RateLimits(settings), RateLimits(settings)  # as two server processes would have
    centre = f"centre-{uuid.uuid4()}"  # counts from earlier runs stay in Redis for their minute
    assert await first.wait_seconds(Door.BOOKING, centre, CLIENT) is None
    assert await second.wait_seconds(Door.BOOKING, centre, CLIENT) is None
    wait = await first.wait_seconds(Door.BOOKING, centre, CLIENT)
    assert wait is not None and 1 <= wait <= 60
    assert await second.wait_seconds(Door.BOOKING, centre, "198.51.100.8") is None


def test_a_limit_that_is_not_a_rate_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="rate_limit_sign_in"):
        Settings(rate_limit_sign_in="ten a minute")
