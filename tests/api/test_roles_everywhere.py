"""Every API route, called with a token of every role: refused with 403 exactly where tests/roles.py says that
role may not go (before the body is read), and answered otherwise."""

from __future__ import annotations

import re

import httpx
import pytest

from models import StaffRole
from tests.api.conftest import Centre, add_token
from tests.roles import API, may
from trainhub_ui.api import create_api_app
from trainhub_ui.db import Database

PREFIX = "/api/tenant/{slug}"


def _routes() -> list[tuple[str, str]]:
    paths = create_api_app().openapi()["paths"]
    return [
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in paths.items()
        if path.startswith(PREFIX)
        for method in operations
    ]


def test_every_route_is_in_the_table() -> None:
    routes = set(_routes())
    assert routes - set(API) == set(), "routes with no entry in tests/roles.py"
    assert set(API) - routes == set(), "entries in tests/roles.py for routes that are gone"


@pytest.mark.parametrize("role", list(StaffRole))
async def test_a_token_reaches_what_its_role_may_and_nothing_else(
    api: httpx.AsyncClient, db: Database, centre: Centre, role: StaffRole
) -> None:
    headers = await add_token(db, centre, role)
    wrong: list[str] = []
    for method, path in _routes():
        url = centre.url(re.sub(r"\{[^}]+\}", "no-such-id", path))
        body = {} if method in ("POST", "PATCH") else None
        response = await api.request(method, url, headers=headers, json=body)
        refused = response.status_code == 403
        if refused and response.json().get("code") != "forbidden":
            wrong.append(f"{method} {path}: 403 without the forbidden code")
        if refused == may(role, API[(method, path)]):
            wrong.append(f"{method} {path}: {response.status_code} for {role.value}")
    assert wrong == []
