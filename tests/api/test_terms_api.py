"""The version of the centre's terms a booking accepted, over HTTP: optional for a token, checked when given."""

from __future__ import annotations

import httpx

from models import StaffRole
from tests.api.conftest import Centre
from tests.api.test_bookings_api import seed_session
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.centre_terms import TermsDraft, publish_terms


async def test_a_token_may_record_the_version_in_force_and_nothing_else(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    owner = TenantContext(tenant=centre.tenant, actor="owner", role=StaffRole.OWNER)
    for version, text in ((None, "Version one."), (1, "Version two.")):
        await publish_terms(db, owner, TermsDraft(terms=text, privacy_notice="Ours.", based_on_version=version))

    def body(person: str, **extra: object) -> dict[str, object]:
        return {"customerId": person, "sessionId": course_session.id, **extra}

    without = await api.post(centre.url("/bookings"), json=body(people[0]), headers=centre.headers)
    assert without.status_code == 201 and without.json()["termsVersion"] is None
    stale = await api.post(
        centre.url("/bookings"), json=body(people[1], acceptedTermsVersion=1), headers=centre.headers
    )
    assert stale.status_code == 422
    assert stale.json()["field"] == "acceptedTermsVersion"
    assert stale.json()["message"] == "The terms changed while you were booking: read version 2 and accept it."
    zero = await api.post(centre.url("/bookings"), json=body(people[1], acceptedTermsVersion=0), headers=centre.headers)
    assert zero.status_code == 422 and "acceptedTermsVersion" in zero.text
    accepted = await api.post(
        centre.url("/bookings"), json=body(people[1], acceptedTermsVersion=2), headers=centre.headers
    )
    assert accepted.status_code == 201 and accepted.json()["termsVersion"] == 2
