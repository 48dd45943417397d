"""Token checks: the short-lived lookup cache never outlives a revocation by more than its TTL."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from models import utcnow
from tests.api.conftest import Centre
from trainhub_ui.api import access
from trainhub_ui.db import Database
from trainhub_ui.services.tokens import find_token, revoke_api_token


async def test_a_revoked_token_is_refused_once_its_lookup_expires(
    api: httpx.AsyncClient, db: Database, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await api.get(centre.url("/bookings"), headers=centre.headers)).status_code == 200
    async with db.transaction() as session:
        token = await find_token(session, centre.token)
        assert token is not None
        await revoke_api_token(session, centre.tenant, token.id, utcnow())
    monkeypatch.setattr(access, "LOOKUP_TTL", timedelta(0))
    assert (await api.get(centre.url("/bookings"), headers=centre.headers)).status_code == 401


async def test_the_token_records_when_it_was_last_used(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    before = utcnow()
    assert (await api.get(centre.url("/students"), headers=centre.headers)).status_code == 200
    async with db.read() as session:
        token = await find_token(session, centre.token)
    assert token is not None and token.last_used_at is not None and token.last_used_at >= before
