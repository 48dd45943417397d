"""Payment providers behind one interface: the offline test mode and Stripe.

`provider()` is the process's provider, chosen from the settings: Stripe when
TRAINHUB_STRIPE_SECRET_KEY is set, otherwise the offline test mode (refused in production).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from trainhub_ui.config import Settings, get_settings

from .base import (
    BadSignature,
    Checkout,
    CheckoutRequest,
    CheckoutState,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    ProviderPayout,
    ProviderPayoutLine,
)
from .offline import OfflineProvider
from .stripe_provider import StripeProvider

__all__ = [
    "BadSignature",
    "Checkout",
    "CheckoutRequest",
    "CheckoutState",
    "OfflineProvider",
    "PaymentProvider",
    "ProviderError",
    "ProviderEvent",
    "ProviderPayout",
    "ProviderPayoutLine",
    "StripeProvider",
    "provider",
    "provider_for",
    "shortest_hold",
]

# Time for the student to get from the pay page through the provider's checkout.
HOLD_SLACK = timedelta(minutes=2)


def provider_for(settings: Settings) -> PaymentProvider:
    if settings.payment_provider_name == "stripe":
        return StripeProvider(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base or None,
        )
    return OfflineProvider()


_providers: dict[tuple[str, str, str, int], PaymentProvider] = {}


def provider() -> PaymentProvider:
    """The provider for the current settings and event loop.

    Stripe's async HTTP client belongs to the loop it was first used on: a server has one loop for its
    life, but tests start one per test, and settings may change between them.
    """
    settings = get_settings()
    try:
        loop = id(asyncio.get_running_loop())
    except RuntimeError:
        loop = 0
    key = (settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base, loop)
    if key not in _providers:
        if len(_providers) > 16:
            _providers.clear()
        _providers[key] = provider_for(settings)
    return _providers[key]


def shortest_hold() -> timedelta:
    """The shortest hold the process's provider can take a payment in (none offline; Stripe keeps a checkout
    open 30 minutes at least, so a card hold lasts that long, and a little more to reach it)."""
    shortest = StripeProvider.shortest_checkout if get_settings().payment_provider_name == "stripe" else timedelta(0)
    return shortest + HOLD_SLACK if shortest else shortest
