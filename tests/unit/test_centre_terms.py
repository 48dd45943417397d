"""The centre's terms and privacy notice: versions published and never edited, kept per centre, refused at the
field, and the version a booking accepted checked and stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, Booking, CentreTerms, PaymentOption, StaffRole, StaffUser, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.services import workflows
from trainhub_ui.services.bookings import BookingRequest
from trainhub_ui.services.centre_terms import (
    PRIVACY_NOTICE_MAX,
    TermsChanged,
    TermsDraft,
    accepted_version,
    current_terms,
    privacy_notice,
    publish_terms,
    terms_history,
    terms_of_version,
)
from trainhub_ui.services.online_booking import Guest, OnlineBooking, book_online
from trainhub_ui.services.personal_data import personal_data
from trainhub_ui.services.staff import NotAllowed

TERMS = "## Cancelling\n\nCancel 14 days or more before the start for a full refund."
PRIVACY = "Bristol Gas Training Ltd is the controller of your data."


async def _staff_context(db: Database, tenant: Tenant, role: StaffRole, clock: factories.Clock) -> TenantContext:
    async with db.transaction() as session:
        await factories.staff(session, tenant, role)
        user = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == tenant.id, StaffUser.role == role))
    assert user is not None
    return TenantContext(tenant=tenant, actor=f"{user.name} ({user.email})", role=role, user_id=user.id, clock=clock)


@pytest.fixture
async def centres(db: Database) -> tuple[TenantContext, TenantContext, str]:
    """Two centres, an admin of each, and a session of the first with room."""
    async with db.transaction() as session:
        first = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        second = await factories.centre(session, "leeds-heat-academy", "Leeds Heat Academy")
        course = await factories.course(session, first)
        course_session = await factories.course_session(session, course)
    clock = factories.Clock()
    admin_a = await _staff_context(db, first, StaffRole.ADMIN, clock)
    admin_b = await _staff_context(db, second, StaffRole.ADMIN, clock)
    return admin_a, admin_b, course_session.id


async def _publish(db: Database, ctx: TenantContext, terms: str = TERMS, based_on: int | None = None) -> CentreTerms:
    return await publish_terms(db, ctx, TermsDraft(terms=terms, privacy_notice=PRIVACY, based_on_version=based_on))


async def test_publishing_makes_the_next_version_and_leaves_the_old_as_it_was(db: Database, centres) -> None:
    admin, _other, _session_id = centres
    first = await _publish(db, admin, "  " + TERMS + "\n")
    assert first.version == 1 and first.terms == TERMS  # trimmed
    admin.clock.now += timedelta(days=30)  # type: ignore[attr-defined]
    second = await _publish(db, admin, TERMS + "\n\nRefunds go back to the card you paid with.", based_on=1)
    assert second.version == 2 and second.published_at == first.published_at + timedelta(days=30)
    async with db.read() as session:
        old = await terms_of_version(session, admin, 1)
        now_in_force = await current_terms(session, admin)
        history = await terms_history(session, admin)
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "centre.terms_published")))
    assert (old.terms, old.privacy_notice, old.published_at) == (TERMS, PRIVACY, first.published_at)
    assert now_in_force is not None and now_in_force.version == 2
    assert [(item.version, item.published_by) for item in history] == [(2, admin.actor), (1, admin.actor)]
    assert old.published_by_id == admin.user_id
    assert sorted((e.details["before"] or 0, e.details["after"]) for e in entries) == [(0, 1), (1, 2)]
    assert {e.details["after"]: e.details["changed"] for e in entries}[2] == ["terms"]


async def test_each_centre_has_its_own_versions(db: Database, centres) -> None:
    admin_a, admin_b, _session_id = centres
    await _publish(db, admin_a)
    await _publish(db, admin_a, TERMS + " Changed.", based_on=1)
    async with db.read() as session:
        assert await current_terms(session, admin_b) is None
        with pytest.raises(NotFound):
            await terms_of_version(session, admin_b, 1)
        # The other centre's privacy notice is its own built-in one, naming it.
        notice = await privacy_notice(session, admin_b)
    assert notice.version is None and "**Leeds Heat Academy**" in notice.text
    theirs = await _publish(db, admin_b, "Leeds terms.")
    assert theirs.version == 1 and theirs.tenant_id == admin_b.tenant_id


@pytest.mark.parametrize(
    ("terms", "privacy", "field", "message"),
    [
        ("   ", PRIVACY, "terms", "Write the terms a booking agrees to."),
        (TERMS, "", "privacyNotice", "Write the privacy notice: who holds the students' details, why, and how long."),
        (TERMS, "x" * (PRIVACY_NOTICE_MAX + 1), "privacyNotice", f"Use at most {PRIVACY_NOTICE_MAX} characters."),
        (TERMS + "\x00", PRIVACY, "terms", "Remove the NUL character."),
    ],
)
def test_a_bad_draft_is_refused_at_its_field(terms: str, privacy: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        TermsDraft(terms=terms, privacy_notice=privacy)
    assert (refused.value.field, refused.value.message) == (field, message)


async def test_a_stale_or_unchanged_draft_and_a_lower_role_are_refused(db: Database, centres) -> None:
    admin, _other, _session_id = centres
    await _publish(db, admin)
    await _publish(db, admin, TERMS + " Second.", based_on=1)
    with pytest.raises(InvalidInput) as stale:
        await _publish(db, admin, TERMS + " Third.", based_on=1)  # opened before version 2 was published
    assert stale.value.field == "terms" and stale.value.message.startswith("Version 2 was published by ")
    with pytest.raises(InvalidInput) as unchanged:
        await _publish(db, admin, TERMS + " Second.", based_on=2)
    assert unchanged.value.message == "Nothing has changed: version 2 says this already."
    staff = await _staff_context(db, admin.tenant, StaffRole.STAFF, admin.clock)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        await _publish(db, staff, TERMS + " By staff.", based_on=2)
    async with db.read() as session:
        assert [item.version for item in await terms_history(session, admin)] == [2, 1]


async def test_the_version_accepted_must_be_the_one_in_force(db: Database, centres) -> None:
    admin, _other, _session_id = centres
    async with db.read() as session:
        assert await accepted_version(session, admin, None) is None  # no terms yet: nothing to accept
    await _publish(db, admin)
    await _publish(db, admin, TERMS + " Second.", based_on=1)
    async with db.read() as session:
        assert await accepted_version(session, admin, 2) == 2
        assert await accepted_version(session, admin, None, required=False) is None
        with pytest.raises(InvalidInput) as missing:
            await accepted_version(session, admin, None)
        with pytest.raises(TermsChanged) as changed:
            await accepted_version(session, admin, 1)
        with pytest.raises(InvalidInput) as unknown:
            await accepted_version(session, admin, 3, field="acceptedTermsVersion")
    assert (missing.value.field, missing.value.message) == ("acceptTerms", "Accept the terms (version 2) to book.")
    assert changed.value.current == 2 and changed.value.message == (
        "The terms changed while you were booking: read version 2 and accept it."
    )
    assert unknown.value.field == "acceptedTermsVersion"


def _online(session_id: str, version: int | None, email: str = "sam@example.com") -> OnlineBooking:
    return OnlineBooking(
        session_id=session_id,
        payment_option=PaymentOption.FULL,
        guest=Guest("Sam", "Student", email),
        accepted_terms_version=version,
    )


async def test_an_online_booking_stores_the_version_its_student_accepted(db: Database, centres) -> None:
    admin, _other, session_id = centres
    public = TenantContext(tenant=admin.tenant, actor="Student (online booking)", clock=admin.clock)
    before_terms = await book_online(db, public, _online(session_id, None, "early@example.com"))
    assert before_terms.terms_version is None
    await _publish(db, admin)
    with pytest.raises(InvalidInput) as refused:
        await book_online(db, public, _online(session_id, None))
    assert refused.value.field == "acceptTerms"
    booking = await book_online(db, public, _online(session_id, 1))
    await _publish(db, admin, TERMS + " Second.", based_on=1)  # published while another student books
    with pytest.raises(TermsChanged) as changed:
        await book_online(db, public, _online(session_id, 1, "late@example.com"))
    assert changed.value.field == "acceptTerms" and changed.value.current == 2
    async with db.read() as session:
        stored = await session.get(Booking, booking.id)
        references = set(await session.scalars(select(Booking.reference)))
        data = await personal_data(session, admin, booking.customer_id)
    assert stored is not None and stored.terms_version == 1
    assert len(references) == 2  # the refused bookings left nothing behind
    assert [item["terms_version"] for item in data.sections["bookings"]] == [1]


async def test_staff_bookings_need_no_version_but_one_given_is_checked(db: Database, centres) -> None:
    admin, _other, session_id = centres
    await _publish(db, admin)
    await _publish(db, admin, TERMS + " Second.", based_on=1)
    async with db.transaction() as session:
        first = await factories.customer(session, admin.tenant, "first@example.com")
        second = await factories.customer(session, admin.tenant, "second@example.com")
    by_phone = await workflows.book(db, admin, BookingRequest(customer_id=first.id, session_id=session_id))
    assert by_phone.terms_version is None
    with pytest.raises(TermsChanged) as stale:
        await workflows.book(
            db, admin, BookingRequest(customer_id=second.id, session_id=session_id, accepted_terms_version=1)
        )
    assert stale.value.field == "acceptedTermsVersion"
    accepted = await workflows.book(
        db, admin, BookingRequest(customer_id=second.id, session_id=session_id, accepted_terms_version=2)
    )
    assert accepted.terms_version == 2
