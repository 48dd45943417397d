"""Tenant isolation of EVERY endpoint under /api/tenant/{slug}, on SQLite and PostgreSQL (rule 7 of the booking engine).

Two centres, A and B, each get a full data set made through the API itself: courses, sessions (one with
places free, one full with a waiting list, one with places on offer), students, bookings, waiting-list entries
and an instructor, so that every path parameter has a real id in each centre. Then, for every route:

(a) A's slug with B's token answers 404, for A's ids and for B's;
(b) A's slug and A's token with B's ids in the path (every combination) answers 404; B's ids in the body answer
    404 (a customer or session that is not there), or 422 naming `instructorId` (checked as a field); B's ids in a
    list filter answer an empty page;
(c) no token answers 401, except the public reads (GET of courses and sessions), which answer 200 without
    `instructorNotes`, and 404 for B's ids;
(d) with A's token on A's slug the call succeeds, and no answer (successes and refusals alike) carries anything of B:
    no id, reference, name, email, title or note. Answers to B's token carry nothing of A.

Nothing of the refused requests changes any row of either centre, and A's successful writes change no row of B.

The route table below must name every route the API has under /api/tenant/: a new endpoint fails
`test_every_tenant_route_has_an_isolation_case` until it gets an isolation case here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from models import Base, StaffRole
from tests.api.conftest import Centre
from trainhub_ui.api import install_api
from trainhub_ui.db import Database
from trainhub_ui.services.accounts import create_staff_user

TENANT_PREFIX = "/api/tenant/"
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
PASSWORD = "correct-horse-battery"
# Written by every authenticated request (at most once a minute), refused or not: not a change of the centre's data.
VOLATILE_COLUMNS = {("api_tokens", "last_used_at")}

Json = dict[str, Any]


def day(days_ahead: int) -> str:
    return (date.today() + timedelta(days=days_ahead)).isoformat()


# --- one centre's data set -------------------------------------------------------------------------


@dataclass
class World:
    """A centre with a full data set; `marks` are the strings that only this centre's data contains."""

    centre: Centre
    label: str
    instructor_id: str = ""
    course_id: str = ""  # has sessions and bookings
    spare_course_id: str = ""  # no sessions: can be deleted
    open_session_id: str = ""  # places free, `booking_id` on it
    other_session_id: str = ""  # same course, places free: where `booking_id` can move
    full_session_id: str = ""  # one place, taken; `waiting_entry_id` waits for it
    offer_session_id: str = ""  # two places, both on offer to the waiting list
    spare_session_id: str = ""  # nobody ever booked: can be deleted
    student_ids: list[str] = field(default_factory=list)
    booking_id: str = ""  # live (CONFIRMED, on invoice), part paid by bank transfer
    payment_id: str = ""  # the bank transfer on `booking_id`
    cancelled_booking_id: str = ""  # on invoice, cancelled unpaid: its invoice has `credit_note_id`
    credit_note_id: str = ""
    waiting_entry_id: str = ""  # WAITING
    accept_entry_id: str = ""  # OFFERED
    decline_entry_id: str = ""  # OFFERED
    references: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    @property
    def student_id(self) -> str:
        return self.student_ids[0]

    @property
    def erasable_student_id(self) -> str:
        """Owes nothing and has no course to come (a cancelled booking, a place on a waiting list)."""
        return self.student_ids[1]

    @property
    def notes(self) -> str:
        return f"{self.label} private instructor note"

    @property
    def marks(self) -> set[str]:
        """Lower-case strings found in this centre's data and nowhere in the other's."""
        tenant = self.centre.tenant
        return {
            *(value.lower() for value in self.ids),
            *(reference.lower() for reference in self.references),
            self.label.lower(),
            tenant.id.lower(),
            tenant.slug,
            tenant.name.lower(),
            f"{self.references[0].split('-')[0].lower()}-",  # every booking reference of the centre starts so
        }


async def _created(api: httpx.AsyncClient, world: World, path: str, body: Json) -> Json:
    answer = await api.post(world.centre.url(path), json=body, headers=world.centre.headers)
    assert answer.status_code == 201, f"set-up POST {path}: {answer.status_code} {answer.text}"
    made = answer.json()
    world.ids.add(made["id"])
    if "reference" in made:
        world.references.append(made["reference"])
    return made


async def build_world(api: httpx.AsyncClient, db: Database, centre: Centre, label: str) -> World:
    """The data set, made through the API (and the accounts service for the instructor, who has no endpoint)."""
    world = World(centre=centre, label=label)
    world.ids.add(centre.tenant.id)
    async with db.transaction() as session:
        instructor = await create_staff_user(
            session,
            centre.tenant,
            email=f"instructor@{label.lower()}.example",
            name=f"{label} Instructor",
            role=StaffRole.INSTRUCTOR,
            password=PASSWORD,
        )
    world.instructor_id = instructor.id
    world.ids.add(instructor.id)

    course = {"title": f"{label} Heat Pump Course", "slug": f"{label.lower()}-heat-pumps", "price": 39900}
    course |= {"category": f"{label} Category", "location": f"{label} Hall", "durationDays": 1}
    world.course_id = (await _created(api, world, "/courses", course))["id"]
    spare = {"title": f"{label} Spare Course", "slug": f"{label.lower()}-spare", "price": 100}
    world.spare_course_id = (await _created(api, world, "/courses", spare))["id"]

    sessions = f"/courses/{world.course_id}/sessions"

    async def new_session(days_ahead: int, spots: int) -> str:
        body = {"startDate": day(days_ahead), "startTime": "09:00", "endTime": "17:00", "availableSpots": spots}
        body |= {"instructorId": world.instructor_id, "instructorNotes": world.notes, "venue": f"{label} Venue"}
        return (await _created(api, world, sessions, body))["id"]

    world.open_session_id = await new_session(30, 10)
    world.other_session_id = await new_session(31, 10)
    world.full_session_id = await new_session(32, 1)
    world.offer_session_id = await new_session(33, 2)
    world.spare_session_id = await new_session(34, 5)

    for n in range(4):
        student = {"firstName": f"{label}first{n}", "lastName": f"{label}last{n}", "email": f"s{n}@{label}.example"}
        student |= {"phone": f"0{n}00 {label}", "companyName": f"{label} Heating Ltd", "poNumber": f"{label}-PO-{n}"}
        world.student_ids.append((await _created(api, world, "/students", student))["id"])

    def booking(student: int, session_id: str) -> Json:
        return {
            "customerId": world.student_ids[student],
            "sessionId": session_id,
            "paymentOption": "INVOICE",
            "billingAddress": "1 Dock Road, Bristol BS1 4AA",
            "specialRequests": f"{label} special request",
        }

    world.booking_id = (await _created(api, world, "/bookings", booking(0, world.open_session_id)))["id"]
    transfer = {"amount": 10000, "note": f"{label} transfer"}
    world.payment_id = (await _created(api, world, f"/bookings/{world.booking_id}/payments", transfer))["id"]
    await _created(api, world, "/bookings", booking(0, world.full_session_id))
    waiting = {"customerId": world.student_ids[1], "sessionId": world.full_session_id}
    world.waiting_entry_id = (await _created(api, world, "/waiting-list", waiting))["id"]

    # Two places on offer: both booked, two people waiting, both bookings cancelled.
    taken = [(await _created(api, world, "/bookings", booking(n, world.offer_session_id)))["id"] for n in (0, 1)]
    entries = []
    for n in (2, 3):
        body = {"customerId": world.student_ids[n], "sessionId": world.offer_session_id}
        entries.append((await _created(api, world, "/waiting-list", body))["id"])
    for booking_id in taken:
        cancel = {"status": "CANCELLED", "cancellationReason": f"{label} cancelled"}
        answer = await api.patch(centre.url(f"/bookings/{booking_id}"), json=cancel, headers=centre.headers)
        assert answer.status_code == 200, answer.text
    world.accept_entry_id, world.decline_entry_id = entries
    world.cancelled_booking_id = taken[0]
    notes = await api.get(centre.url(f"/bookings/{taken[0]}/credit-notes"), headers=centre.headers)
    world.credit_note_id = notes.json()["items"][0]["id"]
    world.ids.add(world.credit_note_id)
    listed = await api.get(centre.url(f"/waiting-list?sessionId={world.offer_session_id}"), headers=centre.headers)
    assert {item["status"] for item in listed.json()["items"]} == {"OFFERED"}, listed.text
    return world


# --- the route table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignBody:
    """A body that names the other centre's ids, and the exact answer it gets under this centre's slug."""

    body: Json
    status: int
    field: str | None = None


@dataclass(frozen=True)
class Case:
    """How to exercise one route of the API.

    `targets` maps each path parameter to the World attribute it takes (the object a successful call acts on);
    `body` is a valid body naming this centre's own objects; `foreign_bodies` bodies naming the other centre's;
    `foreign_queries` list filters naming the other centre's ids (an empty page); `ok` the status of success;
    `shows` World attributes whose ids a successful answer must carry (so the leak check is not vacuous).
    """

    targets: dict[str, str] = field(default_factory=dict)
    public: bool = False
    body: Callable[[World], Json] | None = None
    foreign_bodies: Callable[[World, World], list[ForeignBody]] | None = None
    foreign_queries: Callable[[World], list[Json]] | None = None
    ok: int = 200
    shows: tuple[str, ...] = ()


COURSE = "/api/tenant/{slug}/courses/{courseId}"
SESSION = "/api/tenant/{slug}/courses/{courseId}/sessions/{sessionId}"
ENTRY = "/api/tenant/{slug}/waiting-list/{entry_id}"


def _session_body(world: World) -> Json:
    return {"startDate": day(60), "startTime": "10:00", "endTime": "16:00", "instructorId": world.instructor_id}


def _booking_refs(a: World, b: World) -> list[ForeignBody]:
    """Every mix of the other centre's customer and session with this centre's: the one not found is a 404."""
    mixes = [
        (a.student_ids[3], b.open_session_id),
        (b.student_id, a.open_session_id),
        (b.student_id, b.open_session_id),
    ]
    return [ForeignBody({"customerId": customer, "sessionId": session}, 404) for customer, session in mixes]


def _waiting_refs(a: World, b: World) -> list[ForeignBody]:
    mixes = [
        (a.student_ids[3], b.full_session_id),
        (b.student_ids[2], a.full_session_id),
        (b.student_ids[2], b.full_session_id),
    ]
    return [ForeignBody({"customerId": customer, "sessionId": session}, 404) for customer, session in mixes]


CASES: dict[tuple[str, str], Case] = {
    # courses
    ("GET", "/api/tenant/{slug}/courses"): Case(public=True, shows=("course_id", "spare_course_id")),
    ("POST", "/api/tenant/{slug}/courses"): Case(
        body=lambda w: {"title": f"{w.label} New Course", "price": 12300}, ok=201
    ),
    ("GET", COURSE): Case(targets={"courseId": "course_id"}, public=True, shows=("course_id",)),
    ("PATCH", COURSE): Case(
        targets={"courseId": "course_id"}, body=lambda w: {"summary": f"{w.label} new summary"}, shows=("course_id",)
    ),
    ("DELETE", COURSE): Case(targets={"courseId": "spare_course_id"}, ok=204),
    # sessions
    ("GET", COURSE + "/sessions"): Case(
        targets={"courseId": "course_id"}, public=True, shows=("open_session_id", "spare_session_id")
    ),
    ("POST", COURSE + "/sessions"): Case(
        targets={"courseId": "course_id"},
        body=_session_body,
        foreign_bodies=lambda a, b: [ForeignBody(_session_body(b), 422, "instructorId")],
        ok=201,
        shows=("course_id", "instructor_id"),
    ),
    ("GET", SESSION): Case(
        targets={"courseId": "course_id", "sessionId": "open_session_id"}, public=True, shows=("open_session_id",)
    ),
    ("PATCH", SESSION): Case(
        targets={"courseId": "course_id", "sessionId": "open_session_id"},
        body=lambda w: {"venue": f"{w.label} New Venue", "availableSpots": 11, "instructorId": w.instructor_id},
        foreign_bodies=lambda a, b: [ForeignBody({"instructorId": b.instructor_id}, 422, "instructorId")],
        shows=("open_session_id",),
    ),
    ("DELETE", SESSION): Case(targets={"courseId": "course_id", "sessionId": "spare_session_id"}, ok=204),
    # bookings
    ("GET", "/api/tenant/{slug}/bookings"): Case(
        foreign_queries=lambda b: [
            {"sessionId": b.open_session_id},
            {"customerId": b.student_id},
            {"sessionId": b.offer_session_id, "status": "CANCELLED"},
        ],
        shows=("booking_id",),
    ),
    ("POST", "/api/tenant/{slug}/bookings"): Case(
        body=lambda w: {"customerId": w.student_ids[3], "sessionId": w.open_session_id, "depositPercentage": 0.3},
        foreign_bodies=_booking_refs,
        ok=201,
        shows=("open_session_id",),
    ),
    ("GET", "/api/tenant/{slug}/bookings/{booking_id}"): Case(
        targets={"booking_id": "booking_id"}, shows=("booking_id",)
    ),
    ("PATCH", "/api/tenant/{slug}/bookings/{booking_id}"): Case(
        targets={"booking_id": "booking_id"},
        body=lambda w: {"sessionId": w.other_session_id, "staffNotes": f"{w.label} phoned"},
        foreign_bodies=lambda a, b: [ForeignBody({"sessionId": b.other_session_id}, 404)],
        shows=("booking_id", "other_session_id"),
    ),
    ("GET", "/api/tenant/{slug}/bookings/{booking_id}/payments"): Case(
        targets={"booking_id": "booking_id"}, shows=("booking_id", "payment_id")
    ),
    ("POST", "/api/tenant/{slug}/bookings/{booking_id}/payments"): Case(
        targets={"booking_id": "booking_id"}, body=lambda w: {"amount": 100}, ok=201, shows=("booking_id",)
    ),
    ("GET", "/api/tenant/{slug}/bookings/{booking_id}/invoice"): Case(targets={"booking_id": "booking_id"}),
    ("GET", "/api/tenant/{slug}/invoices"): Case(shows=("booking_id",)),
    ("GET", "/api/tenant/{slug}/bookings/{booking_id}/credit-notes"): Case(
        targets={"booking_id": "cancelled_booking_id"}, shows=("credit_note_id",)
    ),
    ("GET", "/api/tenant/{slug}/bookings/{booking_id}/credit-notes/{credit_note_id}"): Case(
        targets={"booking_id": "cancelled_booking_id", "credit_note_id": "credit_note_id"}
    ),
    ("POST", "/api/tenant/{slug}/bookings/{booking_id}/refunds"): Case(
        targets={"booking_id": "booking_id"}, body=lambda w: {"amount": 50}, ok=201, shows=("payment_id",)
    ),
    # waiting lists
    ("GET", "/api/tenant/{slug}/waiting-list"): Case(
        foreign_queries=lambda b: [{"sessionId": b.full_session_id}, {"sessionId": b.offer_session_id}],
        shows=("waiting_entry_id", "accept_entry_id"),
    ),
    ("POST", "/api/tenant/{slug}/waiting-list"): Case(
        body=lambda w: {"customerId": w.student_ids[3], "sessionId": w.full_session_id},
        foreign_bodies=_waiting_refs,
        ok=201,
        shows=("full_session_id",),
    ),
    ("POST", ENTRY + "/accept"): Case(
        targets={"entry_id": "accept_entry_id"},
        body=lambda w: {"paymentOption": "INVOICE", "billingAddress": "1 Dock Road, Bristol BS1 4AA"},
        ok=201,
        shows=("offer_session_id",),
    ),
    ("POST", ENTRY + "/decline"): Case(targets={"entry_id": "decline_entry_id"}, shows=("decline_entry_id",)),
    ("DELETE", ENTRY): Case(targets={"entry_id": "waiting_entry_id"}, shows=("waiting_entry_id",)),
    # students
    ("GET", "/api/tenant/{slug}/students"): Case(shows=("student_id",)),
    ("POST", "/api/tenant/{slug}/students"): Case(
        body=lambda w: {"firstName": f"{w.label}new", "lastName": "Student", "email": f"new@{w.label}.example"},
        ok=201,
    ),
    ("GET", "/api/tenant/{slug}/students/{customerId}"): Case(
        targets={"customerId": "student_id"}, shows=("student_id",)
    ),
    ("POST", "/api/tenant/{slug}/students/{customerId}/erase"): Case(
        targets={"customerId": "erasable_student_id"},
        body=lambda w: {"reason": f"{w.label} asked by email"},
        shows=("erasable_student_id",),
    ),
    # dashboard
    ("GET", "/api/tenant/{slug}/dashboard"): Case(shows=("open_session_id",)),
}


def tenant_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/tenant/, from the router and from the OpenAPI document."""
    try:  # FastAPI keeps included routers nested; this walks them (older versions list routes flat)
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # pragma: no cover - older FastAPI
        routes = list(app.routes)
    found = set()
    for route in routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods and path.startswith(TENANT_PREFIX):
            found |= {(method, path) for method in methods if method != "HEAD"}
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(TENANT_PREFIX):
            found |= {(method.upper(), path) for method in operations if method.upper() in HTTP_METHODS}
    return found


def _api_app() -> FastAPI:
    app = FastAPI()
    install_api(app)
    return app


def _body_schema(app: FastAPI, operation: Json) -> Json:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = app.openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_tenant_route_has_an_isolation_case() -> None:
    app = _api_app()
    routes = tenant_routes(app)
    missing = sorted(routes - CASES.keys())
    stale = sorted(CASES.keys() - routes)
    assert not missing, f"routes without a tenant-isolation case in {__name__}.CASES: {missing}"
    assert not stale, f"isolation cases for routes the API no longer has: {stale}"
    for (method, path), case in CASES.items():
        params = set(re.findall(r"{(\w+)}", path)) - {"slug"}
        assert params == set(case.targets), f"{method} {path}: targets {sorted(case.targets)} for {sorted(params)}"
        assert not case.public or method == "GET", f"{method} {path}: only reads can be public"
        operation = app.openapi()["paths"][path][method.lower()]
        body_fields = set(_body_schema(app, operation).get("properties", {}))
        if "requestBody" in operation:
            assert case.body is not None, f"{method} {path}: give a valid body to send"
        if any(name.endswith("Id") for name in body_fields):
            assert case.foreign_bodies is not None, f"{method} {path}: body names ids; give foreign_bodies"
        query_ids = [
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p["name"].endswith("Id")
        ]
        if query_ids:
            assert case.foreign_queries is not None, f"{method} {path}: filters on {query_ids}; give foreign_queries"
    public = {key for key, case in CASES.items() if case.public}
    assert public == {
        ("GET", "/api/tenant/{slug}/courses"),
        ("GET", COURSE),
        ("GET", COURSE + "/sessions"),
        ("GET", SESSION),
    }, "the spec makes exactly the course and session reads public"


# --- checking answers and rows ---------------------------------------------------------------------


def url_of(path: str, slug: str, ids: dict[str, str]) -> str:
    url = path.replace("{slug}", slug)
    for name, value in ids.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, url
    return url


def ids_of(world: World, case: Case) -> dict[str, str]:
    return {name: getattr(world, attribute) for name, attribute in case.targets.items()}


def leaked(answer: httpx.Response, other: World) -> list[str]:
    text = answer.text.lower()
    return sorted(mark for mark in other.marks if mark in text)


def body_of(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return {}


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()


async def snapshot(db: Database, tenant_id: str | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (only one centre's when `tenant_id` is given), in a comparable form."""
    rows: dict[str, list[tuple]] = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            columns = [column for column in table.columns if (table.name, column.name) not in VOLATILE_COLUMNS]
            statement = select(*columns)
            if tenant_id is not None:
                owner = table.c.id if table.name == "tenants" else table.c.get("tenant_id")
                if owner is None:
                    continue
                statement = statement.where(owner == tenant_id)
            result = await session.execute(statement)
            rows[table.name] = sorted((tuple(str(value) for value in row) for row in result), key=repr)
    return rows


def differences(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, Any]:
    return {
        table: {"gone": sorted(set(rows) - set(after[table])), "new": sorted(set(after[table]) - set(rows))}
        for table, rows in before.items()
        if rows != after[table]
    }


@dataclass
class Problems:
    """Every failed expectation of one route, reported together."""

    items: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str, answer: httpx.Response | None = None) -> None:
        if not condition:
            detail = f" -> {answer.status_code} {answer.text[:300]}" if answer is not None else ""
            self.items.append(f"{what}{detail}")


def describe(method: str, url: str, body: Json | None, query: Json | None = None) -> str:
    parts = [method, url]
    if query:
        parts.append(f"?{query}")
    if body is not None:
        parts.append(json.dumps(body))
    return " ".join(parts)


# --- the test of every route -----------------------------------------------------------------------


@pytest.fixture
async def worlds(api: httpx.AsyncClient, db: Database, centre: Centre, other_centre: Centre) -> tuple[World, World]:
    a = await build_world(api, db, centre, "Albion")
    b = await build_world(api, db, other_centre, "Quixote")
    assert not a.marks & b.marks
    return a, b


@pytest.mark.parametrize(
    ("method", "path"), sorted(CASES), ids=[f"{m} {p[len(TENANT_PREFIX) :]}" for m, p in sorted(CASES)]
)
async def test_route_is_isolated(
    method: str, path: str, api: httpx.AsyncClient, db: Database, worlds: tuple[World, World]
) -> None:
    a, b = worlds
    case = CASES[(method, path)]
    problems = Problems()

    async def call(
        slug: str, ids: dict[str, str], headers: dict[str, str], body: Json | None, query: Json | None = None
    ) -> tuple[str, httpx.Response]:
        url = url_of(path, slug, ids)
        answer = await api.request(method, url, json=body, params=query, headers=headers)
        return describe(method, url, body, query), answer

    own_body = case.body(a) if case.body else None
    everything_before = await snapshot(db)

    # (a) another centre's token: 404, whether the ids are A's or B's; and nothing of A comes back.
    for who, ids in (("A's ids", ids_of(a, case)), ("B's ids", ids_of(b, case))):
        request, answer = await call(a.centre.slug, ids, b.centre.headers, own_body)
        problems.expect(answer.status_code == 404, f"(a) B's token, {who}: {request} should be 404", answer)
        problems.expect(not leaked(answer, a), f"(a) answer to B's token leaks A: {leaked(answer, a)}", answer)

    # (b) A's token, B's ids in the path, in every combination.
    for choice in itertools.product((a, b), repeat=len(case.targets)):
        if all(world is a for world in choice):
            continue
        ids = {name: getattr(world, case.targets[name]) for name, world in zip(case.targets, choice, strict=True)}
        request, answer = await call(a.centre.slug, ids, a.centre.headers, own_body)
        problems.expect(answer.status_code == 404, f"(b) B's id in the path: {request} should be 404", answer)
        problems.expect(body_of(answer).get("code") == "not_found", f"(b) {request}: code not_found", answer)
        problems.expect(not leaked(answer, b), f"(b) {request} leaks B: {leaked(answer, b)}", answer)

    # (b) A's token, A's path, B's ids in the body.
    for foreign in case.foreign_bodies(a, b) if case.foreign_bodies else []:
        request, answer = await call(a.centre.slug, ids_of(a, case), a.centre.headers, foreign.body)
        problems.expect(answer.status_code == foreign.status, f"(b) {request} should be {foreign.status}", answer)
        if answer.status_code == foreign.status:
            problems.expect(
                body_of(answer).get("field") == foreign.field, f"(b) {request}: field {foreign.field}", answer
            )
        problems.expect(not leaked(answer, b), f"(b) {request} leaks B: {leaked(answer, b)}", answer)

    # (b) A's token, B's ids in a list filter: an empty page.
    for query in case.foreign_queries(b) if case.foreign_queries else []:
        request, answer = await call(a.centre.slug, {}, a.centre.headers, None, query)
        problems.expect(answer.status_code == 200, f"(b) {request} should be 200", answer)
        if answer.status_code == 200:
            problems.expect(body_of(answer) == {"items": [], "total": 0}, f"(b) {request}: an empty page", answer)

    # (c) no token: 401, except the public reads, which show public fields only and 404 for B's ids.
    request, answer = await call(a.centre.slug, ids_of(a, case), {}, own_body)
    if case.public:
        problems.expect(answer.status_code == 200, f"(c) public read {request} should be 200", answer)
        if answer.status_code == 200:
            problems.expect(
                "instructorNotes" not in keys_in(body_of(answer)), f"(c) {request}: instructorNotes", answer
            )
            problems.expect(a.notes.lower() not in answer.text.lower(), f"(c) {request}: shows the notes", answer)
        problems.expect(not leaked(answer, b), f"(c) {request} leaks B: {leaked(answer, b)}", answer)
        for choice in itertools.product((a, b), repeat=len(case.targets)):
            if all(world is a for world in choice):
                continue
            ids = {name: getattr(world, case.targets[name]) for name, world in zip(case.targets, choice, strict=True)}
            request, answer = await call(a.centre.slug, ids, {}, None)
            problems.expect(answer.status_code == 404, f"(c) public read, B's id: {request} should be 404", answer)
            problems.expect(not leaked(answer, b), f"(c) {request} leaks B: {leaked(answer, b)}", answer)
    else:
        problems.expect(answer.status_code == 401, f"(c) no token: {request} should be 401", answer)
        problems.expect(not leaked(answer, a), f"(c) 401 leaks A: {leaked(answer, a)}", answer)

    # Nothing refused above changed a row, of either centre.
    changed = differences(everything_before, await snapshot(db))
    problems.expect(not changed, f"refused requests changed rows: {changed}")

    # (d) A's token on A's slug: success, with nothing of B in the answer.
    b_before = await snapshot(db, b.centre.tenant.id)
    request, answer = await call(a.centre.slug, ids_of(a, case), a.centre.headers, own_body)
    problems.expect(answer.status_code == case.ok, f"(d) {request} should be {case.ok}", answer)
    problems.expect(not leaked(answer, b), f"(d) {request} leaks B: {leaked(answer, b)}", answer)
    if isinstance(page := body_of(answer), dict) and "items" in page:  # a total that counts B's rows shows here
        problems.expect(page["total"] == len(page["items"]), f"(d) {request}: total is not the items'", answer)
    for attribute in case.shows:
        shown = getattr(a, attribute)
        problems.expect(shown in answer.text, f"(d) {request} should show A's {attribute} {shown}", answer)
    if method == "GET" and "{courseId}/sessions" in path and answer.status_code == 200:
        problems.expect("instructorNotes" in answer.text, f"(d) {request}: A's token sees instructor notes", answer)
    changed = differences(b_before, await snapshot(db, b.centre.tenant.id))
    problems.expect(not changed, f"(d) {request} changed B's rows: {changed}")

    assert not problems.items, f"{method} {path}:\n" + "\n".join(problems.items)
