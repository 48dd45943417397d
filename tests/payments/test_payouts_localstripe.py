"""Stripe's payouts over the real wire: localstripe on loopback, the app's StripeProvider and the real SDK.

localstripe makes payouts only by hand (`POST /v1/payouts`, in eur) and answers less than Stripe about them
(its resources.py, class Payout and BalanceTransaction):

- `GET /v1/payouts` takes no filters: `arrival_date[gte]` is refused with 400 "Unexpected arrival_date". So
  `StripeProvider.payouts`, which asks exactly as Stripe documents, gets a refusal here, and the first test
  checks that it says so clearly. The next hands the provider's request to localstripe without that filter
  (after checking it was sent as Stripe documents it), and the one after reads the unfiltered list through
  the same paging and the same reading of each payout that `payouts` uses.
- every payout it makes is manual (`automatic: false`), which Stripe itself never itemises;
- `GET /v1/balance_transactions?payout=...` is refused with 400 "Unexpected payout".

Which charges a payout holds is therefore never known here: tests/unit/test_payout_report.py covers matching
lines to bookings with a stand-in provider.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import stripe

from tests.payments.conftest import TEST_API_KEY
from trainhub_ui.payments import ProviderError, StripeProvider
from trainhub_ui.payments import stripe_provider as wire

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


@pytest.fixture
def provider(localstripe: str) -> Iterator[StripeProvider]:
    yield StripeProvider(secret_key=TEST_API_KEY, webhook_secret="whsec_test_payouts", api_base=localstripe)


@pytest.fixture
async def raw(localstripe: str) -> AsyncIterator[httpx.AsyncClient]:
    """localstripe asked directly, for what the SDK would not send or the app never asks."""
    async with httpx.AsyncClient(base_url=localstripe, headers=AUTH, timeout=5) as client:
        yield client


async def _payout(client: stripe.StripeClient, amount: int, status: str = "paid") -> dict:
    made = await client.v1.payouts.create_async({"amount": amount, "currency": "eur", "status": status})
    return made.to_dict()


def _utc_day(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


async def test_the_documented_date_filter_is_refused_by_localstripe_and_said_clearly(
    raw: httpx.AsyncClient, stripe_client: stripe.StripeClient, provider: StripeProvider
) -> None:
    made = await _payout(stripe_client, 12345)
    arrives = _utc_day(made["arrival_date"]).date()
    with pytest.raises(ProviderError, match=re.escape("Stripe did not list its payouts for these dates.")):
        await provider.payouts(arrives - timedelta(days=1), arrives + timedelta(days=1))
    # Why: localstripe takes no filter on its payouts list. Should it learn one, this fails and the test above
    # should then find the payout through `payouts` itself.
    answer = await raw.get("/v1/payouts", params={"arrival_date[gte]": 0})
    assert (answer.status_code, answer.json()["error"]["message"]) == (400, "Unexpected arrival_date")


async def test_payouts_lists_localstripes_payouts_once_handed_on_without_the_filter_it_lacks(
    stripe_client: stripe.StripeClient, provider: StripeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await _payout(stripe_client, 4200)
    arrives = _utc_day(made["arrival_date"]).date()
    payouts = provider._client.v1.payouts
    list_payouts = payouts.list_async
    asked: list[dict] = []

    async def without_the_date_filter(params: dict, options: object = None) -> object:
        # The provider's request, seen as sent, is handed to localstripe without the one filter it refuses.
        asked.append(params)
        return await list_payouts({key: value for key, value in params.items() if key != "arrival_date"})

    monkeypatch.setattr(payouts, "list_async", without_the_date_filter)
    listed = await provider.payouts(arrives, arrives)
    midnight = int(datetime(arrives.year, arrives.month, arrives.day, tzinfo=UTC).timestamp())
    assert asked[0] == {"arrival_date": {"gte": midnight, "lte": midnight + 24 * 3600 - 1}, "limit": 100}
    [ours] = [payout for payout in listed if payout.id == made["id"]]
    assert (ours.amount, ours.currency, ours.arrival_date, ours.status) == (4200, "EUR", arrives, "paid")
    assert ours.not_itemised == wire.MADE_BY_HAND


async def test_payouts_read_with_their_amount_and_arrival_date_page_by_page(
    stripe_client: stripe.StripeClient, provider: StripeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [await _payout(stripe_client, amount, status) for amount, status in ((12345, "paid"), (2000, "pending"))]
    made.append(await _payout(stripe_client, 500))
    monkeypatch.setattr(wire, "PAGE_SIZE", 2)  # three payouts (and any earlier tests') over several pages
    listed = await wire._every(stripe_client.v1.payouts.list_async, {})
    ids = [payout["id"] for payout in listed]
    assert len(ids) == len(set(ids)) >= 3 and {payout["id"] for payout in made} <= set(ids)

    by_id = {payout["id"]: payout for payout in listed}
    first = await provider._itemised(by_id[made[0]["id"]])
    assert (first.id, first.amount, first.currency, first.status) == (made[0]["id"], 12345, "EUR", "paid")
    # localstripe's payouts arrive two days after they are made; Stripe's arrival date is a UTC day.
    assert first.arrival_date == _utc_day(made[0]["created"] + 2 * 24 * 3600).date()
    # Made by hand, as every localstripe payout is: Stripe cannot say what is in it, so it is not asked.
    assert (first.lines, first.not_itemised) == ((), wire.MADE_BY_HAND)
    pending = await provider._itemised(by_id[made[1]["id"]])
    assert (pending.amount, pending.status) == (2000, "pending")


async def test_an_automatic_payout_localstripe_cannot_itemise_is_not_itemised_without_an_error(
    raw: httpx.AsyncClient, stripe_client: stripe.StripeClient, provider: StripeProvider
) -> None:
    made = await _payout(stripe_client, 7000)
    # Stripe makes automatic payouts on its own schedule; localstripe never does, but takes the flag as an update.
    marked = await raw.post(f"/v1/payouts/{made['id']}", json={"automatic": True})
    assert marked.status_code == 200 and marked.json()["automatic"] is True
    answer = await raw.get("/v1/balance_transactions", params={"payout": made["id"]})
    assert (answer.status_code, answer.json()["error"]["message"]) == (400, "Unexpected payout")

    payout = await provider._itemised(marked.json())
    assert (payout.amount, payout.lines, payout.not_itemised) == (7000, (), wire.REFUSED)


async def test_a_charge_and_its_refund_read_as_lines_with_their_payment_intent(
    stripe_client: stripe.StripeClient,
) -> None:
    intent = await stripe_client.v1.payment_intents.create_async(
        {"amount": 49500, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )
    await stripe_client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 5000})
    # The balance transactions as the payout's own list answers them (sources expanded), here unfiltered.
    transactions = await wire._every(stripe_client.v1.balance_transactions.list_async, {"expand": ["data.source"]})
    lines = [wire._payout_line(txn) for txn in transactions]
    ours = [(line.type, line.gross, line.fee, line.net) for line in lines if line.payment_intent == intent.id]
    assert sorted(ours) == [("charge", 49500, 0, 49500), ("refund", -5000, 0, -5000)]


def test_the_payouts_own_transaction_is_not_a_line_of_it() -> None:
    # Stripe lists a payout's own balance transaction (money leaving the balance for the bank) among its lines.
    payout = {"id": "po_1", "balance_transaction": "txn_payout"}
    own = {"id": "txn_payout", "type": "payout", "source": {"id": "po_1", "object": "payout"}}
    charge = {"id": "txn_2", "type": "charge", "source": {"id": "ch_1", "payment_intent": "pi_1"}}
    assert wire._is_the_payout_itself(own, payout) and not wire._is_the_payout_itself(charge, payout)
