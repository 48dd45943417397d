"""Form pieces shared by the pages."""

from __future__ import annotations

from collections.abc import Mapping

from nicegui import ui

from trainhub_ui.services.students import NewStudent


def student_details(fields: Mapping[str, ui.input]) -> NewStudent:
    """A student-details form's values, its fields keyed by the API's names, as the service takes them."""

    def value(name: str) -> str:
        return fields[name].value or ""

    return NewStudent(
        first_name=value("firstName"),
        last_name=value("lastName"),
        email=value("email"),
        phone=value("phone"),
        company_name=value("companyName"),
        billing_email=value("billingEmail"),
        po_number=value("poNumber"),
    )


def whole_number(label: str, value: int | None, bounds: tuple[int, int], hint: str = "") -> ui.number:
    """A whole-number input that states its range and keeps what was typed.

    NiceGUI's `min`/`max` would silently change an out-of-range number when the field loses focus; here
    the service's check says what range it accepts, at the field, and nothing is changed behind the
    person's back."""
    low, high = bounds
    said = f"{hint}; from {low} to {high}" if hint else f"From {low} to {high}"
    # The range can wrap the hint onto a second line on a phone: room for it below the field.
    return ui.number(label, value=value, precision=0).props(f'outlined hint="{said}"').classes("mb-3")


def show_password_button(field: ui.input) -> ui.button:
    """A "Show password" toggle in the field that Tab reaches and a screen reader names (NiceGUI's
    password_toggle_button is a bare icon, hidden from assistive technology and out of the tab order).

    Named by its title, which is also its tooltip; an aria-label would make get_by_label("Password") ambiguous."""

    def toggle() -> None:
        shown = field.props.get("type") == "password"
        field.props(f"type={'text' if shown else 'password'}")
        button.props(f"icon={'visibility' if shown else 'visibility_off'} aria-pressed={str(shown).lower()}")

    with field.add_slot("append"):
        button = ui.button(icon="visibility_off", on_click=toggle).props(
            "flat round dense color=grey-8 title='Show password' aria-pressed=false"
        )
    return button
