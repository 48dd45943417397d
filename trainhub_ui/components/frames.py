"""The two layout frames (public site and admin back office) and the error frames."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from models import Customer, StaffUser, Tenant
from trainhub_ui.components.sign_out import post_sign_out
from trainhub_ui.domain.permissions import Permission, role_may
from trainhub_ui.payments import provider
from trainhub_ui.services.tenants import logo_url

ADMIN_NAVIGATION: list[tuple[str, str, str, Permission]] = [
    # label, path below /{slug}/admin, icon, what a role needs to see it (domain/permissions.py)
    ("Dashboard", "", "dashboard", Permission.SESSIONS_TAUGHT),
    ("My sessions", "/my-sessions", "event_note", Permission.SESSIONS_TAUGHT),
    ("Courses", "/courses", "school", Permission.TIMETABLE),
    ("Bookings", "/bookings", "event_seat", Permission.BOOKINGS),
    ("Students", "/students", "groups", Permission.STUDENTS),
    ("Reports", "/reports", "insights", Permission.REPORTS),
    ("Outbox", "/outbox", "outgoing_mail", Permission.OUTBOX),
    ("Settings", "/settings", "settings", Permission.SETTINGS),
    ("Audit log", "/audit", "history", Permission.AUDIT_LOG),
]

_PAGE_STYLE = """
<style>
  body { background: #f8fafc; }
  .th-link { text-decoration: none; color: inherit; }
  .th-link:hover { text-decoration: underline; }
  .th-nav-active { background: rgba(0,0,0,0.06); font-weight: 600; }
  /* Quasar marks keyboard focus on radios, checkboxes and buttons only faintly. */
  .q-radio:focus-visible, .q-checkbox:focus-visible, .q-toggle:focus-visible, .q-btn:focus-visible,
  .q-chip:focus-visible, a:focus-visible {
    outline: 2px solid var(--q-primary); outline-offset: 2px;
  }
  /* Radios and checkboxes carry Quasar's `no-outline`, which wins over that ring: draw theirs as a shadow. */
  .q-radio:focus-visible, .q-checkbox:focus-visible { box-shadow: 0 0 0 2px var(--q-primary); border-radius: 4px; }
  /* A centre's own text (components/written_text.py): its terms and privacy notice. */
  .th-written { line-height: 1.6; overflow-wrap: anywhere; }
  .th-written :is(h1, h2, h3, h4) { line-height: 1.3; letter-spacing: normal; color: #0f172a; }
  .th-written h1 { font-size: 1.5rem; font-weight: 700; margin: 1.25rem 0 0.5rem; }
  .th-written h2 { font-size: 1.25rem; font-weight: 700; margin: 1.25rem 0 0.5rem; }
  .th-written h3, .th-written h4 { font-size: 1.05rem; font-weight: 600; margin: 1rem 0 0.25rem; }
  .th-written p { margin: 0 0 0.75rem; }
  .th-written ul { list-style: disc; padding-left: 1.5rem; margin: 0 0 0.75rem; }
  .th-written ol { list-style: decimal; padding-left: 1.5rem; margin: 0 0 0.75rem; }
  .th-written li { margin-bottom: 0.25rem; }
  .th-written a { color: var(--q-primary); text-decoration: underline; }
  .th-written blockquote { border-left: 4px solid #cbd5e1; padding-left: 0.75rem; color: #475569; }
  .th-written table { border-collapse: collapse; margin: 0 0 0.75rem; }
  .th-written th, .th-written td { border: 1px solid #cbd5e1; padding: 0.25rem 0.5rem; text-align: left; }
</style>
"""


def apply_branding(tenant: Tenant | None) -> None:
    ui.add_head_html(_PAGE_STYLE)
    if tenant is not None:
        ui.colors(primary=tenant.brand_colour)


def _logo(tenant: Tenant) -> None:
    """The centre's logo, on white so any logo reads on the brand colour; decorative (the name follows)."""
    if url := logo_url(tenant):
        ui.element("img").props(f'src="{url}" alt=""').classes(
            "h-10 w-auto max-w-[8rem] object-contain bg-white rounded p-1 max-sm:h-8"
        )


def initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@contextmanager
def public_frame(tenant: Tenant, student: Customer | None, title: str) -> Iterator[ui.column]:
    """The centre's public site: branded header, navigation, footer. Yields the content column."""
    apply_branding(tenant)
    ui.page_title(f"{title} · {tenant.name}")
    base = f"/{tenant.slug}"
    links = [("Courses", f"{base}/courses"), ("My account", f"{base}/account")]
    with ui.header().classes("bg-primary text-white shadow-md").props("elevated"):
        with ui.row().classes("w-full max-w-6xl mx-auto items-center justify-between no-wrap px-2 py-1"):
            with ui.link(target=base).classes("th-link text-white flex items-center gap-3 no-wrap"):
                _logo(tenant)
                with ui.column().classes("gap-0"):
                    ui.label(tenant.name).classes("text-xl font-bold leading-tight")
                    if tenant.tagline:
                        ui.label(tenant.tagline).classes("text-xs opacity-80 hidden sm:block")
            with ui.row().classes("items-center gap-1 max-sm:hidden"):
                for label, target in links:
                    ui.button(label, on_click=lambda t=target: ui.navigate.to(t)).props("flat color=white no-caps")
                if student is None:
                    ui.button("Sign in", on_click=lambda: ui.navigate.to(f"{base}/login")).props(
                        "outline color=white no-caps"
                    )
                else:
                    ui.button(
                        f"Sign out ({student.first_name})", on_click=lambda: post_sign_out(f"{base}/logout")
                    ).props("flat color=white no-caps")
            with ui.button(icon="menu").props("flat round color=white aria-label='Menu'").classes("sm:hidden"):
                with ui.menu():
                    for label, target in links:
                        ui.menu_item(label, on_click=lambda t=target: ui.navigate.to(t))
                    if student is None:
                        ui.menu_item("Sign in", on_click=lambda: ui.navigate.to(f"{base}/login"))
                    else:
                        ui.menu_item("Sign out", on_click=lambda: post_sign_out(f"{base}/logout"))
    if provider().test_mode:
        with ui.row().classes("w-full bg-amber-100 text-amber-900 justify-center items-center gap-2 py-2 px-4"):
            ui.icon("science")
            ui.label("Test mode: no real payments are taken.").classes("font-medium").mark("test-mode")
    with ui.column().classes("w-full max-w-6xl mx-auto px-4 py-6 gap-4") as content:
        yield content
    with ui.footer(fixed=False).classes("bg-slate-800 text-slate-200 text-sm").props("bordered"):
        with ui.row().classes("w-full max-w-6xl mx-auto justify-between items-center px-2 py-1 gap-2"):
            ui.label(tenant.name)
            with ui.row().classes("items-center gap-x-4 gap-y-1"):
                contact = " · ".join(x for x in (tenant.contact_phone, tenant.contact_email) if x)
                if contact:
                    ui.label(contact).classes("max-sm:hidden")
                ui.link("Terms", f"{base}/terms").classes("text-slate-200").mark("footer-terms")
                ui.link("Privacy", f"{base}/privacy").classes("text-slate-200").mark("footer-privacy")


@contextmanager
def admin_frame(tenant: Tenant, user: StaffUser, active: str, title: str) -> Iterator[ui.column]:
    """The back office: header with the centre and the user menu, navigation drawer. Yields the content."""
    apply_branding(tenant)
    ui.page_title(f"{title} · {tenant.name} admin")
    base = f"/{tenant.slug}/admin"
    # value=None: open beside the content on wide screens, closed (an overlay on demand) on phones.
    drawer = ui.left_drawer(value=None).props("bordered breakpoint=1024 width=220").classes("bg-white")
    with ui.header().classes("bg-white text-slate-900 border-b").props("bordered"):
        with ui.row().classes("w-full items-center justify-between no-wrap"):
            with ui.row().classes("items-center no-wrap gap-2"):
                ui.button(icon="menu", on_click=drawer.toggle).props("flat round aria-label='Navigation'")
                _logo(tenant)
                with ui.column().classes("gap-0"):
                    ui.label(tenant.name).classes("text-lg font-bold leading-tight")
                    ui.label("Back office").classes("text-xs text-slate-500")
            with ui.button().props("flat no-caps aria-label='User menu'").classes("text-slate-900"):
                ui.label(initials(user.name)).classes(
                    "bg-primary text-white rounded-full w-8 h-8 flex items-center justify-center text-sm font-semibold"
                )
                ui.label(user.name).classes("ml-2 max-sm:hidden")
                with ui.menu().classes("min-w-[14rem]"):
                    with ui.column().classes("px-4 py-2 gap-0"):
                        ui.label(user.name).classes("font-semibold")
                        ui.label(f"{user.email} · {user.role.value.title()}").classes("text-xs text-slate-500")
                    ui.separator()
                    ui.menu_item("View public site", on_click=lambda: ui.navigate.to(f"/{tenant.slug}"))
                    ui.menu_item("Sign out", on_click=lambda: post_sign_out(f"{base}/logout"))
    with drawer:
        with ui.column().classes("w-full gap-1 p-2"):
            for label, path, icon, needed in ADMIN_NAVIGATION:
                if not role_may(user.role, needed):
                    continue
                item = ui.link(target=f"{base}{path}").classes(
                    "th-link flex items-center gap-3 rounded-md px-3 py-2 text-slate-700 hover:bg-slate-100"
                )
                item.mark(f"nav{path.replace('/', '-') or '-dashboard'}")
                if label == active:
                    item.classes("th-nav-active text-primary")
                with item:
                    ui.icon(icon).classes("text-xl")
                    ui.label(label)
    with ui.column().classes("w-full max-w-7xl mx-auto p-4 sm:p-6 gap-4") as content:
        ui.label(title).classes("text-2xl font-bold text-slate-900")
        yield content


def coming_soon(what: str, details: str) -> None:
    """A placeholder for a page another part of the product is building; it says so plainly."""
    with ui.card().classes("w-full max-w-2xl border-dashed border-2 border-slate-300 shadow-none bg-white"):
        with ui.row().classes("items-center gap-2"):
            ui.icon("construction").classes("text-2xl text-amber-600")
            ui.label(f"{what} is coming soon").classes("text-lg font-semibold")
        ui.label(details).classes("text-slate-600")


def not_found_page(message: str = "We could not find that page.") -> None:
    """A plain 404 page; the caller sets the status on the client."""
    apply_branding(None)
    ui.page_title("Not found · TrainHub")
    ui.context.client.status_code = 404
    with ui.column().classes("w-full items-center justify-center min-h-[60vh] gap-3 p-6 text-center"):
        ui.icon("travel_explore").classes("text-6xl text-slate-400")
        ui.label("Page not found").classes("text-3xl font-bold text-slate-800")
        ui.label(message).classes("text-slate-600")
        ui.link("Go to TrainHub", "/").classes("text-primary")


def refused_page(tenant: Tenant, user: StaffUser) -> None:
    """Signed in, but the role does not reach this page."""
    ui.context.client.status_code = 403
    with admin_frame(tenant, user, active="", title="Not available to your role"):
        with ui.card().classes("max-w-xl"):
            ui.label(
                f"Your role ({user.role.value.title()}) does not include this page. Ask an admin of "
                f"{tenant.name} if you need it."
            ).classes("text-slate-700")
            ui.link("Back to the dashboard", f"/{tenant.slug}/admin").classes("text-primary")
