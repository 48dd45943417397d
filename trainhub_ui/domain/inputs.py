"""What people and programs send, checked once: the typed inputs of the services.

A service's input is a `ServiceInput` (pydantic). The API takes it as its body, so a bad field is a 422
naming it; a page builds the same model from its form, so the same field gets the same message at the
field (`InvalidInput`). The field types here (a day, a time of day, a whole number in a range, a text of
a length) carry the messages a centre's staff and students can act on."""

from __future__ import annotations

import re
from datetime import date, time
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictFloat,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

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


# --- field types with the messages people read -----------------------------------------------------


def _fail(message: str) -> PydanticCustomError:
    # A custom error keeps the message as written (a ValueError would be prefixed "Value error, ").
    return PydanticCustomError("invalid", message)


def whole(low: int, high: int, what: str) -> Any:
    """A whole number from `low` to `high`: "Give the number of days from 1 to 365." A form's number field
    sends 12.0 for 12, so a float without a fraction is the same number; left empty it sends "" (see
    `components.forms.entered`)."""

    def check(value: object) -> int:
        if value is None or value == "":
            raise _fail(f"Give {what}.")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(f"Give {what} as a whole number.")
        if not low <= value <= high:
            raise _fail(f"Give {what} from {low} to {high}.")
        return value

    return Annotated[int, PlainValidator(check), WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})]


def words(max_length: int, *, required: str | None = None, strip: bool = True) -> Any:
    """Text of at most `max_length` characters, stripped unless `strip` is False; `required` is the
    message when it is left empty."""

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _fail("Enter text.")
        if strip:
            value = value.strip()
        if required and not value:
            raise _fail(required)
        if len(value) > max_length:
            raise _fail(f"Use at most {max_length} characters.")
        if NUL in value:
            raise _fail("Remove the NUL character.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail("Use valid Unicode text.") from None
        return value

    return Annotated[str, PlainValidator(check), WithJsonSchema({"type": "string", "maxLength": max_length})]


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail("Give true or false.")
    return value


def _day(value: object) -> date:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _fail("Choose a date.")
    try:
        return iso_date(value)
    except ValueError as error:
        raise _fail(str(error)) from None


def _clock(value: object) -> time:
    try:
        return clock(value)
    except ValueError as error:
        raise _fail(str(error)) from None


# A day and a time of day, as a date field and a time field of a form send them and as JSON carries them.
IsoDate = Annotated[
    date, PlainValidator(_day), WithJsonSchema({"type": "string", "format": "date", "example": "2025-01-15"})
]
Clock = Annotated[time, PlainValidator(_clock), WithJsonSchema({"type": "string", "pattern": CLOCK.pattern})]
Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]

NUL = "\x00"
MAX_TEXT = 10_000
# Ids are UUIDs; anything longer or with a NUL cannot be one, and PostgreSQL refuses a NUL outright.
MAX_ID_LENGTH = 64
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
EmailText = Annotated[str, Field(max_length=320)]
Fraction = Annotated[StrictFloat | StrictInt, Field(gt=0, le=1)]  # 0.3 = 30 %


def is_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


# --- the inputs -----------------------------------------------------------------------------------


class ServiceInput(BaseModel):
    """What a service takes, checked once: snake_case in Python, camelCase on the wire, unknown fields
    refused, and no NUL character in any text (PostgreSQL cannot store one).

    The API validates its bodies with these models (a bad field answers 422 naming it); built in Python,
    as a page does from its form, a bad field raises `InvalidInput` naming the same field with the same
    message, which the page shows at that field."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", from_attributes=True, frozen=True
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise _invalid_input(type(self), error) from None

    # Marked as pydantic's own constructor, so that validating a body (the API, `model_validate`) keeps
    # pydantic's errors, every field's; only a model built in Python raises InvalidInput.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_character(cls, value: object) -> object:
        if isinstance(value, str) and NUL in value:
            raise _fail("Remove the NUL character.")
        return value


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def checked(kind: Any, field: str, value: object) -> Any:
    """One value read as a field type of these inputs, for a service that takes a lone value (a reason,
    say): the same message, raised as `InvalidInput` naming `field`."""
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError as error:
        raise InvalidInput(field, error.errors(include_url=False)[0]["msg"]) from None


def _invalid_input(model: type[BaseModel], error: ValidationError) -> InvalidInput:
    """The first problem of `error` as the field's wire name and its message."""
    first = error.errors(include_url=False)[0]
    location = first.get("loc", ())
    name = str(location[0]) if location else None
    if name in model.model_fields:
        name = model.model_fields[name].alias or name
    message = first.get("msg", "This value cannot be used.")
    if first.get("type") == "missing":
        message = "Fill in this field."
    return InvalidInput(name, message)


class Changes(ServiceInput):
    """Changes to some fields of a thing: a field left out is kept as it is. Null is refused except in the
    fields named in `may_be_cleared` (where it clears the value)."""

    may_be_cleared: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.may_be_cleared:
            raise _fail("This field cannot be null; leave it out to keep it as it is.")
        return value

    def given(self) -> dict[str, Any]:
        """The fields to change, by their Python names."""
        return {name: getattr(self, name) for name in self.model_fields_set}
