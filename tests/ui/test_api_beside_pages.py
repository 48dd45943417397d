"""The whole app as served: /api answers from the API's own app, pages from NiceGUI, side by side."""

from __future__ import annotations

from nicegui.testing import User

from tests.ui.conftest import CENTRE_A


async def test_api_is_served_ahead_of_the_page_middleware(user: User) -> None:
    health = await user.http_client.get("/api/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    # NiceGUI's session middleware would set its cookie on every answer that passed through it.
    assert "set-cookie" not in health.headers
    courses = await user.http_client.get(f"/api/tenant/{CENTRE_A}/courses")
    assert courses.status_code == 200 and courses.json()["total"] == 0
    missing = await user.http_client.get("/api/tenant/no-such-centre/courses")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_the_api_document_holds_the_api_and_no_pages(user: User) -> None:
    document = (await user.http_client.get("/api/openapi.json")).json()
    assert document["info"]["title"] == "TrainHub API"
    assert "/api/tenant/{slug}/bookings" in document["paths"]
    assert all(path.startswith("/api/") for path in document["paths"])
    assert (await user.http_client.get("/api/docs")).status_code == 200


async def test_pages_still_come_from_nicegui(user: User) -> None:
    await user.open(f"/{CENTRE_A}")
    await user.should_see("Alpha Gas School")
    # A page path that merely starts like the API is a page's business, not the API's.
    assert (await user.http_client.get("/apiary")).status_code == 404
