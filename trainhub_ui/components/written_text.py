"""Text a centre writes itself (its terms, its privacy notice) shown as it meant it: Markdown, or plain text
with each line break kept. HTML typed into it is shown as typed, never run, and only web and mail links work."""

from __future__ import annotations

import markdown2
from nicegui import ui

# break-on-newline: a line break typed in the settings stays a line break; cuddled-lists: a list may follow
# its paragraph without a blank line, as people type them.
EXTRAS = ["break-on-newline", "cuddled-lists", "tables"]


def written_html(text: str) -> str:
    return markdown2.markdown(text, safe_mode="escape", extras=EXTRAS)


def written_text(text: str) -> ui.html:
    return ui.html(written_html(text)).classes("th-written text-slate-800 max-w-none")
