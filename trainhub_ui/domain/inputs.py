"""Reading what people and programs send: a day, a time of day, a whole number. One reader of each, used by
the API's models (as pydantic types) and by the pages' forms (raising InvalidInput at the field), so a
date typed in the back office and a date posted to the API are checked by the same code with the same
message."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictFloat,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel

from .errors import InvalidInput

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")
DATE_MESSAGE = "Give a date as YYYY-MM-DD."
CLOCK_MESSAGE = "Give a time like 09:00."


def iso_date(value: object) -> date:
    """2025-01-15 (a date passes as it is); ValueError with the message for people otherwise."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value.strip()):
        raise ValueError(DATE_MESSAGE)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:  # 2026-13-45: the right shape, but no such day
        raise ValueError(DATE_MESSAGE) from None


def clock(value: object) -> time:
    """09:00 or 09:00:30 (a time passes as it is); ValueError with the message for people otherwise."""
    if isinstance(value, time):
        return value
    match = CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(CLOCK_MESSAGE)
    hour, minute, second = match.groups()
    return time(int(hour), int(minute), int(second or 0))


# The same readers as pydantic field types, for the API's bodies.
IsoDate = Annotated[
    date, PlainValidator(iso_date), WithJsonSchema({"type": "string", "format": "date", "example": "2025-01-15"})
]
Clock = Annotated[time, PlainValidator(clock), WithJsonSchema({"type": "string", "pattern": CLOCK.pattern})]


def read_day(field: str, text: str | None, *, required: bool = True) -> date | None:
    """A day typed in a form; None when left empty and not `required`."""
    if not (text or "").strip():
        if required:
            raise InvalidInput(field, "Choose a date.")
        return None
    try:
        return iso_date(text)
    except ValueError as error:
        raise InvalidInput(field, str(error)) from None


def read_clock(field: str, text: str | None) -> time:
    """A time of day typed in a form."""
    try:
        return clock(text or "")
    except ValueError as error:
        raise InvalidInput(field, str(error)) from None


def read_whole(field: str, value: float | str | None, what: str, *, required: bool = True) -> int | None:
    """A whole number from a number input; the range is the service's to check."""
    if value is None or value == "":
        if required:
            raise InvalidInput(field, f"Give {what}.")
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(field, f"Give {what} as a whole number.") from None
    if not number.is_integer():
        raise InvalidInput(field, f"Give {what} as a whole number.")
    return int(number)


# --- typed inputs of the services, which the API takes as its bodies -----------------------------

NUL = "\x00"
MAX_TEXT = 10_000
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
EmailText = Annotated[str, Field(max_length=320)]
Fraction = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1)]  # 0.3 = 30 %


class ServiceInput(BaseModel):
    """What a service takes, checked once: snake_case in Python, camelCase on the wire, unknown fields
    refused, and no NUL character in any text (PostgreSQL cannot store one)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", from_attributes=True, frozen=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_character(cls, value: object) -> object:
        if isinstance(value, str) and NUL in value:
            raise ValueError("must not contain the NUL character")
        return value
