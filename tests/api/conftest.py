"""The JSON API in-process over HTTP (httpx + ASGI), on SQLite and on PostgreSQL.

`api` is an httpx client for a bare FastAPI app with the API installed, over the `db` fixture's
database. `centre` makes a centre with an ADMIN token; `other_centre` a second one, for isolation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from models import StaffRole, Tenant
from trainhub_ui.api import install_api
from trainhub_ui.config import Settings
from trainhub_ui.db import Database, set_database
from trainhub_ui.rate_limits import RateLimits
from trainhub_ui.services.tenants import create_tenant
from trainhub_ui.services.tokens import create_api_token


@dataclass
class Centre:
    tenant: Tenant
    token: str

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str = "") -> str:
        return f"/api/tenant/{self.slug}{path}"


@pytest.fixture
async def api(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_api(app)
    # These tests make hundreds of requests from one address within seconds (fifty bookings racing for a
    # place); the rate limits have their own tests, with their own app, in test_rate_limits.py.
    app.state.rate_limits = RateLimits(Settings(rate_limit_booking="100000/minute"))
    set_database(db)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        set_database(None)


async def make_centre(db: Database, slug: str, name: str, role: StaffRole = StaffRole.ADMIN) -> Centre:
    async with db.transaction() as session:
        tenant = await create_tenant(session, slug, name)
        _, secret = await create_api_token(session, tenant, name="tests", role=role)
    return Centre(tenant, secret)


async def add_token(db: Database, centre: Centre, role: StaffRole) -> dict[str, str]:
    async with db.transaction() as session:
        _, secret = await create_api_token(session, centre.tenant, name=f"{role.value} token", role=role)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
async def centre(db: Database) -> Centre:
    return await make_centre(db, "bristol-gas-training", "Bristol Gas Training Centre")


@pytest.fixture
async def other_centre(db: Database) -> Centre:
    return await make_centre(db, "leeds-heat-academy", "Leeds Heat Academy")
