"""API: students."""

from __future__ import annotations

from fastapi import APIRouter

from .common import ERROR_RESPONSES

router = APIRouter(prefix="/tenant/{slug}", tags=["students"], responses=ERROR_RESPONSES)
