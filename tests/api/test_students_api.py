"""The students API: adding, listing, searching and reading, with roles and centre isolation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from models import AuditEntry, Customer, StaffRole
from tests.api.conftest import Centre, add_token
from trainhub_ui.db import Database

JAMIE = {"firstName": "Jamie", "lastName": "Wilson", "email": "student@bristolgas.example"}
GARETH = {
    "firstName": "Gareth",
    "lastName": "Jones",
    "email": "Gareth.Jones@Example.co.uk",
    "phone": "07700 900112",
    "companyName": "Severn Heating Ltd",
    "billingEmail": "accounts@severnheating.example.co.uk",
    "poNumber": "SH-2291",
}
STUDENT_KEYS = {
    "id",
    "firstName",
    "lastName",
    "email",
    "phone",
    "companyName",
    "billingEmail",
    "poNumber",
    "createdAt",
    "hasAccount",
}


async def _create(api: httpx.AsyncClient, centre: Centre, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(centre.url("/students"), json=body, headers=centre.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_answers_201_with_the_student(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    response = await api.post(centre.url("/students"), json=GARETH, headers=centre.headers)
    assert response.status_code == 201, response.text
    student = response.json()
    assert set(student) == STUDENT_KEYS
    assert student["id"]
    assert student["firstName"] == "Gareth"
    assert student["lastName"] == "Jones"
    assert student["email"] == "gareth.jones@example.co.uk"
    assert student["phone"] == "07700 900112"
    assert student["companyName"] == "Severn Heating Ltd"
    assert student["billingEmail"] == "accounts@severnheating.example.co.uk"
    assert student["poNumber"] == "SH-2291"
    assert student["createdAt"]
    assert student["hasAccount"] is False
    async with db.read() as session:
        stored = await session.get(Customer, student["id"])
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.entity_id == student["id"]))
    assert stored is not None and stored.tenant_id == centre.tenant.id
    assert audit is not None and audit.action == "student.created" and audit.actor == "API token “tests”"

    read = await api.get(centre.url(f"/students/{student['id']}"), headers=centre.headers)
    assert read.status_code == 200
    assert read.json() == student


async def test_optional_fields_default_to_empty(api: httpx.AsyncClient, centre: Centre) -> None:
    student = await _create(api, centre, {**JAMIE, "phone": None, "companyName": None})
    assert (student["phone"], student["companyName"], student["billingEmail"], student["poNumber"]) == ("",) * 4


async def test_a_student_with_a_password_has_an_account_and_the_hash_never_shows(
    api: httpx.AsyncClient, centre: Centre, db: Database
) -> None:
    student = await _create(api, centre, JAMIE)
    async with db.transaction() as session:
        stored = await session.get(Customer, student["id"])
        assert stored is not None
        stored.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$not-a-real-hash"
    read = await api.get(centre.url(f"/students/{student['id']}"), headers=centre.headers)
    listed = await api.get(centre.url("/students"), headers=centre.headers)
    assert read.json()["hasAccount"] is True
    assert listed.json()["items"][0]["hasAccount"] is True
    for text in (read.text, listed.text):
        assert "argon2" not in text and "password" not in text.lower()


@pytest.mark.parametrize("email", ["student@bristolgas.example", "  STUDENT@BristolGas.Example "])
async def test_an_existing_email_answers_409_with_the_existing_id(
    api: httpx.AsyncClient, centre: Centre, email: str
) -> None:
    first = await _create(api, centre, JAMIE)
    again = await api.post(
        centre.url("/students"), json={**JAMIE, "firstName": "J", "email": email}, headers=centre.headers
    )
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "customer_exists"
    assert body["field"] == "email"
    assert body["customerId"] == first["id"]
    assert body["message"]
    listed = await api.get(centre.url("/students"), headers=centre.headers)
    assert listed.json()["total"] == 1


async def test_the_same_email_at_another_centre_is_a_new_student(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre
) -> None:
    here = await _create(api, centre, JAMIE)
    there = await _create(api, other_centre, JAMIE)
    assert here["id"] != there["id"]


async def _create_many(api: httpx.AsyncClient, centre: Centre) -> None:
    for first, last, email, company in [
        ("Jamie", "Wilson", "student@bristolgas.example", ""),
        ("Gareth", "Jones", "gareth.jones@example.co.uk", "Severn Heating Ltd"),
        ("Daniel", "Price", "dan@avonplumbing.example.co.uk", "Avon Plumbing & Gas Ltd"),
        ("Emma", "Hughes", "emma.hughes@example.co.uk", ""),
        ("Chloe", "Evans", "chloe.evans@example.com", ""),
    ]:
        await _create(api, centre, {"firstName": first, "lastName": last, "email": email, "companyName": company})


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", ["Chloe", "Emma", "Gareth", "Daniel", "Jamie"]),
        ("gareth", ["Gareth"]),
        ("HUGHES", ["Emma"]),
        ("jamie wilson", ["Jamie"]),
        ("Daniel Price", ["Daniel"]),
        ("chloe.evans@", ["Chloe"]),
        ("example.co.uk", ["Emma", "Gareth", "Daniel"]),
        ("severn", ["Gareth"]),
        ("Plumbing & Gas", ["Daniel"]),
        ("zzz", []),
    ],
)
async def test_search(api: httpx.AsyncClient, centre: Centre, q: str, expected: list[str]) -> None:
    await _create_many(api, centre)
    response = await api.get(centre.url("/students"), params={"q": q}, headers=centre.headers)
    assert response.status_code == 200
    body = response.json()
    assert [item["firstName"] for item in body["items"]] == expected
    assert body["total"] == len(expected)
    assert all(set(item) == STUDENT_KEYS for item in body["items"])


async def test_pagination(api: httpx.AsyncClient, centre: Centre) -> None:
    await _create_many(api, centre)
    pages = []
    for offset in (0, 2, 4, 6):
        response = await api.get(centre.url("/students"), params={"limit": 2, "offset": offset}, headers=centre.headers)
        assert response.status_code == 200
        pages.append(response.json())
    assert [[item["firstName"] for item in page["items"]] for page in pages] == [
        ["Chloe", "Emma"],
        ["Gareth", "Daniel"],
        ["Jamie"],
        [],
    ]
    assert {page["total"] for page in pages} == {5}
    searched = await api.get(
        centre.url("/students"), params={"q": "example.co.uk", "limit": 1, "offset": 1}, headers=centre.headers
    )
    assert searched.json()["total"] == 3
    assert [item["firstName"] for item in searched.json()["items"]] == ["Gareth"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_list_parameters_answer_422_naming_them(
    api: httpx.AsyncClient, centre: Centre, params: dict[str, Any], field: str
) -> None:
    response = await api.get(centre.url("/students"), params=params, headers=centre.headers)
    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_limit_200_is_allowed(api: httpx.AsyncClient, centre: Centre) -> None:
    response = await api.get(centre.url("/students"), params={"limit": 200}, headers=centre.headers)
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0}


async def test_students_are_never_public(api: httpx.AsyncClient, centre: Centre) -> None:
    student = await _create(api, centre, JAMIE)
    bad_token = {"Authorization": "Bearer thk_not-a-real-token"}
    for headers in ({}, bad_token):
        assert (await api.get(centre.url("/students"), headers=headers)).status_code == 401
        assert (await api.get(centre.url(f"/students/{student['id']}"), headers=headers)).status_code == 401
        created = await api.post(centre.url("/students"), json=GARETH, headers=headers)
        assert created.status_code == 401
        assert created.json()["code"] == "unauthorised"


async def test_another_centres_token_gets_404(api: httpx.AsyncClient, centre: Centre, other_centre: Centre) -> None:
    student = await _create(api, centre, JAMIE)
    theirs = other_centre.headers
    assert (await api.get(centre.url("/students"), headers=theirs)).status_code == 404
    assert (await api.get(centre.url(f"/students/{student['id']}"), headers=theirs)).status_code == 404
    assert (await api.post(centre.url("/students"), json=GARETH, headers=theirs)).status_code == 404
    listed = await api.get(centre.url("/students"), headers=centre.headers)
    assert listed.json()["total"] == 1


async def test_another_centres_student_id_is_not_found_here(
    api: httpx.AsyncClient, centre: Centre, other_centre: Centre
) -> None:
    theirs = await _create(api, other_centre, JAMIE)
    response = await api.get(centre.url(f"/students/{theirs['id']}"), headers=centre.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    unknown = await api.get(centre.url("/students/00000000-0000-0000-0000-000000000000"), headers=centre.headers)
    assert unknown.status_code == 404
    assert (await api.get(centre.url("/students"), headers=centre.headers)).json()["total"] == 0


async def test_unknown_centre_answers_404(api: httpx.AsyncClient, centre: Centre) -> None:
    response = await api.get("/api/tenant/no-such-centre/students", headers=centre.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.ADMIN, StaffRole.OWNER])
async def test_staff_and_above_may_add(api: httpx.AsyncClient, centre: Centre, db: Database, role: StaffRole) -> None:
    headers = await add_token(db, centre, role)
    response = await api.post(centre.url("/students"), json=JAMIE, headers=headers)
    assert response.status_code == 201


async def test_an_instructor_may_neither_read_nor_add(api: httpx.AsyncClient, centre: Centre, db: Database) -> None:
    """As an instructor's sign-in, which opens no students page."""
    student = await _create(api, centre, JAMIE)
    instructor = await add_token(db, centre, StaffRole.INSTRUCTOR)
    refused = await api.post(centre.url("/students"), json=GARETH, headers=instructor)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert (await api.get(centre.url("/students"), headers=instructor)).status_code == 403
    assert (await api.get(centre.url(f"/students/{student['id']}"), headers=instructor)).status_code == 403


LONG = "x" * 10_001


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**JAMIE, "firstName": 42}, "firstName"),
        ({**JAMIE, "lastName": ["Wilson"]}, "lastName"),
        ({**JAMIE, "email": {"address": "a@b.co"}}, "email"),
        ({**JAMIE, "phone": 7700900101}, "phone"),
        ({**JAMIE, "companyName": True}, "companyName"),
        ({**JAMIE, "password": "secret-secret"}, "password"),
        ({**JAMIE, "id": "chosen-by-the-client"}, "id"),
        ({"lastName": "Wilson", "email": "a@example.com"}, "firstName"),
        ({"firstName": "Jamie", "email": "a@example.com"}, "lastName"),
        ({"firstName": "Jamie", "lastName": "Wilson"}, "email"),
        ({**JAMIE, "firstName": "   "}, "firstName"),
        ({**JAMIE, "email": "not-an-email"}, "email"),
        ({**JAMIE, "email": "two@at@example.com"}, "email"),
        ({**JAMIE, "billingEmail": "accounts"}, "billingEmail"),
        ({**JAMIE, "firstName": LONG}, "firstName"),
        ({**JAMIE, "lastName": LONG}, "lastName"),
        ({**JAMIE, "email": LONG}, "email"),
        ({**JAMIE, "phone": LONG}, "phone"),
        ({**JAMIE, "companyName": LONG}, "companyName"),
        ({**JAMIE, "billingEmail": LONG}, "billingEmail"),
        ({**JAMIE, "poNumber": LONG}, "poNumber"),
        ({**JAMIE, "firstName": "x" * 101}, "firstName"),
        ({**JAMIE, "phone": "7" * 51}, "phone"),
    ],
)
async def test_bad_bodies_answer_422_naming_the_field(
    api: httpx.AsyncClient, centre: Centre, body: dict[str, Any], field: str
) -> None:
    response = await api.post(centre.url("/students"), json=body, headers=centre.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == field
    assert (await api.get(centre.url("/students"), headers=centre.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    "content",
    [b'{"firstName": "Jamie", "lastName": ', b"not json at all", b"", b"[]", b'"Jamie"', b"null", b"\xff\xfe"],
)
async def test_malformed_bodies_answer_422(api: httpx.AsyncClient, centre: Centre, content: bytes) -> None:
    headers = {**centre.headers, "Content-Type": "application/json"}
    response = await api.post(centre.url("/students"), content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"
    assert (await api.get(centre.url("/students"), headers=centre.headers)).json()["total"] == 0
