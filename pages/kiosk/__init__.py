"""The reception kiosk at /{slug}/kiosk: students check themselves in for today's course.

A member of staff unlocks the kiosk once on the device (their email and password, STAFF or above);
the browser then stays a kiosk for that centre until a member of staff locks it again. Unlocking
marks this browser in NiceGUI's per-browser user storage; it signs nobody in to the back office, and
the kiosk has no way there.

Students scan the QR code of their booking (a keyboard-wedge scanner types the reference and Enter),
type the reference, or find their name. Today's sessions show how many are booked, checked in and
still expected, kept live by the attendance, booking and capacity events of this centre.
"""
