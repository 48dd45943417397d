"""A booking taken on the phone or at the desk: an existing student or a new one, what and how they pay, then
the pay link to read to them, or the payment recorded with the booking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nicegui import ui

from models import BookingStatus, Course, CourseSession, PaymentOption, Tenant
from trainhub_ui.components.forms import Form, answer_of, section
from trainhub_ui.config import get_settings
from trainhub_ui.db import database
from trainhub_ui.domain.booking_links import pay_url
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import money, session_dates, time_of_day
from trainhub_ui.payments import shortest_hold
from trainhub_ui.services import roster, students
from trainhub_ui.services.online_booking import payment_choices
from trainhub_ui.services.roster import PhoneBooking

STUDENTS_SHOWN = 8
PAID_BY_LINK = "link"
PAID_NOW = "now"


async def phone_booking_dialog(ctx: TenantContext, course: Course, item: CourseSession) -> bool:
    """Book a place for a customer on the phone or at the desk: an existing student or a new one, how they
    pay, then the pay link to read to them (or the payment recorded). Answers whether a booking was made."""
    tenant = ctx.tenant
    choices = payment_choices(ctx, course, item.start_date, for_company=True)
    hold_minutes = int(max(timedelta(minutes=tenant.hold_minutes), shortest_hold()).total_seconds() // 60)
    chosen: dict[str, Any] = {"student": None, "booked": False}
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label(f"Add a booking: {session_dates(item, tenant.locale)}").classes("text-lg font-semibold")
        body = ui.column().classes("w-full gap-3")
        with body:
            form = Form()
            section("Who is booking")
            who = (
                ui.toggle({"known": "Existing student", "new": "New student"}, value="known")
                .props("no-caps unelevated toggle-color=primary")
                .mark("student-kind")
            )
            with ui.column().classes("w-full gap-2") as known_box:
                search = form.add(
                    "customerId",
                    ui.input("Find a student by name, email or company", on_change=lambda e: find(e.value or ""))
                    .props("outlined dense clearable debounce=250")
                    .classes("w-full")
                    .mark("student-search"),
                )
                found_list = ui.column().classes("w-full gap-1")
                picked = ui.label().classes("text-sm font-semibold text-green-800").mark("picked-student")
            with ui.column().classes("w-full gap-2") as new_box:
                with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                    first_name = form.add("firstName", ui.input("First name").props("outlined dense")).classes("flex-1")
                    first_name.mark("new-first-name")
                    last_name = form.add("lastName", ui.input("Last name").props("outlined dense")).classes("flex-1")
                    last_name.mark("new-last-name")
                with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                    email = form.add("email", ui.input("Email").props("outlined dense type=email")).classes("flex-1")
                    email.mark("new-email")
                    phone = form.add("phone", ui.input("Phone").props("outlined dense type=tel")).classes("flex-1")
                    phone.mark("new-phone")
            known_box.bind_visibility_from(who, "value", value="known")
            new_box.bind_visibility_from(who, "value", value="new")
            section("What they pay")
            if not choices:
                ui.label(f"{tenant.name} offers no way to pay: set the payment options in Settings.").classes(
                    "text-red-800"
                )
            option = form.add(
                "paymentOption",
                ui.radio(
                    {
                        c.option.value: f"{c.title} — {money(c.due_now, tenant.currency, tenant.locale)} now"
                        if c.option is not PaymentOption.INVOICE
                        else f"{c.title} — confirmed now, paid by bank transfer"
                        for c in choices
                    },
                    value=choices[0].option.value if choices else None,
                ),
            ).mark("payment-option")
            how_caption = section("How they pay")
            how = form.add(
                "paidNow",
                ui.radio(
                    {
                        PAID_BY_LINK: f"By card at the pay link (the place is held {hold_minutes} minutes)",
                        PAID_NOW: "Paid now: cash, card machine or bank transfer (recorded with the booking)",
                    },
                    value=PAID_BY_LINK,
                ),
            ).mark("paid-how")
            with ui.column().classes("w-full gap-2") as company_box:
                with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                    company = form.add("companyName", ui.input("Company billed").props("outlined dense"))
                    company.classes("flex-1").mark("company-name")
                    po_number = form.add("poNumber", ui.input("PO number").props("outlined dense")).classes("w-40")
                billing_address = form.add(
                    "billingAddress",
                    ui.textarea("Billing address (for the invoice)").props("outlined dense autogrow rows=2"),
                )
                billing_address.classes("w-full").mark("billing-address")
            how.bind_visibility_from(option, "value", backward=lambda v: v != PaymentOption.INVOICE.value)
            how_caption.bind_visibility_from(option, "value", backward=lambda v: v != PaymentOption.INVOICE.value)
            company_box.bind_visibility_from(option, "value", value=PaymentOption.INVOICE.value)
            requests = form.add(
                "specialRequests", ui.input("Special requests (optional)").props("outlined dense")
            ).classes("w-full")
            form.problem.move()
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
                book_button = ui.button("Book the place", on_click=lambda: book()).props(
                    "unelevated color=primary no-caps"
                )
                book_button.mark("confirm-booking").set_enabled(bool(choices))

        async def find(text: str) -> None:
            found_list.clear()
            if len(text.strip()) < 2:
                return
            async with database().read() as session:
                page = await students.search_students(session, ctx, query=text, limit=STUDENTS_SHOWN)
            with found_list:
                if not page.items:
                    ui.label("No student matches; add them as a new student.").classes("text-sm text-slate-600")
                for person in page.items:
                    line = f"{person.full_name} · {person.email}" + (
                        f" · {person.company_name}" if person.company_name else ""
                    )
                    ui.button(line, on_click=lambda p=person: pick(p)).props("flat dense no-caps align=left").classes(
                        "w-full text-left"
                    ).mark(f"pick-{person.email}")

        def pick(person: Any) -> None:
            chosen["student"] = person
            picked.set_text(f"Booking for {person.full_name} ({person.email})")
            search.error = None
            if not company.value:
                company.value = person.company_name
            if not po_number.value:
                po_number.value = person.po_number

        async def book() -> None:
            form.clear()
            try:
                new_student = None
                customer_id = None
                if who.value == "known":
                    customer_id = chosen["student"].id if chosen["student"] is not None else None
                else:
                    new_student = students.NewStudent(
                        first_name=first_name.value or "",
                        last_name=last_name.value or "",
                        email=email.value or "",
                        phone=phone.value or "",
                    )
                request = PhoneBooking(
                    session_id=item.id,
                    payment_option=PaymentOption(option.value),
                    customer_id=customer_id,
                    new_student=new_student,
                    paid_now=option.value != PaymentOption.INVOICE.value and how.value == PAID_NOW,
                    special_requests=requests.value or "",
                    company_name=company.value or "",
                    po_number=po_number.value or "",
                    billing_address=billing_address.value or "",
                )
            except DomainError as error:
                form.show(error)
                return
            book_button.props("loading")
            try:
                booked = await roster.book_for_customer(database(), ctx, request)
            except DomainError as error:
                form.show(error)
                return
            finally:
                book_button.props(remove="loading")
            chosen["booked"] = True
            body.clear()
            with body:
                _phone_booking_done(tenant, booked)
                with ui.row().classes("w-full justify-end"):
                    ui.button("Done", on_click=lambda: dialog.submit(True)).props(
                        "unelevated color=primary no-caps"
                    ).mark("booking-done")

    await answer_of(dialog)
    return bool(chosen.get("booked"))


def _phone_booking_done(tenant: Tenant, booked: roster.PhoneBooked) -> None:
    locale = tenant.locale
    booking = booked.booking
    with ui.column().classes("gap-2 w-full").mark("phone-booked"):
        with ui.row().classes("items-center gap-2"):
            ui.icon("check_circle").classes("text-3xl text-green-700")
            ui.label(f"Booked for {booked.student.full_name}: {booking.reference}").classes(
                "text-lg font-semibold"
            ).mark("booked-reference")
        if booking.status is BookingStatus.PENDING:
            link = pay_url(get_settings().base_url, tenant.slug, booking)
            held = ""
            if booking.hold_expires_at is not None:
                held = f" The place is held until {time_of_day(tenant, booking.hold_expires_at)}."
            ui.label(f"Read them the pay link, or send it to {booked.student.email}.{held}").classes("text-slate-700")
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.input("Pay link", value=link).props("outlined dense readonly").classes("flex-1").mark("pay-link")
                ui.button(icon="content_copy", on_click=lambda: ui.clipboard.write(link)).props(
                    "flat round aria-label='Copy the pay link'"
                )
            ui.label(f"Their reference is {' '.join(booking.reference)} — spelled out for the phone.").classes(
                "text-sm text-slate-600"
            )
        elif booked.paid_now:
            ui.label(
                f"{money(booked.paid_now, booking.currency, locale)} recorded as received; the place is confirmed."
                + (
                    f" {money(booking.balance_due, booking.currency, locale)} is still due."
                    if booking.balance_due
                    else ""
                )
            ).classes("text-slate-700").mark("paid-now")
        else:
            ui.label(
                f"Confirmed on a company invoice of {money(booking.total_amount, booking.currency, locale)}, "
                "paid by bank transfer; record it on the roster when it comes."
            ).classes("text-slate-700")
