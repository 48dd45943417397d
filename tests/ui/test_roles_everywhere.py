"""Every back-office page, opened with a sign-in of every role: refused with 403 exactly where tests/roles.py
says that role may not go, as the API refuses a token of the same role; and the menu offers only the rest."""

from __future__ import annotations

import re

import pytest
from nicegui import app
from nicegui.testing import User

from models import StaffRole
from pages.admin.settings import TABS
from tests.roles import OPEN_PAGES, PAGES, PUBLISHED_PAGES, SETTINGS_TABS, may
from tests.ui.conftest import CENTRE_A
from tests.ui.test_admin_settings import signed_in
from trainhub_ui.db import Database

PREFIX = "/{slug}"
MENU = ("", "/my-sessions", "/courses", "/bookings", "/students", "/reports", "/outbox", "/settings", "/audit")


def _shown(user: User, marker: str) -> bool:
    try:
        return bool(user.find(marker=marker).elements)
    except AssertionError:  # the harness's way of saying there is none
        return False


def _admin_paths() -> set[str]:
    found: set[str] = set()

    def walk(routes: list) -> None:
        for route in routes:
            inner = getattr(route, "routes", None) or getattr(getattr(route, "original_router", None), "routes", None)
            if inner is not None and not hasattr(route, "endpoint"):
                walk(inner)
            elif getattr(route, "path", "").startswith(f"{PREFIX}/admin"):
                found.add(route.path.removeprefix(PREFIX))

    walk(app.routes)
    return found


async def test_every_back_office_page_is_in_the_table(user: User, centres: Database) -> None:
    await user.open(f"/{CENTRE_A}/admin/login")  # the app is built
    paths = _admin_paths()
    assert paths - set(PAGES) - OPEN_PAGES == set(), "pages with no entry in tests/roles.py"
    assert set(PAGES) - paths == set(), "entries in tests/roles.py for pages that are gone"
    assert set(TABS) == SETTINGS_TABS, "settings sections with no entry in tests/roles.py"


@pytest.mark.parametrize("role", list(StaffRole))
async def test_a_sign_in_opens_what_its_role_may_and_nothing_else(
    user: User, centres: Database, role: StaffRole
) -> None:
    await signed_in(user, role)
    wrong: list[str] = []
    for path, thing in PAGES.items():
        response = await user.http_client.get(f"/{CENTRE_A}" + re.sub(r"\{[^}]+\}", "no-such-id", path))
        refused = response.status_code == 403
        if refused == may(role, thing):
            wrong.append(f"{path}: {response.status_code} for {role.value}")
    for tab in SETTINGS_TABS:
        response = await user.http_client.get(f"/{CENTRE_A}/admin/settings?tab={tab}")
        if (response.status_code == 403) == may(role, "settings"):
            wrong.append(f"settings' {tab} tab: {response.status_code} for {role.value}")
    for path in PUBLISHED_PAGES:
        response = await user.http_client.get(f"/{CENTRE_A}{path}")
        if response.status_code != 200:
            wrong.append(f"{path}: {response.status_code} for {role.value}")
    assert wrong == []

    await user.open(f"/{CENTRE_A}/admin")
    for path in MENU:
        shown = _shown(user, f"nav{path.replace('/', '-') or '-dashboard'}")
        assert shown == may(role, PAGES[f"/admin{path}"]), f"the menu's {path or 'dashboard'} for {role.value}"
