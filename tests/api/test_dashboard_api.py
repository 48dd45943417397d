"""The dashboard API: every figure of a small centre, isolation from a neighbour, zeros, and who may ask."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from models import BookingStatus, PaymentOption, PaymentStatus, StaffRole, Tenant, WaitingListStatus
from tests.api.conftest import Centre, add_token
from tests.unit.test_dashboard import CentreBuilder
from trainhub_ui.db import Database

ALL_STATUSES = ("PENDING", "CONFIRMED", "CANCELLED", "EXPIRED")


def _today(tenant: Tenant) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(tenant.timezone)).date()


async def _build(db: Database, tenant: Tenant) -> dict[str, Any]:
    """A small centre around today; answers what its dashboard must say, apart from `asOf`."""
    today = _today(tenant)
    async with db.transaction() as session:
        b = CentreBuilder(session, tenant)
        ccn1 = await b.course("ACS CCN1", 50000)
        await b.course("Retired course", 10000, active=False)
        run = await b.session_of(ccn1, today - timedelta(days=30), days=3, spots=10, booked=2, completed=True)
        await b.session_of(ccn1, today - timedelta(days=10), spots=10, booked=1)
        soon = await b.session_of(ccn1, today + timedelta(days=10), days=3, spots=10, booked=3)
        later = await b.session_of(ccn1, today + timedelta(days=20), at=time(9, 30), spots=6, booked=6)
        await b.session_of(ccn1, today + timedelta(days=30), spots=12, cancelled=True)

        paid = await b.booking(soon, BookingStatus.CONFIRMED, 50000, paid=50000)
        await b.payment(paid, PaymentStatus.PAID, 50000)
        deposit = await b.booking(
            soon, BookingStatus.CONFIRMED, 50000, option=PaymentOption.DEPOSIT, deposit=15000, paid=15000, balance=35000
        )
        await b.payment(deposit, PaymentStatus.PAID, 15000)
        await b.booking(later, BookingStatus.PENDING, 50000, balance=50000)
        cancelled = await b.booking(run, BookingStatus.CANCELLED, 50000)
        await b.payment(cancelled, PaymentStatus.REFUNDED, 50000, refunded=20000)
        expired = await b.booking(later, BookingStatus.EXPIRED, 50000, balance=50000)
        await b.payment(expired, PaymentStatus.FAILED, 50000)
        await b.waiting(later, WaitingListStatus.WAITING)
        await b.waiting(later, WaitingListStatus.OFFERED)
        await b.waiting(later, WaitingListStatus.DECLINED)

    def shown(item: Any) -> dict[str, Any]:
        return {
            "id": item.id,
            "courseId": ccn1.id,
            "courseTitle": "ACS CCN1",
            "startDate": item.start_date.isoformat(),
            "startTime": item.start_time.strftime("%H:%M"),
            "bookedSpots": item.booked_spots,
            "availableSpots": item.available_spots,
        }

    return {
        "currency": "GBP",
        "courses": {"total": 2, "active": 1},
        "sessions": {"upcoming": 2, "completed": 1, "total": 5},
        "bookings": {
            "byStatus": {"PENDING": 1, "CONFIRMED": 2, "CANCELLED": 1, "EXPIRED": 1},
            "total": 5,
        },
        "waitingList": {"waiting": 1, "offered": 1},
        "revenuePaid": 50000 + 15000 + 30000,
        "amountsOutstanding": 35000 + 50000,
        "refunded": 20000,
        "occupancy": 0.5625,  # 9 of 16 upcoming places
        "bookedPlaces": 9,
        "availablePlaces": 16,
        "completionRate": 0.5,
        "upcomingSessions": [shown(soon), shown(later)],
    }


async def _dashboard(api: httpx.AsyncClient, centre: Centre, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await api.get(centre.url("/dashboard"), headers=headers or centre.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    as_of = datetime.fromisoformat(body.pop("asOf"))
    assert abs(datetime.now(UTC) - as_of) < timedelta(minutes=1)
    return body


async def test_every_figure(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    expected = await _build(db, centre.tenant)
    assert await _dashboard(api, centre) == expected


async def test_a_neighbours_rows_never_count(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre, db: Database
) -> None:
    expected = await _build(db, centre.tenant)
    theirs = await _build(db, other_centre.tenant)
    async with db.transaction() as session:
        more = CentreBuilder(session, other_centre.tenant)
        extra = await more.course("Heat Pumps", 75000)
        item = await more.session_of(extra, _today(other_centre.tenant) + timedelta(days=5), spots=8, booked=8)
        booking = await more.booking(item, BookingStatus.CONFIRMED, 75000, paid=75000)
        await more.payment(booking, PaymentStatus.PAID, 75000)
    assert await _dashboard(api, centre) == expected
    neighbour = await _dashboard(api, other_centre)
    assert neighbour["revenuePaid"] == theirs["revenuePaid"] + 75000
    assert neighbour["bookings"]["byStatus"]["CONFIRMED"] == 3
    assert neighbour["upcomingSessions"][0]["courseTitle"] == "Heat Pumps"


async def test_an_empty_centre_answers_zeros(api: httpx.AsyncClient, centre: Centre, other_centre: Centre) -> None:
    assert await _dashboard(api, centre) == {
        "currency": "GBP",
        "courses": {"total": 0, "active": 0},
        "sessions": {"upcoming": 0, "completed": 0, "total": 0},
        "bookings": {"byStatus": dict.fromkeys(ALL_STATUSES, 0), "total": 0},
        "waitingList": {"waiting": 0, "offered": 0},
        "revenuePaid": 0,
        "amountsOutstanding": 0,
        "refunded": 0,
        "occupancy": 0.0,
        "bookedPlaces": 0,
        "availablePlaces": 0,
        "completionRate": 0.0,
        "upcomingSessions": [],
    }


async def test_no_token_is_401(api: httpx.AsyncClient, centre: Centre) -> None:
    for headers in ({}, {"Authorization": "Bearer thk_wrong"}, {"Authorization": "Basic abc"}):
        response = await api.get(centre.url("/dashboard"), headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorised"


async def test_another_centres_token_is_404(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre, db: Database
) -> None:
    await _build(db, centre.tenant)
    response = await api.get(centre.url("/dashboard"), headers=other_centre.headers)
    assert response.status_code == 404
    assert "revenuePaid" not in response.text
    assert (await api.get("/api/tenant/no-such-centre/dashboard", headers=centre.headers)).status_code == 404


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_every_role_that_sees_the_revenue_may_read_it(
    api: httpx.AsyncClient, centre: Centre, db: Database, role: StaffRole
) -> None:
    headers = await add_token(db, centre, role)
    assert (await _dashboard(api, centre, headers))["currency"] == "GBP"


async def test_an_instructor_token_sees_no_revenue(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    """An instructor's own dashboard shows their sessions, never the centre's money."""
    headers = await add_token(db, centre, StaffRole.INSTRUCTOR)
    refused = await api.get(centre.url("/dashboard"), headers=headers)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
