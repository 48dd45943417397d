"""A booking opens without a sign-in only through its link: the reference with its access token. The reference
alone, a wrong token, or the right token under another centre's address answer as a booking that is not
there; emails carry the token; an old link without one explains how to get a new one."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from nicegui.testing import User
from sqlalchemy import select

from models import Booking, CreditNote, Customer, OutboxEmail, PaymentOption, Tenant
from tests import factories
from tests.ui.conftest import CENTRE_A, CENTRE_B, SLOW
from tests.ui.test_pay_page import _booking
from trainhub_ui.config import get_settings
from trainhub_ui.db import Database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import OfflineProvider
from trainhub_ui.services import checkout
from trainhub_ui.services.bookings import BookingRequest, cancel_booking, create_booking

# Every link that opens a booking without a sign-in, by what it needs: a card booking or one on invoice.
LINKS = [
    ("pay page", PaymentOption.FULL, ""),
    ("card provider's return", PaymentOption.FULL, "/done"),
    ("calendar file", PaymentOption.FULL, "/calendar.ics"),
    ("invoice", PaymentOption.INVOICE, "/invoice.pdf"),
    ("credit note", PaymentOption.INVOICE, "/credit-notes/{note}.pdf"),
]


async def _linked_booking(db: Database, option: PaymentOption) -> tuple[Booking, dict[str, str]]:
    """A booking, with its credit note when on invoice (cancelled, so the invoice is credited)."""
    booking = await _booking(db, CENTRE_A, option)
    if option is not PaymentOption.INVOICE:
        return booking, {"note": ""}
    async with db.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
        assert tenant is not None
        await cancel_booking(session, TenantContext(tenant=tenant), booking.id, "The company withdrew")
        note = await session.scalar(select(CreditNote.id).where(CreditNote.tenant_id == tenant.id))
    assert note is not None
    return booking, {"note": note}


@pytest.mark.parametrize(("kind", "option", "tail"), LINKS, ids=[kind for kind, _, _ in LINKS])
async def test_only_the_token_opens_a_booking(
    user: User, centres: Database, kind: str, option: PaymentOption, tail: str
) -> None:
    booking, parts = await _linked_booking(centres, option)
    tail = tail.format(**parts)
    right = await user.http_client.get(pay_path(CENTRE_A, booking, tail))
    assert right.status_code == 200, kind

    wrong_token = secrets.token_urlsafe(len(booking.access_token) * 3 // 4)
    assert len(wrong_token) == len(booking.access_token)
    refused = {
        "reference alone": f"/{CENTRE_A}/pay/{booking.reference}{tail}",
        "empty token": f"/{CENTRE_A}/pay/{booking.reference}{tail}?t=",
        "wrong token": f"/{CENTRE_A}/pay/{booking.reference}{tail}?t={wrong_token}",
        "token of the right booking, one letter off": f"/{CENTRE_A}/pay/{booking.reference}{tail}?t="
        + booking.access_token[:-1]
        + ("A" if booking.access_token[-1] != "A" else "B"),
        "another centre with the right token": pay_path(CENTRE_B, booking, tail),
    }
    for why, path in refused.items():
        response = await user.http_client.get(path)
        assert response.status_code == 404, (kind, why)
        for secret in ("payer@example.com", "your place is held", "ACS CCN1", "£495.00", "%PDF", "BEGIN:VCALENDAR"):
            assert secret not in response.text, (kind, why, secret)


async def _open_not_found(user: User, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Open a page that answers 404 (as the harness opens only pages that answer 200), to use it."""
    get = user.http_client.get

    async def page_answering_404(url: str, **options: object) -> httpx.Response:
        response = await get(url, **options)
        assert response.status_code == 404, url
        response.status_code = 200
        return response

    with monkeypatch.context() as patched:
        patched.setattr(user.http_client, "get", page_answering_404)
        await user.open(path)


async def test_a_wrong_token_answers_as_an_unknown_booking(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await _open_not_found(user, f"/{CENTRE_A}/pay/{booking.reference}?t={'x' * len(booking.access_token)}", monkeypatch)
    await user.should_see("There is no booking with this reference. Check the link in your email.")
    await user.should_not_see(booking.reference)
    await user.should_not_see("ACS CCN1")


async def test_an_old_link_without_a_token_says_how_to_get_a_new_one(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await _open_not_found(user, f"/{CENTRE_A}/pay/{booking.reference}", monkeypatch)
    await user.should_see("This link has expired")
    await user.should_see(marker="sign-in-link")
    await user.should_not_see("ACS CCN1")
    await user.should_not_see(marker="pay-test")
    user.find(marker="send-new-link").click()
    await user.should_see(f"If {booking.reference} is a booking at Alpha Gas School, a new link is on its way")
    async with centres.read() as session:
        sent = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "booking_link")))
    assert [email.to_address for email in sent] == ["payer@example.com"]
    await _follow(user, sent[0], booking)


async def test_an_unknown_reference_gets_the_same_page_and_answer(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _booking(centres, CENTRE_A, PaymentOption.FULL)
    await _open_not_found(user, f"/{CENTRE_A}/pay/ACA-NOPE2", monkeypatch)
    await user.should_see("This link has expired")
    user.find(marker="send-new-link").click()
    await user.should_see("If ACA-NOPE2 is a booking at Alpha Gas School, a new link is on its way")
    async with centres.read() as session:
        assert list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "booking_link"))) == []


async def test_a_new_link_is_emailed_once_an_hour_at_most(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.FULL)
    for _ in range(3):
        await _open_not_found(user, f"/{CENTRE_A}/pay/{booking.reference}", monkeypatch)
        user.find(marker="send-new-link").click()
        await user.should_see(marker="new-link-answer")
        await user.should_see("a new link is on its way")
    async with centres.read() as session:
        sent = list(await session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "booking_link")))
    assert len(sent) == 1


async def _follow(user: User, email: OutboxEmail, booking: Booking) -> None:
    """Every link to the pay page in the email (text and HTML) carries the token, and opens the booking."""
    base = re.escape(get_settings().base_url)
    links = set(re.findall(base + r"(/[^\s\"<>]*/pay/[^\s\"<>]*)", email.body_text + email.body_html))
    assert links == {pay_path(CENTRE_A, booking)}, (email.kind, links)
    response = await user.http_client.get(links.pop())
    assert response.status_code == 200 and booking.reference in response.text, email.kind


async def test_the_confirmation_and_the_receipt_carry_the_token(user: User, centres: Database) -> None:
    booking = await _booking(centres, CENTRE_A, PaymentOption.DEPOSIT)
    async with centres.read() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_A))
    assert tenant is not None
    await checkout.pay_in_test_mode(
        centres, TenantContext(tenant=tenant), OfflineProvider(), booking.reference, succeed=True
    )
    async with centres.read() as session:
        made = {email.kind: email for email in await session.scalars(select(OutboxEmail))}
    for kind in ("booking_confirmed", "payment_receipt"):
        await _follow(user, made[kind], booking)
    await user.open(pay_path(CENTRE_A, booking))
    await user.should_see(marker="status-balance")


async def test_a_signed_in_student_opens_their_own_booking_without_the_token(
    user: User, centres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with centres.transaction() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == CENTRE_B))
        jamie = await session.scalar(select(Customer).where(Customer.email == "jamie@example.com"))
        assert tenant is not None and jamie is not None
        course = await factories.course(session, tenant)
        ctx = TenantContext(tenant=tenant)
        jamies = await create_booking(
            session,
            ctx,
            BookingRequest(customer_id=jamie.id, session_id=(await factories.course_session(session, course)).id),
        )
    theirs = await _booking(centres, CENTRE_B, PaymentOption.FULL, "someone@example.com")
    await user.open(f"/{CENTRE_B}/login")
    user.find(marker="email").type("jamie@example.com")
    user.find(marker="password").type(factories.PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see("Hello, Jamie", retries=SLOW)
    await user.open(f"/{CENTRE_B}/pay/{jamies.reference}")
    await user.should_see(marker="status-held")
    await _open_not_found(user, f"/{CENTRE_B}/pay/{theirs.reference}", monkeypatch)
    await user.should_see("This link has expired")
    await user.should_not_see(marker="status-held")
