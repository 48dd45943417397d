"""The session dialog: a new session, once or repeated weekly, or a session's dates, times, places,
instructor, venue and notes changed."""

from __future__ import annotations

from nicegui import ui

from models import Course, CourseSession, StaffUser
from trainhub_ui.components.fields import whole_number
from trainhub_ui.components.forms import Form, answer_of, entered
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import day_text, session_dates
from trainhub_ui.domain.inputs import iso_date
from trainhub_ui.services.course_sessions import (
    NewSession,
    SessionChanges,
    create_repeated_sessions,
    create_session,
    update_session,
)
from trainhub_ui.services.courses import MAX_CAPACITY
from trainhub_ui.services.session_schedule import MAX_REPEAT_WEEKS, MAX_REPEATS, Repetition, repeat_dates

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


async def session_dialog(
    ctx: TenantContext, course: Course, staff: list[StaffUser], item: CourseSession | None
) -> str | None:
    """Create (item None: once, or repeated weekly) or edit a session. Answers what was done, to say so."""
    locale = ctx.tenant.locale
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label("Create Session" if item is None else f"Edit the session of {session_dates(item, locale)}").classes(
            "text-lg font-semibold"
        )
        form = Form()
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            start_date = (
                form.add(
                    "startDate",
                    ui.input("Start date", value=item.start_date.isoformat() if item else "").props(
                        "outlined type=date stack-label"
                    ),
                )
                .classes("flex-1 min-w-[10rem]")
                .mark("start-date")
            )
            end_hint = (
                f"Blank: {course.duration_days} days, as the course"
                if course.duration_days > 1
                else "Blank: the same day"
            )
            end_date = (
                form.add(
                    "endDate",
                    ui.input("End date", value=item.end_date.isoformat() if item else "").props(
                        f"outlined type=date stack-label hint='{end_hint if item is None else ''}'"
                    ),
                )
                .classes("flex-1 min-w-[10rem]")
                .mark("end-date")
            )
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            start_time = (
                form.add(
                    "startTime",
                    ui.input("Start time", value=f"{item.start_time:%H:%M}" if item else "09:00").props(
                        "outlined type=time stack-label"
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("start-time")
            )
            end_time = (
                form.add(
                    "endTime",
                    ui.input("End time", value=f"{item.end_time:%H:%M}" if item else "17:00").props(
                        "outlined type=time stack-label"
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("end-time")
            )
            capacity = (
                form.add(
                    "availableSpots",
                    whole_number(
                        "Capacity (places)",
                        item.available_spots if item else course.default_capacity,
                        (1, MAX_CAPACITY),
                    ),
                )
                .classes("flex-1 min-w-[8rem]")
                .mark("capacity")
            )
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            people = {"": "No instructor yet"} | {
                person.id: f"{person.name} ({person.role.value.title()})" for person in staff
            }
            if item is not None and item.instructor_id and item.instructor_id not in people:
                people[item.instructor_id] = item.instructor.name if item.instructor else "A former colleague"
            instructor = (
                form.add(
                    "instructorId",
                    ui.select(people, label="Instructor", value=(item.instructor_id or "") if item else "").props(
                        "outlined"
                    ),
                )
                .classes("flex-1 min-w-[12rem]")
                .mark("instructor")
            )
            venue = (
                form.add("venue", ui.input("Venue", value=item.venue if item else course.location).props("outlined"))
                .classes("flex-1 min-w-[12rem]")
                .mark("venue")
            )
        notes = (
            form.add(
                "instructorNotes",
                ui.textarea("Instructor notes (internal)", value=item.instructor_notes if item else "").props(
                    "outlined autogrow"
                ),
            )
            .classes("w-full")
            .mark("instructor-notes")
        )
        taking = ui.switch("Taking bookings", value=item.is_active if item else True).mark("taking-bookings")
        repeat_on = repeat_weekday = repeat_every = repeat_count = repeat_summary = None
        if item is None:
            repeat_on = ui.switch("Repeat weekly").mark("repeat")
            with ui.row().classes("w-full gap-3 items-start max-sm:flex-wrap") as repeat_box:
                repeat_weekday = (
                    form.add(
                        "repeatWeekday",
                        ui.select(
                            {-1: "The start date's weekday"} | dict(enumerate(WEEKDAYS)), label="On", value=-1
                        ).props("outlined"),
                    )
                    .classes("flex-1 min-w-[12rem]")
                    .mark("repeat-weekday")
                )
                repeat_every = (
                    form.add(
                        "repeatEveryWeeks",
                        ui.select(
                            {1: "Every week"} | {n: f"Every {n} weeks" for n in range(2, MAX_REPEAT_WEEKS + 1)},
                            label="How often",
                            value=1,
                        ).props("outlined"),
                    )
                    .classes("flex-1 min-w-[10rem]")
                    .mark("repeat-every")
                )
                repeat_count = (
                    form.add(
                        "repeatCount",
                        whole_number("Sessions in all", 8, (1, MAX_REPEATS)),
                    )
                    .classes("w-36")
                    .mark("repeat-count")
                )
            repeat_summary = ui.label().classes("text-sm text-slate-600").mark("repeat-summary")
            repeat_box.bind_visibility_from(repeat_on, "value")
            repeat_summary.bind_visibility_from(repeat_on, "value")
        form.problem.move()

        def repetition() -> Repetition | None:
            if repeat_on is None or not repeat_on.value:
                return None
            assert repeat_weekday is not None and repeat_every is not None and repeat_count is not None
            weekday = None if repeat_weekday.value in (-1, None) else int(repeat_weekday.value)
            return Repetition(count=entered(repeat_count), every_weeks=int(repeat_every.value or 1), weekday=weekday)

        def describe() -> None:
            """The run of dates, as staff set it up, and the save button's words to match."""
            if repeat_summary is None:
                return
            try:
                plan = repetition()
                dates = repeat_dates(iso_date(start_date.value), plan) if plan else []
            except (DomainError, ValueError):
                dates = []
            if repeat_on is not None and repeat_on.value and dates:
                repeat_summary.set_text(
                    f"{len(dates)} session{'s' if len(dates) != 1 else ''}: "
                    f"{day_text(dates[0], locale, 'day')} to {day_text(dates[-1], locale, 'day')}."
                )
                save_button.set_text(f"Save {len(dates)} sessions" if len(dates) > 1 else "Save session")
            else:
                repeat_summary.set_text("Choose the start date, the weekday and how many sessions.")
                save_button.set_text("Save session")

        async def save() -> None:
            form.clear()
            try:
                typed = {
                    "start_date": start_date.value or "",
                    "start_time": start_time.value or "",
                    "end_time": end_time.value or "",
                    "available_spots": entered(capacity),
                    "instructor_id": instructor.value or None,
                    "venue": venue.value or "",
                    "instructor_notes": notes.value or "",
                    "is_active": bool(taking.value),
                }
                plan = repetition()
                async with database().transaction() as session:
                    if item is not None:
                        changes = SessionChanges(end_date=end_date.value or "", **typed)
                        await update_session(session, ctx, course.id, item.id, changes)
                        done = "The session is saved."
                    else:
                        # Left empty, the end date follows from the course's days.
                        details = NewSession(end_date=end_date.value or None, **typed)
                        if plan is None:
                            made = await create_session(session, ctx, course.id, details)
                            done = f"Session saved: {session_dates(made, locale)}."
                        else:
                            series = await create_repeated_sessions(session, ctx, course.id, details, plan)
                            first_day, last_day = series[0].start_date, series[-1].start_date
                            done = (
                                f"{len(series)} sessions saved, {day_text(first_day, locale, 'day_month')} "
                                f"to {day_text(last_day, locale, 'date')}."
                            )
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(done)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            save_button = (
                ui.button("Save session", on_click=save).props("unelevated color=primary no-caps").mark("save-session")
            )
        if repeat_on is not None:
            for element in (repeat_on, repeat_weekday, repeat_every, repeat_count, start_date):
                assert element is not None
                element.on_value_change(describe)
            describe()
    result = await answer_of(dialog)
    return result
