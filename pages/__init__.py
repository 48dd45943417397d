"""NiceGUI pages, one module per surface. Each module has a `router` that main.py includes."""
