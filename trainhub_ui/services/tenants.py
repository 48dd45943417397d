"""Centres (tenants): finding one by its URL slug, opening a new one, and its settings: profile,
branding and logo, money and booking rules."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from email.utils import formataddr
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CourseSession, StaffRole, Tenant
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound

from .accounts import email_problem
from .session_schedule import session_starts_at
from .staff import acting_role

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
# First path segments the application itself uses; a centre may not take them.
RESERVED_SLUGS = frozenset(
    {"api", "platform", "static", "assets", "admin", "login", "signup", "logout", "health", "docs", "favicon.ico"}
)


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot be a centre's address, or None."""
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        return "Use 3 to 63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen."
    if slug in RESERVED_SLUGS or slug.startswith("_"):
        return f"“{slug}” is reserved."
    return None


async def find_tenant(session: AsyncSession, slug: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.is_active.is_(True)))


async def get_tenant(session: AsyncSession, slug: str) -> Tenant:
    """The active centre at `slug`, or NotFound."""
    tenant = await find_tenant(session, slug)
    if tenant is None:
        raise NotFound("Training centre")
    return tenant


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    return list(await session.scalars(select(Tenant).where(Tenant.is_active.is_(True)).order_by(Tenant.name)))


async def create_tenant(session: AsyncSession, slug: str, name: str) -> Tenant:
    slug = slug.strip().lower()
    name = name.strip()
    if problem := slug_problem(slug):
        raise InvalidInput("slug", problem)
    if not name or len(name) > 200:
        raise InvalidInput("name", "Give the centre a name of 1 to 200 characters.")
    if await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise DomainError("tenant_exists", f"A centre already uses the address “{slug}”.", field="slug")
    tenant = Tenant(slug=slug, name=name)
    session.add(tenant)
    await session.flush()
    return tenant


# --- the centre's own settings, as its admins change them ------------------------------------------

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
# White text sits on the brand colour in the public header and on buttons; WCAG asks 3:1 for large text.
MIN_CONTRAST_WITH_WHITE = 3.0
HOLD_MINUTES = (5, 1440)
DEPOSIT_PERCENT = (1, 100)
BALANCE_DUE_DAYS = (0, 365)
FULL_REFUND_DAYS = (0, 365)
OFFER_WINDOW_HOURS = (1, 168)
BALANCE_NOTICE_DAYS = (0, 365)
BOOKING_CUTOFF_HOURS = (0, 720)
TEXT_LIMITS = {"name": 200, "tagline": 300, "contactPhone": 50, "address": 2000, "bankDetails": 2000}

LOGO_MAX_BYTES = 1024 * 1024
LOGO_URL_PREFIX = "/_media/logos"
LOGO_FILE_PATTERN = re.compile(r"^[0-9a-f-]{36}-[0-9a-f]{16}\.(png|jpg|webp)$")
LOGO_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


class InvalidSettings(InvalidInput):
    """One or more settings refused. `field` names the first; `problems` has every field's message."""

    def __init__(self, problems: dict[str, str]) -> None:
        field, message = next(iter(problems.items()))
        super().__init__(field, message)
        self.problems = problems


# The settings a centre's admins change, by field name (as the API would name them) -> model attribute.
SETTINGS_FIELDS: dict[str, str] = {
    "name": "name",
    "tagline": "tagline",
    "contactEmail": "contact_email",
    "contactPhone": "contact_phone",
    "address": "address",
    "brandColour": "brand_colour",
    "timezone": "timezone",
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
    "bankDetails": "bank_details",
}


def centre_settings(tenant: Tenant) -> dict[str, Any]:
    """The current settings, keyed as `update_centre_settings` takes them (the VAT rate as a percent text)."""
    values: dict[str, Any] = {field: getattr(tenant, attribute) for field, attribute in SETTINGS_FIELDS.items()}
    values["vatRate"] = vat_percent_text(tenant.vat_rate_basis_points)
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


def _text_setting(field: str, value: object, *, required: str | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "Enter text.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, required)
    if len(value) > TEXT_LIMITS[field]:
        raise InvalidInput(field, f"Use at most {TEXT_LIMITS[field]} characters.")
    if "\x00" in value:
        raise InvalidInput(field, "Remove the NUL character.")
    return value


def _whole_setting(field: str, value: object, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise InvalidInput(field, f"Enter a whole number of {unit} from {low} to {high}.")
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, f"Enter a whole number of {unit} from {low} to {high}.")
    return value


def _flag_setting(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, "Choose yes or no.")
    return value


def _email_setting(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, "Enter an email address.")
    value = value.strip()
    if not value:
        return ""
    address = value.lower()
    if email_problem(address):
        raise InvalidInput(field, "Enter an email address like bookings@example.com.")
    return address


def _sender_setting(value: object) -> str:
    """An address, or a name with it: `Bristol Gas Training <bookings@example.com>`."""
    if not isinstance(value, str):
        raise InvalidInput("emailSender", "Enter an email address.")
    value = value.strip()
    if not value:
        return ""
    if any(c in value for c in "\r\n\x00") or len(value) > 320:
        raise InvalidInput("emailSender", "Enter one email address, optionally with a name before it.")
    found = SENDER_PATTERN.match(value)
    display_name, address = (found.group(1) or "", found.group(2) or found.group(3)) if found else ("", "")
    if not address or email_problem(address.lower()) or '"' in display_name:
        raise InvalidInput(
            "emailSender", "Enter an address like bookings@example.com, or Centre Name <bookings@example.com>."
        )
    return formataddr((display_name, address.lower())) if display_name else address.lower()


def _colour_setting(value: object) -> str:
    colour = value.strip().lower() if isinstance(value, str) else ""
    if not COLOUR_PATTERN.match(colour):
        raise InvalidInput("brandColour", "Enter a colour as # and six hex digits, like #1d4ed8.")
    if contrast_with_white(colour) < MIN_CONTRAST_WITH_WHITE:
        raise InvalidInput("brandColour", "White text is hard to read on this colour: choose a darker one.")
    return colour


def _timezone_setting(value: object) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if name not in available_timezones():
        raise InvalidInput("timezone", "Choose a timezone from the list, like Europe/London.")
    return name


def _currency_setting(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code in CURRENCIES:
        return code
    if code in OTHER_MINOR_UNITS:
        raise InvalidInput("currency", f"{code} has no hundredths: only currencies with two decimals are supported.")
    raise InvalidInput("currency", "Enter a three-letter ISO 4217 currency code, like GBP or EUR.")


def _vat_setting(value: object) -> int | None:
    """A percent with up to two decimals ("20", "17.5", "5 %") to basis points; empty or 0 for no VAT."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput("vatRate", "Enter the VAT rate as a percent, like 20.")
    text = value.strip().removesuffix("%").strip()
    if not text:
        return None
    if not VAT_PATTERN.match(text) or Decimal(text) > 100:
        raise InvalidInput("vatRate", "Enter a percent from 0 to 100 with at most two decimals, like 20 or 17.5.")
    basis_points = int(Decimal(text) * 100)
    return basis_points or None


def _check_setting(field: str, value: object) -> Any:
    match field:
        case "name":
            return _text_setting(field, value, required="Give the centre a name.")
        case "tagline" | "address" | "bankDetails":
            return _text_setting(field, value)
        case "contactPhone":
            phone = _text_setting(field, value)
            if not PHONE_PATTERN.match(phone):
                raise InvalidInput(field, "Use digits, spaces and + ( ) - only.")
            return phone
        case "contactEmail":
            return _email_setting(field, value)
        case "emailSender":
            return _sender_setting(value)
        case "brandColour":
            return _colour_setting(value)
        case "timezone":
            return _timezone_setting(value)
        case "currency":
            return _currency_setting(value)
        case "depositPercent":
            return _whole_setting(field, value, DEPOSIT_PERCENT, "percent")
        case "holdMinutes":
            return _whole_setting(field, value, HOLD_MINUTES, "minutes")
        case "balanceDueDays":
            return _whole_setting(field, value, BALANCE_DUE_DAYS, "days")
        case "balanceNoticeDays":
            return _whole_setting(field, value, BALANCE_NOTICE_DAYS, "days")
        case "bookingCutoffHours":
            return _whole_setting(field, value, BOOKING_CUTOFF_HOURS, "hours")
        case "fullRefundDays":
            return _whole_setting(field, value, FULL_REFUND_DAYS, "days")
        case "offerWindowHours":
            return _whole_setting(field, value, OFFER_WINDOW_HOURS, "hours")
        case "offersFullPayment" | "offersDeposit" | "offersInvoice":
            return _flag_setting(field, value)
        case "vatRate":
            return _vat_setting(value)
    raise InvalidInput(field, "This is not a setting of the centre.")


def check_centre_settings(changes: Mapping[str, object]) -> dict[str, Any]:
    """Every given setting checked and cleaned, by field; InvalidSettings names each field refused."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field, value in changes.items():
        try:
            cleaned[field] = _check_setting(field, value)
        except InvalidInput as refused:
            problems[field] = refused.message
    if problems:
        raise InvalidSettings(problems)
    return cleaned


async def currency_locked(session: AsyncSession, ctx: TenantContext) -> bool:
    """Whether the centre has bookings, whose amounts are in its currency, so the currency stays."""
    return await session.scalar(select(Booking.id).where(Booking.tenant_id == ctx.tenant_id).limit(1)) is not None


async def _lock_tenant(session: AsyncSession, ctx: TenantContext) -> Tenant:
    tenant = await session.scalar(
        select(Tenant)
        .where(Tenant.id == ctx.tenant_id, Tenant.is_active.is_(True))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if tenant is None:
        raise NotFound("Training centre")
    return tenant


async def update_centre_settings(session: AsyncSession, ctx: TenantContext, changes: Mapping[str, object]) -> Tenant:
    """Change the given settings of the centre (ADMIN and up), recording what changed in the audit trail.

    The currency stays once the centre has bookings: their amounts are in it. A new timezone moves no
    session on the wall clock: each session's start is read again in it.
    """
    await acting_role(session, ctx, StaffRole.ADMIN)
    cleaned = check_centre_settings(changes)
    tenant = await _lock_tenant(session, ctx)
    changed = {field: value for field, value in cleaned.items() if getattr(tenant, SETTINGS_FIELDS[field]) != value}
    offers_card = changed.get("offersFullPayment", tenant.offers_full_payment) or changed.get(
        "offersDeposit", tenant.offers_deposit
    )
    if not offers_card:
        raise InvalidSettings(
            {"offersFullPayment": "Offer paying in full or a deposit: a company invoice suits company bookings only."}
        )
    if "currency" in changed and await currency_locked(session, ctx):
        raise InvalidSettings({"currency": f"The centre has bookings in {tenant.currency}: its currency stays."})
    if not changed:
        return tenant
    before = {field: getattr(tenant, SETTINGS_FIELDS[field]) for field in changed}
    for field, value in changed.items():
        setattr(tenant, SETTINGS_FIELDS[field], value)
    tenant.updated_at = ctx.now()
    if "timezone" in changed:
        await _restate_session_starts(session, tenant)
    record(
        session,
        ctx,
        "centre.settings_changed",
        "tenant",
        tenant.id,
        changes={field: [before[field], value] for field, value in changed.items()},
    )
    await session.flush()
    return tenant


async def _restate_session_starts(session: AsyncSession, tenant: Tenant) -> None:
    rows = await session.execute(
        select(CourseSession.id, CourseSession.start_date, CourseSession.start_time).where(
            CourseSession.tenant_id == tenant.id
        )
    )
    moved = [{"id": id_, "starts_at": session_starts_at(tenant, day, at)} for id_, day, at in rows]
    if moved:
        await session.execute(update(CourseSession), moved)


# --- the logo ---------------------------------------------------------------------------------------


def logo_url(tenant: Tenant) -> str | None:
    """Where the centre's logo is served, or None without one."""
    return f"{LOGO_URL_PREFIX}/{tenant.logo_path}" if tenant.logo_path else None


def logo_kind(data: bytes) -> str:
    """The file type of an uploaded logo from its first bytes (never from its name or what the browser
    says): png, jpg or webp. SVG is refused: it can carry script."""
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput("logo", f"The logo is {len(data) / 1024 / 1024:.1f} MB: use an image of at most 1 MB.")
    if not data:
        raise InvalidInput("logo", "That file is empty.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise InvalidInput("logo", "Use a PNG, JPEG or WebP image (SVG is not accepted).")


async def set_logo(
    session: AsyncSession, ctx: TenantContext, directory: Path, data: bytes
) -> tuple[Tenant, str | None]:
    """Store a new logo under `directory` and make it the centre's. Returns the centre and the file name
    of the logo it replaced (the caller removes that file once this transaction has committed)."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    kind = logo_kind(data)
    file_name = f"{ctx.tenant_id}-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    await asyncio.to_thread(_write_file, directory / file_name, data)
    tenant = await _lock_tenant(session, ctx)
    previous = tenant.logo_path
    tenant.logo_path = file_name
    tenant.updated_at = ctx.now()
    record(session, ctx, "centre.logo_changed", "tenant", tenant.id, logo=file_name, before=previous)
    return tenant, previous if previous != file_name else None


async def remove_logo(session: AsyncSession, ctx: TenantContext) -> tuple[Tenant, str | None]:
    """The centre shows its name without a logo. Returns the file name of the logo removed, if any."""
    await acting_role(session, ctx, StaffRole.ADMIN)
    tenant = await _lock_tenant(session, ctx)
    previous = tenant.logo_path
    if previous is not None:
        tenant.logo_path = None
        tenant.updated_at = ctx.now()
        record(session, ctx, "centre.logo_removed", "tenant", tenant.id, before=previous)
    return tenant, previous


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)  # whole or not at all: a reader never sees half a logo


def delete_logo_file(directory: Path, file_name: str | None) -> None:
    """Remove a logo no longer in use; a name that is not a logo's is left alone."""
    if file_name and LOGO_FILE_PATTERN.match(file_name):
        (directory / file_name).unlink(missing_ok=True)
