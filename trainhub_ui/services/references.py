"""Booking references: short, readable over the phone, unique (e.g. BGT-7K3QX)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking

# Without 0/O and 1/I, a reference read out over the phone cannot be misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 5


def centre_prefix(slug: str) -> str:
    """Initials of the centre's slug: bristol-gas-training -> BGT."""
    initials = "".join(part[0] for part in slug.split("-") if part)[:3].upper()
    return initials.ljust(3, "X")


def random_reference(prefix: str, choose: Callable[[str], str] = secrets.choice) -> str:
    """`choose` picks one character; the demo passes a seeded generator's, for stable references."""
    return prefix + "-" + "".join(choose(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


async def new_booking_reference(session: AsyncSession, slug: str) -> str:
    """A reference no booking has yet (32^5 codes per centre prefix; a clash is retried)."""
    prefix = centre_prefix(slug)
    while True:
        reference = random_reference(prefix)
        if await session.scalar(select(Booking.id).where(Booking.reference == reference)) is None:
            return reference
