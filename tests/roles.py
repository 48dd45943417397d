"""What each role may reach, as the product promises it, written out here on its own: the tests walk every API
route with a token of every role, and every back-office page with a sign-in of every role, against it. A
thing's lowest role is the same for its pages and its API routes; a route or page missing here fails."""

from __future__ import annotations

from models import StaffRole

LOWEST: dict[str, StaffRole | None] = {
    "public": None,  # anyone, without a token or a sign-in
    "sessions taught": StaffRole.INSTRUCTOR,
    "timetable": StaffRole.STAFF,
    "bookings": StaffRole.STAFF,
    "students": StaffRole.STAFF,
    "erasing students": StaffRole.ADMIN,
    "reports": StaffRole.STAFF,
    "outbox": StaffRole.STAFF,
    "refunds": StaffRole.ADMIN,
    "settings": StaffRole.ADMIN,
    "audit log": StaffRole.OWNER,
}

API: dict[tuple[str, str], str] = {
    ("GET", "/courses"): "public",
    ("POST", "/courses"): "timetable",
    ("GET", "/courses/{courseId}"): "public",
    ("PATCH", "/courses/{courseId}"): "timetable",
    ("DELETE", "/courses/{courseId}"): "timetable",
    ("GET", "/courses/{courseId}/sessions"): "public",
    ("POST", "/courses/{courseId}/sessions"): "timetable",
    ("GET", "/courses/{courseId}/sessions/{sessionId}"): "public",
    ("PATCH", "/courses/{courseId}/sessions/{sessionId}"): "timetable",
    ("DELETE", "/courses/{courseId}/sessions/{sessionId}"): "timetable",
    ("GET", "/bookings"): "bookings",
    ("POST", "/bookings"): "bookings",
    ("GET", "/bookings/{booking_id}"): "bookings",
    ("PATCH", "/bookings/{booking_id}"): "bookings",
    ("GET", "/waiting-list"): "bookings",
    ("POST", "/waiting-list"): "bookings",
    ("POST", "/waiting-list/{entry_id}/accept"): "bookings",
    ("POST", "/waiting-list/{entry_id}/decline"): "bookings",
    ("DELETE", "/waiting-list/{entry_id}"): "bookings",
    ("GET", "/bookings/{booking_id}/payments"): "bookings",
    ("POST", "/bookings/{booking_id}/payments"): "bookings",
    ("GET", "/invoices"): "bookings",
    ("GET", "/bookings/{booking_id}/invoice"): "bookings",
    ("GET", "/bookings/{booking_id}/credit-notes"): "bookings",
    ("GET", "/bookings/{booking_id}/credit-notes/{credit_note_id}"): "bookings",
    ("POST", "/bookings/{booking_id}/refunds"): "refunds",
    ("GET", "/students"): "students",
    ("POST", "/students"): "students",
    ("GET", "/students/{customerId}"): "students",
    ("POST", "/students/{customerId}/erase"): "erasing students",
    ("GET", "/dashboard"): "reports",
}

PAGES: dict[str, str] = {
    "/admin": "sessions taught",
    "/admin/my-sessions": "sessions taught",
    "/admin/courses/{course_id}/sessions/{session_id}": "sessions taught",
    "/admin/courses": "timetable",
    "/admin/courses/{course_id}/sessions": "timetable",
    "/admin/bookings": "bookings",
    "/admin/bookings.csv": "bookings",
    "/admin/bookings/{booking_id}": "bookings",
    "/admin/students": "students",
    "/admin/students.csv": "students",
    "/admin/students/{customer_id}": "students",
    "/admin/students/{customer_id}/data.{kind}": "students",
    "/admin/certificates/{achievement_id}.pdf": "students",
    "/admin/reports": "reports",
    "/admin/outbox": "outbox",
    "/admin/outbox/{email_id}": "outbox",
    "/admin/settings": "settings",
    "/admin/audit": "audit log",
    "/admin/audit.csv": "audit log",
}
# Pages every visitor may open: signing in and out, and setting a password from an invitation's link.
OPEN_PAGES = {"/admin/login", "/admin/logout", "/admin/set-password/{secret}"}
# The settings page's sections (`?tab=`): each needs what the settings need.
SETTINGS_TABS = {"centre", "payments", "terms", "staff", "tokens"}
# Public pages staff may read too, whatever their role: what the centre publishes.
PUBLISHED_PAGES = ("/terms", "/privacy")


def may(role: StaffRole, thing: str) -> bool:
    lowest = LOWEST[thing]
    return lowest is None or role.at_least(lowest)
