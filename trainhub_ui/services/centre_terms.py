"""The centre's terms and privacy notice: published as numbered versions that are never edited, shown on the
public site, and accepted at checkout. A booking made online keeps the version its student accepted
(`Booking.terms_version`); publishing a change makes the next version, and a student who saw an older one
is asked to read the new one before booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import CentreTerms
from trainhub_ui.db import Database
from trainhub_ui.domain.audit import record
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput, NotFound
from trainhub_ui.domain.inputs import ServiceInput, words
from trainhub_ui.domain.permissions import LOWEST_ROLE, Permission

from .privacy_notice import built_in_privacy_notice
from .staff import acting_role

TERMS_MAX = 50_000
PRIVACY_NOTICE_MAX = 50_000
# The wizard's checkbox; the API names its own field (`acceptedTermsVersion`).
ACCEPT_FIELD = "acceptTerms"


class TermsDraft(ServiceInput):
    """A new version as the settings form sends it, with the version the editor started from."""

    terms: words(TERMS_MAX, required="Write the terms a booking agrees to.")
    privacy_notice: words(
        PRIVACY_NOTICE_MAX, required="Write the privacy notice: who holds the students' details, why, and how long."
    )
    # None: the centre had no terms when the editor opened them.
    based_on_version: Annotated[int, Field(ge=1)] | None = None


@dataclass(frozen=True)
class TermsVersion:
    """One line of the version history: which version, when, and by whom."""

    version: int
    published_at: datetime
    published_by: str


@dataclass(frozen=True)
class PrivacyNotice:
    """The privacy notice shown on the public site: a published version, or the built-in one (version None)."""

    text: str
    version: int | None
    published_at: datetime | None


class TermsChanged(InvalidInput):
    """The student accepted a version older than the one now in force: they must read the new one."""

    def __init__(self, field: str, current: int) -> None:
        super().__init__(field, f"The terms changed while you were booking: read version {current} and accept it.")
        self.current = current


# --- reading ---------------------------------------------------------------------------------------------


async def current_version(session: AsyncSession, ctx: TenantContext) -> int | None:
    """The number of the version in force, or None while the centre has published none."""
    return await session.scalar(select(func.max(CentreTerms.version)).where(CentreTerms.tenant_id == ctx.tenant_id))


async def current_terms(session: AsyncSession, ctx: TenantContext) -> CentreTerms | None:
    """The version in force, or None while the centre has published none."""
    return await session.scalar(
        select(CentreTerms).where(CentreTerms.tenant_id == ctx.tenant_id).order_by(CentreTerms.version.desc()).limit(1)
    )


async def terms_of_version(session: AsyncSession, ctx: TenantContext, version: int | None) -> CentreTerms:
    """A version of the centre's terms (None: the one in force); NotFound if there is no such version."""
    if version is None:
        found = await current_terms(session, ctx)
    else:
        found = await session.scalar(
            select(CentreTerms).where(CentreTerms.tenant_id == ctx.tenant_id, CentreTerms.version == version)
        )
    if found is None:
        raise NotFound("Terms" if version is None else f"Version {version} of the terms")
    return found


async def privacy_notice(session: AsyncSession, ctx: TenantContext, version: int | None = None) -> PrivacyNotice:
    """The privacy notice of a version (None: the one in force); a centre that has published none has the
    built-in notice, which names it as the controller."""
    if version is None and await current_version(session, ctx) is None:
        return PrivacyNotice(built_in_privacy_notice(ctx.tenant), None, None)
    found = await terms_of_version(session, ctx, version)
    return PrivacyNotice(found.privacy_notice, found.version, found.published_at)


async def terms_history(session: AsyncSession, ctx: TenantContext) -> list[TermsVersion]:
    """Every published version, newest first, without their texts."""
    rows = await session.execute(
        select(CentreTerms.version, CentreTerms.published_at, CentreTerms.published_by)
        .where(CentreTerms.tenant_id == ctx.tenant_id)
        .order_by(CentreTerms.version.desc())
    )
    return [TermsVersion(*row) for row in rows]


# --- accepting, at checkout ---------------------------------------------------------------------------------


async def accepted_version(
    session: AsyncSession, ctx: TenantContext, shown: int | None, *, required: bool = True, field: str = ACCEPT_FIELD
) -> int | None:
    """The version a booking records as accepted: `shown`, the version the student saw and accepted, if it is
    the one in force. Refused at `field` when the centre has terms and none were accepted (unless not
    `required`), when the centre published a newer version meanwhile (`TermsChanged`), or for a version
    that does not exist. None when nothing was accepted and nothing had to be."""
    if shown is None and not required:
        return None
    current = await current_version(session, ctx)
    if shown is None:
        if current is not None:
            raise InvalidInput(field, f"Accept the terms (version {current}) to book.")
        return None
    if current is None or not 1 <= shown <= current:
        raise InvalidInput(field, f"There is no version {shown} of {ctx.tenant.name}'s terms.")
    if shown < current:
        raise TermsChanged(field, current)
    return shown


# --- publishing, in the settings ----------------------------------------------------------------------------


async def publish_terms(db: Database, ctx: TenantContext, draft: TermsDraft) -> CentreTerms:
    """Publish the next version of the terms and privacy notice (ADMIN and up); earlier versions stay as they
    were. Refused at `terms` when nothing changed, or when someone published a version after the one the
    editor started from."""
    async with db.transaction() as session:
        await acting_role(session, ctx, LOWEST_ROLE[Permission.SETTINGS])
        current = await current_terms(session, ctx)
        if current is None and draft.based_on_version is not None:
            raise InvalidInput("basedOnVersion", f"There is no version {draft.based_on_version} to start from.")
        if current is not None and current.version != draft.based_on_version:
            raise InvalidInput(
                "terms",
                f"Version {current.version} was published by {current.published_by} while you were editing: "
                "reload the page to read it, then make your changes to it.",
            )
        if current is not None and (current.terms, current.privacy_notice) == (draft.terms, draft.privacy_notice):
            raise InvalidInput("terms", f"Nothing has changed: version {current.version} says this already.")
        published = CentreTerms(
            tenant_id=ctx.tenant_id,
            version=current.version + 1 if current else 1,
            terms=draft.terms,
            privacy_notice=draft.privacy_notice,
            published_at=ctx.now(),
            published_by=ctx.actor,
            published_by_id=ctx.user_id,
        )
        session.add(published)
        try:
            await session.flush()
        except IntegrityError:  # another admin's version took the same number at the same moment
            raise InvalidInput(
                "terms", "Another version was published at the same moment: reload the page to read it."
            ) from None
        changed = (
            []
            if current is None
            else [name for name in ("terms", "privacy_notice") if getattr(current, name) != getattr(published, name)]
        )
        record(
            session,
            ctx,
            "centre.terms_published",
            "centre_terms",
            published.id,
            before=current.version if current else None,
            after=published.version,
            changed=changed or ["terms", "privacy_notice"],
        )
        return published
