"""What each staff role may reach: one table for the back office's pages, its menu and the API's tokens, so
that a token of a role grants exactly what a sign-in of that role grants.

Roles are ranked (INSTRUCTOR < STAFF < ADMIN < OWNER); each permission names the lowest role that has it.
"""

from __future__ import annotations

from enum import StrEnum

from models import StaffRole


class Permission(StrEnum):
    SESSIONS_TAUGHT = "sessions_taught"  # the dashboard and the sessions a person teaches, with their register
    TIMETABLE = "timetable"  # courses and sessions, as staff see them (drafts, notes), and changing them
    BOOKINGS = "bookings"  # bookings, the waiting list, payments recorded, invoices and credit notes
    STUDENTS = "students"  # the students' records
    ERASE_STUDENTS = "erase_students"  # erasing a student's personal data (it cannot be undone)
    REPORTS = "reports"  # money and figures: the reports and the dashboard's revenue
    OUTBOX = "outbox"  # the emails sent and waiting
    REFUNDS = "refunds"  # giving money back
    SETTINGS = "settings"  # the centre's settings, staff and API tokens
    AUDIT_LOG = "audit_log"  # who changed what


LOWEST_ROLE: dict[Permission, StaffRole] = {
    Permission.SESSIONS_TAUGHT: StaffRole.INSTRUCTOR,
    Permission.TIMETABLE: StaffRole.STAFF,
    Permission.BOOKINGS: StaffRole.STAFF,
    Permission.STUDENTS: StaffRole.STAFF,
    Permission.ERASE_STUDENTS: StaffRole.ADMIN,
    Permission.REPORTS: StaffRole.STAFF,
    Permission.OUTBOX: StaffRole.STAFF,
    Permission.REFUNDS: StaffRole.ADMIN,
    Permission.SETTINGS: StaffRole.ADMIN,
    Permission.AUDIT_LOG: StaffRole.OWNER,
}


def role_may(role: StaffRole | None, permission: Permission) -> bool:
    """Whether a member of staff with `role` has `permission` (None, a student or the public: never)."""
    return role is not None and role.at_least(LOWEST_ROLE[permission])
