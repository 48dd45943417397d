"""The course dialog: a new course, or a course's details changed (title, description, price, length, places
per session, how long its certificate is valid, web address, on sale or not)."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from models import Course
from trainhub_ui.components.fields import whole_number
from trainhub_ui.components.forms import Form, answer_of, entered
from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.domain.formatting import currency_symbol, major, parse_money
from trainhub_ui.services import courses as course_service
from trainhub_ui.services.courses import CourseChanges, NewCourse


async def course_dialog(ctx: TenantContext, course: Course | None) -> Course | None:
    """Create (course None) or edit a course; the service's errors show at their fields. Answers the saved course."""
    currency = ctx.tenant.currency
    symbol = currency_symbol(currency, ctx.tenant.locale)
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-2xl gap-3"):
        ui.label("New course" if course is None else f"Edit “{course.title}”").classes("text-lg font-semibold")
        form = Form()
        title = form.add(
            "title",
            ui.input("Title", value=course.title if course else "").props("outlined").classes("w-full"),
        ).mark("course-title")
        with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
            category = form.add(
                "category", ui.input("Category", value=course.category if course else "").props("outlined")
            ).classes("flex-1 min-w-[12rem]")
            location = form.add(
                "location", ui.input("Location", value=course.location if course else "").props("outlined")
            ).classes("flex-1 min-w-[12rem]")
        summary = form.add(
            "summary",
            ui.input("Summary (one line for the catalogue)", value=course.summary if course else "").props("outlined"),
        ).classes("w-full")
        description = form.add(
            "description",
            ui.textarea("Description", value=course.description if course else "").props("outlined autogrow"),
        ).classes("w-full")
        requirements = form.add(
            "requirements",
            ui.textarea("Requirements", value=course.requirements if course else "").props("outlined autogrow"),
        ).classes("w-full")
        with ui.row().classes("w-full gap-3 max-sm:flex-wrap"):
            price = (
                form.add(
                    "price",
                    ui.input(f"Price ({symbol})", value=major(course.price, currency) if course else "").props(
                        "outlined inputmode=decimal"
                    ),
                )
                .classes("w-32")
                .mark("course-price")
            )
            days = form.add(
                "durationDays",
                whole_number("Days", course.duration_days if course else 1, (1, course_service.MAX_DURATION_DAYS)),
            ).classes("w-28")
            hours = form.add(
                "durationHours",
                whole_number("Hours", course.duration_hours if course else 0, (0, course_service.MAX_DURATION_HOURS)),
            ).classes("w-28")
            capacity = form.add(
                "defaultCapacity",
                whole_number(
                    "Places per session", course.default_capacity if course else 12, (1, course_service.MAX_CAPACITY)
                ).classes("w-40"),
            ).mark("course-capacity")
            validity = form.add(
                "certificateValidityMonths",
                whole_number(
                    "Certificate valid (months)",
                    course.certificate_validity_months if course else None,
                    (1, course_service.MAX_CERTIFICATE_MONTHS),
                    "Empty: it does not expire",
                ).props("clearable"),
            ).classes("w-48")
        slug = form.add(
            "slug",
            ui.input("Web address", value=course.slug if course else "").props(
                "outlined hint='Lowercase words and hyphens; left blank, it is made from the title'"
            ),
        ).classes("w-full")
        on_sale = ui.switch("On sale on the public site", value=course.is_active if course else True).mark(
            "course-on-sale"
        )
        form.problem.move()  # below the fields

        async def save() -> None:
            form.clear()
            try:
                values: dict[str, Any] = {
                    "title": title.value or "",
                    "category": category.value or "",
                    "summary": summary.value or "",
                    "description": description.value or "",
                    "requirements": requirements.value or "",
                    "location": location.value or "",
                    "duration_days": entered(days),
                    "duration_hours": entered(hours),
                    "price": parse_money(
                        "price", price.value, currency, locale=ctx.tenant.locale, allow_zero=True, example="495.00"
                    ),
                    "default_capacity": entered(capacity),
                    "certificate_validity_months": validity.value,  # empty: the certificate does not expire
                    "is_active": bool(on_sale.value),
                }
                chosen_slug = (slug.value or "").strip()
                async with database().transaction() as session:
                    if course is None:
                        saved = await course_service.create_course(
                            session, ctx, NewCourse(slug=chosen_slug or None, **values)
                        )
                    else:
                        changes = CourseChanges(**values, **({"slug": chosen_slug} if chosen_slug else {}))
                        saved = await course_service.update_course(session, ctx, course.id, changes)
            except DomainError as error:
                form.show(error)
                return
            dialog.submit(saved)

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            ui.button("Save course", on_click=save).props("unelevated color=primary no-caps").mark("save-course")
    result = await answer_of(dialog)
    return result
