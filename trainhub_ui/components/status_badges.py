"""How a booking's status and its payment are named and coloured wherever staff see a booking: the
bookings list, a booking's page and a student's profile."""

from __future__ import annotations

from models import BookingStatus
from trainhub_ui.services.payment_states import PaymentState

STATUS_LABELS = {
    BookingStatus.PENDING: "Held, unpaid",
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.CANCELLED: "Cancelled",
    BookingStatus.EXPIRED: "Hold lapsed",
}
STATUS_COLOURS = {
    BookingStatus.PENDING: "amber-8",
    BookingStatus.CONFIRMED: "green-8",
    BookingStatus.CANCELLED: "grey-7",
    BookingStatus.EXPIRED: "grey-6",
}
PAYMENT_COLOURS = {
    PaymentState.NOT_PAID: "red-8",
    PaymentState.DEPOSIT_PAID: "amber-9",
    PaymentState.PAID: "green-8",
    PaymentState.ON_INVOICE: "indigo-7",
    PaymentState.PART_REFUNDED: "purple-6",
    PaymentState.REFUNDED: "purple-9",
}
