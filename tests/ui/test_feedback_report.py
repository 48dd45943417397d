"""Feedback in the reports: what students rated each course, for the period's sessions."""

from __future__ import annotations

from nicegui.testing import User

from models import FeedbackAnswer, StaffRole
from tests.factories import PASSWORD
from tests.ui.conftest import CENTRE_B, staff_email
from tests.ui.test_certificate_pages import _jamies_certificate
from tests.ui.test_sign_in_pages import SLOW, sign_in_staff
from trainhub_ui.db import Database


async def test_reports_show_feedback_by_course(user: User, centres: Database) -> None:
    certificate = await _jamies_certificate(centres)
    async with centres.transaction() as session:
        session.add(
            FeedbackAnswer(
                tenant_id=certificate.tenant_id,
                session_id=certificate.session_id,
                booking_id=certificate.booking_id,
                rating=4,
                went_well="The rig",
                to_improve="",
            )
        )
    await sign_in_staff(user, staff_email(StaffRole.STAFF, CENTRE_B), PASSWORD, slug=CENTRE_B)
    await user.should_see("Welcome back", retries=SLOW)
    await user.open(f"/{CENTRE_B}/admin/reports")
    await user.should_see("Feedback")
    await user.should_see(marker="csv-feedback")
    table = user.find(marker="feedback-table").elements.pop()
    assert "Heat Pump Installation" in table.content and "4.0 of 5" in table.content
