"""The API's documentation at /api/docs: Swagger UI from files the app serves itself (shipped by the
`fastapi-swagger` package), so it works with no internet and under the pages' Content-Security-Policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

DOCS_URL = "/api/docs"
OPENAPI_URL = "/api/openapi.json"
ASSETS_URL = f"{DOCS_URL}/assets"
_ASSETS = Path(str(resources.files("fastapi_swagger") / "resources"))
_ASSET_NAMES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI and its assets on an app whose `openapi_url` is OPENAPI_URL."""

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )

    @app.get(f"{ASSETS_URL}/{{name}}", include_in_schema=False)
    async def swagger_asset(name: str) -> FileResponse:
        if name not in _ASSET_NAMES:
            raise HTTPException(status_code=404)
        return FileResponse(_ASSETS / name)
