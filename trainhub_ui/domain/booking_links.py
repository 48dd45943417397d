"""The links that open a booking without a sign-in: its pay page (`/{slug}/pay/{reference}`) and what hangs
off it (the page the card provider returns to, the invoice and credit notes as PDF, the calendar file), and
the page where a guest's company invoice is confirmed by whoever it is billed to.

Each carries the booking's access token as `?t=`. The reference alone opens nothing: it is short enough to
read out over the phone, so it is short enough to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

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


# --- a guest's company invoice, confirmed by whoever receives it -------------------------------------

CONFIRMATION_PARAMETER = "c"
CONFIRMATION_CODE_BYTES = 24  # 192 bits


def new_confirmation_code() -> str:
    """The code an invoice's confirmation link carries; only its hash is kept (`confirmation_hash`), so that
    nobody who reads the database can confirm an invoice in a company's name."""
    return secrets.token_urlsafe(CONFIRMATION_CODE_BYTES)


def confirmation_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def confirms(booking: Booking, code: str) -> bool:
    """Whether `code` is the one last sent to confirm this booking's invoice (kept after it was used, so that
    the link again shows the booking as it now is)."""
    kept = booking.invoice_confirmation_hash
    return bool(kept and code) and same_token(kept, confirmation_hash(code))


def invoice_confirmation_url(base_url: str, slug: str, booking: Booking, code: str) -> str:
    """The page where whoever the invoice is billed to confirms it (or says it is not theirs)."""
    return f"{base_url}/{slug}/invoice-confirmation/{booking.reference}?{CONFIRMATION_PARAMETER}={code}"
