"""The API's documentation: Swagger UI from the app's own files (no CDN), or nothing when turned off."""

from __future__ import annotations

import re

import httpx
import pytest

from trainhub_ui.api import create_api_app
from trainhub_ui.config import Settings


def client_of(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api_app(settings)), base_url="http://test")


async def test_the_docs_come_from_the_app_itself() -> None:
    async with client_of(Settings()) as client:
        page = await client.get("/api/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) == 3  # the script, the style sheet, the icon
        for asset in assets:
            assert asset.startswith("/api/docs/assets/"), asset
            answer = await client.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 500
        assert "SwaggerUIBundle" in (await client.get("/api/docs/assets/swagger-ui-bundle.js")).text
        assert (await client.get("/api/openapi.json")).json()["info"]["title"] == "TrainHub API"
        missing = await client.get("/api/docs/assets/..%2Fmain.py")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"


async def test_the_docs_can_be_turned_off() -> None:
    async with client_of(Settings(api_docs=False)) as client:
        for path in ("/api/docs", "/api/openapi.json", "/api/docs/assets/swagger-ui-bundle.js"):
            answer = await client.get(path)
            assert answer.status_code == 404, path
            assert answer.json()["code"] == "not_found"


def test_the_environment_turns_them_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINHUB_API_DOCS", "0")
    assert Settings().api_docs is False
