"""Background jobs: `trainhub jobs run` runs each once (for cron); `trainhub serve` runs them on an interval."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from models import SignInAttempt, utcnow
from trainhub_ui.db import Database

SIGN_IN_ATTEMPTS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Database, datetime], Awaitable[int]]


async def prune_sign_in_attempts(db: Database, now: datetime) -> int:
    """Forget sign-in attempts once they are far older than any lockout window."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(SignInAttempt).where(SignInAttempt.created_at < now - SIGN_IN_ATTEMPTS_KEPT)
        )
    return result.rowcount or 0


JOBS: list[Job] = [Job("prune sign-in attempts", prune_sign_in_attempts)]


async def run_jobs_once(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Run every job once; answers how many items each job handled."""
    now = now or utcnow()
    return {job.name: await job.run(db, now) for job in JOBS}
