"""Delivering a session in the back office: the register by day (kept live: a kiosk check-in shows at once),
results, completion with its certificates, the feedback it got, and the emails staff send to everyone booked."""

from __future__ import annotations

from datetime import date

from nicegui import ui

from models import AttendanceStatus, Course, CourseResult, CourseSession, SessionAttendance, StaffRole
from trainhub_ui import events
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_and_time, day_text
from trainhub_ui.domain.signals import AttendanceChanged
from trainhub_ui.notify import session_emails
from trainhub_ui.services import attendance, certificates, completion, course_sessions, feedback, workflows

MARKS = {
    AttendanceStatus.PRESENT.value: "Present",
    AttendanceStatus.LATE.value: "Late",
    AttendanceStatus.ABSENT.value: "Absent",
}
RESULTS = {"": "No result", CourseResult.PASSED.value: "Passed", CourseResult.FAILED.value: "Failed"}


def _day_label(day: date, locale: str) -> str:
    return day_text(day, locale, "day_no_year")


async def register_panel(ctx: TenantContext, item: CourseSession, course: Course) -> None:
    """The register: one row per confirmed booking, one present/late/absent choice per day. Saving is
    immediate; another device's record (a kiosk check-in) moves the choice here without a reload."""
    days = attendance.session_days(item)
    today = ctx.today()
    keeps = attendance.may_keep_register(ctx, item)
    async with database().read() as session:
        preview = await completion.completion_preview(session, ctx, item.id)
        marks = await attendance.register(session, ctx, item.id)
    toggles: dict[tuple[str, date], ui.toggle] = {}
    counts: dict[date, ui.label] = {}
    arrived = {day: sum(1 for rows in marks.values() if _came(rows.get(day))) for day in days}

    editable = keeps and not preview.completed

    def day_toggle(outcome: completion.StudentOutcome, day: date) -> ui.toggle:
        row = marks.get(outcome.booking_id, {}).get(day)
        toggle = ui.toggle(
            MARKS,
            value=row.status.value if row else None,
            on_change=lambda e, b=outcome.booking_id, d=day: mark(b, d, e.value, e.sender),
        )
        toggle.props("dense no-caps unelevated toggle-color=primary toggle-text-color=white")
        toggle.classes("border border-slate-300")
        toggle.props(f"aria-label='{outcome.name}, {_day_label(day, ctx.tenant.locale)}'")
        toggle.mark(f"mark-{outcome.booking_id}-{day.isoformat()}")
        if not editable or day > today:  # a day's register is kept from that day on
            toggle.disable()
        return toggle

    def result_select(outcome: completion.StudentOutcome) -> None:
        chosen = ui.select(
            RESULTS,
            value=outcome.result.value if outcome.result else "",
            label="Result",
            on_change=lambda e, b=outcome.booking_id: set_result(b, e.value),
        )
        chosen.props("dense outlined").classes("min-w-[8rem]").mark(f"result-{outcome.booking_id}")
        if not editable:
            chosen.disable()

    with ui.card().classes("w-full gap-2").props("flat bordered").mark("register"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Register").classes("text-xl font-semibold text-slate-900")
            rule = f"{course.min_attendance_percent}% of days" if course.min_attendance_percent < 100 else "every day"
            extra = " and a pass" if course.requires_result else ""
            ui.label(f"To complete: {rule}{extra}").classes("text-sm text-slate-600")
        if not preview.outcomes:
            ui.label("Nobody is confirmed on this session yet.").classes("text-slate-600")
        with ui.element("div").classes("w-full overflow-x-auto"):
            with ui.element("table").classes("text-sm border-collapse"):
                with (
                    ui.element("thead"),
                    ui.element("tr").classes("text-left text-slate-500 border-b border-slate-200"),
                ):
                    with ui.element("th").classes("py-2 pr-4 font-medium"):
                        ui.label("Student")
                    for day in days:
                        with ui.element("th").classes("py-2 pr-4 font-medium whitespace-nowrap"):
                            ui.label(_day_label(day, ctx.tenant.locale) + (" (today)" if day == today else ""))
                            counts[day] = (
                                ui.label(f"{arrived[day]} of {len(preview.outcomes)} in")
                                .classes("text-xs font-normal")
                                .mark(f"arrived-{day.isoformat()}")
                            )
                    if course.requires_result:
                        with ui.element("th").classes("py-2 font-medium"):
                            ui.label("Result")
                with ui.element("tbody"):
                    for outcome in preview.outcomes:
                        with ui.element("tr").classes("border-b border-slate-100"):
                            with ui.element("td").classes("py-2 pr-4 whitespace-nowrap"):
                                ui.label(outcome.name).classes("font-medium text-slate-900")
                            for day in days:
                                with ui.element("td").classes("py-2 pr-4"):
                                    toggles[(outcome.booking_id, day)] = day_toggle(outcome, day)
                            if course.requires_result:
                                with ui.element("td").classes("py-2"):
                                    result_select(outcome)
        if keeps and item.cancelled_at is None:
            notes = ui.textarea("Instructor notes", value=item.instructor_notes).props("outlined autogrow")
            notes.classes("w-full").mark("instructor-notes-input")

            async def save_notes() -> None:
                notes.error = None
                try:
                    async with database().transaction() as session:
                        await course_sessions.update_session(
                            session,
                            ctx,
                            item.course_id,
                            item.id,
                            course_sessions.SessionChanges(instructor_notes=notes.value or ""),
                        )
                except DomainError as error:
                    notes.error = error.message
                    return
                ui.notify("Notes saved.", type="positive")

            ui.button("Save notes", on_click=save_notes).props("outline no-caps").mark("save-instructor-notes")
        completion_area = ui.column().classes("w-full gap-2")

    async def mark(booking_id: str, day: date, value: str | None, sender: ui.toggle) -> None:
        if value is None or getattr(sender, "_th_setting", False):
            return
        try:
            async with database().transaction() as session:
                await attendance.record_attendance(session, ctx, booking_id, day, AttendanceStatus(value))
        except DomainError as error:
            ui.notify(error.message, type="warning")

    async def set_result(booking_id: str, value: str) -> None:
        try:
            async with database().transaction() as session:
                await completion.set_result(session, ctx, booking_id, CourseResult(value) if value else None)
        except DomainError as error:
            ui.notify(error.message, type="warning")

    async def recount(day: date) -> None:
        async with database().read() as session:
            rows = await attendance.register(session, ctx, item.id)
        arrived_now = sum(1 for per_day in rows.values() if _came(per_day.get(day)))
        if day in counts:
            counts[day].set_text(f"{arrived_now} of {len(preview.outcomes)} in")

    async def changed(event: AttendanceChanged) -> None:
        if event.tenant_id != ctx.tenant_id or event.session_id != item.id:
            return
        day = date.fromisoformat(event.day)
        toggle = toggles.get((event.booking_id, day))
        if toggle is not None and toggle.value != event.status:
            toggle._th_setting = True  # type: ignore[attr-defined]  # a change from elsewhere: not saved again
            toggle.value = event.status
            toggle._th_setting = False  # type: ignore[attr-defined]
        await recount(day)

    events.attendance_changed.subscribe(changed)

    async def show_completion() -> None:
        completion_area.clear()
        with completion_area:
            if item.cancelled_at is not None:
                return
            if preview.completed:
                ui.label("This session is completed.").classes("text-emerald-800 font-semibold").mark("completed")
            elif keeps and not preview.completable(ctx.now()):
                ui.label(
                    "The session can be completed once its last day has started: "
                    f"{day_and_time(ctx.tenant, preview.can_complete_from)}."
                ).classes("text-slate-600").mark("completable-from")
            elif keeps:
                ui.button("Complete the session", icon="task_alt", on_click=confirm_completion).props(
                    "unelevated color=primary no-caps"
                ).mark("complete-session")

    async def confirm_completion() -> None:
        async with database().read() as session:
            current = await completion.completion_preview(session, ctx, item.id)
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-2").mark("completion-dialog"):
            ui.label("Complete the session?").classes("text-lg font-semibold")
            earning = [o for o in current.outcomes if o.completes]
            ui.label(f"{len(earning)} of {len(current.outcomes)} get a certificate, emailed to them.").classes(
                "text-slate-700"
            )
            for outcome in current.outcomes:
                text = "certificate" if outcome.completes else f"no certificate: {outcome.why_not}"
                ui.label(f"{outcome.name}: {text}").classes("text-sm")
            if current.missing:
                ui.label(
                    f"{current.missing} attendance record{'s are' if current.missing != 1 else ' is'} still "
                    "missing and will count as absent."
                ).classes("text-amber-800 font-semibold").mark("missing-warning")
            with ui.row():
                ui.button(
                    "Complete anyway" if current.missing else "Complete",
                    on_click=lambda: dialog.submit(True),
                ).props("unelevated color=primary no-caps").mark("confirm-complete")
                ui.button("Not yet", on_click=lambda: dialog.submit(False)).props("flat no-caps")
        if not await dialog:
            return
        try:
            done = await workflows.complete_session(database(), ctx, item.id, despite_missing=True)
        except DomainError as error:
            ui.notify(error.message, type="warning")
            return
        issued = len(done.certificates)
        ui.notify(f"Completed. {issued} certificate{'s' if issued != 1 else ''} issued.", type="positive")
        ui.navigate.reload()

    await show_completion()


def _came(row: SessionAttendance | None) -> bool:
    return row is not None and row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


async def certificates_and_feedback_panel(ctx: TenantContext, item: CourseSession) -> None:
    """After completion: the certificates the session earned (download, revoke) and what students said."""
    async with database().read() as session:
        issued = await certificates.certificates_of_session(session, ctx, item.id)
        said = await feedback.feedback_summary(session, ctx, session_id=item.id)
    if not issued and not said.answers:
        return
    today = ctx.today()
    with ui.card().classes("w-full gap-2").props("flat bordered").mark("session-certificates"):
        ui.label("Certificates").classes("text-xl font-semibold text-slate-900")
        for view in issued:
            achievement = view.achievement
            with ui.row().classes("w-full items-center gap-3 flex-wrap"):
                ui.label(view.student or "Holder erased").classes("font-medium min-w-[10rem]")
                ui.label(achievement.number).classes("text-slate-600")
                state = view.state(today)
                ui.label(state.title()).classes(
                    {"valid": "text-emerald-700", "expired": "text-amber-700", "revoked": "text-red-700"}[state]
                ).mark(f"certificate-state-{achievement.number}")
                if not view.holder_erased:  # a certificate made out to no one is not printed
                    ui.link("PDF", f"/{ctx.tenant.slug}/admin/certificates/{achievement.id}.pdf").props("target=_blank")
                if state != "revoked" and ctx.has_role(StaffRole.STAFF):
                    ui.button("Revoke", on_click=lambda a=achievement, v=view: revoke(a.id, v.student)).props(
                        "flat dense no-caps color=negative"
                    ).mark(f"revoke-{achievement.number}")
        if said.answers:
            ui.label("Feedback").classes("text-lg font-semibold text-slate-900 pt-2")
            average = f"{said.average:.1f}" if said.average is not None else "-"
            ui.label(f"{said.answers} answer{'s' if said.answers != 1 else ''}, average {average} of 5").mark(
                "feedback-average"
            )
            for answer in said.comments:
                with ui.column().classes("gap-0 border-l-4 border-slate-200 pl-3"):
                    ui.label("★" * answer.rating).classes("text-amber-600")
                    if answer.went_well:
                        ui.label(f"Went well: {answer.went_well}").classes("text-sm")
                    if answer.to_improve:
                        ui.label(f"To improve: {answer.to_improve}").classes("text-sm")

    async def revoke(achievement_id: str, student: str) -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-2"):
            ui.label(f"Revoke {student}'s certificate?").classes("text-lg font-semibold")
            reason = (
                ui.input("Reason (shown to nobody but staff)").props("outlined").classes("w-full").mark("revoke-reason")
            )

            async def go() -> None:
                try:
                    async with database().transaction() as session:
                        await certificates.revoke_certificate(session, ctx, achievement_id, reason.value or "")
                except DomainError as error:
                    reason.error = error.message
                    return
                dialog.close()
                ui.notify("Revoked: the certificate check now says so.", type="positive")
                ui.navigate.reload()

            with ui.row():
                ui.button("Revoke", on_click=go).props("unelevated color=negative no-caps").mark("confirm-revoke")
                ui.button("Keep it", on_click=dialog.close).props("flat no-caps")
        dialog.open()


def email_actions(ctx: TenantContext, item: CourseSession) -> None:
    """Staff write to everyone booked on the session, or send its reminder now."""
    if not ctx.has_role(StaffRole.STAFF) or item.cancelled_at is not None:
        return

    async def message() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-2").mark("message-dialog"):
            ui.label("Message everyone booked").classes("text-lg font-semibold")
            subject = ui.input("Subject").props("outlined").classes("w-full").mark("message-subject")
            body = ui.textarea("Message").props("outlined autogrow").classes("w-full").mark("message-body")

            async def send() -> None:
                subject.error = body.error = None
                if not (subject.value or "").strip():
                    subject.error = "Give the email a subject."
                    return
                if len(subject.value) > 200:
                    subject.error = "Use at most 200 characters."
                    return
                if not (body.value or "").strip():
                    body.error = "Write the message."
                    return
                if len(body.value) > 10_000:
                    body.error = "Use at most 10 000 characters."
                    return
                async with database().transaction() as session:
                    told = await session_emails.message_everyone_booked(
                        session, ctx, item.id, subject.value.strip(), body.value.strip()
                    )
                dialog.close()
                ui.notify(f"Sent to {told} student{'s' if told != 1 else ''}.", type="positive")

            with ui.row():
                ui.button("Send", on_click=send).props("unelevated color=primary no-caps").mark("send-message")
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
        dialog.open()

    async def remind() -> None:
        async with database().transaction() as session:
            told = await session_emails.send_reminder_now(session, ctx, item.id)
        ui.notify(f"Reminder sent to {told} student{'s' if told != 1 else ''}.", type="positive")

    with ui.row().classes("gap-2"):
        ui.button("Message everyone booked", icon="mail", on_click=message).props("outline no-caps").mark(
            "message-everyone"
        )
        ui.button("Send the reminder now", icon="notifications", on_click=remind).props("outline no-caps").mark(
            "remind-now"
        )
