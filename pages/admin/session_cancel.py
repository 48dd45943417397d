"""Cancelling a session: what it will do to the bookings on it, the reason kept with each, and the refunds
that did not go through, to try again."""

from __future__ import annotations

from nicegui import ui

from models import Course, CourseSession
from trainhub_ui.components.forms import Form, answer_of
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import money, session_dates
from trainhub_ui.payments import provider
from trainhub_ui.services import session_cancellation
from trainhub_ui.services.session_cancellation import SessionCancellation


async def cancel_session_dialog(ctx: TenantContext, course: Course, item: CourseSession) -> SessionCancellation | None:
    """Say what cancelling will do, take the reason, then cancel; answers the cancellation, if made."""
    locale = ctx.tenant.locale
    async with database().read() as session:
        outlook = await session_cancellation.cancellation_outlook(session, ctx, course.id, item.id)
    currency = ctx.tenant.currency
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
        ui.label(f"Cancel the session of {session_dates(item, locale)}?").classes("text-lg font-semibold")
        if outlook.bookings:
            what = (
                f"{outlook.bookings} booking{'s' if outlook.bookings != 1 else ''} will be cancelled and refunded "
                f"in full"
            )
            what += (
                f" ({money(outlook.paid, currency, locale)} paid back)."
                if outlook.paid
                else " (nothing has been paid)."
            )
        else:
            what = "Nobody is booked on it."
        ui.label(what).classes("text-slate-800").mark("cancel-outlook")
        if outlook.waiting:
            ui.label(
                f"{outlook.waiting} {'person' if outlook.waiting == 1 else 'people'} on its waiting list "
                f"will be taken off it."
            ).classes("text-slate-800")
        ui.label("It stops taking bookings at once. This cannot be undone.").classes("text-sm text-slate-600")
        form = Form()
        reason = (
            form.add(
                "reason",
                ui.textarea("Reason (kept with each booking)", placeholder="e.g. the instructor is ill").props(
                    "outlined autogrow"
                ),
            )
            .classes("w-full")
            .mark("cancel-reason")
        )
        form.problem.move()

        async def confirm() -> None:
            form.clear()
            confirm_button.props("loading")
            try:
                result = await session_cancellation.cancel_session(
                    database(), ctx, provider(), course.id, item.id, reason.value or ""
                )
            except DomainError as error:
                form.show(error)
                return
            finally:
                confirm_button.props(remove="loading")
            dialog.submit(result)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep the session", on_click=dialog.close).props("flat no-caps").mark("keep-session")
            confirm_button = (
                ui.button("Cancel the session", on_click=confirm)
                .props("unelevated color=negative no-caps")
                .mark("confirm-cancel-session")
            )
    result: SessionCancellation | None = await answer_of(dialog)
    if result is not None:
        await show_cancellation(ctx, course, result)
    return result


async def show_cancellation(ctx: TenantContext, course: Course, result: SessionCancellation) -> None:
    """What the cancellation did; refunds that failed are listed, to be tried again."""
    cancelled = len(result.cancelled)
    said = f"Session cancelled: {cancelled} booking{'s' if cancelled != 1 else ''} cancelled"
    said += f", {money(result.refunded, ctx.tenant.currency, ctx.tenant.locale)} refunded." if result.refunded else "."
    if not result.refund_failures:
        ui.notify(said, type="positive", multi_line=True)
        return
    await refund_failures_dialog(ctx, course, result.course_session, said, result.refund_failures)


async def refund_failures_dialog(
    ctx: TenantContext,
    course: Course,
    item: CourseSession,
    said: str,
    failures: list[session_cancellation.RefundFailure],
) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-2"):
        ui.label(said).classes("font-semibold")
        ui.label("These refunds did not go through:").classes("text-red-800")
        listing = ui.column().classes("gap-1")

        def show(now_failing: list[session_cancellation.RefundFailure]) -> None:
            listing.clear()
            with listing:
                for failure in now_failing:
                    ui.label(f"{failure.reference}: {failure.reason}").classes("text-sm").mark("refund-failure")

        async def again() -> None:
            refunded, still = await session_cancellation.refund_cancelled_session(
                database(), ctx, provider(), course.id, item.id
            )
            if refunded:
                ui.notify(f"{money(refunded, ctx.tenant.currency, ctx.tenant.locale)} refunded.", type="positive")
            if not still:
                dialog.close()
            show(still)

        show(failures)
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Try the refunds again", on_click=again).props("unelevated color=primary no-caps").mark(
                "retry-refunds"
            )
    await answer_of(dialog)
