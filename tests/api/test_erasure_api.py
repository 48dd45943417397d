"""Erasing a student's personal data through the API: ADMIN and above, a reason required, refusals as 409
with the error shape, another centre's student unknown."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from models import StaffRole
from tests import factories
from tests.api.conftest import Centre, add_token
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, create_booking

GARETH = {"firstName": "Gareth", "lastName": "Jones", "email": "gareth@example.com", "phone": "07700 900112"}


async def _student(api: httpx.AsyncClient, centre: Centre) -> str:
    response = await api.post(centre.url("/students"), json=GARETH, headers=centre.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_an_admin_erases_a_student_once(api: httpx.AsyncClient, centre: Centre) -> None:
    gareth = await _student(api, centre)
    url = centre.url(f"/students/{gareth}/erase")
    response = await api.post(url, json={"reason": "Asked by email on 3 March"}, headers=centre.headers)
    assert response.status_code == 200, response.text
    done = response.json()
    assert (done["customerId"], done["requestedBy"], done["reason"]) == (gareth, "STAFF", "Asked by email on 3 March")
    assert done["counts"]["bookings"] == 0 and done["erasedAt"]
    student = (await api.get(centre.url(f"/students/{gareth}"), headers=centre.headers)).json()
    assert (student["firstName"], student["lastName"], student["phone"]) == ("Erased", "student", "")
    assert student["email"] == f"erased-{gareth}@erased.invalid"
    assert (await api.get(centre.url("/students"), headers=centre.headers)).json()["total"] == 0
    again = await api.post(url, json={"reason": "Asked again"}, headers=centre.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "already_erased" and set(again.json()) == {"code", "message", "field"}


async def test_something_outstanding_answers_409_naming_it(
    api: httpx.AsyncClient, centre: Centre, db: Database
) -> None:
    gareth = await _student(api, centre)
    async with db.transaction() as session:
        course = await factories.course(session, centre.tenant)
        coming = await factories.course_session(session, course, start=date.today() + timedelta(days=30))
        booking = await create_booking(
            session, TenantContext(tenant=centre.tenant), BookingRequest(customer_id=gareth, session_id=coming.id)
        )
    response = await api.post(
        centre.url(f"/students/{gareth}/erase"), json={"reason": "Asked by phone"}, headers=centre.headers
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "student_has_outstanding" and body["field"] is None
    assert body["message"].startswith(f"Their data cannot be erased yet: booking {booking.reference} (ACS CCN1, ")
    assert "is still to come" in body["message"]


async def test_staff_may_not_and_a_reason_is_required(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    gareth = await _student(api, centre)
    url = centre.url(f"/students/{gareth}/erase")
    staff = await api.post(url, json={"reason": "Asked"}, headers=await add_token(db, centre, StaffRole.STAFF))
    assert staff.status_code == 403 and staff.json()["code"] == "forbidden"
    for body in ({}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": "Asked", "erase": "all"}):
        refused = await api.post(url, json=body, headers=centre.headers)
        assert refused.status_code == 422, body
        assert refused.json()["field"] in ("reason", "erase")
    student = (await api.get(centre.url(f"/students/{gareth}"), headers=centre.headers)).json()
    assert student["firstName"] == "Gareth"


async def test_another_centres_student_is_unknown(api: httpx.AsyncClient, centre: Centre, other_centre: Centre) -> None:
    gareth = await _student(api, centre)
    response = await api.post(
        other_centre.url(f"/students/{gareth}/erase"), json={"reason": "Asked"}, headers=other_centre.headers
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
