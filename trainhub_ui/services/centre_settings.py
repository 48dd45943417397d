"""A centre's settings as its admins change them: profile, branding, money and booking rules. The
settings form and `tenants.update_centre_settings` take one typed input, `SettingsChanges`; every field
refused is named with its message at once, so the form can mark each."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from email.utils import formataddr
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from models import Tenant
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import LOCALES
from trainhub_ui.domain.inputs import ServiceInput

from .accounts import email_problem

# ISO 4217 currencies with two decimal places: amounts are kept in hundredths (pence, cents).
_TWO_DECIMALS = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
    CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH
    USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG
"""
# ISO 4217 currencies with no or three decimal places, refused with a reason rather than as unknown.
_OTHER_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF BHD IQD JOD KWD LYD OMR TND"
CURRENCIES = frozenset(_TWO_DECIMALS.split())
OTHER_MINOR_UNITS = frozenset(_OTHER_DECIMALS.split())
COLOUR_PATTERN = re.compile(r"^#[0-9a-f]{6}$")
PHONE_PATTERN = re.compile(r"^[0-9+()\-. ]*$")
SENDER_PATTERN = re.compile(r"^(?:([^<>]+?)\s*<([^<>\s]+)>|([^<>\s]+))$")
VAT_PATTERN = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")
# A UK VAT registration number: GB and 9 digits, or 12 for a branch of a group registration.
VAT_NUMBER_PATTERN = re.compile(r"^GB(?:\d{9}|\d{12})$")
# White text sits on the brand colour in the public header and on buttons; WCAG asks 3:1 for large text.
MIN_CONTRAST_WITH_WHITE = 3.0
HOLD_MINUTES = (5, 1440)
DEPOSIT_PERCENT = (1, 100)
BALANCE_DUE_DAYS = (0, 365)
FULL_REFUND_DAYS = (0, 365)
OFFER_WINDOW_HOURS = (1, 168)
BALANCE_NOTICE_DAYS = (0, 365)
BOOKING_CUTOFF_HOURS = (0, 720)
# 0: a student's data is kept until they ask for it to be erased (stored as NULL).
RETENTION_MONTHS = (0, 240)
TEXT_LIMITS = {"name": 200, "legalName": 200, "tagline": 300, "contactPhone": 50, "address": 2000, "bankDetails": 2000}


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message)


class InvalidSettings(InvalidInput):
    """One or more settings refused. `field` names the first; `problems` has every field's message."""

    def __init__(self, problems: dict[str, str]) -> None:
        field, message = next(iter(problems.items()))
        super().__init__(field, message)
        self.problems = problems


# The settings a centre's admins change, by field name (as the API would name them) -> model attribute.
SETTINGS_FIELDS: dict[str, str] = {
    "name": "name",
    "legalName": "legal_name",
    "tagline": "tagline",
    "contactEmail": "contact_email",
    "contactPhone": "contact_phone",
    "address": "address",
    "brandColour": "brand_colour",
    "timezone": "timezone",
    "locale": "locale",
    "emailSender": "email_sender",
    "currency": "currency",
    "depositPercent": "deposit_percent",
    "holdMinutes": "hold_minutes",
    "balanceDueDays": "balance_due_days",
    "balanceNoticeDays": "balance_notice_days",
    "bookingCutoffHours": "booking_cutoff_hours",
    "fullRefundDays": "full_refund_days",
    "offerWindowHours": "offer_window_hours",
    "offersFullPayment": "offers_full_payment",
    "offersDeposit": "offers_deposit",
    "offersInvoice": "offers_invoice",
    "vatRate": "vat_rate_basis_points",
    "vatNumber": "vat_number",
    "bankDetails": "bank_details",
    "retentionMonths": "retention_months",
}


def centre_settings(tenant: Tenant) -> dict[str, Any]:
    """The current settings, keyed as `update_centre_settings` takes them (the VAT rate as a percent text)."""
    values: dict[str, Any] = {field: getattr(tenant, attribute) for field, attribute in SETTINGS_FIELDS.items()}
    values["vatRate"] = vat_percent_text(tenant.vat_rate_basis_points)
    values["retentionMonths"] = tenant.retention_months or 0
    return values


def vat_percent_text(basis_points: int | None) -> str:
    """2000 -> "20", 1750 -> "17.5", None -> ""."""
    if not basis_points:
        return ""
    return f"{Decimal(basis_points) / 100:.2f}".rstrip("0").rstrip(".")


def timezone_names() -> list[str]:
    return sorted(available_timezones())


def relative_luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_with_white(colour: str) -> float:
    return 1.05 / (relative_luminance(colour) + 0.05)


def _text(limit: int, *, required: str | None = None) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _refuse("Enter text.")
        value = value.strip()
        if required and not value:
            raise _refuse(required)
        if len(value) > limit:
            raise _refuse(f"Use at most {limit} characters.")
        if "\x00" in value:
            raise _refuse("Remove the NUL character.")
        return value

    return check


def _whole(bounds: tuple[int, int], unit: str) -> Callable[[object], int]:
    low, high = bounds

    def check(value: object) -> int:
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit():
                raise _refuse(f"Enter a whole number of {unit} from {low} to {high}.")
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _refuse(f"Enter a whole number of {unit} from {low} to {high}.")
        return value

    return check


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _refuse("Choose yes or no.")
    return value


def _phone(value: object) -> str:
    phone = _text(TEXT_LIMITS["contactPhone"])(value)
    if not PHONE_PATTERN.match(phone):
        raise _refuse("Use digits, spaces and + ( ) - only.")
    return phone


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise _refuse("Enter an email address.")
    value = value.strip()
    if not value:
        return ""
    address = value.lower()
    if email_problem(address):
        raise _refuse("Enter an email address like bookings@example.com.")
    return address


def _sender(value: object) -> str:
    """An address, or a name with it: `Bristol Gas Training <bookings@example.com>`."""
    if not isinstance(value, str):
        raise _refuse("Enter an email address.")
    value = value.strip()
    if not value:
        return ""
    if any(c in value for c in "\r\n\x00") or len(value) > 320:
        raise _refuse("Enter one email address, optionally with a name before it.")
    found = SENDER_PATTERN.match(value)
    display_name, address = (found.group(1) or "", found.group(2) or found.group(3)) if found else ("", "")
    if not address or email_problem(address.lower()) or '"' in display_name:
        raise _refuse("Enter an address like bookings@example.com, or Centre Name <bookings@example.com>.")
    return formataddr((display_name, address.lower())) if display_name else address.lower()


def _colour(value: object) -> str:
    colour = value.strip().lower() if isinstance(value, str) else ""
    if not COLOUR_PATTERN.match(colour):
        raise _refuse("Enter a colour as # and six hex digits, like #1d4ed8.")
    if contrast_with_white(colour) < MIN_CONTRAST_WITH_WHITE:
        raise _refuse("White text is hard to read on this colour: choose a darker one.")
    return colour


def _timezone(value: object) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if name not in available_timezones():
        raise _refuse("Choose a timezone from the list, like Europe/London.")
    return name


def _locale(value: object) -> str:
    if value not in LOCALES:
        raise _refuse("Choose how money and dates are written from the list.")
    return str(value)


def _currency(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code in CURRENCIES:
        return code
    if code in OTHER_MINOR_UNITS:
        raise _refuse(f"{code} has no hundredths: only currencies with two decimals are supported.")
    raise _refuse("Enter a three-letter ISO 4217 currency code, like GBP or EUR.")


def _vat(value: object) -> int | None:
    """A percent with up to two decimals ("20", "17.5", "5 %") to basis points; empty or 0 for no VAT."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _refuse("Enter the VAT rate as a percent, like 20.")
    text = value.strip().removesuffix("%").strip()
    if not text:
        return None
    if not VAT_PATTERN.match(text) or Decimal(text) > 100:
        raise _refuse("Enter a percent from 0 to 100 with at most two decimals, like 20 or 17.5.")
    basis_points = int(Decimal(text) * 100)
    return basis_points or None


def _vat_number(value: object) -> str:
    """GB and 9 or 12 digits, as HMRC issues it; spaces are dropped ("GB 123 4567 89"), empty for none."""
    if not isinstance(value, str):
        raise _refuse("Enter the VAT registration number, like GB123456789.")
    number = re.sub(r"[\s.-]", "", value).upper()
    if number and not VAT_NUMBER_PATTERN.match(number):
        raise _refuse("Enter a UK VAT number: GB and 9 digits (like GB123456789), or 12 for a group branch.")
    return number


def _retention(value: object) -> int | None:
    """Months after a past student's last activity until their data is erased; 0 (kept as None) keeps it
    until they ask."""
    return _whole(RETENTION_MONTHS, "months")(value) or None


def _checked(check: Callable[[object], Any]) -> Any:
    return PlainValidator(check)


class SettingsChanges(ServiceInput):
    """The settings to change, by their names on the wire (`holdMinutes`, `vatRate`...); a setting left out
    is kept. The VAT rate is a percent ("20", "17.5"); empty or 0 means no VAT."""

    name: Annotated[str, _checked(_text(TEXT_LIMITS["name"], required="Give the centre a name."))] = None
    legal_name: Annotated[str, _checked(_text(TEXT_LIMITS["legalName"]))] = None
    tagline: Annotated[str, _checked(_text(TEXT_LIMITS["tagline"]))] = None
    contact_email: Annotated[str, _checked(_email)] = None
    contact_phone: Annotated[str, _checked(_phone)] = None
    address: Annotated[str, _checked(_text(TEXT_LIMITS["address"]))] = None
    brand_colour: Annotated[str, _checked(_colour)] = None
    timezone: Annotated[str, _checked(_timezone)] = None
    locale: Annotated[str, _checked(_locale)] = None
    email_sender: Annotated[str, _checked(_sender)] = None
    currency: Annotated[str, _checked(_currency)] = None
    deposit_percent: Annotated[int, _checked(_whole(DEPOSIT_PERCENT, "percent"))] = None
    hold_minutes: Annotated[int, _checked(_whole(HOLD_MINUTES, "minutes"))] = None
    balance_due_days: Annotated[int, _checked(_whole(BALANCE_DUE_DAYS, "days"))] = None
    balance_notice_days: Annotated[int, _checked(_whole(BALANCE_NOTICE_DAYS, "days"))] = None
    booking_cutoff_hours: Annotated[int, _checked(_whole(BOOKING_CUTOFF_HOURS, "hours"))] = None
    full_refund_days: Annotated[int, _checked(_whole(FULL_REFUND_DAYS, "days"))] = None
    offer_window_hours: Annotated[int, _checked(_whole(OFFER_WINDOW_HOURS, "hours"))] = None
    offers_full_payment: Annotated[bool, _checked(_flag)] = None
    offers_deposit: Annotated[bool, _checked(_flag)] = None
    offers_invoice: Annotated[bool, _checked(_flag)] = None
    vat_rate_basis_points: Annotated[int | None, _checked(_vat), Field(alias="vatRate")] = None
    vat_number: Annotated[str, _checked(_vat_number)] = None
    bank_details: Annotated[str, _checked(_text(TEXT_LIMITS["bankDetails"]))] = None
    retention_months: Annotated[int | None, _checked(_retention)] = None

    @classmethod
    def read(cls, given: Mapping[str, object]) -> SettingsChanges:
        """The settings form's values (or any mapping by wire name) checked; InvalidSettings names every
        field refused, with its message."""
        try:
            return cls.model_validate(dict(given))
        except ValidationError as error:
            problems: dict[str, str] = {}
            for item in error.errors(include_url=False):
                field = str(item["loc"][0]) if item.get("loc") else "name"
                message = "This is not a setting of the centre." if item["type"] == "extra_forbidden" else item["msg"]
                problems.setdefault(field, message)
            raise InvalidSettings(problems) from None

    def given(self) -> dict[str, Any]:
        """The settings to change, by their names on the wire."""
        return {type(self).model_fields[name].alias or name: getattr(self, name) for name in self.model_fields_set}


def check_centre_settings(changes: Mapping[str, object]) -> dict[str, Any]:
    """Every given setting checked and cleaned, by its name on the wire; InvalidSettings names each refused."""
    return SettingsChanges.read(changes).given()
