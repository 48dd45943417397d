"""API: bookings."""

from __future__ import annotations

from fastapi import APIRouter

from .common import ERROR_RESPONSES

router = APIRouter(prefix="/tenant/{slug}", tags=["bookings"], responses=ERROR_RESPONSES)
