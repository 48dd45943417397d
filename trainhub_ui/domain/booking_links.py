"""The links that open a booking without a sign-in: its pay page (`/{slug}/pay/{reference}`) and what hangs
off it (the page the card provider returns to, the invoice and credit notes as PDF, the calendar file).

Each carries the booking's access token as `?t=`. The reference alone opens nothing: it is short enough to
read out over the phone, so it is short enough to guess.
"""

from __future__ import annotations

import hmac

from models import Booking

TOKEN_PARAMETER = "t"


def pay_path(slug: str, booking: Booking, tail: str = "") -> str:
    """The pay page, or `tail` under it ("/invoice.pdf", "/done"), as a path within the site."""
    return f"/{slug}/pay/{booking.reference}{tail}?{TOKEN_PARAMETER}={booking.access_token}"


def pay_url(base_url: str, slug: str, booking: Booking, tail: str = "") -> str:
    """`pay_path` as a whole address, for emails and the card provider."""
    return f"{base_url}{pay_path(slug, booking, tail)}"


def opens(booking: Booking, token: str) -> bool:
    """Whether `token` is the booking's own."""
    return same_token(booking.access_token, token)


def same_token(expected: str, given: str) -> bool:
    """Compared in constant time, so that how long the answer takes gives no hint of how close a guess was."""
    return hmac.compare_digest(expected.encode(), given.encode())
