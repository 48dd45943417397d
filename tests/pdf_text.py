"""Reading a PDF the way an accountant would: its text, and the money amounts in it, in order."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

MONEY = re.compile(r"£(\d{1,3}(?:,\d{3})*\.\d{2})")


def pdf_text(pdf: bytes) -> str:
    """Every page's text, joined; each run of spaces made one."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"[ \t]+", " ", text)


def pence(text: str) -> list[int]:
    """The £ amounts in `text`, in order, in pence."""
    return [int(found.replace(",", "").replace(".", "")) for found in MONEY.findall(text)]


def after(text: str, marker: str) -> str:
    """The text after the first `marker` (which must be there)."""
    assert marker in text, f"{marker!r} not in the PDF:\n{text}"
    return text.split(marker, 1)[1]
