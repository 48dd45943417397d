"""The centre's terms and privacy notice through the User harness: accepted at the wizard's last step (refused
without, refused for a version changed meanwhile), the public pages of every version, publishing in the
settings, who may, and the version a booking accepted on its staff page."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import Booking, CentreTerms, Customer, PaymentOption, StaffRole, StaffUser, Tenant
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW, staff_email
from tests.ui.test_admin_settings import SETTINGS, element, eventually, open_settings, signed_in
from tests.ui.test_booking_wizard import _choose_payment, _course, _guest, _open
from tests.ui.test_sign_in_pages import expect_refused
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.services.centre_terms import TermsDraft, publish_terms

TERMS_1 = "## Cancelling\nCancel 14 days or more before the start for a full refund."
TERMS_2 = "## Cancelling\nCancel 21 days or more before the start for a full refund."
PRIVACY = "Alpha Gas School Ltd is the controller of your data."


async def _publish(db: Database, terms: str, based_on: int | None = None, slug: str = CENTRE_A) -> CentreTerms:
    """A version published by the centre's owner, as the settings page would."""
    async with db.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        owner = await session.scalar(select(StaffUser).where(StaffUser.email == staff_email(StaffRole.OWNER, slug)))
    assert tenant is not None and owner is not None
    ctx = TenantContext(tenant=tenant, actor=f"{owner.name} ({owner.email})", role=owner.role, user_id=owner.id)
    return await publish_terms(db, ctx, TermsDraft(terms=terms, privacy_notice=PRIVACY, based_on_version=based_on))


async def _booking_of(db: Database, email: str) -> Booking | None:
    async with db.read() as session:
        return await session.scalar(
            select(Booking).join(Customer, Customer.id == Booking.customer_id).where(Customer.email == email)
        )


def _problem(user: User) -> str:
    return element(user, "accept-terms-problem").text


async def _to_the_last_step(user: User, db: Database) -> None:
    """A guest through the wizard to its review, paying in full."""
    course, course_session = await _course(db)
    await _open(user, course, course_session)
    _guest(user)
    await _choose_payment(user, PaymentOption.FULL)


async def _booked(user: User, db: Database) -> Booking:
    """Book now pressed (the terms accepted, or none to accept): the pay page, and the booking made."""
    user.find(marker="book-now").click()
    await user.should_see(marker="pay-test", retries=SLOW)
    booking = await _booking_of(db, "sam.guest@example.com")
    assert booking is not None
    return booking


# --- at checkout -----------------------------------------------------------------------------------------------


async def test_booking_without_accepting_the_terms_is_refused_at_the_checkbox(user: User, centres: Database) -> None:
    await _publish(centres, TERMS_1)
    await _to_the_last_step(user, centres)
    await user.should_see("I accept the terms and conditions (version 1)")
    assert element(user, "terms-link").props["href"] == f"/{CENTRE_A}/terms?version=1"
    assert element(user, "privacy-link").props["target"] == "_blank"
    user.find(marker="book-now").click()
    await eventually(lambda: _problem(user) == "Accept the terms (version 1) to book.")
    assert await _booking_of(centres, "sam.guest@example.com") is None

    user.find(marker="accept-terms").click()
    assert _problem(user) == ""
    assert (await _booked(user, centres)).terms_version == 1


async def test_terms_changed_while_booking_are_shown_again_to_accept(user: User, centres: Database) -> None:
    await _publish(centres, TERMS_1)
    await _to_the_last_step(user, centres)
    user.find(marker="accept-terms").click()
    await _publish(centres, TERMS_2, based_on=1)  # the centre publishes while the student reads
    user.find(marker="book-now").click()
    await eventually(
        lambda: _problem(user) == "The terms changed while you were booking: read version 2 and accept it."
    )
    await user.should_see("I accept the terms and conditions (version 2)")
    assert element(user, "accept-terms").value is False
    assert element(user, "terms-link").props["href"] == f"/{CENTRE_A}/terms?version=2"
    assert await _booking_of(centres, "sam.guest@example.com") is None

    user.find(marker="accept-terms").click()
    assert (await _booked(user, centres)).terms_version == 2


async def test_without_terms_the_wizard_links_the_privacy_notice_only(user: User, centres: Database) -> None:
    await _to_the_last_step(user, centres)
    await user.should_see(marker="privacy-link")
    await user.should_not_see(marker="accept-terms")
    assert (await _booked(user, centres)).terms_version is None


# --- the public pages ------------------------------------------------------------------------------------------


async def test_the_public_pages_show_each_version(user: User, centres: Database) -> None:
    await user.open(f"/{CENTRE_A}/terms")
    await user.should_see(marker="no-terms")
    await user.open(f"/{CENTRE_A}/privacy")
    await user.should_see("Alpha Gas School")  # the built-in notice names the centre as controller
    await user.should_see("is the controller of the personal data")
    await user.should_see(marker="footer-terms")

    await _publish(centres, TERMS_1 + "\n<script>alert(1)</script>")
    await _publish(centres, TERMS_2, based_on=1)
    await user.open(f"/{CENTRE_A}/terms")
    await user.should_see("Cancel 21 days or more")
    await user.should_see("Version 2, published")
    await user.should_not_see(marker="earlier-version")
    await user.open(f"/{CENTRE_A}/terms?version=1")
    await user.should_see("Cancel 14 days or more")
    await user.should_see(marker="earlier-version")
    # Typed HTML is shown as text, never run.
    assert "&lt;script&gt;" in element(user, "document-text").content
    await user.open(f"/{CENTRE_A}/privacy?version=2")
    await user.should_see(PRIVACY)

    for path in ("/terms?version=3", "/terms?version=abc", "/privacy?version=0", "/privacy?version=99999999"):
        response = await user.http_client.get(f"/{CENTRE_A}{path}")
        assert response.status_code == 404, path
    # The other centre's pages know nothing of these.
    await user.open(f"/{CENTRE_B}/terms")
    await user.should_see(marker="no-terms")
    assert (await user.http_client.get(f"/{CENTRE_B}/terms?version=1")).status_code == 404


# --- the settings ----------------------------------------------------------------------------------------------


async def test_an_admin_publishes_a_version_from_the_settings(user: User, centres: Database) -> None:
    await open_settings(user, StaffRole.ADMIN, tab="terms")
    await user.should_see(marker="no-terms-yet")
    privacy = element(user, "privacy-text")
    assert "Alpha Gas School" in privacy.value  # starts from the built-in notice
    user.find(marker="publish-terms").click()  # refused at the field before anything is asked
    await eventually(lambda: element(user, "terms-text").error == "Write the terms a booking agrees to.")
    async with centres.read() as session:
        assert await session.scalar(select(CentreTerms.id)) is None

    element(user, "terms-text").value = TERMS_1
    user.find(marker="publish-terms").click()
    await user.should_see(marker="publish-dialog")
    user.find(marker="confirm-publish").click()
    await user.should_see("Version 1 published.", retries=SLOW)
    await user.should_see(marker="terms-version-1")
    await user.should_see("Publish version 2")
    async with centres.read() as session:
        [published] = list(await session.scalars(select(CentreTerms)))
    assert (published.version, published.terms) == (1, TERMS_1)
    assert published.published_by.startswith("Admin Person")


async def test_a_version_published_meanwhile_is_not_overwritten(user: User, centres: Database) -> None:
    await _publish(centres, TERMS_1)
    await open_settings(user, StaffRole.OWNER, tab="terms")
    await user.should_see(marker="terms-version-1")
    await _publish(centres, TERMS_2, based_on=1)  # another admin, in another browser
    element(user, "terms-text").value = TERMS_1 + "\nAnd more."
    user.find(marker="publish-terms").click()
    await user.should_see(marker="publish-dialog")
    user.find(marker="confirm-publish").click()
    await eventually(lambda: (element(user, "terms-text").error or "").startswith("Version 2 was published by Owner"))
    async with centres.read() as session:
        assert sorted(await session.scalars(select(CentreTerms.version))) == [1, 2]


@pytest.mark.parametrize("role", [StaffRole.STAFF, StaffRole.INSTRUCTOR])
async def test_staff_and_instructors_cannot_open_the_terms_section(user: User, role: StaffRole) -> None:
    await signed_in(user, role)
    await expect_refused(user, f"{SETTINGS}?tab=terms")


# --- what a booking accepted, for staff --------------------------------------------------------------------------


async def test_the_booking_page_shows_the_version_accepted(user: User, centres: Database) -> None:
    await _publish(centres, TERMS_1)
    await _to_the_last_step(user, centres)
    user.find(marker="accept-terms").click()
    booking = await _booked(user, centres)
    await signed_in(user, StaffRole.STAFF)
    await user.open(f"/{CENTRE_A}/admin/bookings/{booking.id}")
    accepted = element(user, "accepted-terms")
    assert accepted.text.startswith("Accepted terms version 1 on ")
    assert accepted.props["href"] == f"/{CENTRE_A}/terms?version=1"
