"""API: courses."""

from __future__ import annotations

from fastapi import APIRouter

from .common import ERROR_RESPONSES

router = APIRouter(prefix="/tenant/{slug}", tags=["courses"], responses=ERROR_RESPONSES)
