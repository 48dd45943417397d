"""The back office. Every page checks the role itself (sub-page navigation skips middleware).

The pages behind the navigation are built out by the admin back-office work; until then they say so.
"""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from models import StaffRole
from trainhub_ui.auth import StaffAccess, require_role
from trainhub_ui.components.frames import ADMIN_NAVIGATION, admin_frame, coming_soon, not_found_page, refused_page

router = APIRouter()


async def admin_access(slug: str, needed: StaffRole, path: str) -> StaffAccess | RedirectResponse | None:
    """The signed-in staff member if their role reaches `needed`; otherwise the page is already answered
    (a redirect to sign in is returned, or a not-found / not-allowed page has been rendered)."""
    access = await require_role(slug, needed, path)
    if isinstance(access, StaffAccess | RedirectResponse):
        return access
    if access.tenant is None or access.user is None:
        not_found_page("There is no training centre at this address.")
    else:
        refused_page(access.tenant, access.user)
    return None


@router.page("/{slug}/admin")
async def dashboard(slug: str) -> RedirectResponse | None:
    access = await admin_access(slug, StaffRole.INSTRUCTOR, f"/{slug}/admin")
    if not isinstance(access, StaffAccess):
        return access
    with admin_frame(access.tenant, access.user, "Dashboard", "Dashboard"):
        ui.label(f"Welcome back, {access.user.name.split()[0]}.").classes("text-slate-600")
        with ui.element("div").classes("grid gap-4 sm:grid-cols-2 lg:grid-cols-3 w-full"):
            for label, path, icon, lowest in ADMIN_NAVIGATION[1:]:
                if not access.role.at_least(lowest):
                    continue
                with ui.link(target=f"/{slug}/admin{path}").classes("th-link"):
                    with ui.card().classes("w-full hover:shadow-md transition-shadow"):
                        with ui.row().classes("items-center gap-3"):
                            ui.icon(icon).classes("text-3xl text-primary")
                            ui.label(label).classes("text-lg font-semibold text-slate-900")
        coming_soon(
            "The dashboard",
            "Figures for bookings, revenue and occupancy, charts, upcoming sessions with live fill bars "
            "and outstanding balances.",
        )
    return None


def _admin_placeholder(path: str, active: str, title: str, needed: StaffRole, details: str) -> None:
    @router.page(f"/{{slug}}/admin{path}")
    async def page(slug: str, course_id: str = "") -> RedirectResponse | None:
        here = f"/{slug}/admin" + path.replace("{course_id}", course_id)
        access = await admin_access(slug, needed, here)
        if not isinstance(access, StaffAccess):
            return access
        with admin_frame(access.tenant, access.user, active, title):
            coming_soon(title, details)
        return None


_admin_placeholder(
    "/courses", "Courses", "Courses", StaffRole.STAFF, "A table of courses; create, edit and archive them."
)
_admin_placeholder(
    "/courses/{course_id}/sessions",
    "Courses",
    "Sessions",
    StaffRole.STAFF,
    "Schedule dated sessions of this course, with capacity, instructor, venue and notes.",
)
_admin_placeholder("/bookings", "Bookings", "Bookings", StaffRole.STAFF, "Every booking, filtered and exported as CSV.")
_admin_placeholder(
    "/students", "Students", "Students", StaffRole.STAFF, "Search students, their bookings and certificates."
)
_admin_placeholder(
    "/reports", "Reports", "Reports", StaffRole.STAFF, "Revenue, occupancy, outstanding balances and refunds."
)
_admin_placeholder(
    "/settings",
    "Settings",
    "Settings",
    StaffRole.ADMIN,
    "The centre's profile and branding, payment options, staff users and API tokens.",
)
