"""The booking wizard's last step: "I accept the terms (version N)", with the terms and the privacy notice a
click away in a new tab. The version shown is the version the booking accepts; when the centre publishes a
newer one meanwhile, the booking is refused and the new version is shown for the student to read and accept."""

from __future__ import annotations

from nicegui import ui

from trainhub_ui.db import database
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import DomainError
from trainhub_ui.services.centre_terms import TermsChanged, current_version


async def terms_in_force(ctx: TenantContext) -> int | None:
    async with database().read() as session:
        return await current_version(session, ctx)


class TermsAcceptance:
    """The checkbox and its links; `accepted_version` is what the booking sends (None: not ticked, or the
    centre has no terms, in which case only the privacy notice is linked)."""

    def __init__(self, ctx: TenantContext, version: int | None) -> None:
        self.base = f"/{ctx.tenant.slug}"
        self.version = version
        self.accepted = False
        self.box = ui.column().classes("w-full gap-1 py-2").mark("terms-acceptance")
        self._draw()

    @property
    def accepted_version(self) -> int | None:
        return self.version if self.accepted else None

    def _draw(self, problem: str = "") -> None:
        self.box.clear()
        with self.box:
            if self.version is not None:
                box = ui.checkbox(f"I accept the terms and conditions (version {self.version})")
                box.bind_value(self, "accepted").classes("pr-2").mark("accept-terms")
                box.on_value_change(lambda: self.problem.set_text(""))
            with ui.row().classes("items-baseline gap-x-1 gap-y-0 text-sm text-slate-600"):
                if self.version is not None:
                    ui.label("Read the")
                    terms = ui.link(
                        f"terms (version {self.version})", f"{self.base}/terms?version={self.version}", new_tab=True
                    )
                    terms.classes("text-primary").mark("terms-link")
                    ui.label("and the")
                else:
                    ui.label("How we use your details: the")
                privacy = ui.link("privacy notice", f"{self.base}/privacy", new_tab=True)
                privacy.classes("text-primary").mark("privacy-link")
                ui.label("(each opens in a new tab).")
            self.problem = ui.label(problem).classes("text-sm text-red-700").props('role="alert"')
            self.problem.mark("accept-terms-problem")

    def show_problem(self, error: DomainError) -> None:
        """A refusal at the checkbox; terms changed meanwhile: the new version, unticked, to read and accept."""
        if isinstance(error, TermsChanged):
            self.version = error.current
            self.accepted = False
        self._draw(error.message)
