"""The SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from .base import Base, new_id, utcnow
from .billing import CreditNote, Invoice, WebhookEvent
from .booking import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CourseResult,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    RefundStatus,
    WaitingListEntry,
    WaitingListStatus,
)
from .catalog import Course, CourseSession
from .delivery import Achievement, AttendanceStatus, FeedbackAnswer, SessionAttendance
from .erasure import ErasedBy, Erasure
from .people import ApiToken, Customer, SignInThrottle, StaffRole, StaffUser
from .records import AuditEntry, OutboxEmail, OutboxStatus
from .staff_invites import StaffInvite
from .tenant import Tenant
from .terms import CentreTerms

__all__ = [
    "LIVE_BOOKING_STATUSES",
    "Achievement",
    "ApiToken",
    "AttendanceStatus",
    "AuditEntry",
    "Base",
    "Booking",
    "BookingStatus",
    "CentreTerms",
    "Course",
    "CourseResult",
    "CourseSession",
    "CreditNote",
    "Customer",
    "ErasedBy",
    "Erasure",
    "FeedbackAnswer",
    "Invoice",
    "OutboxEmail",
    "OutboxStatus",
    "Payment",
    "PaymentKind",
    "PaymentMethod",
    "PaymentOption",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SessionAttendance",
    "SignInThrottle",
    "StaffInvite",
    "StaffRole",
    "StaffUser",
    "Tenant",
    "WaitingListEntry",
    "WaitingListStatus",
    "WebhookEvent",
    "new_id",
    "utcnow",
]
