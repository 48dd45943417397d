"""The booking wizard at /{slug}/courses/{course_id}/book: session, your details, payment, review.

Booking hands over to the pay page (/{slug}/pay/{reference}), which takes the card payment (or the
test mode's) and shows the confirmation; a company invoice booking goes there confirmed already.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote

from nicegui import APIRouter, ui

from models import PaymentOption
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.frames import public_frame
from trainhub_ui.components.live_places import LivePlaces
from trainhub_ui.components.rate_limited import wait_message
from trainhub_ui.components.terms_acceptance import TermsAcceptance, terms_in_force
from trainhub_ui.db import database
from trainhub_ui.domain.booking_links import pay_path
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_text, money, session_dates
from trainhub_ui.domain.signals import CapacityChanged
from trainhub_ui.events import capacity_changed
from trainhub_ui.rate_limits import Door
from trainhub_ui.services.bookings import Refused, billing_address_problem
from trainhub_ui.services.centre_terms import ACCEPT_FIELD
from trainhub_ui.services.online_booking import (
    Guest,
    OnlineBooking,
    PaymentChoice,
    book_online,
    join_waiting_list_online,
    payment_choices,
)
from trainhub_ui.services.storefront import SessionCard

from .loading import load_course

router = APIRouter()


@dataclass
class Choices:
    """What the student has chosen so far; the wizard's inputs are bound to it."""

    session_id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    for_company: bool = False
    company_name: str = ""
    billing_email: str = ""
    po_number: str = ""
    billing_address: str = ""
    special_requests: str = ""
    payment_option: str = PaymentOption.FULL.value
    full: set[str] = field(default_factory=set)  # sessions seen full while the wizard is open


@router.page("/{slug}/courses/{course_id}/book")
async def booking_wizard(slug: str, course_id: str, session: str = "") -> None:
    found = await load_course(slug, course_id, actor="Student (online booking)")
    if found is None:
        return
    ctx, card = found
    tenant = ctx.tenant
    locale = tenant.locale
    student = await signed_in_student(tenant)
    course = card.course
    sessions = {s.id: s for s in card.sessions}
    chosen = Choices(session_id=session if session in sessions else "")
    chosen.full = {s.id for s in card.sessions if s.places_left <= 0}
    live = LivePlaces(tenant.id)
    here = f"/{slug}/courses/{course.id}/book"
    terms_version = await terms_in_force(ctx)

    with public_frame(tenant, student, f"Book {course.title}"):
        ui.label(f"Book {course.title}").classes("text-2xl sm:text-3xl font-bold text-slate-900")
        if not sessions:
            ui.label("No dates are open for booking just now.").classes("text-slate-600")
            return
        stepper = ui.stepper().props("vertical flat").classes("w-full max-w-3xl")
        with stepper:
            with ui.step("Choose a date", icon="event"):
                session_choice = (
                    ui.radio({s.id: session_dates(s, locale) for s in card.sessions}, value=chosen.session_id or None)
                    .bind_value(chosen, "session_id")
                    .mark("session-choice")
                )
                with ui.column().classes("gap-1 pl-2"):
                    for s in card.sessions:
                        with ui.row().classes("items-center gap-2 text-sm"):
                            ui.label(
                                f"{day_text(s.start_date, tenant.locale, 'day_month')}: {s.venue or course.location}"
                            ).classes("text-slate-600")
                            live.label(s.id, s.places_left)
                full_notice = ui.label("").classes("text-red-700").mark("full-notice")
                with ui.stepper_navigation():
                    ui.button("Next", on_click=lambda: _next_from_session()).props("color=primary no-caps").mark(
                        "next-session"
                    )
            with ui.step("Your details", icon="person"):
                if student is not None:
                    ui.label(f"Booking as {student.first_name} {student.last_name} ({student.email}).").mark(
                        "booking-as"
                    )
                else:
                    with ui.row().classes("gap-2 items-center"):
                        ui.label("Have an account?").classes("text-slate-600")
                        ui.link("Sign in", f"/{slug}/login?next={quote(here)}").mark("sign-in-link")
                        ui.label("or").classes("text-slate-600")
                        ui.link("create one", f"/{slug}/signup?next={quote(here)}")
                        ui.label("— or continue as a guest:").classes("text-slate-600")
                    with ui.element("div").classes("grid gap-3 sm:grid-cols-2 w-full"):
                        first = ui.input("First name").bind_value(chosen, "first_name").props("outlined dense")
                        last = ui.input("Last name").bind_value(chosen, "last_name").props("outlined dense")
                        email = ui.input("Email").bind_value(chosen, "email").props("outlined dense type=email")
                        ui.input("Phone (optional)").bind_value(chosen, "phone").props("outlined dense")
                    first.mark("first-name")
                    last.mark("last-name")
                    email.mark("email")
                company = ui.checkbox("Booking for a company").bind_value(chosen, "for_company").mark("for-company")
                with ui.element("div").classes("grid gap-3 sm:grid-cols-2 w-full") as company_fields:
                    company_name = ui.input("Company name").bind_value(chosen, "company_name").props("outlined dense")
                    billing = ui.input("Billing email (optional)").bind_value(chosen, "billing_email")
                    billing.props("outlined dense type=email").mark("billing-email")
                    po_number = ui.input("PO number (optional)").bind_value(chosen, "po_number").props("outlined dense")
                    billing_address = ui.textarea("Billing address (for a company invoice)")
                    billing_address.bind_value(chosen, "billing_address").props("outlined dense autogrow rows=2")
                    billing_address.classes("sm:col-span-2").mark("billing-address")
                company_name.mark("company-name")
                company_fields.bind_visibility_from(company, "value")
                requests = ui.textarea("Special requests (optional)").bind_value(chosen, "special_requests")
                requests.props("outlined dense autogrow").classes("w-full").mark("special-requests")
                with ui.stepper_navigation():
                    ui.button("Next", on_click=lambda: _next_from_details()).props("color=primary no-caps").mark(
                        "next-details"
                    )
                    ui.button("Back", on_click=stepper.previous).props("flat no-caps")
            with ui.step("Payment", icon="payments"):
                payment_panel = ui.column().classes("w-full gap-2")
                with ui.stepper_navigation():
                    ui.button("Next", on_click=lambda: _review()).props("color=primary no-caps").mark("next-payment")
                    ui.button("Back", on_click=stepper.previous).props("flat no-caps")
            with ui.step("Review and book", icon="fact_check"):
                review_panel = ui.column().classes("w-full gap-1")
                terms = TermsAcceptance(ctx, terms_version)
                problem = ui.label("").classes("text-red-700").mark("book-problem")
                with ui.stepper_navigation():
                    book_button = ui.button("Book now", on_click=lambda: _book()).props("color=primary no-caps")
                    book_button.mark("book-now")
                    waiting_button = ui.button("Join the waiting list", on_click=lambda: _wait())
                    waiting_button.props("color=primary no-caps").mark("join-waiting-list")
                    ui.button("Back", on_click=stepper.previous).props("flat no-caps")
                terms.box.bind_visibility_from(book_button, "visible")  # the waiting list accepts no terms

    inputs = {} if student is not None else {"firstName": first, "lastName": last, "email": email}
    inputs["companyName"] = company_name
    inputs["billingEmail"] = billing
    inputs["poNumber"] = po_number
    inputs["billingAddress"] = billing_address
    inputs["specialRequests"] = requests

    offered: dict[str, PaymentChoice] = {}  # what the payment step showed, by option

    def selected() -> SessionCard | None:
        return sessions.get(chosen.session_id)

    def _next_from_session() -> None:
        if selected() is None:
            full_notice.set_text("Choose a date first.")
            return
        full_notice.set_text(
            "This date is full: you can still join its waiting list at the end."
            if chosen.session_id in chosen.full
            else ""
        )
        stepper.next()

    def _next_from_details() -> None:
        for element in inputs.values():
            element.props(remove="error error-message")
        needed = [("companyName", chosen.company_name, "the company's name")] if chosen.for_company else []
        if student is None:
            needed += [
                ("firstName", chosen.first_name, "your first name"),
                ("lastName", chosen.last_name, "your last name"),
                ("email", chosen.email, "your email"),
            ]
        missing = [(name, label) for name, value, label in needed if not value.strip()]
        for name, label in missing:
            _show_problem(name, f"Enter {label}.")
        if missing:
            return
        _fill_payment()
        stepper.next()

    def _show_problem(name: str, message: str) -> None:
        element = inputs.get(name)
        if element is None:
            problem.set_text(message)
            return
        element.props(f'error error-message="{html.escape(message)}"')

    def _fill_payment() -> None:
        payment_panel.clear()
        current = selected()
        if current is None:
            return
        choices = payment_choices(
            ctx, course, current.start_date, for_company=chosen.for_company, signed_in=student is not None
        )
        offered.clear()
        offered.update({c.option.value: c for c in choices})
        if chosen.payment_option not in {c.option.value for c in choices}:
            chosen.payment_option = choices[0].option.value if choices else ""
        with payment_panel:
            radio = (
                ui.radio({c.option.value: c.summary(tenant.currency, locale) for c in choices})
                .bind_value(chosen, "payment_option")
                .mark("payment-choice")
            )
            radio.props("aria-label='Payment option'")
            for c in choices:
                ui.label(f"{c.title}: {c.note}").classes("text-sm text-slate-600")

    def _review() -> None:
        review_panel.clear()
        current = selected()
        if current is None:
            return
        option = PaymentOption(chosen.payment_option) if chosen.payment_option else None
        missing = billing_address_problem(option, chosen.billing_address) if option else None
        if missing is not None:
            # Asked on the details step, but only needed once the invoice is chosen: show it there.
            stepper.set_value("Your details")
            _show_problem("billingAddress", missing)
            return
        is_full = current.id in chosen.full
        with review_panel:
            ui.label(course.title).classes("text-lg font-semibold")
            ui.label(session_dates(current, locale)).classes("text-slate-700")
            ui.label(current.venue or course.location).classes("text-slate-600")
            who = student.full_name if student else f"{chosen.first_name} {chosen.last_name} ({chosen.email})"
            ui.label(f"For: {who}").classes("text-slate-700")
            if chosen.for_company:
                ui.label(f"Company: {chosen.company_name}").classes("text-slate-700")
                if chosen.billing_address.strip():
                    address = ", ".join(line.strip() for line in chosen.billing_address.splitlines() if line.strip())
                    ui.label(f"Billing address: {address}").classes("text-slate-700")
            ui.label(f"Price: {money(course.price, tenant.currency, locale)}").classes("font-semibold")
            choice = offered.get(chosen.payment_option)
            if choice is not None and not is_full:
                ui.label(choice.summary(tenant.currency, locale, now="to pay now")).classes("font-semibold").mark(
                    "review-due"
                )
        book_button.set_visibility(not is_full)
        waiting_button.set_visibility(is_full)
        stepper.next()

    def _booker_fields() -> OnlineBooking:
        return OnlineBooking(
            session_id=chosen.session_id,
            payment_option=PaymentOption(chosen.payment_option),
            customer_id=student.id if student else None,
            guest=None if student else Guest(chosen.first_name, chosen.last_name, chosen.email, chosen.phone),
            for_company=chosen.for_company,
            company_name=chosen.company_name,
            billing_email=chosen.billing_email,
            po_number=chosen.po_number,
            billing_address=chosen.billing_address,
            special_requests=chosen.special_requests,
            accepted_terms_version=terms.accepted_version,
        )

    async def _book() -> None:
        book_button.disable()  # a double click books once
        problem.set_text("")
        if message := await wait_message(Door.BOOKING, slug):
            problem.set_text(message)
            book_button.enable()
            return
        try:
            booking = await book_online(database(), ctx, _booker_fields())
        except Refused as refused:
            if refused.code == "session_full":
                chosen.full.add(chosen.session_id)
                problem.set_text("That date has just filled up. Choose another date, or join its waiting list.")
                book_button.set_visibility(False)
                waiting_button.set_visibility(True)
            else:
                problem.set_text(refused.message)
            book_button.enable()
            return
        except DomainError as error:
            book_button.enable()
            if error.field == ACCEPT_FIELD:
                terms.show_problem(error)
            elif error.field in inputs:
                # The field is on the details step: show it there, with the message under it.
                stepper.set_value("Your details")
                _show_problem(error.field, error.message)
            else:
                problem.set_text(error.message)
            return
        ui.navigate.to(pay_path(slug, booking))

    async def _wait() -> None:
        waiting_button.disable()
        try:
            await join_waiting_list_online(
                database(), ctx, chosen.session_id, student.id if student else None, _booker_fields().guest
            )
        except DomainError as error:
            problem.set_text(error.message)
            waiting_button.enable()
            return
        problem.set_text("")
        with review_panel:
            ui.label(
                "You are on the waiting list. The first place that frees is offered to you, held for a while "
                "for you to book."
            ).classes("text-emerald-800 font-semibold").mark("on-waiting-list")
        waiting_button.set_visibility(False)

    def _changed(event: CapacityChanged) -> None:
        if event.tenant_id != tenant.id or event.session_id not in sessions:
            return
        if event.booked_spots >= event.available_spots:
            chosen.full.add(event.session_id)
            if event.session_id == chosen.session_id:
                ui.notify(
                    "The date you chose has just filled up: choose another, or join its waiting list.", type="warning"
                )
                full_notice.set_text("This date is full now: choose another, or join its waiting list at the end.")
                book_button.set_visibility(False)
                waiting_button.set_visibility(True)
        else:
            chosen.full.discard(event.session_id)

    capacity_changed.subscribe(_changed)
    if chosen.session_id:
        session_choice.value = chosen.session_id
