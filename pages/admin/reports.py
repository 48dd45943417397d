"""Reports in the back office: a period kept in the address (?from=YYYY-MM-DD&to=YYYY-MM-DD), each table a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import Tenant
from pages.admin.access import admin_access
from pages.admin.report_accounting import accounting
from pages.admin.report_balances import balances, overdue_invoices
from pages.admin.report_delivery import completion, occupancy
from pages.admin.report_feedback import feedback
from pages.admin.report_parts import PAGE_SIZE, Report
from pages.admin.report_revenue import refunds, revenue
from trainhub_ui.auth import StaffAccess
from trainhub_ui.components.frames import admin_frame
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.formatting import day_text
from trainhub_ui.domain.permissions import Permission
from trainhub_ui.services import reports
from trainhub_ui.services.feedback import CourseFeedback, feedback_by_course
from trainhub_ui.services.invoices import InvoiceLine
from trainhub_ui.services.report_figures import (
    BalancesOwed,
    CourseDelivery,
    RefundLine,
    RefundTotals,
    RevenueLine,
    fraction,
)
from trainhub_ui.services.report_periods import ReportPeriod

router = APIRouter()


@dataclass
class _Figures:
    """Everything the page shows, read in one unit of work."""

    by_month: list[RevenueLine]
    owed: BalancesOwed
    owed_by_course: list[tuple[str, str, int, int]]
    overdue: list[InvoiceLine]
    overdue_count: int
    refund_totals: RefundTotals
    refunds: list[RefundLine]
    delivery: list[CourseDelivery]
    feedback: list[CourseFeedback]


async def _read_figures(ctx: TenantContext, period: ReportPeriod) -> _Figures:
    async with database().read() as session:
        overdue, overdue_count = await reports.overdue_invoices(session, ctx, limit=PAGE_SIZE)
        return _Figures(
            by_month=await reports.revenue_by_month(session, ctx, period),
            owed=await reports.balances_owed(session, ctx, limit=PAGE_SIZE),
            owed_by_course=await reports.balances_by_course(session, ctx),
            overdue=overdue,
            overdue_count=overdue_count,
            refund_totals=await reports.refund_totals(session, ctx, period),
            refunds=await reports.refunds(session, ctx, period, limit=PAGE_SIZE),
            delivery=await reports.delivery_by_course(session, ctx, period),
            feedback=await feedback_by_course(session, ctx, period.start, period.end),
        )


@router.page("/{slug}/admin/reports")
async def reports_page(slug: str, request: Request) -> RedirectResponse | None:
    query = request.url.query
    access = await admin_access(slug, Permission.REPORTS, f"/{slug}/admin/reports" + (f"?{query}" if query else ""))
    if not isinstance(access, StaffAccess):
        return access
    tenant, user = access.tenant, access.user
    ctx = TenantContext(tenant=tenant, actor=user.name, role=user.role, user_id=user.id)
    today = ctx.today()
    start_text, end_text = request.query_params.get("from", ""), request.query_params.get("to", "")
    problem: InvalidInput | None = None
    try:
        period = reports.parse_period(start_text, end_text, today)
    except InvalidInput as refused:
        problem, period = refused, None
    figures = await _read_figures(ctx, period) if period is not None else None

    with admin_frame(tenant, user, "Reports", "Reports"):
        _period_form(tenant, today, period, start_text, end_text, problem)
        if period is None or figures is None:
            ui.label("Correct the dates above to see the reports.").classes("text-slate-600").mark("no-report")
            return None
        report = Report(tenant, ctx, period, today)
        _summary(report, figures)
        revenue(report, figures.by_month)
        balances(report, figures.owed, figures.owed_by_course)
        overdue_invoices(report, figures.overdue, figures.overdue_count)
        refunds(report, figures.refund_totals, figures.refunds)
        occupancy(report, figures.delivery)
        completion(report, figures.delivery)
        feedback(report, figures.feedback)
        accounting(report)
    return None


def _period_form(
    tenant: Tenant,
    today: date,
    period: ReportPeriod | None,
    start_text: str,
    end_text: str,
    problem: InvalidInput | None,
) -> None:
    base = f"/{tenant.slug}/admin/reports"

    def go(start: date, end: date) -> None:
        ui.navigate.to(f"{base}?{urlencode({'from': start.isoformat(), 'to': end.isoformat()})}")

    def show() -> None:
        start_field.props(remove="error error-message")
        end_field.props(remove="error error-message")
        try:
            chosen = reports.parse_period(start_field.value or "", end_field.value or "", today)
        except InvalidInput as refused:
            _mark(start_field if refused.field == "from" else end_field, refused.message)
            return
        go(chosen.start, chosen.end)

    with ui.card().classes("w-full p-4 gap-3").props("flat bordered"):
        with ui.row().classes("w-full items-start gap-3"):
            start_field = (
                ui.input("From", value=period.start.isoformat() if period else start_text)
                .props("type=date outlined dense stack-label")
                .classes("w-44")
                .mark("from")
            )
            end_field = (
                ui.input("To", value=period.end.isoformat() if period else end_text)
                .props("type=date outlined dense stack-label")
                .classes("w-44")
                .mark("to")
            )
            ui.button("Show", on_click=show).props("color=primary no-caps unelevated").classes("mt-1").mark("show")
        if problem is not None:
            _mark(start_field if problem.field == "from" else end_field, problem.message)
        last_year = today.year - 1
        presets = [
            ("This year", date(today.year, 1, 1), date(today.year, 12, 31)),
            ("Last year", date(last_year, 1, 1), date(last_year, 12, 31)),
            ("Last 12 months", reports.add_months(today, -11), today),
        ]
        with ui.row().classes("gap-2 items-center"):
            ui.label("Quick choice:").classes("text-sm text-slate-500")
            for label, start, end in presets:
                ui.button(label, on_click=lambda s=start, e=end: go(s, e)).props("outline dense no-caps size=sm")


def _mark(field: ui.input, message: str) -> None:
    field.props(f'error error-message="{message}"')


def _summary(report: Report, figures: _Figures) -> None:
    net = sum(line.net for line in figures.by_month)
    booked = sum(row.booked_places for row in figures.delivery)
    available = sum(row.available_places for row in figures.delivery)
    ended = sum(row.ended for row in figures.delivery)
    completed = sum(row.completed for row in figures.delivery)
    students = sum(row.students for row in figures.delivery)
    certified = sum(row.students_completed for row in figures.delivery)
    cards = [
        ("Revenue", report.money(net), "received, less refunds", "summary-revenue"),
        ("Refunds made", report.money(figures.refund_totals.refunded), "in the period", "summary-refunds"),
        ("Owed now", report.money(figures.owed.amount), f"on {figures.owed.bookings:,} bookings", "summary-owed"),
        ("Overdue invoices", f"{figures.overdue_count:,}", "unpaid past their due date", "summary-overdue"),
        (
            "Occupancy",
            f"{fraction(booked, available) * 100:.0f}%",
            f"{booked:,} of {available:,} places",
            "summary-occupancy",
        ),
        (
            "Completion",
            f"{fraction(completed, ended) * 100:.0f}%" if ended else "–",
            f"{completed:,} of {ended:,} ended sessions; {certified:,} of {students:,} students completed",
            "summary-completion",
        ),
    ]
    ui.label(
        f"{day_text(report.period.start, report.tenant.locale, 'long_date')} to "
        f"{day_text(report.period.end, report.tenant.locale, 'long_date')}, "
        f"by the centre's calendar ({report.tenant.timezone})"
    ).classes("text-slate-600").mark("period")
    ui.html(
        "".join(
            '<div class="rounded-lg border border-slate-200 bg-white p-4 min-w-0">'
            f'<div class="text-sm text-slate-500">{escape(label)}</div>'
            f'<div class="text-xl font-bold text-slate-900" data-figure="{marker}">{escape(value)}</div>'
            f'<div class="text-xs text-slate-500">{escape(hint)}</div></div>'
            for label, value, hint, marker in cards
        )
    ).classes("grid gap-4 grid-cols-2 lg:grid-cols-6 w-full").mark("summary")
