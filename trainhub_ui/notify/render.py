"""Templates to emails: Jinja2, a plain-text and an HTML part per kind, in the centre's branding.

Each kind has `templates/{kind}.txt` (its first line is the subject) and `templates/{kind}.html`;
both extend a layout with the centre's name, colour and contact details. HTML is autoescaped; text
is not (it is never read as markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models import Tenant
from trainhub_ui.config import get_settings

from .outbox import Attachment, Email

TEMPLATES = Path(__file__).parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a missing value is a bug to find in tests, not a blank in a student's inbox
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Centre:
    """What every email shows of the centre that sends it."""

    name: str
    colour: str
    contact_email: str
    contact_phone: str
    address: str
    site_url: str

    @classmethod
    def of(cls, tenant: Tenant) -> Centre:
        return cls(
            name=tenant.name,
            colour=tenant.brand_colour or "#1d4ed8",
            contact_email=tenant.contact_email,
            contact_phone=tenant.contact_phone,
            address=tenant.address,
            site_url=f"{get_settings().base_url}/{tenant.slug}",
        )

    @property
    def contact(self) -> str:
        return " · ".join(part for part in (self.contact_phone, self.contact_email) if part)


def kinds() -> list[str]:
    """Every kind of email there is a template for."""
    return sorted(path.stem for path in TEMPLATES.glob("*.txt") if not path.name.startswith("_"))


def render(
    kind: str, tenant: Tenant, to: str, values: dict[str, Any], attachments: list[Attachment] | None = None
) -> Email:
    """The email of `kind` to `to`, from the values its templates use."""
    context = {"centre": Centre.of(tenant), **values}
    text = _environment.get_template(f"{kind}.txt").render(context)
    subject, _, body = text.partition("\n")
    html = _environment.get_template(f"{kind}.html").render(context)
    return Email(
        kind=kind,
        to=to,
        subject=subject.strip(),
        text=body.strip() + "\n",
        html=html,
        attachments=attachments or [],
    )
