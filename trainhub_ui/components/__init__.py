"""Reusable NiceGUI pieces: the layout frames and small widgets."""
