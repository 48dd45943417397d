"""The centre's settings as its admins change them: every field checked and named when refused, changes
audited, the currency kept once there are bookings, sessions restated in a new timezone, the logo."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AuditEntry, Booking, BookingStatus, CourseSession, PaymentOption, StaffRole, StaffUser, Tenant
from tests import factories
from trainhub_ui.db import Database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.services.centre_settings import (
    InvalidSettings,
    SettingsChanges,
    centre_settings,
    check_centre_settings,
    vat_percent_text,
)
from trainhub_ui.services.staff import NotAllowed
from trainhub_ui.services.tenants import (
    LOGO_MAX_BYTES,
    delete_logo_file,
    logo_url,
    remove_logo,
    set_logo,
    update_centre_settings,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def _centre(db: Database, role: StaffRole = StaffRole.ADMIN) -> TenantContext:
    async with db.transaction() as session:
        tenant = await factories.centre(session)
        await factories.staff(session, tenant, role)
        user = await session.scalar(select(StaffUser).where(StaffUser.tenant_id == tenant.id))
    assert user is not None
    return TenantContext(tenant=tenant, actor=user.email, role=role, user_id=user.id, clock=factories.Clock())


async def _update(db: Database, ctx: TenantContext, **changes: object) -> Tenant:
    async with db.transaction() as session:
        return await update_centre_settings(session, ctx, SettingsChanges.read(changes))


def _problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidSettings) as refused:
        check_centre_settings(changes)
    return refused.value.problems


async def test_admin_changes_every_setting_and_it_is_audited(db: Database) -> None:
    ctx = await _centre(db)
    tenant = await _update(
        db,
        ctx,
        name="  Bristol Gas Training  ",
        tagline="Gas safety since 1998",
        contactEmail="Office@Example.com",
        contactPhone="+44 (0)117 496 0000",
        address="1 Dock Road\nBristol",
        brandColour="#0F766E",
        timezone="Europe/Dublin",
        emailSender="Bristol Gas <Bookings@Example.com>",
        currency="eur",
        depositPercent="25",
        holdMinutes=30,
        balanceDueDays=21,
        fullRefundDays=10,
        offerWindowHours=12,
        offersFullPayment=True,
        offersDeposit=False,
        offersInvoice=False,
        vatRate="17.5 %",
        vatNumber="GB123456789",
        bankDetails="Sort code 00-00-00",
    )
    assert tenant.name == "Bristol Gas Training"
    assert tenant.contact_email == "office@example.com"
    assert tenant.brand_colour == "#0f766e"
    assert tenant.email_sender == "Bristol Gas <bookings@example.com>"
    assert (tenant.currency, tenant.deposit_percent, tenant.hold_minutes) == ("EUR", 25, 30)
    assert (tenant.offers_deposit, tenant.offers_invoice, tenant.vat_rate_basis_points) == (False, False, 1750)
    async with db.read() as session:
        stored = await session.get(Tenant, ctx.tenant_id)
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == ctx.tenant_id)))
    assert stored is not None and stored.timezone == "Europe/Dublin" and stored.full_refund_days == 10
    assert [e.action for e in entries] == ["centre.settings_changed"]
    assert entries[0].actor == ctx.actor
    assert entries[0].details["changes"]["depositPercent"] == [30, 25]
    assert entries[0].details["changes"]["vatRate"] == [None, 1750]
    assert centre_settings(stored)["vatRate"] == "17.5"


async def test_a_vat_rate_needs_a_vat_number(db: Database) -> None:
    ctx = await _centre(db)
    with pytest.raises(InvalidSettings) as refused:
        await _update(db, ctx, vatRate="20")
    assert refused.value.field == "vatNumber" and "VAT registration number" in refused.value.message
    await _update(db, ctx, vatRate="20", vatNumber="GB123456789")
    with pytest.raises(InvalidSettings) as cleared:
        await _update(db, ctx, vatNumber="")  # the number cannot go while VAT is charged
    assert cleared.value.field == "vatNumber"
    await _update(db, ctx, vatRate="", vatNumber="")  # both at once: no VAT
    async with db.read() as session:
        stored = await session.get(Tenant, ctx.tenant_id)
    assert stored is not None and (stored.vat_rate_basis_points, stored.vat_number) == (None, "")


async def test_unchanged_settings_write_no_audit_entry(db: Database) -> None:
    ctx = await _centre(db)
    await _update(db, ctx, **centre_settings(ctx.tenant))
    async with db.read() as session:
        assert await session.scalar(select(AuditEntry.id).where(AuditEntry.tenant_id == ctx.tenant_id)) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "   "),
        ("name", "x" * 201),
        ("tagline", "x" * 301),
        ("contactEmail", "not-an-email"),
        ("contactPhone", "call me"),
        ("brandColour", "blue"),
        ("brandColour", "#12345"),
        ("brandColour", "#ffff00"),  # white text would not read on it
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", ""),
        ("locale", "fr_FR"),
        ("locale", ""),
        ("currency", "POUNDS"),
        ("currency", "XYZ"),
        ("currency", "JPY"),  # no minor unit: amounts are hundredths
        ("depositPercent", 0),
        ("depositPercent", 101),
        ("depositPercent", "thirty"),
        ("depositPercent", 12.5),
        ("holdMinutes", 1),
        ("holdMinutes", 1441),
        ("holdMinutes", True),
        ("balanceDueDays", -1),
        ("balanceDueDays", 366),
        ("fullRefundDays", "-3"),
        ("offerWindowHours", 0),
        ("offersDeposit", "yes"),
        ("vatRate", "twenty"),
        ("vatRate", "20.125"),
        ("vatRate", "101"),
        ("vatRate", "-5"),
        ("emailSender", "bookings at example"),
        ("emailSender", "Bookings <bookings@example.com"),
        ("emailSender", "a@example.com\r\nBcc: victim@example.com"),
        ("bankDetails", "x" * 2001),
        ("legalName", "x" * 201),
        ("vatNumber", "123456789"),  # without GB
        ("vatNumber", "GB12345678"),  # 8 digits
        ("vatNumber", "GB1234567890"),  # 10 digits
        ("vatNumber", "DE123456789"),  # not a UK number
        ("vatNumber", 123456789),
        ("nextInvoiceNumber", 1),  # not a setting an admin changes here
    ],
)
def test_each_bad_setting_is_refused_naming_its_field(field: str, value: object) -> None:
    problems = _problems(**{field: value})
    assert list(problems) == [field]
    assert problems[field]


def test_all_bad_fields_are_named_at_once() -> None:
    problems = _problems(name="", currency="??", holdMinutes=0, depositPercent=30)
    assert set(problems) == {"name", "currency", "holdMinutes"}


@pytest.mark.parametrize(
    ("given", "basis_points"),
    [("20", 2000), ("17.5", 1750), ("5 %", 500), ("0.01", 1), (" ", None), ("0", None), (20, 2000), (None, None)],
)
def test_vat_rate_is_a_percent_with_up_to_two_decimals(given: object, basis_points: int | None) -> None:
    assert check_centre_settings({"vatRate": given})["vatRate"] == basis_points


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("GB123456789", "GB123456789"),
        ("gb 123 4567 89", "GB123456789"),
        ("GB123456789012", "GB123456789012"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_vat_number_is_gb_and_9_or_12_digits(given: str, stored: str) -> None:
    assert check_centre_settings({"vatNumber": given})["vatNumber"] == stored


def test_vat_number_and_legal_name_are_refused_with_their_messages() -> None:
    assert "GB123456789" in _problems(vatNumber="GB12")["vatNumber"]
    assert _problems(legalName="x" * 201)["legalName"] == "Use at most 200 characters."


async def test_legal_name_and_vat_number_are_stored(db: Database) -> None:
    ctx = await _centre(db)
    await _update(db, ctx, legalName="Bristol Gas Training Ltd", vatNumber="GB 987 6543 21")
    async with db.read() as session:
        stored = await session.get(Tenant, ctx.tenant_id)
    assert stored is not None
    assert (stored.legal_name, stored.vat_number) == ("Bristol Gas Training Ltd", "GB987654321")
    assert centre_settings(stored)["vatNumber"] == "GB987654321"


def test_vat_rate_is_shown_as_the_percent_typed() -> None:
    assert [vat_percent_text(x) for x in (None, 0, 2000, 1750, 1)] == ["", "", "20", "17.5", "0.01"]


async def test_bad_input_changes_nothing(db: Database) -> None:
    ctx = await _centre(db)
    with pytest.raises(InvalidSettings) as refused:
        await _update(db, ctx, name="Renamed", holdMinutes=0)
    assert refused.value.field == "holdMinutes"
    async with db.read() as session:
        stored = await session.get(Tenant, ctx.tenant_id)
    assert stored is not None and stored.name == "Test Centre" and stored.hold_minutes == 15


async def test_a_way_to_pay_by_card_stays_offered(db: Database) -> None:
    ctx = await _centre(db)
    with pytest.raises(InvalidSettings) as refused:
        await _update(db, ctx, offersFullPayment=False, offersDeposit=False, offersInvoice=True)
    assert refused.value.field == "offersFullPayment"
    await _update(db, ctx, offersFullPayment=False)  # the deposit is still offered


async def test_currency_stays_once_the_centre_has_bookings(db: Database) -> None:
    ctx = await _centre(db)
    await _update(db, ctx, currency="EUR")
    async with db.transaction() as session:
        course = await factories.course(session, ctx.tenant)
        item = await factories.course_session(session, course)
        student = await factories.customer(session, ctx.tenant)
        session.add(
            Booking(
                tenant_id=ctx.tenant_id,
                reference="TST-AAAAA",
                session_id=item.id,
                customer_id=student.id,
                status=BookingStatus.CONFIRMED,
                payment_option=PaymentOption.FULL,
                currency="EUR",
                total_amount=49500,
                balance_due=0,
            )
        )
    with pytest.raises(InvalidSettings) as refused:
        await _update(db, ctx, currency="GBP")
    assert refused.value.field == "currency"
    await _update(db, ctx, currency="EUR", name="Same currency is fine")


async def test_a_new_timezone_keeps_sessions_on_the_wall_clock(db: Database) -> None:
    ctx = await _centre(db)
    async with db.transaction() as session:
        course = await factories.course(session, ctx.tenant)
        item = await factories.course_session(session, course)
        item.start_time = time(9, 0)
    await _update(db, ctx, timezone="America/New_York")
    async with db.read() as session:
        stored = await session.get(CourseSession, item.id)
    assert stored is not None
    local = datetime.combine(stored.start_date, time(9, 0))
    # 09:00 in New York is 13:00 or 14:00 UTC, depending on daylight saving time.
    assert stored.starts_at.astimezone(UTC).replace(tzinfo=None) - local in {
        datetime(2000, 1, 1, 4) - datetime(2000, 1, 1),
        datetime(2000, 1, 1, 5) - datetime(2000, 1, 1),
    }


async def test_staff_and_instructors_cannot_change_settings(db: Database) -> None:
    ctx = await _centre(db, StaffRole.STAFF)
    with pytest.raises(NotAllowed):
        await _update(db, ctx, name="Taken over")


async def test_a_deactivated_admin_on_an_open_page_is_refused(db: Database) -> None:
    ctx = await _centre(db)
    async with db.transaction() as session:
        user = await session.get(StaffUser, ctx.user_id)
        assert user is not None
        user.is_active = False
    with pytest.raises(NotAllowed):
        await _update(db, ctx, name="Too late")


async def test_logo_png_jpeg_webp_stored_and_replaced(db: Database, tmp_path: Path) -> None:
    ctx = await _centre(db)
    for data, kind in ((PNG, "png"), (JPEG, "jpg"), (WEBP, "webp")):
        async with db.transaction() as session:
            tenant, previous = await set_logo(session, ctx, tmp_path, data)
        assert tenant.logo_path is not None and tenant.logo_path.endswith(f".{kind}")
        assert (tmp_path / tenant.logo_path).read_bytes() == data
        assert logo_url(tenant) == f"/_media/logos/{tenant.logo_path}"
        delete_logo_file(tmp_path, previous)
    assert os.listdir(tmp_path) == [tenant.logo_path]
    async with db.transaction() as session:
        tenant, previous = await remove_logo(session, ctx)
    assert tenant.logo_path is None and previous is not None
    async with db.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.tenant_id == ctx.tenant_id)))
    assert actions.count("centre.logo_changed") == 3 and "centre.logo_removed" in actions


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (SVG, "SVG is not accepted"),
        (b"GIF89a" + b"\x00" * 10, "PNG, JPEG or WebP"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * LOGO_MAX_BYTES, "at most 1 MB"),
    ],
)
async def test_logo_that_is_not_a_small_png_jpeg_or_webp_is_refused(
    db: Database, tmp_path: Path, data: bytes, message: str
) -> None:
    ctx = await _centre(db)
    with pytest.raises(InvalidInput) as refused:
        async with db.transaction() as session:
            await set_logo(session, ctx, tmp_path, data)
    assert refused.value.field == "logo"
    assert message in refused.value.message
    assert os.listdir(tmp_path) == []


def test_only_logo_file_names_are_ever_deleted(tmp_path: Path) -> None:
    keep = tmp_path / "trainhub.db"
    keep.write_text("data")
    delete_logo_file(tmp_path, "trainhub.db")
    delete_logo_file(tmp_path, "../trainhub.db")
    assert keep.exists()


async def test_the_booking_rules_settings_take_their_ranges_and_refuse_others(db: Database) -> None:
    ctx = await _centre(db)
    tenant = await _update(db, ctx, balanceNoticeDays=10, bookingCutoffHours=24)
    assert (tenant.balance_notice_days, tenant.booking_cutoff_hours) == (10, 24)
    assert _problems(balanceNoticeDays=-1, bookingCutoffHours=721) == {
        "balanceNoticeDays": "Enter a whole number of days from 0 to 365.",
        "bookingCutoffHours": "Enter a whole number of hours from 0 to 720.",
    }
    assert _problems(bookingCutoffHours="soon") == {
        "bookingCutoffHours": "Enter a whole number of hours from 0 to 720."
    }


async def test_a_centre_chooses_how_its_money_and_dates_are_written(db: Database) -> None:
    ctx = await _centre(db)
    assert centre_settings(ctx.tenant)["locale"] == "en_GB"
    tenant = await _update(db, ctx, locale="en_US")
    assert tenant.locale == "en_US"
    assert _problems(locale="de_DE") == {"locale": "Choose how money and dates are written from the list."}
