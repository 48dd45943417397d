"""Adding, finding and searching students, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Customer, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.services.students import (
    CustomerExists,
    NewStudent,
    add_student,
    get_student,
    search_students,
    update_student,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _ctx(tenant: Tenant) -> TenantContext:
    return TenantContext(tenant=tenant, actor="Priya Shah", clock=lambda: NOW)


async def _centre(db: Database, slug: str = "test-centre") -> Tenant:
    async with db.transaction() as session:
        return await factories.centre(session, slug)


async def _add(db: Database, tenant: Tenant, **fields: str) -> Customer:
    details = {"first_name": "Jamie", "last_name": "Wilson", "email": "jamie@example.com", **fields}
    async with db.transaction() as session:
        return await add_student(session, _ctx(tenant), NewStudent(**details))


async def test_adds_a_cleaned_student_without_a_password_and_audits_it(db: Database) -> None:
    tenant = await _centre(db)
    customer = await _add(
        db,
        tenant,
        first_name="  Gareth ",
        last_name=" Jones",
        email="  Gareth.Jones@Example.CO.UK ",
        phone=" 07700 900112 ",
        company_name="Severn Heating Ltd ",
        billing_email=" Accounts@SevernHeating.example.co.uk",
        po_number=" SH-2291 ",
    )
    async with db.read() as session:
        stored = await session.get(Customer, customer.id)
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.entity_id == customer.id))
    assert stored is not None
    assert (stored.first_name, stored.last_name, stored.email) == ("Gareth", "Jones", "gareth.jones@example.co.uk")
    assert (stored.phone, stored.company_name, stored.po_number) == ("07700 900112", "Severn Heating Ltd", "SH-2291")
    assert stored.billing_email == "accounts@severnheating.example.co.uk"
    assert stored.password_hash is None
    assert stored.tenant_id == tenant.id
    assert stored.created_at == NOW
    assert audit is not None
    assert (audit.action, audit.entity_type, audit.actor, audit.tenant_id) == (
        "student.created",
        "customer",
        "Priya Shah",
        tenant.id,
    )


async def test_an_email_already_at_the_centre_is_refused_with_the_existing_id(db: Database) -> None:
    tenant = await _centre(db)
    first = await _add(db, tenant, email="jamie@example.com")
    with pytest.raises(CustomerExists) as refused:
        await _add(db, tenant, first_name="Other", email="  JAMIE@Example.com")
    assert refused.value.customer_id == first.id
    assert (refused.value.code, refused.value.field, refused.value.status) == ("customer_exists", "email", 409)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 1
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1


async def test_the_same_email_may_be_a_student_at_another_centre(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    leeds = await _centre(db, "leeds")
    at_bristol = await _add(db, bristol)
    at_leeds = await _add(db, leeds)
    assert at_bristol.id != at_leeds.id
    assert at_leeds.tenant_id == leeds.id


async def test_two_adds_of_one_email_at_once_make_one_student(db: Database) -> None:
    """The second waits for the first (SQLite's write lock, or PostgreSQL's unique index) and gets its id."""
    tenant = await _centre(db)
    first_flushed = asyncio.Event()
    second_started = asyncio.Event()

    async def first() -> Customer:
        async with db.transaction() as session:
            customer = await add_student(
                session, _ctx(tenant), NewStudent(first_name="Jamie", last_name="Wilson", email="jamie@example.com")
            )
            first_flushed.set()
            await second_started.wait()
            await asyncio.sleep(0.3)  # the second is now waiting on this transaction
            return customer

    async def second() -> str:
        await first_flushed.wait()
        second_started.set()
        try:
            async with db.transaction() as session:
                await add_student(
                    session, _ctx(tenant), NewStudent(first_name="Jamie", last_name="W", email="Jamie@example.com")
                )
        except CustomerExists as refused:
            return refused.customer_id
        return "added twice"

    created, refused_with = await asyncio.gather(first(), second())
    assert refused_with == created.id
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": "   "}, "firstName"),
        ({"last_name": ""}, "lastName"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.c" + "c" * 320}, "email"),
        ({"billing_email": "accounts at example"}, "billingEmail"),
        ({"first_name": "x" * 101}, "firstName"),
        ({"last_name": "x" * 101}, "lastName"),
        ({"phone": "7" * 51}, "phone"),
        ({"company_name": "x" * 201}, "companyName"),
        ({"po_number": "x" * 101}, "poNumber"),
    ],
)
async def test_invalid_details_name_the_field(db: Database, fields: dict[str, str], field: str) -> None:
    tenant = await _centre(db)
    with pytest.raises(InvalidInput) as refused:
        await _add(db, tenant, **fields)
    assert refused.value.field == field
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 0


async def test_a_blank_billing_email_is_left_empty(db: Database) -> None:
    tenant = await _centre(db)
    customer = await _add(db, tenant, billing_email="   ")
    assert customer.billing_email == ""


async def _seed_students(db: Database, tenant: Tenant) -> dict[str, Customer]:
    people = [
        NewStudent(first_name="Jamie", last_name="Wilson", email="student@bristolgas.example"),
        NewStudent(
            first_name="Gareth",
            last_name="Jones",
            email="gareth.jones@example.co.uk",
            company_name="Severn Heating Ltd",
        ),
        NewStudent(
            first_name="Daniel",
            last_name="Price",
            email="dan@avonplumbing.example.co.uk",
            company_name="Avon Plumbing & Gas Ltd",
        ),
        NewStudent(first_name="Liam", last_name="O'Connor", email="liam.oconnor@example.co.uk"),
        NewStudent(first_name="Emma", last_name="Wilson-Hughes", email="emma.hughes@example.com"),
        NewStudent(first_name="Zara", last_name="Ahmed", email="zara_ahmed@example.co.uk"),
    ]
    added = {}
    async with db.transaction() as session:
        for person in people:
            added[person.first_name] = await add_student(session, _ctx(tenant), person)
    return added


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Zara", "Gareth", "Liam", "Daniel", "Jamie", "Emma"]),
        ("jamie", ["Jamie"]),
        ("WILSON", ["Jamie", "Emma"]),
        ("Jamie Wilson", ["Jamie"]),
        ("liam o'connor", ["Liam"]),
        ("avonplumbing", ["Daniel"]),
        ("EXAMPLE.co.uk", ["Zara", "Gareth", "Liam", "Daniel"]),
        ("severn heating", ["Gareth"]),
        ("plumbing & gas", ["Daniel"]),
        ("  emma  ", ["Emma"]),
        ("zara_", ["Zara"]),
        ("m_o", []),  # "_" is a character here, not a one-character wildcard
        ("%", []),
        ("nobody", []),
    ],
)
async def test_search_matches_names_full_name_email_and_company(db: Database, query: str, expected: list[str]) -> None:
    tenant = await _centre(db)
    await _seed_students(db, tenant)
    async with db.read() as session:
        page = await search_students(session, _ctx(tenant), query=query)
    assert [c.first_name for c in page.items] == expected
    assert page.total == len(expected)


async def test_search_pages_with_a_total_counted_over_all_matches(db: Database) -> None:
    tenant = await _centre(db)
    await _seed_students(db, tenant)
    async with db.read() as session:
        first = await search_students(session, _ctx(tenant), limit=2)
        second = await search_students(session, _ctx(tenant), limit=2, offset=2)
        last = await search_students(session, _ctx(tenant), limit=2, offset=5)
        beyond = await search_students(session, _ctx(tenant), limit=2, offset=50)
        searched = await search_students(session, _ctx(tenant), query="example.co.uk", limit=1, offset=1)
    assert [c.first_name for c in first.items] == ["Zara", "Gareth"]
    assert [c.first_name for c in second.items] == ["Liam", "Daniel"]
    assert [c.first_name for c in last.items] == ["Emma"]
    assert beyond.items == []
    assert first.total == second.total == last.total == beyond.total == 6
    assert [c.first_name for c in searched.items] == ["Gareth"]
    assert searched.total == 4


async def test_search_and_lookup_never_cross_centres(db: Database) -> None:
    bristol = await _centre(db, "bristol")
    leeds = await _centre(db, "leeds")
    at_bristol = await _seed_students(db, bristol)
    leeds_student = await _add(db, leeds, first_name="Jamie", last_name="Leeds", email="jamie@leeds.example")
    async with db.read() as session:
        found = await search_students(session, _ctx(bristol), query="jamie")
        assert [c.id for c in found.items] == [at_bristol["Jamie"].id]
        assert (await search_students(session, _ctx(leeds))).total == 1
        assert (await get_student(session, _ctx(bristol), at_bristol["Emma"].id)).email == "emma.hughes@example.com"
        with pytest.raises(NotFound):
            await get_student(session, _ctx(bristol), leeds_student.id)
        with pytest.raises(NotFound):
            await get_student(session, _ctx(bristol), "no-such-id")


def _details(**fields: str) -> NewStudent:
    return NewStudent(**{"first_name": "Jamie", "last_name": "Wilson", "email": "jamie@example.com", **fields})


async def test_updates_a_student_cleaned_and_audits_what_changed(db: Database) -> None:
    tenant = await _centre(db)
    jamie = await _add(db, tenant)
    async with db.transaction() as session:
        await update_student(
            session, _ctx(tenant), jamie.id, _details(email=" Jamie.W@Example.com ", company_name=" Wilson Gas ")
        )
    async with db.read() as session:
        saved = await get_student(session, _ctx(tenant), jamie.id)
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "student.updated"))
    assert (saved.email, saved.company_name, saved.first_name) == ("jamie.w@example.com", "Wilson Gas", "Jamie")
    assert entry is not None and entry.details == {"changed": ["company_name", "email"]}


async def test_an_update_changing_nothing_writes_no_audit(db: Database) -> None:
    tenant = await _centre(db)
    jamie = await _add(db, tenant)
    async with db.transaction() as session:
        await update_student(session, _ctx(tenant), jamie.id, _details())
    async with db.read() as session:
        assert await session.scalar(select(func.count()).where(AuditEntry.action == "student.updated")) == 0


async def test_an_update_to_another_students_email_is_refused_and_changes_nothing(db: Database) -> None:
    tenant = await _centre(db)
    jamie = await _add(db, tenant)
    sam = await _add(db, tenant, first_name="Sam", email="sam@example.com")
    with pytest.raises(CustomerExists) as raised:
        async with db.transaction() as session:
            await update_student(session, _ctx(tenant), jamie.id, _details(email="SAM@example.com", phone="0117"))
    assert raised.value.customer_id == sam.id
    async with db.read() as session:
        unchanged = await get_student(session, _ctx(tenant), jamie.id)
    assert (unchanged.email, unchanged.phone) == ("jamie@example.com", "")


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"first_name": " "}, "firstName"), ({"email": "nope"}, "email"), ({"billing_email": "x@"}, "billingEmail")],
)
async def test_an_invalid_update_names_the_field(db: Database, fields: dict[str, str], field: str) -> None:
    tenant = await _centre(db)
    jamie = await _add(db, tenant)
    with pytest.raises(InvalidInput) as raised:
        async with db.transaction() as session:
            await update_student(session, _ctx(tenant), jamie.id, _details(**fields))
    assert raised.value.field == field


async def test_an_update_never_reaches_another_centres_student(db: Database) -> None:
    tenant = await _centre(db)
    other = await _centre(db, "other-centre")
    jamie = await _add(db, tenant)
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await update_student(session, _ctx(other), jamie.id, _details(first_name="Mallory"))
