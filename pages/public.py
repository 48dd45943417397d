"""The centre's public site: home, catalogue and course pages (places left kept live), My account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import BookingStatus, Course, Customer, PaymentKind, Tenant
from trainhub_ui.auth import signed_in_student
from trainhub_ui.components.fields import show_password_button, student_details
from trainhub_ui.components.frames import not_found_page, public_frame
from trainhub_ui.components.live_places import LivePlaces
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError, InvalidInput, NotFound
from trainhub_ui.domain.formatting import money, session_dates
from trainhub_ui.payments import provider
from trainhub_ui.services import accounts, my_account, storefront, students
from trainhub_ui.services.certificates import certificates_of
from trainhub_ui.services.payments import amount_due
from trainhub_ui.services.storefront import CATALOGUE_PAGE, CatalogFilters, CourseCard, SessionCard
from trainhub_ui.services.tenants import find_tenant, list_tenants

router = APIRouter()


async def load_tenant(slug: str) -> Tenant | None:
    async with database().read() as session:
        return await find_tenant(session, slug)


@router.page("/")
async def directory() -> None:
    """TrainHub's own front page: the centres it hosts."""
    async with database().read() as session:
        tenants = await list_tenants(session)
    ui.page_title("TrainHub · training centres")
    ui.add_head_html("<style>body { background: #f8fafc; }</style>")
    with ui.column().classes("w-full max-w-4xl mx-auto p-6 gap-6"):
        with ui.column().classes("gap-1"):
            ui.label("TrainHub").classes("text-4xl font-bold text-slate-900")
            ui.label("Book courses at your training centre.").classes("text-lg text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 w-full"):
            for tenant in tenants:
                with ui.link(target=f"/{tenant.slug}").classes("th-link no-underline"):
                    with (
                        ui.card()
                        .classes("w-full hover:shadow-lg transition-shadow")
                        .style(f"border-top: 4px solid {tenant.brand_colour}")
                    ):
                        ui.label(tenant.name).classes("text-xl font-semibold text-slate-900")
                        if tenant.tagline:
                            ui.label(tenant.tagline).classes("text-slate-600")
        if not tenants:
            ui.label("No centres yet. An operator adds one with `trainhub tenant create`.").classes("text-slate-600")


@router.page("/{slug}")
async def centre_home(slug: str) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant)
    async with database().read() as session:
        soonest = await storefront.upcoming(session, ctx, limit=6)
        groups = await storefront.categories(session, ctx)
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)
    with public_frame(tenant, student, "Home"):
        with ui.column().classes("w-full gap-2 py-4"):
            ui.label(f"Welcome to {tenant.name}").classes("text-3xl sm:text-4xl font-bold text-slate-900")
            if tenant.tagline:
                ui.label(tenant.tagline).classes("text-lg text-slate-600")
            if tenant.address:
                with ui.row().classes("items-center gap-1 text-slate-600"):
                    ui.icon("place")
                    ui.label(tenant.address.replace("\n", ", "))
            with ui.row().classes("gap-2 pt-2"):
                ui.button("Browse all courses", on_click=lambda: ui.navigate.to(f"/{slug}/courses")).props(
                    "color=primary no-caps"
                )
        if groups:
            ui.label("Course categories").classes("text-xl font-semibold text-slate-900")
            with ui.row().classes("gap-2 flex-wrap"):
                for name, count in groups:
                    with ui.link(target=f"/{slug}/courses?{urlencode({'category': name})}").classes("th-link"):
                        ui.chip(f"{name} · {count}", icon="school").props("outline color=primary")
        ui.label("Upcoming sessions").classes("text-xl font-semibold text-slate-900 pt-2")
        if not soonest:
            ui.label("No sessions are scheduled just now. Please check back soon.").classes("text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-3 w-full"):
            for course, card in soonest:
                _session_card(tenant, course, card, live)


def _session_card(tenant: Tenant, course: Course, card: SessionCard, live: LivePlaces) -> None:
    with ui.link(target=f"/{tenant.slug}/courses/{course.id}").classes("th-link"):
        with ui.card().classes("w-full h-full hover:shadow-lg transition-shadow gap-1"):
            ui.label(course.category or "Course").classes("text-xs uppercase tracking-wide text-primary")
            ui.label(course.title).classes("text-lg font-semibold text-slate-900 leading-snug")
            ui.label(session_dates(card)).classes("text-slate-700")
            if card.venue or course.location:
                ui.label(card.venue or course.location).classes("text-slate-500 text-sm")
            with ui.row().classes("w-full justify-between items-center pt-2"):
                ui.label(money(course.price, tenant.currency)).classes("text-lg font-bold text-slate-900")
                live.label(card.id, card.places_left)


def _filters_from(query: dict[str, str]) -> tuple[CatalogFilters, dict[str, str]]:
    """The catalogue's filters from the URL query; a value that cannot be read is reported by field."""
    problems: dict[str, str] = {}

    def day(name: str) -> date | None:
        value = query.get(name, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems[name] = "Give a date as YYYY-MM-DD."
            return None

    filters = CatalogFilters(
        category=query.get("category", ""),
        location=query.get("location", ""),
        starts_from=day("from"),
        starts_to=day("to"),
        with_places=query.get("places", "") in {"1", "true", "yes"},
        text=query.get("q", ""),
    )
    return filters, problems


@router.page("/{slug}/courses")
async def catalog(slug: str, request: Request) -> None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return
    ctx = TenantContext(tenant=tenant)
    # A NUL cannot be stored or searched for; it is dropped from what the address asks.
    query = {name: value.replace("\x00", "") for name, value in request.query_params.items()}
    filters, problems = _filters_from(query)
    page_number = int(query["page"]) if query.get("page", "").isdigit() and 0 < int(query["page"]) < 10_000 else 1
    async with database().read() as session:
        groups = await storefront.categories(session, ctx)
        places = await storefront.locations(session, ctx)
        try:
            cards, total = await storefront.browse(
                session, ctx, filters, limit=CATALOGUE_PAGE, offset=(page_number - 1) * CATALOGUE_PAGE
            )
        except InvalidInput as error:
            problems[error.field or "q"] = error.message
            cards, total = [], 0
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)

    def apply(**changes: object) -> None:
        # A new filter starts from the first page; turning a page keeps the filters.
        chosen = {**query, "page": "", **{k: "" if v is None else str(v) for k, v in changes.items()}}
        kept = {k: v for k, v in chosen.items() if v and k in FILTER_NAMES}
        ui.navigate.to(f"/{slug}/courses" + (f"?{urlencode(kept)}" if kept else ""))

    with public_frame(tenant, student, "Courses"):
        ui.label("Courses").classes("text-3xl font-bold text-slate-900")
        with ui.card().classes("w-full").props("flat bordered"):
            with ui.element("div").classes("grid gap-3 w-full sm:grid-cols-2 lg:grid-cols-3"):
                search = ui.input("Search courses", value=filters.text).props("outlined dense clearable")
                search.props(f'error-message="{problems.get("q", "")}"' if "q" in problems else "")
                search.on("keydown.enter", lambda: apply(q=search.value))
                search.on("clear", lambda: apply(q=""))
                search.mark("filter-q")
                ui.select(
                    {"": "All categories", **{name: name for name, _ in groups}},
                    label="Category",
                    value=filters.category if filters.category in {n for n, _ in groups} else "",
                    on_change=lambda e: apply(category=e.value),
                ).props("outlined dense").mark("filter-category")
                ui.select(
                    {"": "All locations", **{place: place for place in places}},
                    label="Location",
                    value=filters.location if filters.location in places else "",
                    on_change=lambda e: apply(location=e.value),
                ).props("outlined dense").mark("filter-location")
                starts = ui.input("From", value=query.get("from", "")).props("outlined dense type=date")
                starts.on("change", lambda: apply(**{"from": starts.value}))
                starts.mark("filter-from")
                ends = ui.input("To", value=query.get("to", "")).props("outlined dense type=date")
                ends.on("change", lambda: apply(to=ends.value))
                ends.mark("filter-to")
                ui.checkbox(
                    "Only sessions with places",
                    value=filters.with_places,
                    on_change=lambda e: apply(places="1" if e.value else ""),
                ).mark("filter-places")
            for name, message in problems.items():
                ui.label(f"{FILTER_LABELS.get(name, name)}: {message}").classes("text-red-700").mark(f"problem-{name}")
            if any(query.get(name) for name in FILTER_NAMES):
                ui.link("Clear all filters", f"/{slug}/courses").mark("clear-filters")
        ui.label(f"{total} course{'s' if total != 1 else ''}").classes("text-slate-600").mark("result-count")
        if not cards:
            ui.label("No course matches these filters.").classes("text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-3 w-full"):
            for card in cards:
                _course_card(tenant, card, live)
        pages = max((total + CATALOGUE_PAGE - 1) // CATALOGUE_PAGE, 1)
        if pages > 1:
            with ui.row().classes("w-full justify-center items-center gap-4"):
                if page_number > 1:
                    ui.button("Previous", on_click=lambda: apply(page=page_number - 1)).props("flat no-caps")
                ui.label(f"Page {page_number} of {pages}").classes("text-slate-600").mark("page-of")
                if page_number < pages:
                    ui.button("Next", on_click=lambda: apply(page=page_number + 1)).props("flat no-caps").mark(
                        "next-page"
                    )


FILTER_NAMES = ("q", "category", "location", "from", "to", "places", "page")
FILTER_LABELS = {"q": "Search", "from": "From", "to": "To", "category": "Category", "location": "Location"}


def _course_card(tenant: Tenant, card: CourseCard, live: LivePlaces) -> None:
    course = card.course
    with ui.link(target=f"/{tenant.slug}/courses/{course.id}").classes("th-link").mark(f"course-{course.id}"):
        with ui.card().classes("w-full h-full hover:shadow-lg transition-shadow gap-1"):
            ui.label(course.category or "Course").classes("text-xs uppercase tracking-wide text-primary")
            ui.label(course.title).classes("text-lg font-semibold text-slate-900 leading-snug")
            if course.summary:
                ui.label(course.summary).classes("text-slate-600 text-sm")
            ui.label(_duration(course)).classes("text-slate-500 text-sm")
            with ui.row().classes("w-full justify-between items-end pt-2"):
                ui.label(money(course.price, tenant.currency)).classes("text-lg font-bold text-slate-900")
                if card.next_session is None:
                    ui.label("No dates yet").classes("text-slate-500 text-sm")
                else:
                    with ui.column().classes("items-end gap-0"):
                        ui.label(f"Next: {card.next_session.start_date:%-d %b %Y}").classes("text-sm text-slate-700")
                        live.label(card.next_session.id, card.next_session.places_left).classes("text-sm")


def _duration(course: Course) -> str:
    days = f"{course.duration_days} day{'s' if course.duration_days != 1 else ''}"
    return f"{days}, {course.duration_hours} hours" if course.duration_hours else days


async def load_course(slug: str, course_id: str, actor: str = "public") -> tuple[TenantContext, CourseCard] | None:
    """The centre and a course of its public catalogue with its upcoming sessions; None after showing
    the 404 page when either is not there."""
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    ctx = TenantContext(tenant=tenant, actor=actor)
    try:
        async with database().read() as session:
            return ctx, await storefront.course_with_sessions(session, ctx, course_id)
    except NotFound:
        not_found_page("This centre has no such course.")
        return None


@router.page("/{slug}/courses/{course_id}")
async def course_page(slug: str, course_id: str) -> None:
    found = await load_course(slug, course_id)
    if found is None:
        return
    ctx, card = found
    tenant = ctx.tenant
    course = card.course
    student = await signed_in_student(tenant)
    live = LivePlaces(tenant.id)
    with public_frame(tenant, student, course.title):
        with ui.row().classes("items-center gap-1 text-sm text-slate-600"):
            ui.link("Courses", f"/{slug}/courses").classes("th-link")
            ui.icon("chevron_right")
            ui.label(course.category or "Course")
        ui.label(course.title).classes("text-3xl font-bold text-slate-900")
        if course.summary:
            ui.label(course.summary).classes("text-lg text-slate-600")
        with ui.element("div").classes("grid gap-6 w-full lg:grid-cols-3"):
            with ui.column().classes("lg:col-span-2 gap-4"):
                if course.description:
                    ui.markdown(course.description).classes("text-slate-800")
                if course.requirements:
                    ui.label("Before you book").classes("text-lg font-semibold")
                    ui.markdown(course.requirements).classes("text-slate-800")
            with ui.card().classes("w-full gap-2").props("flat bordered"):
                ui.label(money(course.price, tenant.currency)).classes("text-3xl font-bold text-slate-900")
                ui.label("per person, VAT included" if tenant.vat_rate_basis_points else "per person").classes(
                    "text-slate-600 text-sm"
                )
                with ui.row().classes("items-center gap-2 text-slate-700"):
                    ui.icon("schedule")
                    ui.label(_duration(course))
                if course.location:
                    with ui.row().classes("items-center gap-2 text-slate-700"):
                        ui.icon("place")
                        ui.label(course.location)
                if course.certificate_validity_months:
                    with ui.row().classes("items-center gap-2 text-slate-700"):
                        ui.icon("workspace_premium")
                        ui.label(f"Certificate valid {course.certificate_validity_months} months")
        ui.label("Dates").classes("text-xl font-semibold text-slate-900 pt-2")
        if not card.sessions:
            ui.label("No dates are scheduled for this course just now.").classes("text-slate-600")
        with ui.column().classes("w-full gap-2"):
            for session_card in card.sessions:
                with ui.card().classes("w-full").props("flat bordered").mark(f"session-{session_card.id}"):
                    with ui.row().classes("w-full items-center justify-between gap-3"):
                        with ui.column().classes("gap-0"):
                            ui.label(session_dates(session_card)).classes("font-semibold text-slate-900")
                            ui.label(session_card.venue or course.location).classes("text-slate-600 text-sm")
                        with ui.row().classes("items-center gap-3"):
                            live.label(session_card.id, session_card.places_left)
                            target = f"/{slug}/courses/{course.id}/book?{urlencode({'session': session_card.id})}"
                            ui.button("Book", on_click=lambda t=target: ui.navigate.to(t)).props(
                                "color=primary no-caps"
                            ).mark(f"book-{session_card.id}")


@router.page("/{slug}/account")
async def account(slug: str) -> RedirectResponse | None:
    tenant = await load_tenant(slug)
    if tenant is None:
        not_found_page("There is no training centre at this address.")
        return None
    student = await signed_in_student(tenant)
    if student is None:
        return RedirectResponse(f"/{slug}/login?next=/{slug}/account", status_code=303)
    ctx = TenantContext(tenant=tenant, actor=f"Student {student.email}")
    with public_frame(tenant, student, "My account"):
        ui.label(f"Hello, {student.first_name}").classes("text-2xl font-bold")
        bookings_panel = ui.column().classes("w-full gap-3")
        await _my_certificates(ctx, student)
        with ui.row().classes("w-full gap-4 items-start"):
            _my_details(tenant, ctx, student)
            _my_password(ctx, student)

    async def show() -> None:
        async with database().read() as session:
            mine = await my_account.my_bookings(session, ctx, student.id)
        bookings_panel.clear()
        with bookings_panel:
            upcoming = [b for b in mine if b.upcoming]
            past = [b for b in mine if not b.upcoming]
            ui.label("Your upcoming bookings").classes("text-xl font-semibold")
            if not upcoming:
                with ui.row().classes("items-center gap-2"):
                    ui.label("Nothing booked yet.").classes("text-slate-600")
                    ui.link("Find a course", f"/{slug}/courses")
            for item in upcoming:
                _my_booking(tenant, item, cancel)
            if past:
                ui.label("Past and cancelled").classes("text-xl font-semibold pt-2")
                for item in past:
                    _my_booking(tenant, item, None)

    async def cancel(item: my_account.MyBooking) -> None:
        back = money(item.refund_on_cancel, item.booking.currency)
        with ui.dialog() as dialog, ui.card():
            ui.label(f"Cancel {item.course_title} on {item.course_session.start_date:%-d %B %Y}?").classes(
                "text-lg font-semibold"
            )
            ui.label(
                f"Under {tenant.name}'s policy you get {back} back."
                if item.refund_on_cancel
                else "Nothing is refunded for this booking under the centre's policy."
            ).mark("refund-preview")
            with ui.row():
                ui.button("Yes, cancel it", on_click=lambda: dialog.submit(True)).props("color=negative no-caps").mark(
                    "confirm-cancel"
                )
                ui.button("Keep it", on_click=lambda: dialog.submit(False)).props("flat no-caps")
        if not await dialog:
            return
        try:
            refunded = await my_account.cancel_my_booking(database(), ctx, provider(), student.id, item.booking.id)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        ui.notify(f"Cancelled. {money(refunded, item.booking.currency)} refunded." if refunded else "Cancelled.")
        await show()

    await show()
    return None


def _my_booking(tenant: Tenant, item: my_account.MyBooking, cancel: Callable | None) -> None:  # type: ignore[type-arg]
    booking = item.booking
    with ui.card().classes("w-full").props("flat bordered").mark(f"my-booking-{booking.reference}"):
        with ui.row().classes("w-full justify-between items-start gap-2"):
            with ui.column().classes("gap-0"):
                ui.label(item.course_title).classes("font-semibold text-slate-900")
                ui.label(
                    f"{item.course_session.start_date:%a %-d %b %Y}, {item.course_session.start_time:%H:%M}"
                ).classes("text-slate-700")
                ui.label(f"Booking {booking.reference} · {booking.status.value.lower()}").classes(
                    "text-sm text-slate-600"
                )
            with ui.row().classes("gap-2 items-center"):
                pay_page = f"/{tenant.slug}/pay/{booking.reference}"
                due = amount_due(booking)  # None for an invoice: paid by bank transfer
                if due is not None and due.amount > 0:
                    label = "Pay the balance" if due.kind is PaymentKind.BALANCE else "Pay now"
                    price = money(due.amount, booking.currency)
                    ui.button(f"{label} ({price})", on_click=lambda: ui.navigate.to(pay_page)).props(
                        "color=primary no-caps"
                    ).mark(f"pay-{booking.reference}")
                if booking.status is BookingStatus.CONFIRMED:
                    # A confirmed place still owing its balance needs its check-in code as much as any.
                    ui.link("Details and QR code", pay_page)
                if item.has_invoice:
                    ui.link("Invoice (PDF)", f"{pay_page}/invoice.pdf").mark(f"invoice-{booking.reference}")
                if cancel is not None:
                    ui.button("Cancel", on_click=lambda: cancel(item)).props("flat color=negative no-caps").mark(
                        f"cancel-{booking.reference}"
                    )


def _my_details(tenant: Tenant, ctx: TenantContext, student: Customer) -> None:
    """The student's own details, saved with the same checks staff get; problems show at the field."""
    with ui.card().classes("w-full max-w-xl gap-2").mark("my-details"):
        ui.label("Your details").classes("text-lg font-semibold")
        with ui.row().classes("w-full gap-3 no-wrap"):
            first_name = ui.input("First name", value=student.first_name).props("autocomplete=given-name outlined")
            first_name.classes("flex-1").mark("my-first-name")
            last_name = ui.input("Last name", value=student.last_name).props("autocomplete=family-name outlined")
            last_name.classes("flex-1").mark("my-last-name")
        email = ui.input("Email", value=student.email).props("type=email autocomplete=email outlined")
        email.classes("w-full").mark("my-email")
        phone = ui.input("Phone (optional)", value=student.phone).props("type=tel autocomplete=tel outlined")
        phone.classes("w-full").mark("my-phone")
        ui.label("For company bookings (optional)").classes("text-sm text-slate-600 pt-1")
        company = ui.input("Company name", value=student.company_name).props("autocomplete=organization outlined")
        company.classes("w-full").mark("my-company")
        with ui.row().classes("w-full gap-3 no-wrap"):
            billing = ui.input("Billing email", value=student.billing_email).props("type=email outlined")
            billing.classes("flex-1").mark("my-billing-email")
            po_number = ui.input("PO number", value=student.po_number).props("outlined").classes("flex-1")
            po_number.mark("my-po-number")
        fields = {
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "phone": phone,
            "companyName": company,
            "billingEmail": billing,
            "poNumber": po_number,
        }

        async def save() -> None:
            for field in fields.values():
                field.error = None
            details = student_details(fields)
            try:
                async with database().transaction() as session:
                    saved = await students.update_student(session, ctx, student.id, details)
            except students.CustomerExists:
                email.error = "Another account here uses this email."
                return
            except DomainError as error:
                fields.get(error.field or "email", email).error = error.message
                return
            saved_values = (saved.first_name, saved.last_name, saved.email, saved.phone, saved.company_name)
            saved_values += (saved.billing_email, saved.po_number)
            for field, value in zip(fields.values(), saved_values, strict=True):
                field.value = value  # as stored: trimmed, the email in lower case
            ui.notify("Your details are saved.", type="positive")

        ui.button("Save details", on_click=save).props("unelevated color=primary no-caps").mark("save-details")


def _my_password(ctx: TenantContext, student: Customer) -> None:
    """Change the password: the current one first, then the new one twice."""
    with ui.card().classes("w-full max-w-md gap-2").mark("my-password"):
        ui.label("Password").classes("text-lg font-semibold")
        current = ui.input("Current password", password=True).props("autocomplete=current-password outlined")
        current.classes("w-full").mark("current-password")
        new = ui.input("New password", password=True).props(
            "autocomplete=new-password outlined hint='At least 8 characters'"
        )
        show_password_button(new)
        new.classes("w-full").mark("new-password")
        repeat = ui.input("Repeat new password", password=True).props("autocomplete=new-password outlined")
        repeat.classes("w-full").mark("repeat-new-password")

        async def change() -> None:
            for field in (current, new, repeat):
                field.error = None
            if new.value != repeat.value:
                repeat.error = "The two new passwords differ."
                return
            try:
                await accounts.change_customer_password(
                    database(), ctx.tenant, student.id, current.value or "", new.value or "", ctx.now()
                )
            except DomainError as error:
                (current if error.field == "currentPassword" else new).error = error.message
                return
            for field in (current, new, repeat):
                field.value = ""
            ui.notify("Your password is changed.", type="positive")

        repeat.on("keydown.enter", change)
        ui.button("Change password", on_click=change).props("unelevated color=primary no-caps").mark("change-password")


async def _my_certificates(ctx: TenantContext, student: Customer) -> None:
    async with database().read() as session:
        mine = await certificates_of(session, ctx, student.id)
    today = ctx.today()
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("my-certificates"):
        ui.label("Your certificates").classes("text-lg font-semibold")
        if not mine:
            ui.label("Certificates appear here when you complete a course.").classes("text-slate-600")
        for view in mine:
            achievement = view.achievement
            state = view.state(today)
            with ui.row().classes("w-full items-center justify-between gap-2"):
                with ui.column().classes("gap-0"):
                    ui.label(view.course).classes("font-semibold")
                    until = f", valid until {achievement.expires_on:%-d %b %Y}" if achievement.expires_on else ""
                    ui.label(f"{achievement.number} · issued {achievement.issued_on:%-d %b %Y}{until}").classes(
                        "text-sm text-slate-600"
                    )
                if state == "revoked":
                    ui.label("Revoked").classes("text-red-700 font-semibold")
                else:
                    if state == "expired":
                        ui.label("Expired").classes("text-amber-700 font-semibold")
                    ui.link("Download (PDF)", f"/{ctx.tenant.slug}/account/certificates/{achievement.id}.pdf").mark(
                        f"certificate-{achievement.number}"
                    ).props("target=_blank")
