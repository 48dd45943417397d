"""The booking core: whether a place can be taken, taking and giving places back, holds and offers, what a
booking costs, and the state machines of bookings, payments, waiting-list offers and invoices.

It is the only code that changes a session's `booked_spots`; the waiting list, payments and the catalogue
ask it.
"""
