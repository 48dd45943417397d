"""The courses and sessions API over HTTP, on SQLite and PostgreSQL: answers, access, isolation, bad input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from models import AuditEntry, Booking, BookingStatus, CourseSession, PaymentOption, StaffRole, StaffUser
from tests import factories
from tests.api.conftest import Centre, add_token
from trainhub_ui.db import Database, set_publisher
from trainhub_ui.domain import signals

COURSE = {"title": "ACS CCN1 Core Gas Safety", "price": 49500, "durationDays": 3, "location": "Bristol"}


def day(days_ahead: int) -> str:
    return (date.today() + timedelta(days=days_ahead)).isoformat()


def reference_session_body() -> dict[str, Any]:
    """The reference flow's curl body, moved into the future."""
    return {
        "startDate": day(40),
        "endDate": day(42),
        "startTime": "09:00",
        "endTime": "17:00",
        "availableSpots": 12,
        "instructorNotes": "Bring safety equipment",
    }


async def make_course(api: httpx.AsyncClient, centre: Centre, **fields: Any) -> dict[str, Any]:
    answer = await api.post(centre.url("/courses"), json={**COURSE, **fields}, headers=centre.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def make_session(api: httpx.AsyncClient, centre: Centre, course_id: str, **fields: Any) -> dict[str, Any]:
    body = {**reference_session_body(), **fields}
    answer = await api.post(centre.url(f"/courses/{course_id}/sessions"), json=body, headers=centre.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def add_booking(db: Database, centre: Centre, session_id: str, status: BookingStatus) -> None:
    async with db.transaction() as session:
        student = await factories.customer(session, centre.tenant)
        session.add(
            Booking(
                tenant_id=centre.tenant.id,
                reference="BGT-7K3QX",
                session_id=session_id,
                customer_id=student.id,
                status=status,
                payment_option=PaymentOption.FULL,
                currency="GBP",
                total_amount=49500,
                balance_due=49500,
            )
        )


# --- happy paths ---------------------------------------------------------------------------------


async def test_course_create_read_update_delete(api: httpx.AsyncClient, centre: Centre) -> None:
    created = await make_course(api, centre, category="Gas", certificateValidityMonths=60)
    assert created["id"]
    assert created["slug"] == "acs-ccn1-core-gas-safety"
    assert (created["price"], created["currency"], created["defaultCapacity"]) == (49500, "GBP", 12)
    assert created["certificateValidityMonths"] == 60 and created["isActive"] is True

    url = centre.url(f"/courses/{created['id']}")
    assert (await api.get(url)).json() == created
    changed = await api.patch(url, json={"price": 52000, "summary": "Five-yearly reassessment"}, headers=centre.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**created, "price": 52000, "summary": "Five-yearly reassessment"}
    cleared = await api.patch(url, json={"certificateValidityMonths": None}, headers=centre.headers)
    assert cleared.json()["certificateValidityMonths"] is None

    listed = await api.get(centre.url("/courses"))
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["price"] == 52000

    deleted = await api.delete(url, headers=centre.headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await api.get(url, headers=centre.headers)).status_code == 404


async def test_reference_flow_session_body(api: httpx.AsyncClient, centre: Centre) -> None:
    course = await make_course(api, centre)
    body = reference_session_body()
    answer = await api.post(centre.url(f"/courses/{course['id']}/sessions"), json=body, headers=centre.headers)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["id"] and created["courseId"] == course["id"]
    assert {key: created[key] for key in body} == body
    assert (created["bookedSpots"], created["remainingSpots"]) == (0, 12)
    assert (created["isActive"], created["isCompleted"], created["venue"]) == (True, False, "Bristol")
    assert created["instructor"] is None and created["instructorId"] is None
    assert created["startsAt"].startswith(body["startDate"][:4])

    url = centre.url(f"/courses/{course['id']}/sessions/{created['id']}")
    staff_view = (await api.get(url, headers=centre.headers)).json()
    assert staff_view == created
    public_view = (await api.get(url)).json()
    assert "instructorNotes" not in public_view
    assert public_view == {key: value for key, value in created.items() if key != "instructorNotes"}


async def test_session_defaults_come_from_the_course(api: httpx.AsyncClient, centre: Centre) -> None:
    course = await make_course(api, centre, durationDays=2, defaultCapacity=8, location="Avonmouth")
    answer = await api.post(
        centre.url(f"/courses/{course['id']}/sessions"),
        json={"startDate": day(20), "startTime": "09:30:00", "endTime": "16:00"},
        headers=centre.headers,
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["endDate"], created["availableSpots"], created["venue"]) == (day(21), 8, "Avonmouth")
    assert (created["startTime"], created["endTime"], created["instructorNotes"]) == ("09:30", "16:00", "")


async def test_session_update_and_delete(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    async with db.transaction() as session:
        await factories.staff(session, centre.tenant, StaffRole.INSTRUCTOR)
        instructor = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == centre.tenant.id))
    assert instructor is not None
    course = await make_course(api, centre)
    created = await make_session(api, centre, course["id"])
    url = centre.url(f"/courses/{course['id']}/sessions/{created['id']}")

    answer = await api.patch(
        url, json={"availableSpots": 14, "instructorId": instructor.id, "isActive": False}, headers=centre.headers
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["availableSpots"], changed["remainingSpots"], changed["isActive"]) == (14, 14, False)
    assert (changed["instructorId"], changed["instructor"]) == (instructor.id, instructor.name)
    assert changed["startDate"] == created["startDate"]
    unassigned = await api.patch(url, json={"instructorId": None}, headers=centre.headers)
    assert unassigned.json()["instructor"] is None

    deleted = await api.delete(url, headers=centre.headers)
    assert deleted.status_code == 204
    assert (await api.get(url, headers=centre.headers)).status_code == 404


# --- what the public sees --------------------------------------------------------------------------


async def test_public_sees_active_courses_and_sessions_without_notes(api: httpx.AsyncClient, centre: Centre) -> None:
    shown = await make_course(api, centre, title="Shown")
    hidden = await make_course(api, centre, title="Hidden", isActive=False)
    open_session = await make_session(api, centre, shown["id"])
    closed = await make_session(api, centre, shown["id"], isActive=False)
    await make_session(api, centre, hidden["id"])

    courses = (await api.get(centre.url("/courses"))).json()
    assert courses["total"] == 1 and [c["id"] for c in courses["items"]] == [shown["id"]]
    assert (await api.get(centre.url("/courses"), params={"active": "false"})).json()["total"] == 1
    assert (await api.get(centre.url(f"/courses/{hidden['id']}"))).status_code == 404
    assert (await api.get(centre.url(f"/courses/{hidden['id']}/sessions"))).status_code == 404

    sessions = (await api.get(centre.url(f"/courses/{shown['id']}/sessions"))).json()
    assert sessions["total"] == 1 and sessions["items"][0]["id"] == open_session["id"]
    assert all("instructorNotes" not in item for item in sessions["items"])
    assert (await api.get(centre.url(f"/courses/{shown['id']}/sessions/{closed['id']}"))).status_code == 404

    staff_courses = (await api.get(centre.url("/courses"), headers=centre.headers)).json()
    assert staff_courses["total"] == 2
    inactive = (await api.get(centre.url("/courses"), params={"active": "false"}, headers=centre.headers)).json()
    assert [c["id"] for c in inactive["items"]] == [hidden["id"]]
    staff_sessions = (await api.get(centre.url(f"/courses/{shown['id']}/sessions"), headers=centre.headers)).json()
    assert staff_sessions["total"] == 2
    assert all(item["instructorNotes"] == "Bring safety equipment" for item in staff_sessions["items"])


async def test_lists_page_and_filter(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    for number in range(3):
        await make_course(api, centre, title=f"Gas {number}", category="Gas")
    await make_course(api, centre, title="Heat pump install", category="Heat pumps")
    page = (await api.get(centre.url("/courses"), params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 4 and [c["title"] for c in page["items"]] == ["Gas 1", "Gas 2"]
    by_category = (await api.get(centre.url("/courses"), params={"category": "Heat pumps"})).json()
    assert [c["title"] for c in by_category["items"]] == ["Heat pump install"]
    by_text = (await api.get(centre.url("/courses"), params={"q": "gas"})).json()
    assert by_text["total"] == 3

    course_id = page["items"][0]["id"]
    starts = [await make_session(api, centre, course_id, startDate=day(d), endDate=day(d)) for d in (10, 20, 30)]
    async with db.transaction() as session:  # one that ended last week
        await session.execute(
            update(CourseSession)
            .where(CourseSession.id == starts[0]["id"])
            .values(start_date=date.today() - timedelta(days=8), end_date=date.today() - timedelta(days=7))
        )
    url = centre.url(f"/courses/{course_id}/sessions")
    upcoming = (await api.get(url)).json()
    assert [s["id"] for s in upcoming["items"]] == [starts[1]["id"], starts[2]["id"]]
    with_past = (await api.get(url, params={"includePast": "true"})).json()
    assert with_past["total"] == 3 and with_past["items"][0]["id"] == starts[0]["id"]
    window = (await api.get(url, params={"from": day(15), "to": day(25)})).json()
    assert [s["id"] for s in window["items"]] == [starts[1]["id"]]
    paged = (await api.get(url, params={"limit": 1, "offset": 1})).json()
    assert paged["total"] == 2 and [s["id"] for s in paged["items"]] == [starts[2]["id"]]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/courses", {"limit": 0}, "limit"),
        ("/courses", {"limit": 201}, "limit"),
        ("/courses", {"offset": -1}, "offset"),
        ("/courses", {"limit": "ten"}, "limit"),
        ("/courses", {"active": "maybe"}, "active"),
        ("/courses", {"q": "x" * 201}, "q"),
        ("/courses", {"q": "gas\x00"}, "q"),
        ("/courses/{course}/sessions", {"from": "2025-02-30"}, "from"),
        ("/courses/{course}/sessions", {"to": "soon"}, "to"),
        ("/courses/{course}/sessions", {"includePast": "sometimes"}, "includePast"),
    ],
)
async def test_bad_list_queries_name_the_parameter(
    api: httpx.AsyncClient, centre: Centre, path: str, params: dict[str, Any], field: str
) -> None:
    course = await make_course(api, centre)
    answer = await api.get(centre.url(path.format(course=course["id"])), params=params, headers=centre.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


# --- who may do what -------------------------------------------------------------------------------


async def _targets(api: httpx.AsyncClient, centre: Centre) -> tuple[str, str]:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    return f"/courses/{course['id']}", f"/courses/{course['id']}/sessions/{item['id']}"


def _writes(course_path: str, session_path: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", "/courses", COURSE),
        ("PATCH", course_path, {"price": 1}),
        ("POST", f"{course_path}/sessions", reference_session_body()),
        ("PATCH", session_path, {"venue": "Elsewhere"}),
        ("DELETE", session_path, None),
        ("DELETE", course_path, None),
    ]


def _reads(course_path: str, session_path: str) -> list[str]:
    return ["/courses", course_path, f"{course_path}/sessions", session_path]


async def test_writes_need_a_token(api: httpx.AsyncClient, centre: Centre) -> None:
    course_path, session_path = await _targets(api, centre)
    for method, path, body in _writes(course_path, session_path):
        answer = await api.request(method, centre.url(path), json=body)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json()["code"] == "unauthorised"
        wrong = await api.request(method, centre.url(path), json=body, headers={"Authorization": "Bearer thk_nope"})
        assert wrong.status_code == 401, (method, path, wrong.text)


async def test_instructor_token_reads_but_cannot_write(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    course_path, session_path = await _targets(api, centre)
    instructor = await add_token(db, centre, StaffRole.INSTRUCTOR)
    for method, path, body in _writes(course_path, session_path):
        answer = await api.request(method, centre.url(path), json=body, headers=instructor)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["code"] == "forbidden"
    seen = await api.get(centre.url(session_path), headers=instructor)
    assert seen.status_code == 200 and seen.json()["instructorNotes"] == "Bring safety equipment"


async def test_staff_token_may_write(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    staff = await add_token(db, centre, StaffRole.STAFF)
    answer = await api.post(centre.url("/courses"), json=COURSE, headers=staff)
    assert answer.status_code == 201, answer.text


async def test_another_centres_token_finds_nothing_here(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre
) -> None:
    course_path, session_path = await _targets(api, centre)
    for method, path, body in _writes(course_path, session_path):
        answer = await api.request(method, centre.url(path), json=body, headers=other_centre.headers)
        assert answer.status_code == 404, (method, path, answer.text)
    for path in _reads(course_path, session_path):
        answer = await api.get(centre.url(path), headers=other_centre.headers)
        assert answer.status_code == 404, (path, answer.text)
    assert (await api.get(centre.url(course_path), headers=centre.headers)).status_code == 200


async def test_another_centres_ids_are_not_found_here(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre
) -> None:
    await _targets(api, centre)
    their_course_path, their_session_path = await _targets(api, other_centre)
    for method, path, body in _writes(their_course_path, their_session_path)[1:]:
        answer = await api.request(method, centre.url(path), json=body, headers=centre.headers)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["code"] == "not_found"
    for path in _reads(their_course_path, their_session_path)[1:]:
        for headers in (centre.headers, {}):
            answer = await api.get(centre.url(path), headers=headers)
            assert answer.status_code == 404, (path, answer.text)
    # Still there, for their own centre.
    assert (await api.get(other_centre.url(their_session_path), headers=other_centre.headers)).status_code == 200


async def test_session_under_the_wrong_course_is_not_found(api: httpx.AsyncClient, centre: Centre) -> None:
    first = await make_course(api, centre)
    second = await make_course(api, centre)
    item = await make_session(api, centre, first["id"])
    wrong = centre.url(f"/courses/{second['id']}/sessions/{item['id']}")
    assert (await api.get(wrong, headers=centre.headers)).status_code == 404
    assert (await api.patch(wrong, json={"venue": "X"}, headers=centre.headers)).status_code == 404
    assert (await api.delete(wrong, headers=centre.headers)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/courses/no-such-course", "/courses/%00", "/courses/" + "x" * 5000, "/courses/x/sessions/y"]
)
async def test_unknown_ids_are_not_found(api: httpx.AsyncClient, centre: Centre, path: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body = {"venue": "X"} if "sessions" in path else {"price": 1}
        answer = await api.request(method, centre.url(path), json=body if method == "PATCH" else None)
        assert answer.status_code in {401, 404}, answer.text
        answer = await api.request(
            method, centre.url(path), json=body if method == "PATCH" else None, headers=centre.headers
        )
        assert answer.status_code == 404, (method, path, answer.text)


async def test_unknown_centre_is_not_found(api: httpx.AsyncClient, centre: Centre) -> None:
    assert (await api.get("/api/tenant/no-such-centre/courses")).status_code == 404


# --- bad input -----------------------------------------------------------------------------------

LONG = "x" * 10_001
MALFORMED = b'{"title": "ACS", "price": '

COURSE_POST_BAD: list[tuple[Any, str | None]] = [
    (MALFORMED, "*"),
    ([COURSE], None),
    ({**COURSE, "title": 5}, "title"),
    ({**COURSE, "title": LONG}, "title"),
    ({**COURSE, "description": LONG}, "description"),
    ({**COURSE, "colour": "blue"}, "colour"),
    ({**COURSE, "price": -1}, "price"),
    ({**COURSE, "price": 12.5}, "price"),
    ({**COURSE, "price": "12"}, "price"),
    ({**COURSE, "price": 100_000_001}, "price"),
    ({"title": "No price"}, "price"),
    ({**COURSE, "currency": "EUR"}, "currency"),
    ({**COURSE, "durationDays": 0}, "durationDays"),
    ({**COURSE, "durationDays": 1.5}, "durationDays"),
    ({**COURSE, "defaultCapacity": 501}, "defaultCapacity"),
    ({**COURSE, "certificateValidityMonths": 0}, "certificateValidityMonths"),
    ({**COURSE, "isActive": "yes"}, "isActive"),
    ({**COURSE, "slug": "Not a slug!"}, "slug"),
    ({**COURSE, "title": "   "}, "title"),
    ({**COURSE, "location": "Bristol\x00"}, "location"),
]

COURSE_PATCH_BAD: list[tuple[Any, str | None]] = [
    (MALFORMED, "*"),
    ({"title": None}, "title"),
    ({"price": None}, "price"),
    ({"price": -1}, "price"),
    ({"price": 12.5}, "price"),
    ({"price": "12"}, "price"),
    ({"requirements": LONG}, "requirements"),
    ({"currency": "USD"}, "currency"),
    ({"slug": "Bad Slug"}, "slug"),
    ({"id": "new-id"}, "id"),
    ({"defaultCapacity": 0}, "defaultCapacity"),
]

SESSION_POST_BAD: list[tuple[Any, str | None]] = [
    (MALFORMED, "*"),
    ({"startDate": "2025-02-30", "startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startDate": "15/01/2031", "startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startDate": 20310115, "startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startDate": "2025-01-15", "startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startDate": "@40", "startTime": "25:00", "endTime": "17:00"}, "startTime"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "5pm"}, "endTime"),
    ({"startDate": "@40", "endDate": "@39", "startTime": "09:00", "endTime": "17:00"}, "endDate"),
    ({"startDate": "@40", "endDate": "2025-02-30", "startTime": "09:00", "endTime": "17:00"}, "endDate"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "08:00"}, "endTime"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "09:00"}, "endTime"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "availableSpots": 0}, "availableSpots"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "availableSpots": 501}, "availableSpots"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "availableSpots": 12.5}, "availableSpots"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "instructorNotes": LONG}, "instructorNotes"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "instructorId": "nobody"}, "instructorId"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "bookedSpots": 3}, "bookedSpots"),
    ({"startDate": "@40", "startTime": "09:00", "endTime": "17:00", "venue": LONG}, "venue"),
    ({"startDate": "9999-12-31", "startTime": "09:00", "endTime": "17:00"}, "startDate"),
    ({"startDate": "0001-01-01", "startTime": "00:00", "endTime": "17:00"}, "startDate"),
]

SESSION_PATCH_BAD: list[tuple[Any, str | None]] = [
    (MALFORMED, "*"),
    ({"startDate": "2025-02-30"}, "startDate"),
    ({"startDate": "2025-01-15"}, "startDate"),
    ({"startDate": None}, "startDate"),
    ({"endDate": "@1"}, "endDate"),
    ({"endTime": "08:00"}, "endTime"),
    ({"startTime": "17:30"}, "endTime"),
    ({"availableSpots": 0}, "availableSpots"),
    ({"availableSpots": 501}, "availableSpots"),
    ({"availableSpots": "12"}, "availableSpots"),
    ({"bookedSpots": 0}, "bookedSpots"),
    ({"isCompleted": True}, "isCompleted"),
    ({"venue": LONG}, "venue"),
    ({"isActive": None}, "isActive"),
    ({"instructorId": "x" * 65}, "instructorId"),
]


def _relative_dates(body: Any) -> Any:
    """ "@40" in a table above stands for the date 40 days from today."""
    if not isinstance(body, dict):
        return body
    return {
        key: day(int(value[1:])) if isinstance(value, str) and value.startswith("@") else value
        for key, value in body.items()
    }


BAD_BODIES = (
    [("POST", "courses", body, field) for body, field in COURSE_POST_BAD]
    + [("PATCH", "course", body, field) for body, field in COURSE_PATCH_BAD]
    + [("POST", "sessions", body, field) for body, field in SESSION_POST_BAD]
    + [("PATCH", "session", body, field) for body, field in SESSION_PATCH_BAD]
)


@pytest.mark.parametrize(("method", "target", "body", "field"), BAD_BODIES)
async def test_bad_bodies_are_refused_naming_the_field(
    api: httpx.AsyncClient, centre: Centre, method: str, target: str, body: Any, field: str | None
) -> None:
    course_path, session_path = await _targets(api, centre)
    path = {
        "courses": "/courses",
        "course": course_path,
        "sessions": f"{course_path}/sessions",
        "session": session_path,
    }[target]
    headers = {**centre.headers, "Content-Type": "application/json"}
    if isinstance(body, bytes):
        answer = await api.request(method, centre.url(path), content=body, headers=headers)
    else:
        answer = await api.request(method, centre.url(path), json=_relative_dates(body), headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "invalid" and "field" in problem and problem["message"]
    if field != "*":
        assert problem["field"] == field, problem


async def test_nothing_is_written_by_a_refused_request(api: httpx.AsyncClient, centre: Centre) -> None:
    _, session_path = await _targets(api, centre)
    before = (await api.get(centre.url(session_path), headers=centre.headers)).json()
    answer = await api.patch(
        centre.url(session_path), json={"venue": "Moved", "endTime": "08:00"}, headers=centre.headers
    )
    assert answer.status_code == 422
    assert (await api.get(centre.url(session_path), headers=centre.headers)).json() == before


# --- rules that refuse with 409 --------------------------------------------------------------------


async def test_capacity_cannot_go_below_places_taken(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item["id"]).values(booked_spots=9))
    url = centre.url(f"/courses/{course['id']}/sessions/{item['id']}")
    answer = await api.patch(url, json={"availableSpots": 8}, headers=centre.headers)
    assert answer.status_code == 409, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == ("capacity_below_booked", "availableSpots")
    fits = await api.patch(url, json={"availableSpots": 9}, headers=centre.headers)
    assert fits.status_code == 200 and fits.json()["remainingSpots"] == 0


async def test_completed_session_cannot_be_edited(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    async with db.transaction() as session:
        await session.execute(update(CourseSession).where(CourseSession.id == item["id"]).values(is_completed=True))
    url = centre.url(f"/courses/{course['id']}/sessions/{item['id']}")
    answer = await api.patch(url, json={"venue": "Elsewhere"}, headers=centre.headers)
    assert answer.status_code == 409 and answer.json()["code"] == "session_completed"


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.CANCELLED])
async def test_session_and_course_with_bookings_are_not_deleted(
    api: httpx.AsyncClient, centre: Centre, db: Database, status: BookingStatus
) -> None:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    await add_booking(db, centre, item["id"], status)
    session_url = centre.url(f"/courses/{course['id']}/sessions/{item['id']}")
    answer = await api.delete(session_url, headers=centre.headers)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "session_has_bookings"
    assert "deactivate or cancel" in answer.json()["message"]
    answer = await api.delete(centre.url(f"/courses/{course['id']}"), headers=centre.headers)
    assert answer.status_code == 409 and answer.json()["code"] == "course_has_bookings"
    assert (await api.get(session_url, headers=centre.headers)).status_code == 200
    deactivated = await api.patch(session_url, json={"isActive": False}, headers=centre.headers)
    assert deactivated.status_code == 200


async def test_course_slug_taken_is_a_conflict(api: httpx.AsyncClient, centre: Centre) -> None:
    await make_course(api, centre, slug="ccn1")
    second = await make_course(api, centre)
    answer = await api.post(centre.url("/courses"), json={**COURSE, "slug": "ccn1"}, headers=centre.headers)
    assert answer.status_code == 409 and answer.json()["code"] == "course_slug_taken"
    answer = await api.patch(centre.url(f"/courses/{second['id']}"), json={"slug": "ccn1"}, headers=centre.headers)
    assert (answer.status_code, answer.json()["field"]) == (409, "slug")


# --- what a change leaves behind -------------------------------------------------------------------


async def test_schedule_change_is_recorded(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    url = centre.url(f"/courses/{course['id']}/sessions/{item['id']}")
    answer = await api.patch(
        url,
        json={"startDate": day(47), "endDate": day(49), "startTime": "08:30", "venue": "Unit 4"},
        headers=centre.headers,
    )
    assert answer.status_code == 200, answer.text
    async with db.read() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == item["id"], AuditEntry.action == "session.changed")
            )
        )
    assert len(entries) == 1
    assert entries[0].tenant_id == centre.tenant.id and "tests" in entries[0].actor
    assert entries[0].details["changes"] == {
        "start_date": [day(40), day(47)],
        "end_date": [day(42), day(49)],
        "start_time": ["09:00", "08:30"],
        "venue": ["Bristol", "Unit 4"],
    }


async def test_capacity_change_is_published_after_commit(api: httpx.AsyncClient, centre: Centre) -> None:
    course = await make_course(api, centre)
    item = await make_session(api, centre, course["id"])
    url = centre.url(f"/courses/{course['id']}/sessions/{item['id']}")
    published: list[signals.DomainEvent] = []
    set_publisher(published.extend)
    try:
        refused = await api.patch(url, json={"availableSpots": 16, "endTime": "08:00"}, headers=centre.headers)
        assert refused.status_code == 422
        assert published == []  # rolled back: nothing to tell
        answer = await api.patch(url, json={"availableSpots": 16}, headers=centre.headers)
        assert answer.status_code == 200
    finally:
        set_publisher(None)
    assert published == [
        signals.CapacityChanged(
            tenant_id=centre.tenant.id,
            course_id=course["id"],
            session_id=item["id"],
            booked_spots=0,
            available_spots=16,
        )
    ]
