"""Certificates (achievements): numbered per centre, dated, expiring with the course's validity, printable
as a PDF with a QR code of its public verification page, and revocable by staff with a reason."""

from __future__ import annotations

import calendar
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import segno
from fpdf import FPDF
from sqlalchemy import Row, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Achievement, Booking, Course, CourseSession, Customer, StaffRole, Tenant
from trainhub_ui.domain import audit
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.formatting import day_text

from .references import centre_prefix


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def verify_url(base_url: str, slug: str, code: str) -> str:
    return f"{base_url}/{slug}/verify/{code}"


async def issue_certificate(
    session: AsyncSession, ctx: TenantContext, booking: Booking, course: Course, issued_on: date
) -> Achievement:
    """The certificate of a booking that completed its course, with the centre's next number; a booking
    that already has one keeps it. Only a completed session's bookings get one."""
    completed = await session.scalar(
        select(CourseSession.is_completed).where(
            CourseSession.tenant_id == ctx.tenant_id, CourseSession.id == booking.session_id
        )
    )
    if not completed:
        raise DomainError("session_not_completed", "Certificates are issued when the session is completed.")
    existing = await session.scalar(
        select(Achievement).where(Achievement.tenant_id == ctx.tenant_id, Achievement.booking_id == booking.id)
    )
    if existing is not None:
        return existing
    number = (
        await session.execute(
            update(Tenant)
            .where(Tenant.id == ctx.tenant_id)
            .values(next_certificate_number=Tenant.next_certificate_number + 1)
            .returning(Tenant.next_certificate_number)
        )
    ).scalar_one() - 1
    months = course.certificate_validity_months
    achievement = Achievement(
        tenant_id=ctx.tenant_id,
        customer_id=booking.customer_id,
        course_id=course.id,
        session_id=booking.session_id,
        booking_id=booking.id,
        number=f"{centre_prefix(ctx.tenant.slug)}-C{number:06d}",
        issued_on=issued_on,
        expires_on=add_months(issued_on, months) if months else None,
        verification_code=secrets.token_urlsafe(12),
        revocation_reason="",
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    session.add(achievement)
    await session.flush()
    audit.record(session, ctx, "certificate.issued", "achievement", achievement.id, number=achievement.number)
    return achievement


async def get_certificate(session: AsyncSession, ctx: TenantContext, achievement_id: str) -> Achievement:
    found = await session.scalar(
        select(Achievement).where(Achievement.tenant_id == ctx.tenant_id, Achievement.id == achievement_id)
    )
    if found is None:
        raise NotFound("Certificate")
    return found


async def revoke_certificate(
    session: AsyncSession, ctx: TenantContext, achievement_id: str, reason: str
) -> Achievement:
    """Staff withdraw a certificate; the verification page says so from then on."""
    if not ctx.has_role(StaffRole.STAFF):
        raise DomainError("not_allowed", "Only staff can revoke a certificate.")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "Say why the certificate is revoked.")
    if len(reason) > 1000:
        raise InvalidInput("reason", "Use at most 1000 characters.")
    achievement = await get_certificate(session, ctx, achievement_id)
    if achievement.revoked_at is not None:
        raise DomainError("already_revoked", "This certificate is revoked already.")
    achievement.revoked_at = ctx.now()
    achievement.revocation_reason = reason
    achievement.updated_at = ctx.now()
    audit.record(session, ctx, "certificate.revoked", "achievement", achievement.id, reason=reason)
    return achievement


@dataclass(frozen=True)
class CertificateView:
    achievement: Achievement
    student: str  # empty once the holder is erased
    course: str
    session_dates: tuple[date, date] | None
    # The holder's personal data was erased: the certificate's number, course and dates still check, but
    # it names no one and its PDF is made for no one.
    holder_erased: bool = False

    def state(self, today: date) -> str:
        if self.achievement.revoked_at is not None:
            return "revoked"
        if self.achievement.expires_on is not None and self.achievement.expires_on < today:
            return "expired"
        return "valid"


ViewRow = tuple[Achievement, str, str, datetime | None, str, CourseSession | None]


def _view_query() -> Select[ViewRow]:
    return (
        select(Achievement, Customer.first_name, Customer.last_name, Customer.erased_at, Course.title, CourseSession)
        .join(Customer, Customer.id == Achievement.customer_id)
        .join(Course, Course.id == Achievement.course_id)
        .outerjoin(CourseSession, CourseSession.id == Achievement.session_id)
    )


def _view(row: Row[ViewRow]) -> CertificateView:
    achievement, first, last, erased_at, title, course_session = row
    dates = (course_session.start_date, course_session.end_date) if course_session is not None else None
    if erased_at is not None:
        return CertificateView(achievement, "", title, dates, holder_erased=True)
    return CertificateView(achievement, f"{first} {last}".strip(), title, dates)


async def certificates_of(session: AsyncSession, ctx: TenantContext, customer_id: str) -> list[CertificateView]:
    """A student's certificates at this centre, newest first."""
    rows = await session.execute(
        _view_query()
        .where(Achievement.tenant_id == ctx.tenant_id, Achievement.customer_id == customer_id)
        .order_by(Achievement.issued_on.desc(), Achievement.number.desc())
    )
    return [_view(row) for row in rows.all()]


async def certificate_view(session: AsyncSession, ctx: TenantContext, achievement_id: str) -> CertificateView:
    row = (
        await session.execute(
            _view_query().where(Achievement.tenant_id == ctx.tenant_id, Achievement.id == achievement_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Certificate")
    return _view(row)


async def verify(session: AsyncSession, tenant: Tenant, code: str) -> CertificateView | None:
    """The certificate behind a verification code at this centre; None for a code it never issued."""
    if not code or len(code) > 40:
        return None
    row = (
        await session.execute(
            _view_query().where(Achievement.tenant_id == tenant.id, Achievement.verification_code == code)
        )
    ).one_or_none()
    return _view(row) if row is not None else None


# --- the PDF --------------------------------------------------------------------------------------


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _rgb(colour: str) -> tuple[int, int, int]:
    try:
        value = colour.lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except (ValueError, IndexError):
        return 29, 78, 216


def certificate_pdf(tenant: Tenant, view: CertificateView, base_url: str) -> bytes:
    """An A4 landscape certificate in the centre's colour, with a QR code of its verification page."""
    achievement = view.achievement
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_compression(False)  # searchable and checkable text; a certificate is small either way
    pdf.set_title(f"Certificate {achievement.number}")
    pdf.set_author(_latin1(tenant.name))
    pdf.set_creation_date(datetime.combine(achievement.issued_on, datetime.min.time()))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    red, green, blue = _rgb(tenant.brand_colour)
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(red, green, blue)
    pdf.set_line_width(2.5)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_line_width(0.4)
    pdf.rect(12, 12, width - 24, height - 24)
    pdf.set_fill_color(red, green, blue)
    pdf.rect(12, 12, width - 24, 26, style="F")

    def centred(text: str, y: float, size: int, style: str = "", colour: tuple[int, int, int] = (15, 23, 42)) -> None:
        text = _latin1(text)
        pdf.set_font("Helvetica", style, size)
        while size > 10 and pdf.get_string_width(text) > width - 50:  # a long course title still fits one line
            size -= 1
            pdf.set_font("Helvetica", style, size)
        pdf.set_xy(20, y)
        pdf.set_text_color(*colour)
        pdf.cell(width - 40, size * 0.5, text, align="C")

    centred(tenant.name, 20, 20, "B", (255, 255, 255))
    centred("Certificate of achievement", 52, 30, "B")
    centred("This is to certify that", 72, 13, "", (71, 85, 105))
    centred(view.student, 84, 28, "B")
    centred("has successfully completed", 102, 13, "", (71, 85, 105))
    centred(view.course, 114, 22, "B")
    if view.session_dates is not None:
        start, end = view.session_dates
        held = (
            day_text(start, tenant.locale, "long_date")
            if start == end
            else f"{day_text(start, tenant.locale, 'long_date')} to {day_text(end, tenant.locale, 'long_date')}"
        )
        centred(f"Course held {held}", 130, 12, "", (71, 85, 105))

    pdf.set_text_color(15, 23, 42)
    pdf.set_font("Helvetica", "", 11)
    rows = [
        ("Certificate number", achievement.number),
        ("Issued", day_text(achievement.issued_on, tenant.locale, "long_date")),
        (
            "Valid until",
            day_text(achievement.expires_on, tenant.locale, "long_date") if achievement.expires_on else "No expiry",
        ),
    ]
    y = 150
    for label, value in rows:
        pdf.set_xy(30, y)
        pdf.set_font("Helvetica", "", 10)
        pdf.set_text_color(71, 85, 105)
        pdf.cell(45, 7, label)
        pdf.set_font("Helvetica", "B", 11)
        pdf.set_text_color(15, 23, 42)
        pdf.cell(80, 7, _latin1(value))
        y += 8
    address = verify_url(base_url, tenant.slug, achievement.verification_code)
    qr = io.BytesIO()
    segno.make(address, error="m").save(qr, kind="png", scale=6, border=1)
    qr.seek(0)
    pdf.image(qr, x=width - 30 - 42, y=140, w=42, h=42)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(71, 85, 105)
    pdf.set_xy(width - 30 - 100, 183)
    pdf.cell(100, 4, _latin1(f"Check it at {address}"), align="R")
    return bytes(pdf.output())


async def certificates_of_session(session: AsyncSession, ctx: TenantContext, session_id: str) -> list[CertificateView]:
    """The certificates a session's completion issued, by number."""
    rows = await session.execute(
        _view_query()
        .where(Achievement.tenant_id == ctx.tenant_id, Achievement.session_id == session_id)
        .order_by(Achievement.number)
    )
    return [_view(row) for row in rows.all()]
