"""The reports page's courses as delivered: occupancy of the sessions that start in the period, and how
many sessions were marked completed and how many of their students completed the course."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from pages.admin.report_parts import Report, text_column
from trainhub_ui.services.report_figures import CourseDelivery, fraction


def occupancy(report: Report, delivery: list[CourseDelivery]) -> None:
    with report.section(
        "Occupancy",
        "Places booked of places offered on each course's sessions that start in the period (cancelled "
        "sessions left out). Places booked are those held by confirmed and held bookings now.",
        "occupancy",
    ):
        booked = sum(row.booked_places for row in delivery)
        available = sum(row.available_places for row in delivery)
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"{fraction(booked, available) * 100:.1f}%: {booked:,} of {available:,} places").classes(
                "font-semibold text-slate-800"
            )

            async def all_rows() -> list[Sequence[object]]:
                return [
                    [
                        row.course_title,
                        row.sessions,
                        row.booked_places,
                        row.available_places,
                        f"{row.occupancy:.4f}",
                    ]
                    for row in delivery
                ]

            report.csv_button(
                "occupancy",
                ["Course", "Sessions", "Places booked", "Places offered", "Occupancy"],
                all_rows,
            )
        if not delivery:
            ui.label("No sessions start in this period.").classes("text-slate-600")
            return
        number = {"align": "right"}
        report.table(
            [
                text_column("course", "Course"),
                {"name": "sessions", "label": "Sessions", "field": "sessions", **number},
                {"name": "booked", "label": "Booked", "field": "booked", **number},
                {"name": "available", "label": "Places", "field": "available", **number},
                {"name": "rate", "label": "Occupancy", "field": "rate", **number},
            ],
            [
                {
                    "key": row.course_id,
                    "course": row.course_title,
                    "sessions": row.sessions,
                    "booked": row.booked_places,
                    "available": row.available_places,
                    "rate": f"{row.occupancy * 100:.1f}%",
                }
                for row in delivery
            ],
            "occupancy-table",
        )


def completion(report: Report, delivery: list[CourseDelivery]) -> None:
    with report.section(
        "Completion",
        "Sessions: of those that start in the period and have ended (by the centre's calendar), how many "
        "the centre has marked completed. Students: on the sessions marked completed, the confirmed students, "
        "and how many completed the course by its rule (the share of days attended it asks for and, where it "
        "has one, a passed assessment), that is, were issued a certificate that has not been revoked. A "
        "session not yet marked completed says nothing about its students.",
        "completion",
    ):
        with ui.row().classes("w-full items-center justify-end"):

            async def all_rows() -> list[Sequence[object]]:
                return [
                    [
                        row.course_title,
                        row.ended,
                        row.completed,
                        f"{row.completion_rate:.4f}",
                        row.students,
                        row.students_completed,
                        f"{row.student_completion_rate:.4f}",
                    ]
                    for row in delivery
                ]

            report.csv_button(
                "completion",
                [
                    "Course",
                    "Sessions ended",
                    "Sessions marked completed",
                    "Session completion rate",
                    "Students on completed sessions",
                    "Students who completed the course",
                    "Student completion rate",
                ],
                all_rows,
            )
        ended = [row for row in delivery if row.ended or row.students]
        if not ended:
            ui.label("No session that starts in this period has ended yet.").classes("text-slate-600")
            return
        number = {"align": "right"}
        report.table(
            [
                text_column("course", "Course"),
                {"name": "ended", "label": "Sessions ended", "field": "ended", **number},
                {"name": "completed", "label": "Marked completed", "field": "completed", **number},
                {"name": "rate", "label": "Rate", "field": "rate", **number},
                {"name": "students", "label": "Students", "field": "students", **number},
                {"name": "passed", "label": "Completed the course", "field": "passed", **number},
                {"name": "student_rate", "label": "Rate", "field": "student_rate", **number},
            ],
            [
                {
                    "key": row.course_id,
                    "course": row.course_title,
                    "ended": row.ended,
                    "completed": row.completed,
                    "rate": f"{row.completion_rate * 100:.0f}%" if row.ended else "–",
                    "students": row.students,
                    "passed": row.students_completed,
                    "student_rate": f"{row.student_completion_rate * 100:.0f}%" if row.students else "–",
                }
                for row in ended
            ],
            "completion-table",
        )
