"""Issue 14, story 6: refunds asked at once never give back more than was paid.

Two (or three) members of staff refund the same paid booking at the same moment, each in a transaction of
its own, with amounts that together exceed what was paid. At most the paid amount is ever refunded: in our
records, and at Stripe. The refunds that fit are made; the one that does not is refused before Stripe is
asked. On SQLite and PostgreSQL, against localstripe over HTTP.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models import Booking, PaymentStatus, Refund, RefundStatus
from tests.payments.shop import Shop
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services.refunds import RefundResult, refund_booking

PAID = 49500


async def paid_in_full(shop: Shop) -> tuple[Booking, str]:
    booking = await shop.book()
    paid = shop.pay(await shop.checkout_session(booking))
    assert (await shop.deliver("checkout.session.completed", paid)).json()["outcome"] == "paid"
    return booking, paid["payment_intent"]


@pytest.mark.parametrize(
    ("amounts", "made"),
    [
        ((30000, 30000), 1),  # either fits alone, not both
        ((PAID, 1), 1),  # everything, and a penny more
        ((20000, 20000, 20000), 2),  # two fit, the third does not
    ],
    ids=["two-halves-and-more", "all-and-a-penny", "three-at-once"],
)
async def test_refunds_at_once_never_exceed_what_was_paid(shop: Shop, amounts: tuple[int, ...], made: int) -> None:
    booking, intent = await paid_in_full(shop)

    results = await asyncio.gather(
        *(
            refund_booking(shop.db, shop.ctx, shop.provider, booking.id, amount, f"refund {n}")
            for n, amount in enumerate(amounts)
        ),
        return_exceptions=True,
    )

    refunded = [r for r in results if isinstance(r, RefundResult)]
    refused = [r for r in results if not isinstance(r, RefundResult)]
    assert len(refunded) == made, results
    assert all(isinstance(r, InvalidInput) and r.field == "amount" for r in refused), refused
    given_back = sum(r.amount for r in refunded)
    assert given_back <= PAID
    [payment] = await shop.payments(booking.id)
    assert payment.amount_refunded == given_back
    assert payment.status is (PaymentStatus.REFUNDED if given_back == PAID else PaymentStatus.PAID)
    async with shop.db.read() as session:
        rows = list(await session.scalars(select(Refund).where(Refund.payment_id == payment.id)))
    assert sorted(r.amount for r in rows) == sorted(r.amount for result in refunded for r in result.refunds)
    assert all(r.status is RefundStatus.SUCCEEDED and r.stripe_refund_id for r in rows)
    at_stripe = shop.stripe.v1.refunds.list(params={"payment_intent": intent}).data
    assert sum(r.amount for r in at_stripe) == given_back
