"""The back office's dashboard: the centre at a glance."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import BookingStatus, Tenant
from trainhub_ui import events
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.formatting import clock_text, currency_symbol, day_text, money
from trainhub_ui.domain.permissions import Permission, role_may
from trainhub_ui.domain.signals import CapacityChanged
from trainhub_ui.services import dashboard as dashboard_service
from trainhub_ui.services import reports as reports_service
from trainhub_ui.services.dashboard import UpcomingSession
from trainhub_ui.services.report_figures import RevenueLine

from .access import admin_access

router = APIRouter()


@router.page("/{slug}/admin")
async def dashboard(slug: str) -> RedirectResponse | None:
    """The centre at a glance. An instructor sees only their own upcoming sessions, and no money."""
    access = await admin_access(slug, Permission.SESSIONS_TAUGHT, f"/{slug}/admin")
    if not isinstance(access, StaffAccess):
        return access
    tenant, user = access.tenant, access.user
    ctx = TenantContext(tenant=tenant, actor=user.name, role=user.role, user_id=user.id)
    instructor_only = not role_may(access.role, Permission.REPORTS)
    async with database().read() as session:
        if instructor_only:
            mine = await dashboard_service.instructor_figures(session, ctx, user.id)
            sessions = await dashboard_service.upcoming_sessions(session, ctx, limit=10, instructor_id=user.id)
        else:
            figures = await dashboard_service.dashboard_figures(session, ctx)
            revenue = await dashboard_service.revenue_of_recent_months(session, ctx)
            weeks = await dashboard_service.bookings_by_week(session, ctx)
            occupancy = await dashboard_service.occupancy_by_course(session, ctx)
            sessions = await dashboard_service.upcoming_sessions(session, ctx, limit=8)
            recent = await dashboard_service.recent_bookings(session, ctx, limit=8)
            owed = await reports_service.balances_owed(session, ctx, limit=6)
    fill_bars = _FillBars(tenant)
    # A dashboard is read, not edited: its figures and lists are plain HTML (escaped), a few elements in all,
    # which builds several times faster than an element for every line of text.
    with admin_frame(tenant, user, "Dashboard", "Dashboard"):
        ui.label(f"Welcome back, {user.name.split()[0]}.").classes("text-slate-600 -mt-2")
        if instructor_only:
            _cards(
                [
                    ("Your upcoming sessions", str(mine.upcoming_sessions), "you are the instructor"),
                    ("Places booked", f"{mine.booked_places} of {mine.available_places}", "on your upcoming sessions"),
                ]
            )
            _upcoming_card(sessions, fill_bars, "Your upcoming sessions", "No sessions of yours are coming up.")
            return None
        _cards(_figures(tenant, figures))
        with ui.element("div").classes("grid gap-4 grid-cols-1 lg:grid-cols-2 w-full"):
            _revenue_chart(tenant, revenue)
            _bookings_chart(tenant, weeks)
        _occupancy_chart(occupancy)
        with ui.element("div").classes("grid gap-4 grid-cols-1 lg:grid-cols-2 w-full"):
            _upcoming_card(sessions, fill_bars, "Upcoming sessions", "No sessions are coming up.")
            _recent_bookings_card(tenant, recent)
        _balances_card(tenant, owed, ctx.today())
    return None


# --- the dashboard's parts -----------------------------------------------------------------------

STATUS_WORDS = {
    BookingStatus.CONFIRMED: ("Confirmed", "bg-emerald-100 text-emerald-800"),
    BookingStatus.PENDING: ("Held", "bg-amber-100 text-amber-800"),
    BookingStatus.CANCELLED: ("Cancelled", "bg-slate-100 text-slate-700"),
    BookingStatus.EXPIRED: ("Hold lapsed", "bg-slate-100 text-slate-500"),
}
CHART_HEIGHT = "h-64"
# Quasar's .flex wraps its children: rows that must stay on one line say no-wrap.
ROW = (
    "th-link flex no-wrap w-full items-center justify-between gap-2 px-4 py-2 border-t border-slate-200 "
    "hover:bg-slate-50"
)


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _cards(cards: list[tuple[str, str, str]]) -> None:
    """Figure cards: (label, value, hint), in one grid."""
    parts = [
        '<div class="rounded-lg border border-slate-200 bg-white p-4 min-w-0">'
        f'<div class="text-sm text-slate-500">{escape(label)}</div>'
        f'<div class="text-2xl font-bold text-slate-900 leading-tight">{escape(value)}</div>'
        f'<div class="text-xs text-slate-500">{escape(hint)}</div></div>'
        for label, value, hint in cards
    ]
    ui.html("".join(parts)).classes("grid gap-4 grid-cols-2 lg:grid-cols-4 w-full").mark("figures")


def _figures(tenant: Tenant, figures: dashboard_service.DashboardFigures) -> list[tuple[str, str, str]]:
    """The dashboard endpoint's figures, as the endpoint defines them."""
    locale = tenant.locale
    currency = figures.currency
    by_status = figures.bookings.by_status
    return [
        ("Revenue received", money(figures.revenue_paid, currency, locale), "paid, less refunds"),
        ("Still to pay", money(figures.amounts_outstanding, currency, locale), "balances, invoices and held bookings"),
        ("Refunded", money(figures.refunded, currency, locale), "all time"),
        (
            "Bookings",
            f"{by_status['CONFIRMED']:,} confirmed",
            f"{by_status['PENDING']:,} held · {by_status['CANCELLED']:,} cancelled · {figures.bookings.total:,} in all",
        ),
        (
            "Upcoming sessions",
            f"{figures.sessions.upcoming:,}",
            f"{figures.courses.active} of {figures.courses.total} courses active · "
            f"{figures.sessions.total:,} sessions in all",
        ),
        (
            "Occupancy",
            _percent(figures.occupancy),
            f"{figures.booked_places:,} of {figures.available_places:,} upcoming places booked",
        ),
        (
            "Waiting list",
            f"{figures.waiting_list.waiting:,} waiting",
            f"{figures.waiting_list.offered:,} offered a place now",
        ),
        (
            "Completion",
            _percent(figures.completion_rate),
            f"of ended sessions marked completed ({figures.sessions.completed:,})",
        ),
    ]


def _heading(title: str, subtitle: str = "", *, padded: bool = False) -> None:
    where = " px-4 pt-4 pb-2" if padded else ""
    ui.html(
        f'<div class="text-lg font-semibold text-slate-900">{escape(title)}</div>'
        + (f'<div class="text-xs text-slate-500">{escape(subtitle)}</div>' if subtitle else "")
    ).classes("w-full" + where)


def _chart_card(title: str, subtitle: str) -> ui.card:
    card = ui.card().classes("w-full min-w-0 gap-1 p-4").props("flat bordered")
    with card:
        _heading(title, subtitle)
    return card


def _revenue_chart(tenant: Tenant, months: list[RevenueLine]) -> None:
    symbol = currency_symbol(tenant.currency, tenant.locale)
    with _chart_card("Revenue by month", "Payments received, less what was refunded of them, by payment date"):
        ui.echart(
            {
                "grid": {"left": 8, "right": 8, "top": 16, "bottom": 8, "containLabel": True},
                "tooltip": {"trigger": "axis", ":valueFormatter": f"v => '{symbol}' + v.toLocaleString()"},
                "xAxis": {"type": "category", "data": [f"{line.label[:3]} {line.label[-2:]}" for line in months]},
                "yAxis": {"type": "value", "axisLabel": {":formatter": f"v => '{symbol}' + v.toLocaleString()"}},
                "series": [
                    {
                        "type": "bar",
                        "name": "Revenue",
                        "data": [round(line.net / 100, 2) for line in months],
                        "itemStyle": {"color": tenant.brand_colour},
                    }
                ],
            }
        ).classes(f"w-full {CHART_HEIGHT}").mark("revenue-chart")


def _bookings_chart(tenant: Tenant, weeks: list[dashboard_service.WeekBookings]) -> None:
    series = [
        ("Confirmed", "CONFIRMED", "#059669"),
        ("Held", "PENDING", "#d97706"),
        ("Cancelled", "CANCELLED", "#94a3b8"),
    ]
    with _chart_card("Bookings by week", "Bookings made each week (Monday to Sunday), by what they are now"):
        ui.echart(
            {
                "grid": {"left": 8, "right": 8, "top": 32, "bottom": 8, "containLabel": True},
                "legend": {"top": 0},
                "tooltip": {"trigger": "axis"},
                "xAxis": {
                    "type": "category",
                    "data": [f"{day_text(week.week_start, tenant.locale, 'day_month')}" for week in weeks],
                },
                "yAxis": {"type": "value", "minInterval": 1},
                "series": [
                    {
                        "type": "bar",
                        "name": name,
                        "stack": "bookings",
                        "data": [week.by_status[status] for week in weeks],
                        "itemStyle": {"color": colour},
                    }
                    for name, status, colour in series
                ],
            }
        ).classes(f"w-full {CHART_HEIGHT}").mark("bookings-chart")


def _occupancy_chart(courses: list[dashboard_service.CourseOccupancy]) -> None:
    with _chart_card(
        "Occupancy by course",
        "Places booked of places offered on upcoming sessions, for the courses with most places scheduled",
    ):
        if not courses:
            ui.label("No sessions are coming up.").classes("text-slate-600 py-4")
            return
        ordered = list(reversed(courses))  # ECharts draws the first category at the bottom
        ui.echart(
            {
                "baseOption": {
                    "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
                    "tooltip": {"trigger": "axis", ":valueFormatter": "v => v + '%'"},
                    "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
                    "yAxis": {
                        "type": "category",
                        "data": [course.course_title for course in ordered],
                        "axisLabel": {"width": 200, "overflow": "truncate"},
                    },
                    "series": [
                        {
                            "type": "bar",
                            "name": "Booked",
                            "data": [round(course.occupancy * 100, 1) for course in ordered],
                            "label": {"show": True, "position": "right", "formatter": "{c}%"},
                            "itemStyle": {"color": "#0284c7"},
                        }
                    ],
                },
                # On a phone the course names give way to the bars.
                "media": [{"query": {"maxWidth": 500}, "option": {"yAxis": {"axisLabel": {"width": 100}}}}],
            }
        ).classes("w-full").style(f"height: {64 + 28 * len(courses)}px").mark("occupancy-chart")


def _fill_colour(booked: int, available: int) -> str:
    if available and booked >= available:
        return "bg-red-600"
    return "bg-amber-500" if available and booked / available >= 0.8 else "bg-primary"


def _session_row(tenant: Tenant, item: UpcomingSession, booked: int, available: int) -> str:
    """One upcoming session: a link to its page, its start, and how full it is (a bar and "booked / places")."""
    starts = datetime.combine(item.start_date, item.start_time)
    width = min(100, round(booked * 100 / available)) if available else 0
    href = escape(f"/{tenant.slug}/admin/courses/{item.course_id}/sessions/{item.id}")
    return (
        f'<a href="{href}" class="{ROW} flex-col items-stretch">'
        '<div class="flex no-wrap w-full justify-between items-baseline gap-2">'
        f'<span class="font-medium text-slate-900 truncate min-w-0">{escape(item.course_title)}</span>'
        f'<span class="text-sm text-slate-600 whitespace-nowrap">{day_text(starts, tenant.locale, "day_no_year")}, '
        f"{clock_text(item.start_time, tenant.locale)}</span></div>"
        '<div class="flex no-wrap w-full items-center gap-3">'
        f'<div class="flex-grow h-2.5 rounded-full bg-slate-200" role="progressbar" aria-label="Places booked" '
        f'aria-valuemin="0" aria-valuemax="{available}" aria-valuenow="{booked}">'
        f'<div class="h-full rounded-full {_fill_colour(booked, available)}" style="width: {width}%"></div></div>'
        f'<span class="text-sm text-slate-700 tabular-nums whitespace-nowrap">{booked} / {available}</span>'
        "</div></a>"
    )


class _FillBars:
    """The upcoming sessions of one dashboard, by session id, redrawn when a session's places change.

    Made inside the page function: the subscription is this client's and ends with it; the handler
    touches only this page's row of the session that changed.
    """

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.rows: dict[str, tuple[UpcomingSession, ui.html]] = {}
        events.capacity_changed.subscribe(self._changed)

    def add(self, item: UpcomingSession) -> None:
        row = ui.html(_session_row(self.tenant, item, item.booked_spots, item.available_spots))
        self.rows[item.id] = (item, row.classes("w-full").mark(f"session-{item.id}"))

    def _changed(self, event: CapacityChanged) -> None:
        if event.tenant_id != self.tenant.id or event.session_id not in self.rows:
            return
        item, row = self.rows[event.session_id]
        row.set_content(_session_row(self.tenant, item, event.booked_spots, event.available_spots))


def _list_card(title: str, subtitle: str = "") -> ui.card:
    card = ui.card().classes("w-full min-w-0 gap-0 p-0").props("flat bordered")
    with card:
        _heading(title, subtitle, padded=True)
    return card


def _upcoming_card(sessions: list[UpcomingSession], fill_bars: _FillBars, title: str, when_none: str) -> None:
    with _list_card(title):
        if not sessions:
            ui.label(when_none).classes("text-slate-600 px-4 pb-4")
        for item in sessions:
            fill_bars.add(item)


def _two_lines(first: str, second: str) -> str:
    return (
        '<div class="flex flex-col min-w-0 flex-1">'
        f'<span class="font-medium truncate w-full">{escape(first)}</span>'
        f'<span class="text-sm text-slate-600 truncate w-full">{escape(second)}</span></div>'
    )


def _recent_bookings_card(tenant: Tenant, recent: list[dashboard_service.RecentBooking]) -> None:
    locale = tenant.locale
    with _list_card("Recent bookings"):
        if not recent:
            ui.label("No bookings yet.").classes("text-slate-600 px-4 pb-4")
            return
        rows = []
        for item in recent:
            words, colours = STATUS_WORDS[item.status]
            rows.append(
                f'<a href="{escape(f"/{tenant.slug}/admin/bookings/{item.id}")}" class="{ROW}">'
                + _two_lines(
                    f"{item.customer_name} · {item.reference}",
                    f"{item.course_title}, {day_text(item.session_start, tenant.locale, 'date')}",
                )
                + '<div class="flex flex-col items-end shrink-0">'
                f'<span class="rounded px-1.5 text-xs font-medium {colours}">{escape(words)}</span>'
                f'<span class="text-sm tabular-nums">{escape(money(item.total_amount, tenant.currency, locale))}</span>'
                "</div></a>"
            )
        ui.html("".join(rows)).classes("w-full").mark("recent-bookings")


def _balances_card(tenant: Tenant, owed: reports_service.BalancesOwed, today: date) -> None:
    locale = tenant.locale
    plural = "s" if owed.bookings != 1 else ""
    with _list_card(
        "Outstanding balances",
        f"{money(owed.amount, tenant.currency, locale)} owed on {owed.bookings:,} confirmed booking{plural} "
        "(deposit balances and unpaid invoices), soonest course first.",
    ):
        rows = []
        for line in owed.lines:
            late = line.due_by < today
            due = f"{'was ' if late else ''}due {day_text(line.due_by, tenant.locale, 'day_month')}"
            rows.append(
                f'<a href="{escape(f"/{tenant.slug}/admin/bookings/{line.booking_id}")}" class="{ROW}">'
                + _two_lines(
                    f"{line.company_name or line.customer_name} · {line.reference}",
                    f"{line.course_title}, {day_text(line.session_start, tenant.locale, 'date')}",
                )
                + '<div class="flex flex-col items-end shrink-0">'
                '<span class="font-semibold tabular-nums">'
                f"{escape(money(line.balance_due, tenant.currency, locale))}</span>"
                f'<span class="text-xs {"text-red-700 font-semibold" if late else "text-slate-500"}">{due}</span>'
                "</div></a>"
            )
        if owed.bookings > len(owed.lines):
            rows.append(
                f'<a href="/{escape(tenant.slug)}/admin/reports#balances" '
                'class="block px-4 py-3 border-t border-slate-200 text-primary">All balances owed, in Reports</a>'
            )
        if rows:
            ui.html("".join(rows)).classes("w-full").mark("balances")
