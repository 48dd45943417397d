"""Checking what staff type and callers send before it reaches a course, a session or a booking.

Each check answers the cleaned value or raises `InvalidInput` naming the field as the API spells it, with a
message a centre's staff can act on. A `...Changes` leaves a field it does not change as `KEEP`.
"""

from __future__ import annotations

import enum
from dataclasses import fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from trainhub_ui.domain.errors import InvalidInput

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_LONG_TEXT = 10_000
# Ids are UUIDs; anything longer or with a NUL cannot be one, and PostgreSQL refuses a NUL outright.
MAX_ID_LENGTH = 64


class Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""In a `...Changes`, a field left as KEEP is not changed."""


def changes_given(changes: DataclassInstance) -> dict[str, Any]:
    """The fields of a `...Changes` that are to change, by name."""
    return {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not KEEP}


def text(field: str, value: object, max_length: int, *, strip: bool = True, required: str | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "Enter text.")
    if strip:
        value = value.strip()
    if required and not value:
        raise InvalidInput(field, required)
    if len(value) > max_length:
        raise InvalidInput(field, f"Use at most {max_length} characters.")
    if "\x00" in value:
        raise InvalidInput(field, "Remove the NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(field, "Use valid Unicode text.") from None
    return value


def whole(field: str, value: object, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(field, f"Give {what} as a whole number.")
    if not low <= value <= high:
        raise InvalidInput(field, f"Give {what} from {low} to {high}.")
    return value


def flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, "Give true or false.")
    return value


def is_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
