"""Erasing a student's personal data through the pages: the button on the profile for admins and owners only,
its dialog (a reason, refusals said in it), the profile once erased; the certificate check of an erased
holder; and a student erasing their own data from My account, with their password."""

from __future__ import annotations

from nicegui.testing import User
from sqlalchemy import select, update

from models import AuditEntry, Booking, Customer, ErasedBy, Erasure, StaffRole, Tenant
from tests.ui.conftest import CENTRE_A, CENTRE_B
from tests.ui.test_admin_bookings import _tenant, element, seed_bookings, signed_in, wait_for
from tests.ui.test_certificate_pages import _jamies_certificate
from tests.ui.test_my_account import _jamies_bookings, _sign_in
from tests.ui.test_sign_in_pages import SLOW
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.erasure import erase_student
from trainhub_ui.services.students import NewStudent, add_student

LIST = f"/{CENTRE_A}/admin/students"


async def _student_without_bookings(db: Database) -> str:
    async with db.transaction() as session:
        tenant = await _tenant(session, CENTRE_A)
        student = await add_student(
            session,
            TenantContext(tenant=tenant),
            NewStudent(first_name="Rhian", last_name="Morgan", email="rhian@example.com", phone="07700 900555"),
        )
    return student.id


async def test_staff_see_no_erase_button(user: User, centres: Database) -> None:
    rhian = await _student_without_bookings(centres)
    await signed_in(user, StaffRole.STAFF)
    await user.open(f"{LIST}/{rhian}")
    await user.should_see(marker="student-data")
    await user.should_not_see(marker="erase-student-button")


async def test_an_admin_erases_a_student_from_the_profile(user: User, centres: Database) -> None:
    seeded = await seed_bookings(centres)
    rhian = await _student_without_bookings(centres)
    await signed_in(user, StaffRole.ADMIN)

    # Gareth's course is still to come: the dialog says so, and nothing is erased.
    await user.open(f"{LIST}/{seeded.students['gareth']}")
    user.find(marker="erase-student-button").click()
    await user.should_see(marker="erasure-terms")
    await user.should_see("Invoices and credit notes exactly as issued", retries=SLOW)
    user.find(marker="erase-confirm").click()
    await wait_for(lambda: element(user, "erase-reason").error is not None, "the reason asked for")
    assert "Say why" in element(user, "erase-reason").error
    user.find(marker="erase-reason").type("Asked by email on 3 March")
    user.find(marker="erase-confirm").click()
    await user.should_see("is still to come. Cancel a booking still to come first", retries=SLOW)
    user.find(marker="erase-cancel").click()

    await user.open(f"{LIST}/{rhian}")
    await user.should_see("Rhian Morgan")
    user.find(marker="erase-student-button").click()
    await user.should_see(marker="erase-reason")
    user.find(marker="erase-reason").type("Asked by email on 3 March")
    user.find(marker="erase-confirm").click()
    await user.should_see("Their personal data is erased.", retries=SLOW)
    await user.should_see(marker="student-erased")
    await user.should_see("Erased student")
    await user.should_see("Why: Asked by email on 3 March")
    await user.should_not_see("Rhian")
    await user.should_not_see(marker="edit-student")
    await user.should_not_see(marker="erase-student-button")
    async with centres.read() as session:
        record = await session.scalar(select(Erasure))
        logged = await session.scalar(select(AuditEntry).where(AuditEntry.action == "student.erased"))
    assert record is not None and record.customer_id == rhian and record.requested_by is ErasedBy.STAFF
    assert logged is not None and logged.entity_id == rhian and logged.actor == "Admin Person"


async def test_an_erased_holders_certificate_checks_without_a_name(user: User, centres: Database) -> None:
    certificate = await _jamies_certificate(centres)
    async with centres.transaction() as session:
        jamie = await session.scalar(select(Customer).where(Customer.email == "jamie@example.com"))
        tenant = await session.get(Tenant, certificate.tenant_id)
        assert jamie is not None and tenant is not None
        # Paid: nothing is outstanding.
        await session.execute(
            update(Booking).where(Booking.customer_id == jamie.id).values(balance_due=0, amount_paid=49500)
        )
    ctx = TenantContext(tenant=tenant, actor="Owner Person", role=StaffRole.OWNER)
    await erase_student(centres, ctx, jamie.id, "Asked by letter", ErasedBy.STAFF)
    await user.open(f"/{CENTRE_B}/verify/{certificate.verification_code}")
    await user.should_see(marker="state-holder-erased")
    await user.should_see("Issued, holder erased.")
    await user.should_see(certificate.number)
    await user.should_see("Heat Pump Installation")
    await user.should_not_see("Jamie")
    await user.should_not_see("Awarded to")
    await signed_in(user, StaffRole.OWNER, CENTRE_B)
    pdf = await user.http_client.get(f"/{CENTRE_B}/admin/certificates/{certificate.id}.pdf")
    assert pdf.status_code == 410
    await user.open(f"/{CENTRE_B}/admin/students/{jamie.id}")
    await user.should_see(marker="student-erased")
    assert "href" not in element(user, f"certificate-{certificate.number}").props  # no PDF to open


async def test_a_student_erases_their_own_data_with_their_password(user: User, centres: Database) -> None:
    await _sign_in(user)
    await user.should_see(marker="erase-my-data")
    user.find(marker="erase-my-data-button").click()
    await user.should_see(marker="erasure-terms")
    user.find(marker="erase-my-data-password").type("not my password")
    user.find(marker="erase-my-data-confirm").click()
    await wait_for(lambda: element(user, "erase-my-data-password").error is not None, "the password refused")
    assert element(user, "erase-my-data-password").error == "That is not your current password."
    async with centres.read() as session:
        jamie = await session.scalar(select(Customer).where(Customer.first_name == "Jamie"))
    assert jamie is not None and jamie.erased_at is None

    user.find(marker="erase-my-data-password").clear().type("correct-horse-battery")
    user.find(marker="erase-my-data-confirm").click()
    await user.should_see(marker="my-data-erased", retries=SLOW)
    await user.should_see("Your data is erased")
    async with centres.read() as session:
        erased = await session.get(Customer, jamie.id)
        record = await session.scalar(select(Erasure))
    assert erased is not None and erased.erased_at is not None and erased.email.endswith("@erased.invalid")
    assert record is not None and record.requested_by is ErasedBy.STUDENT
    # Signed out: My account asks for a sign-in, and the old email signs in no more.
    response = await user.http_client.get(f"/{CENTRE_B}/account", follow_redirects=False)
    assert response.status_code == 303


async def test_with_a_course_to_come_the_student_is_told_what_is_left(user: User, centres: Database) -> None:
    _, made = await _jamies_bookings(centres)
    await _sign_in(user)
    await user.should_see(marker="erase-my-data-outstanding")
    await user.should_see(f"booking {made['paid'].reference}")
    assert not element(user, "erase-my-data-button").enabled
