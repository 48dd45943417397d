"""Payment providers behind one interface: the offline test mode and Stripe.

`provider()` is the process's provider, chosen from the settings: Stripe when
TRAINHUB_STRIPE_SECRET_KEY is set, otherwise the offline test mode (refused in production).
"""

from __future__ import annotations

import asyncio

from trainhub_ui.config import Settings, get_settings

from .base import (
    BadSignature,
    Checkout,
    CheckoutRequest,
    CheckoutState,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
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
    "StripeProvider",
    "provider",
    "provider_for",
]


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
