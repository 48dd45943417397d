"""TrainHub's entry point: `python main.py serve` equals `trainhub serve`.

NiceGUI's User test harness runs this file as __main__ with its own environment flag; then it only
builds the app (the harness serves it in-process).
"""

import os

from nicegui import ui

from trainhub_ui import web
from trainhub_ui.cli import app as cli
from trainhub_ui.config import reload_settings

if __name__ in {"__main__", "__mp_main__"}:
    if os.environ.get("NICEGUI_USER_SIMULATION"):
        settings = reload_settings()
        web.build(settings)
        ui.run(**web.run_options(settings))  # type: ignore[arg-type]
    else:
        cli()
