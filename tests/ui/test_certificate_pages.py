"""The verification page's states, the student's and the staff's certificate downloads, the feedback form."""

from __future__ import annotations

import io
from datetime import date, timedelta

from nicegui.testing import User
from pypdf import PdfReader
from sqlalchemy import select

from models import Achievement, BookingStatus, Customer, FeedbackAnswer, StaffRole, Tenant
from tests import factories
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_A, CENTRE_B, staff_email
from tests.ui.test_my_account import _sign_in as sign_in_jamie
from tests.ui.test_sign_in_pages import SLOW, sign_in_staff
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.bookings import BookingRequest, create_booking
from trainhub_ui.services.certificates import issue_certificate, revoke_certificate
from trainhub_ui.services.feedback import feedback_token


async def _jamies_certificate(db: Database, *, months: int | None = 60, issued: date | None = None) -> Achievement:
    """Jamie (a student of centre B) completed a course there and holds its certificate."""
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_B))
        jamie = await session.scalar(select(Customer).where(Customer.email == "jamie@example.com"))
        assert tenant is not None and jamie is not None
        course = await factories.course(session, tenant)
        course.title = "Heat Pump Installation"
        course.certificate_validity_months = months
        course_session = await factories.course_session(session, course, start=date.today() + timedelta(days=10))
        ctx = TenantContext(tenant=tenant)
        booking = await create_booking(session, ctx, BookingRequest(customer_id=jamie.id, session_id=course_session.id))
        booking.status = BookingStatus.CONFIRMED
        course_session.is_completed = True  # a certificate is issued only for a completed session
        return await issue_certificate(session, ctx, booking, course, issued or date.today())


async def test_the_verification_page_says_valid_expired_revoked_or_unknown(user: User, centres: Database) -> None:
    valid = await _jamies_certificate(centres)
    await user.open(f"/{CENTRE_B}/verify/{valid.verification_code}")
    await user.should_see(marker="state-valid")
    await user.should_see("Jamie Wilson")
    await user.should_see("Heat Pump Installation")
    await user.should_not_see("jamie@example.com")  # name, course and dates only

    await user.open(f"/{CENTRE_A}/verify/{valid.verification_code}")  # another centre did not issue it
    await user.should_see(marker="state-unknown")
    await user.open(f"/{CENTRE_B}/verify/no-such-code")
    await user.should_see("This is not a valid certificate of Beta Heat Academy.")

    async with centres.transaction() as session:
        tenant = await session.get(Tenant, valid.tenant_id)
        assert tenant is not None
        await revoke_certificate(
            session, TenantContext(tenant=tenant, role=StaffRole.STAFF), valid.id, "Issued in error"
        )
    await user.open(f"/{CENTRE_B}/verify/{valid.verification_code}")
    await user.should_see(marker="state-revoked")


async def test_an_expired_certificate_says_so(user: User, centres: Database) -> None:
    old = await _jamies_certificate(centres, months=12, issued=date.today() - timedelta(days=800))
    await user.open(f"/{CENTRE_B}/verify/{old.verification_code}")
    await user.should_see(marker="state-expired")


async def test_students_download_their_own_certificates_and_staff_theirs(user: User, centres: Database) -> None:
    certificate = await _jamies_certificate(centres)
    address = f"/{CENTRE_B}/account/certificates/{certificate.id}.pdf"
    assert (await user.http_client.get(address)).status_code == 404  # not signed in
    await sign_in_jamie(user)
    await user.should_see(marker="my-certificates")
    await user.should_see(marker=f"certificate-{certificate.number}")
    answer = await user.http_client.get(address)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    assert "Jamie Wilson" in text and "Heat Pump Installation" in text and certificate.number in text
    assert (await user.http_client.get(f"/{CENTRE_A}/account/certificates/{certificate.id}.pdf")).status_code == 404

    staff_address = f"/{CENTRE_B}/admin/certificates/{certificate.id}.pdf"
    assert (await user.http_client.get(staff_address)).status_code == 403
    await sign_in_staff(user, staff_email(StaffRole.INSTRUCTOR, CENTRE_B), PASSWORD, slug=CENTRE_B)
    await user.should_see("Welcome back", retries=SLOW)
    assert (await user.http_client.get(staff_address)).status_code == 403
    await sign_in_staff(user, staff_email(StaffRole.STAFF, CENTRE_B), PASSWORD, slug=CENTRE_B)
    await user.should_see("Welcome back", retries=SLOW)
    assert (await user.http_client.get(staff_address)).status_code == 200


async def test_feedback_form_rating_required_then_thanks_once(user: User, centres: Database) -> None:
    certificate = await _jamies_certificate(centres)
    booking_id = certificate.booking_id
    assert booking_id is not None
    refused = await user.http_client.get(f"/{CENTRE_B}/feedback/{booking_id}/not-the-token")
    assert refused.status_code == 404 and "This feedback link is not valid." in refused.text
    page = f"/{CENTRE_B}/feedback/{booking_id}/{feedback_token(booking_id)}"
    await user.open(page)
    await user.should_see("How was Heat Pump Installation?")
    user.find(marker="send-feedback").click()
    await user.should_see("Choose a rating from 1 to 5.")
    user.find(marker="rating").elements.pop().value = 4
    user.find(marker="went-well").type("The heat pump rig")
    user.find(marker="send-feedback").click()
    await user.should_see(marker="thanks")
    async with centres.read() as session:
        [answer] = await session.scalars(select(FeedbackAnswer))
    assert (answer.rating, answer.went_well, answer.booking_id) == (4, "The heat pump rig", booking_id)
    await user.open(page)
    await user.should_see("Thank you: your feedback is in.")
