"""A centre with one two-place session, Stripe pointed at localstripe, and the API app in process: the
`shop` fixture the payment tests share (registered in tests/payments/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import stripe
from fastapi import FastAPI
from sqlalchemy import select

from models import Booking, CourseSession, Payment, Tenant, utcnow
from tests import factories
from tests.payments.conftest import TEST_API_KEY, signed_event_headers, stripe_event_payload
from trainhub_ui.api import install_api
from trainhub_ui.config import reload_settings
from trainhub_ui.db import Database, set_database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.payments import StripeProvider, provider
from trainhub_ui.services import checkout
from trainhub_ui.services.bookings import BookingRequest, create_booking

WEBHOOK_SECRET = "whsec_trainhub_tests"
BASE_URL = "http://trainhub.test"
WEBHOOK = "/api/payments/stripe/webhook"


@dataclass
class Shop:
    db: Database
    ctx: TenantContext
    tenant: Tenant
    session_id: str
    students: list[str]
    provider: StripeProvider
    api: httpx.AsyncClient
    stripe: stripe.StripeClient
    localstripe: str

    async def book(self, student: int = 0, ctx: TenantContext | None = None, **options: object) -> Booking:
        async with self.db.transaction() as session:
            request = BookingRequest(customer_id=self.students[student], session_id=self.session_id, **options)
            return await create_booking(session, ctx or self.ctx, request)

    async def checkout_session(self, booking: Booking) -> dict:
        started = await checkout.begin_checkout(self.db, self.ctx, self.provider, booking.reference, BASE_URL)
        assert started.provider_reference and started.url
        return self._fake("GET", f"/v1/checkout/sessions/{started.provider_reference}")

    def card_payment(self, amount: int, card: str = "pm_card_visa") -> str:
        """What the student's card does on Stripe's page: a confirmed PaymentIntent in localstripe."""
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": amount, "currency": "gbp", "payment_method": card, "confirm": True}
        )
        assert intent.status == "succeeded"
        return intent.id

    def pay(self, checkout_session: dict) -> dict:
        intent = self.card_payment(checkout_session["amount_total"])
        return self._fake(
            "POST", f"/_test/checkout/sessions/{checkout_session['id']}/complete", {"payment_intent": intent}
        )

    def expire(self, checkout_session: dict) -> dict:
        return self._fake("POST", f"/_test/checkout/sessions/{checkout_session['id']}/expire", {})

    def _fake(self, method: str, path: str, body: dict | None = None) -> dict:
        answer = httpx.request(
            method,
            self.localstripe + path,
            json=body,
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()

    async def deliver(self, event_type: str, data: dict, *, event_id: str | None = None) -> httpx.Response:
        payload = stripe_event_payload(event_type, data, event_id=event_id)
        return await self.api.post(WEBHOOK, content=payload, headers=signed_event_headers(payload, WEBHOOK_SECRET))

    async def booking(self, booking_id: str) -> Booking:
        async with self.db.read() as session:
            found = await session.get(Booking, booking_id)
            assert found is not None
            return found

    async def payments(self, booking_id: str) -> list[Payment]:
        async with self.db.read() as session:
            return list(
                await session.scalars(
                    select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.created_at)
                )
            )

    async def booked_spots(self) -> int:
        async with self.db.read() as session:
            course_session = await session.get(CourseSession, self.session_id)
            assert course_session is not None
            return course_session.booked_spots


@asynccontextmanager
async def open_shop(
    db: Database, localstripe: str, stripe_client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Shop]:
    monkeypatch.setenv("TRAINHUB_STRIPE_SECRET_KEY", TEST_API_KEY)
    monkeypatch.setenv("TRAINHUB_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("TRAINHUB_STRIPE_API_BASE", localstripe)
    monkeypatch.setenv("TRAINHUB_BASE_URL", BASE_URL)
    reload_settings()
    async with db.transaction() as session:
        tenant = await factories.centre(session, "bristol-gas-training", "Bristol Gas Training Centre")
        course = await factories.course(session, tenant, price=49500)
        start = (utcnow() + timedelta(days=30)).date()
        course_session = await factories.course_session(session, course, spots=2, start=start)
        students = [await factories.customer(session, tenant, f"s{n}@example.com") for n in range(3)]
    app = FastAPI()
    install_api(app)
    set_database(db)
    payments = provider()
    assert isinstance(payments, StripeProvider)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
            yield Shop(
                db=db,
                ctx=TenantContext(tenant=tenant, actor="tests"),
                tenant=tenant,
                session_id=course_session.id,
                students=[s.id for s in students],
                provider=payments,
                api=api,
                stripe=stripe_client,
                localstripe=localstripe,
            )
    finally:
        set_database(None)
        monkeypatch.undo()
        reload_settings()
