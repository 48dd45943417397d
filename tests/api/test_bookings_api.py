"""Bookings over HTTP: the reference flow's body, holds, cancel and move, and concurrency on both databases."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from models import Booking, CourseSession, StaffRole
from tests import factories
from tests.api.conftest import Centre, add_token
from trainhub_ui.db import Database

ADDRESS = "1 Dock Road, Bristol BS1 4AA"  # an invoice booking needs its billing address


async def seed_session(db: Database, centre: Centre, spots: int = 12, customers: int = 3):
    async with db.transaction() as session:
        course = await factories.course(session, centre.tenant, price=49500)
        first = await factories.course_session(session, course, spots=spots, start=date.today() + timedelta(days=30))
        second = await factories.course_session(session, course, spots=spots, start=date.today() + timedelta(days=60))
        people = [await factories.customer(session, centre.tenant, f"student{n}@example.com") for n in range(customers)]
    return course, first, second, [p.id for p in people]


async def test_reference_flow_body_makes_a_deposit_booking(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {
        "customerId": people[0],
        "sessionId": course_session.id,
        "specialRequests": "Dietary requirements",
        "depositPercentage": 0.3,
    }
    response = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "PENDING"
    assert booking["paymentOption"] == "DEPOSIT"
    assert booking["totalAmount"] == 49500 and booking["depositAmount"] == 14850
    assert booking["balanceDue"] == 49500 and booking["amountPaid"] == 0
    assert booking["currency"] == "GBP"
    assert booking["reference"].startswith("BGT-")
    assert booking["holdExpiresAt"]
    async with db.read() as session:
        token = await session.scalar(select(Booking.access_token).where(Booking.id == booking["id"]))
    assert token is not None and len(token) >= 32  # 24 random bytes: far past guessing
    assert booking["paymentUrl"].endswith(f"/bristol-gas-training/pay/{booking['reference']}?t={token}")
    assert booking["bookingUrl"] == booking["paymentUrl"]
    assert booking["specialRequests"] == "Dietary requirements"
    assert booking["courseId"] == course_session.course_id

    fetched = await api.get(centre.url(f"/bookings/{booking['id']}"), headers=centre.headers)
    assert fetched.status_code == 200 and fetched.json()["id"] == booking["id"]


async def test_invoice_booking_confirmed_without_payment_url(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {
        "customerId": people[0],
        "sessionId": course_session.id,
        "paymentOption": "INVOICE",
        "poNumber": "PO-1",
        "billingAddress": "1 Dock Road, Bristol BS1 4AA",
    }
    response = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert response.status_code == 201
    assert response.json()["status"] == "CONFIRMED" and response.json()["paymentUrl"] is None
    # Nothing to pay by card, but the booking's own link (its invoice is under it) for the student.
    booking = response.json()
    async with db.read() as session:
        token = await session.scalar(select(Booking.access_token).where(Booking.id == booking["id"]))
    assert booking["bookingUrl"].endswith(f"/bristol-gas-training/pay/{booking['reference']}?t={token}")


async def test_an_invoice_booking_without_its_billing_address_is_422_naming_it(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id, "paymentOption": "INVOICE"}
    for given in ({}, {"billingAddress": "  "}, {"billingAddress": "x" * 501}):
        response = await api.post(centre.url("/bookings"), json=body | given, headers=centre.headers)
        assert response.status_code == 422, response.text
        assert "billingAddress" in response.text
    placed = await api.post(
        centre.url("/bookings"), json=body | {"billingAddress": "1 Dock Road\nBristol BS1 4AA"}, headers=centre.headers
    )
    assert placed.status_code == 201 and placed.json()["billingAddress"] == "1 Dock Road\nBristol BS1 4AA"


async def test_rules_answer_409_with_a_code(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, course_session, _, people = await seed_session(db, centre, spots=1)
    body = {"customerId": people[0], "sessionId": course_session.id}
    assert (await api.post(centre.url("/bookings"), json=body, headers=centre.headers)).status_code == 201
    again = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert again.status_code == 409 and again.json()["code"] == "already_booked"
    full = await api.post(
        centre.url("/bookings"), json={"customerId": people[1], "sessionId": course_session.id}, headers=centre.headers
    )
    assert full.status_code == 409 and full.json()["code"] == "session_full"


async def test_deposit_percentage_must_be_the_centres(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id, "depositPercentage": 0.5}
    response = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert response.status_code == 422 and response.json()["field"] == "depositPercentage"


async def test_cancel_move_and_notes(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, first, second, people = await seed_session(db, centre)
    created = await api.post(
        centre.url("/bookings"),
        json={
            "customerId": people[0],
            "sessionId": first.id,
            "paymentOption": "INVOICE",
            "billingAddress": "1 Dock Road, Bristol BS1 4AA",
        },
        headers=centre.headers,
    )
    booking_id = created.json()["id"]
    moved = await api.patch(
        centre.url(f"/bookings/{booking_id}"),
        json={"sessionId": second.id, "staffNotes": "Phoned"},
        headers=centre.headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sessionId"] == second.id and moved.json()["staffNotes"] == "Phoned"
    cancelled = await api.patch(
        centre.url(f"/bookings/{booking_id}"),
        json={"status": "CANCELLED", "cancellationReason": "Ill"},
        headers=centre.headers,
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["cancellationReason"] == "Ill"
    async with db.read() as session:
        spots = [(await session.get(CourseSession, s.id)).booked_spots for s in (first, second)]
    assert spots == [0, 0]
    both = await api.patch(
        centre.url(f"/bookings/{booking_id}"),
        json={"status": "CANCELLED", "sessionId": first.id},
        headers=centre.headers,
    )
    assert both.status_code == 422


async def test_list_filters_and_pages(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, first, second, people = await seed_session(db, centre, customers=3)
    for person in people:
        await api.post(
            centre.url("/bookings"), json={"customerId": person, "sessionId": first.id}, headers=centre.headers
        )
    await api.post(
        centre.url("/bookings"),
        json={
            "customerId": people[0],
            "sessionId": second.id,
            "paymentOption": "INVOICE",
            "billingAddress": "1 Dock Road, Bristol BS1 4AA",
        },
        headers=centre.headers,
    )
    everything = (await api.get(centre.url("/bookings"), headers=centre.headers)).json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    page = (await api.get(centre.url("/bookings?limit=2&offset=1"), headers=centre.headers)).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    confirmed = (await api.get(centre.url("/bookings?status=CONFIRMED"), headers=centre.headers)).json()
    assert confirmed["total"] == 1
    by_session = (await api.get(centre.url(f"/bookings?sessionId={first.id}"), headers=centre.headers)).json()
    assert by_session["total"] == 3
    by_customer = (await api.get(centre.url(f"/bookings?customerId={people[0]}"), headers=centre.headers)).json()
    assert by_customer["total"] == 2
    later = (first.start_date + timedelta(days=1)).isoformat()
    dated = (await api.get(centre.url(f"/bookings?from={later}"), headers=centre.headers)).json()
    assert dated["total"] == 1
    # The invoice booking is the one confirmed with a balance to pay; the pending card holds are not.
    outstanding = (await api.get(centre.url("/bookings?outstanding=true"), headers=centre.headers)).json()
    assert [item["paymentOption"] for item in outstanding["items"]] == ["INVOICE"]
    assert (await api.get(centre.url("/bookings?outstanding=maybe"), headers=centre.headers)).status_code == 422
    assert (await api.get(centre.url("/bookings?limit=201"), headers=centre.headers)).status_code == 422
    assert (await api.get(centre.url("/bookings?status=LOST"), headers=centre.headers)).status_code == 422
    assert (await api.get(centre.url("/bookings?from=2025-02-30"), headers=centre.headers)).status_code == 422


async def test_waiting_list_over_http(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, course_session, _, people = await seed_session(db, centre, spots=1, customers=2)
    placed = await api.post(
        centre.url("/bookings"),
        json={
            "customerId": people[0],
            "sessionId": course_session.id,
            "paymentOption": "INVOICE",
            "billingAddress": "1 Dock Road, Bristol BS1 4AA",
        },
        headers=centre.headers,
    )
    joined = await api.post(
        centre.url("/waiting-list"),
        json={"sessionId": course_session.id, "customerId": people[1]},
        headers=centre.headers,
    )
    assert joined.status_code == 201 and joined.json()["status"] == "WAITING"
    await api.patch(
        centre.url(f"/bookings/{placed.json()['id']}"), json={"status": "CANCELLED"}, headers=centre.headers
    )
    entries = (await api.get(centre.url(f"/waiting-list?sessionId={course_session.id}"), headers=centre.headers)).json()
    assert entries["items"][0]["status"] == "OFFERED" and entries["items"][0]["offerExpiresAt"]
    accepted = await api.post(
        centre.url(f"/waiting-list/{joined.json()['id']}/accept"),
        json={"paymentOption": "FULL"},
        headers=centre.headers,
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["customerId"] == people[1] and accepted.json()["status"] == "PENDING"


async def test_instructor_token_neither_books_nor_reads_bookings(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    """As an instructor's sign-in, which opens no bookings page."""
    _, course_session, _, people = await seed_session(db, centre)
    instructor = await add_token(db, centre, StaffRole.INSTRUCTOR)
    refused = await api.post(
        centre.url("/bookings"), json={"customerId": people[0], "sessionId": course_session.id}, headers=instructor
    )
    assert refused.status_code == 403
    assert (await api.get(centre.url("/bookings"), headers=instructor)).status_code == 403


async def test_no_token_401_and_other_centres_token_404(
    api: httpx.AsyncClient, db: Database, centre: Centre, other_centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id}
    assert (await api.post(centre.url("/bookings"), json=body)).status_code == 401
    assert (await api.get(centre.url("/bookings"))).status_code == 401
    bad = {"Authorization": "Bearer thk_not-a-real-token"}
    assert (await api.get(centre.url("/bookings"), headers=bad)).status_code == 401
    assert (await api.post(centre.url("/bookings"), json=body, headers=other_centre.headers)).status_code == 404
    # This centre's ids under the other centre's slug are simply not there.
    response = await api.post(other_centre.url("/bookings"), json=body, headers=other_centre.headers)
    assert response.status_code == 404


async def test_fifty_customers_race_for_twelve_places(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, course_session, _, people = await seed_session(db, centre, spots=12, customers=50)

    async def attempt(customer_id: str) -> httpx.Response:
        body = {"customerId": customer_id, "sessionId": course_session.id}
        return await api.post(centre.url("/bookings"), json=body, headers=centre.headers)

    responses = await asyncio.gather(*(attempt(person) for person in people))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 12, [r.text for r in responses if r.status_code not in (201, 409)]
    assert codes.count(409) == 38
    assert all(r.json()["code"] == "session_full" for r in responses if r.status_code == 409)
    async with db.read() as session:
        assert (await session.get(CourseSession, course_session.id)).booked_spots == 12
        assert await session.scalar(select(func.count()).where(Booking.session_id == course_session.id)) == 12


async def test_one_customer_twice_at_once_books_once(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id}
    responses = await asyncio.gather(
        *(api.post(centre.url("/bookings"), json=body, headers=centre.headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    async with db.read() as session:
        assert (await session.get(CourseSession, course_session.id)).booked_spots == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sessionId": "x"}, "customerId"),
        ({"customerId": 5, "sessionId": "x"}, "customerId"),
        ({"customerId": "c", "sessionId": "s", "depositPercentage": "lots"}, "depositPercentage"),
        ({"customerId": "c", "sessionId": "s", "depositPercentage": -0.3}, "depositPercentage"),
        ({"customerId": "c", "sessionId": "s", "paymentOption": "BARTER"}, "paymentOption"),
        ({"customerId": "c", "sessionId": "s", "specialRequests": "x" * 10_001}, "specialRequests"),
        ({"customerId": "c", "sessionId": "s", "totalAmount": 1}, "totalAmount"),
    ],
)
async def test_bad_booking_bodies_name_the_field(
    api: httpx.AsyncClient, centre: Centre, body: dict, field: str
) -> None:
    response = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_malformed_json_and_unknown_ids(api: httpx.AsyncClient, db: Database, centre: Centre) -> None:
    malformed = await api.post(
        centre.url("/bookings"),
        content=b'{"customerId": ',
        headers={**centre.headers, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    unknown = await api.post(
        centre.url("/bookings"), json={"customerId": "nope", "sessionId": "nope"}, headers=centre.headers
    )
    assert unknown.status_code == 404
    assert (await api.get(centre.url("/bookings/nope"), headers=centre.headers)).status_code == 404
    assert (await api.patch(centre.url("/bookings/nope"), json={}, headers=centre.headers)).status_code == 404


async def test_nul_characters_are_refused_not_a_server_error(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id, "specialRequests": "vegan\x00"}
    response = await api.post(centre.url("/bookings"), json=body, headers=centre.headers)
    assert response.status_code == 422 and response.json()["field"] == "specialRequests"
    assert (await api.get(centre.url("/bookings/%00"), headers=centre.headers)).status_code == 404
    listed = await api.get(centre.url("/bookings?sessionId=%00"), headers=centre.headers)
    assert listed.status_code == 422 and listed.json()["field"] == "sessionId"
    assert (await api.get("/api/tenant/%00/courses")).status_code == 404
    student = {"firstName": "A\x00", "lastName": "B", "email": "ab@example.com"}
    created = await api.post(centre.url("/students"), json=student, headers=centre.headers)
    assert created.status_code == 422 and created.json()["field"] == "firstName"


async def test_a_session_of_an_archived_course_answers_409_course_inactive(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    course, course_session, _, people = await seed_session(db, centre)
    archived = await api.patch(centre.url(f"/courses/{course.id}"), json={"isActive": False}, headers=centre.headers)
    assert archived.status_code == 200, archived.text
    response = await api.post(
        centre.url("/bookings"), json={"customerId": people[0], "sessionId": course_session.id}, headers=centre.headers
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "course_inactive"
    assert "no longer" in response.json()["message"]


async def test_cancelling_an_invoiced_booking_issues_a_credit_note_over_http(
    api: httpx.AsyncClient, db: Database, centre: Centre
) -> None:
    _, course_session, _, people = await seed_session(db, centre)
    body = {"customerId": people[0], "sessionId": course_session.id, "paymentOption": "INVOICE"}
    placed = await api.post(centre.url("/bookings"), json=body | {"billingAddress": ADDRESS}, headers=centre.headers)
    booking_id = placed.json()["id"]
    cancel = {"status": "CANCELLED", "cancellationReason": "Course no longer needed"}
    assert (await api.patch(centre.url(f"/bookings/{booking_id}"), json=cancel, headers=centre.headers)).is_success
    notes = (await api.get(centre.url(f"/bookings/{booking_id}/credit-notes"), headers=centre.headers)).json()
    assert notes["total"] == 1
    [note] = notes["items"]
    assert note["number"] == "CN-00001" and note["totalAmount"] == 49500
    assert note["netAmount"] + note["vatAmount"] == note["totalAmount"]
    pdf = await api.get(centre.url(f"/bookings/{booking_id}/credit-notes/{note['id']}"), headers=centre.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and 'filename="CN-00001.pdf"' in pdf.headers["content-disposition"]
    [invoice] = (await api.get(centre.url("/invoices"), headers=centre.headers)).json()["items"]
    assert (invoice["status"], invoice["creditedAmount"], invoice["totalAmount"]) == ("CREDITED", 49500, 49500)
    missing = await api.get(centre.url(f"/bookings/{booking_id}/credit-notes/not-a-note"), headers=centre.headers)
    assert missing.status_code == 404
