"""When a session runs: its start at the centre's local time, the rules its dates and times keep, and
weekly repeats ("every Monday for 8 weeks").

Dates and times are the centre's own; the moment a session starts is kept in UTC, read in the centre's
timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from models import Tenant
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.inputs import ServiceInput, whole

from .courses import MAX_DURATION_DAYS

# Far enough ahead for any real timetable, near enough that local-to-UTC arithmetic never overflows.
MAX_YEARS_AHEAD = 10
# A year of weekly sessions at most in one go; a longer timetable is made a year at a time.
MAX_REPEATS = 52
MAX_REPEAT_WEEKS = 12


def session_starts_at(tenant: Tenant, day: date, at: time) -> datetime:
    """The UTC moment a session starts: its local date and time read in the centre's timezone."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(tenant.timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """A session's days and hours, checked together."""

    start_date: date
    end_date: date
    start_time: time
    end_time: time


def check_schedule(ctx: TenantContext, plan: Schedule, *, start_moved: bool) -> datetime | None:
    """The rules a session's dates and times keep together; the new start moment when the start moved."""
    if start_moved:
        check_start_day(ctx, plan.start_date)
    if plan.end_date < plan.start_date:
        raise InvalidInput("endDate", "The end date cannot be before the start date.")
    if plan.end_date - plan.start_date >= timedelta(days=MAX_DURATION_DAYS):
        raise InvalidInput("endDate", f"A session lasts at most {MAX_DURATION_DAYS} days.")
    if plan.end_time <= plan.start_time:
        raise InvalidInput("endTime", "The end time must be after the start time.")
    if not start_moved:
        return None
    starts_at = session_starts_at(ctx.tenant, plan.start_date, plan.start_time)
    if starts_at <= ctx.now():
        raise InvalidInput("startDate", "A session cannot start in the past.")
    return starts_at


def check_start_day(ctx: TenantContext, day: date) -> date:
    """A start day in a sane window, checked before any arithmetic that would overflow at the calendar's ends."""
    today = ctx.today()
    if day < today - timedelta(days=1):
        raise InvalidInput("startDate", "A session cannot start in the past.")
    if day > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        raise InvalidInput("startDate", f"Schedule sessions at most {MAX_YEARS_AHEAD} years ahead.")
    return day


class Repetition(ServiceInput):
    """`count` sessions in all, `every_weeks` weeks apart, on `weekday` (0 is Monday): the first falls on
    the first such weekday on or after the start date; without a weekday, on the start date itself."""

    count: Annotated[whole(1, MAX_REPEATS, "the number of sessions"), Field(alias="repeatCount")]
    every_weeks: Annotated[
        whole(1, MAX_REPEAT_WEEKS, "the weeks between sessions"), Field(alias="repeatEveryWeeks")
    ] = 1
    weekday: Annotated[whole(0, 6, "the weekday") | None, Field(alias="repeatWeekday")] = None


def repeat_dates(start: date, repetition: Repetition) -> list[date]:
    """The start dates of a repetition, checked: "every Monday for 8 weeks" from a Thursday starts next Monday."""
    first = start
    if repetition.weekday is not None:
        first = start + timedelta(days=(repetition.weekday - start.weekday()) % 7)
    return [first + timedelta(weeks=repetition.every_weeks * number) for number in range(repetition.count)]
