"""The bookings list's table: its columns, how a booking's cells and (on a phone) its card are drawn,
and one booking as a row."""

from __future__ import annotations

from typing import Any

from models import Tenant
from trainhub_ui.components.status_badges import PAYMENT_COLOURS, STATUS_COLOURS, STATUS_LABELS
from trainhub_ui.domain.formatting import clock_text, day_text, local, money
from trainhub_ui.services.booking_search import BookingLine

_NO_WRAP = {"classes": "whitespace-nowrap", "headerClasses": "whitespace-nowrap"}
_WIDE = {"style": "min-width: 10rem"}
COLUMNS: list[dict[str, Any]] = [
    {"name": "reference", "label": "Reference", "field": "reference", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "booked", "label": "Booked", "field": "booked", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "student", "label": "Student", "field": "student", "align": "left", "sortable": True, **_WIDE},
    # The course's title with the session's date below it; sorting it sorts by the session's start.
    {"name": "session", "label": "Course and session", "field": "course", "align": "left", "sortable": True, **_WIDE},
    {"name": "status", "label": "Status", "field": "status", "align": "left", "sortable": True, **_NO_WRAP},
    {"name": "payment", "label": "Payment", "field": "payment", "align": "left", **_NO_WRAP},
    {"name": "total", "label": "Total", "field": "total", "align": "right", "sortable": True, **_NO_WRAP},
    {"name": "balance", "label": "Balance due", "field": "balance", "align": "right", "sortable": True, **_NO_WRAP},
]

REFERENCE_CELL = r"""
<q-td :props="props">
  <a :href="props.row.href" class="text-primary font-semibold" style="text-decoration:none">{{ props.value }}</a>
</q-td>
"""
STUDENT_CELL = r"""
<q-td :props="props">
  <div class="font-medium">{{ props.value }}</div>
  <div class="text-xs text-slate-500" style="overflow-wrap: anywhere">{{ props.row.email }}</div>
</q-td>
"""
SESSION_CELL = r"""
<q-td :props="props">
  <div>{{ props.row.course }}</div>
  <div class="text-xs text-slate-500">{{ props.row.session }}</div>
</q-td>
"""
BADGE_CELL = r"""
<q-td :props="props">
  <q-badge :color="props.row.{colour}" :label="props.value" class="text-xs" />
</q-td>
"""
# On a phone the table shows each booking as a card (Quasar's grid mode).
CARD = r"""
<div class="q-pa-xs col-12">
  <q-card flat bordered>
    <q-card-section class="q-pa-sm">
      <div class="row items-center justify-between no-wrap">
        <a :href="props.row.href" class="text-primary text-base font-semibold" style="text-decoration:none">
          {{ props.row.reference }}</a>
        <div class="text-right font-semibold">{{ props.row.total }}</div>
      </div>
      <div class="font-medium">{{ props.row.student }}</div>
      <div class="text-xs text-slate-500" style="word-break: break-all">{{ props.row.email }}</div>
      <div class="text-sm">{{ props.row.course }}</div>
      <div class="text-sm text-slate-600">{{ props.row.session }}</div>
      <div class="row items-center q-gutter-xs q-mt-xs">
        <q-badge :color="props.row.status_colour" :label="props.row.status" />
        <q-badge :color="props.row.payment_colour" :label="props.row.payment" />
        <span v-if="props.row.balance_due" class="text-xs text-slate-600">Balance {{ props.row.balance }}</span>
      </div>
    </q-card-section>
  </q-card>
</div>
"""


def booking_row(tenant: Tenant, line: BookingLine) -> dict[str, Any]:
    locale = tenant.locale
    return {
        "id": line.id,
        "href": f"/{tenant.slug}/admin/bookings/{line.id}",
        "reference": line.reference,
        "booked": f"{day_text(local(tenant, line.booked_at), locale, 'date')}",
        "student": line.student_name,
        "email": line.student_email,
        "course": line.course_title,
        "session": f"{day_text(line.session_start_date, locale, 'day')}, {clock_text(line.session_start_time, locale)}",
        "status": STATUS_LABELS[line.status],
        "status_colour": STATUS_COLOURS[line.status],
        "payment": line.payment_state.label,
        "payment_colour": PAYMENT_COLOURS[line.payment_state],
        "total": money(line.total_amount, line.currency, locale),
        "balance": money(line.balance_due, line.currency, locale) if line.balance_due else "–",
        "balance_due": line.balance_due,
    }
