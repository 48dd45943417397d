"""What a booking costs: the total, the deposit a centre takes when a student pays part now, and which way
of paying (in full, a deposit, or on invoice) a booking uses.

A deposit is rounded up to the penny, so the deposit and the balance always add up to the total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from models import Course, CourseSession, PaymentOption
from trainhub_ui.domain.context import TenantContext
from trainhub_ui.domain.errors import InvalidInput

from .rules import Refused, deposit_refusal


class PaymentChoice(Protocol):
    """How a booking asks to be paid: a payment option, a deposit percentage, or neither (in full)."""

    @property
    def payment_option(self) -> PaymentOption | None: ...

    @property
    def deposit_percentage(self) -> float | None: ...


@dataclass(frozen=True)
class Amounts:
    total: int
    deposit: int

    @property
    def balance_after_deposit(self) -> int:
        return self.total - self.deposit


def deposit_for(total: int, percent: int) -> int:
    """The deposit, rounded up to the penny, so deposit + balance is the total exactly."""
    return min(total, math.ceil(total * percent / 100))


def payment_option_for(ctx: TenantContext, request: PaymentChoice) -> PaymentOption:
    """FULL by default; DEPOSIT when a deposit percentage is given (which must be the centre's)."""
    tenant = ctx.tenant
    option = request.payment_option
    if request.deposit_percentage is not None:
        if option not in (None, PaymentOption.DEPOSIT):
            raise InvalidInput("depositPercentage", "A deposit percentage only goes with a DEPOSIT booking.")
        if not math.isclose(request.deposit_percentage * 100, tenant.deposit_percent, abs_tol=1e-6):
            raise InvalidInput(
                "depositPercentage",
                f"This centre takes a {tenant.deposit_percent} % deposit ({tenant.deposit_percent / 100:g}).",
            )
        option = PaymentOption.DEPOSIT
    option = option or PaymentOption.FULL
    offered = {
        PaymentOption.FULL: tenant.offers_full_payment,
        PaymentOption.DEPOSIT: tenant.offers_deposit,
        PaymentOption.INVOICE: tenant.offers_invoice,
    }
    if not offered[option]:
        raise InvalidInput("paymentOption", f"{tenant.name} does not offer {option.value} payment.")
    return option


def ensure_deposit_allowed(
    ctx: TenantContext, request: PaymentChoice, option: PaymentOption, course_session: CourseSession
) -> None:
    """Refuse a deposit the centre cannot take on this session: it takes none, or the session starts too soon."""
    if option is not PaymentOption.DEPOSIT:
        return
    why_not = deposit_refusal(ctx.tenant, course_session.start_date, ctx.today())
    if why_not is not None:
        field = "depositPercentage" if request.deposit_percentage is not None else "paymentOption"
        raise Refused("deposit_unavailable", why_not, field=field)


def amounts_for(ctx: TenantContext, course: Course, option: PaymentOption) -> Amounts:
    deposit = deposit_for(course.price, ctx.tenant.deposit_percent) if option is PaymentOption.DEPOSIT else 0
    return Amounts(total=course.price, deposit=deposit)
