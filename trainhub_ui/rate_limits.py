"""How many requests one client address may make of one centre's public doors in a window.

Counted with the `limits` library, in Redis when `TRAINHUB_REDIS_URL` is set (so every server process
shares the counts) and in this process's memory otherwise. Each door has its own setting, in the
library's notation ("10/minute", "100/hour"). A count is per door, per centre and per client address,
so one address that reaches a limit slows neither another address nor another centre.
"""

from __future__ import annotations

import time
from enum import StrEnum
from math import ceil

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from trainhub_ui.config import Settings, get_settings


class Door(StrEnum):
    """The public ways in that a stranger can knock on, each with its own limit."""

    SIGN_IN = "sign_in"
    SIGN_UP = "sign_up"
    PASSWORD_RESET = "password_reset"
    BOOKING = "booking"
    PAY_PAGE = "pay_page"
    KIOSK_LOOKUP = "kiosk_lookup"


def too_many(wait_seconds: int) -> str:
    """What a person is told when a limit is reached."""
    return (
        f"Too many requests from your network. Please wait {wait_seconds} second"
        f"{'s' if wait_seconds != 1 else ''} and try again."
    )


class RateLimits:
    """The limits of one app, read from the settings when it is built."""

    def __init__(self, settings: Settings) -> None:
        storage: Storage = (
            storage_from_string(f"async+{settings.redis_url}")  # type: ignore[assignment]
            if settings.redis_url
            else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits: dict[Door, RateLimitItem] = {
            door: parse(getattr(settings, f"rate_limit_{door.value}")) for door in Door
        }

    async def wait_seconds(self, door: Door, slug: str, address: str) -> int | None:
        """Count one request at this door; None if it may go on, else how many seconds until one may."""
        limit = self._limits[door]
        if await self._limiter.hit(limit, "trainhub", door.value, slug, address):
            return None
        stats = await self._limiter.get_window_stats(limit, "trainhub", door.value, slug, address)
        return max(1, ceil(stats.reset_time - time.time()))


_current: RateLimits | None = None


def rate_limits() -> RateLimits:
    """The pages' limits: those of the app being served (made afresh by each build)."""
    global _current
    if _current is None:
        _current = RateLimits(get_settings())
    return _current


def set_rate_limits(limits: RateLimits | None) -> None:
    global _current
    _current = limits
