"""The centre's public shop: home, catalogue, course pages, booking and paying, the student's account,
signing in, certificates and feedback. One small module per page."""
