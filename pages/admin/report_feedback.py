"""The reports page's feedback: what students rated each course whose sessions start in the period."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from pages.admin.report_parts import Report, text_column
from trainhub_ui.services.feedback import CourseFeedback


def feedback(report: Report, lines: list[CourseFeedback]) -> None:
    with report.section(
        "Feedback",
        "What students rated the courses whose sessions start in the period (1 to 5), from the form they are "
        "sent when a session is completed. Each session's comments are on its own page.",
        "feedback",
    ):
        with ui.row().classes("w-full items-center justify-end"):

            async def all_rows() -> list[Sequence[object]]:
                return [[line.course_title, line.answers, f"{line.average:.2f}"] for line in lines]

            report.csv_button("feedback", ["Course", "Answers", "Average rating"], all_rows)
        if not lines:
            ui.label("No feedback was given for this period's sessions.").classes("text-slate-600")
            return
        number = {"align": "right"}
        report.table(
            [
                text_column("course", "Course"),
                {"name": "answers", "label": "Answers", "field": "answers", **number},
                {"name": "average", "label": "Average", "field": "average", **number},
            ],
            [
                {
                    "key": line.course_id,
                    "course": line.course_title,
                    "answers": line.answers,
                    "average": f"{line.average:.1f} of 5",
                }
                for line in lines
            ],
            "feedback-table",
        )
