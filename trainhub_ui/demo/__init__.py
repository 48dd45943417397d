"""The demo centres: two training centres with courses, sessions, students and bookings in every state.

`make run` seeds them into an empty database so a newcomer has something to click through. What the
centres contain is in `data.json`; the modules here turn it into rows, with dates relative to `today`
so the demo never goes stale, and everything else from a seeded random generator, so two runs on the
same day produce the same centres.
"""
