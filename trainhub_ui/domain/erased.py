"""What an erased student's record says in place of their personal data (`services/erasure.py`)."""

from __future__ import annotations

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "student"
# What stands in a kept text where the student's name, email or phone was.
ERASED_TEXT = "(erased)"
# A domain reserved never to exist (RFC 2606): nothing can be delivered there, and each address is unique.
ERASED_DOMAIN = "erased.invalid"


def erased_email(customer_id: str) -> str:
    """The erased student's address: unique at the centre, as the record's constraint asks, and no one's."""
    return f"erased-{customer_id}@{ERASED_DOMAIN}"


def is_erased_address(address: str) -> bool:
    return address.lower().endswith(f"@{ERASED_DOMAIN}")
