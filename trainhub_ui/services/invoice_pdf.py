"""Invoices and credit notes as PDF: what a UK VAT invoice must show, drawn only from what the invoice kept
when it was issued (never from the centre's settings today), so a reprint shows what was sent.

A UK VAT invoice names the supplier (legal name, address, VAT registration number), the customer and
their address, its number, date and tax point, each line's description, quantity, unit price net of
VAT, VAT rate and amount, and the totals. The reference to quote with the payment is printed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fpdf import FPDF

from models import CreditNote, Invoice
from trainhub_ui.domain import formatting
from trainhub_ui.domain.formatting import LOCALE

# A4 is 210 mm wide; 18 mm margins leave 174 mm for the page's content.
MARGIN = 18.0
WIDTH = 174.0
# The line table's columns: description, quantity, unit net, VAT rate, VAT, gross (they add up to WIDTH).
COLUMNS = (70.0, 12.0, 24.0, 20.0, 22.0, 26.0)
HEADINGS = ("Description", "Qty", "Unit net", "VAT rate", "VAT", "Gross")
INK = (30, 41, 59)  # slate-800: dark enough to print well, softer than black
MUTED = (100, 116, 139)  # slate-500: labels
RULE = (203, 213, 225)  # slate-300: the table's lines
SHADE = (241, 245, 249)  # slate-100: the table's heading and the total's band
ENCODING = "windows-1252"


def invoice_number(invoice: Invoice) -> str:
    return f"INV-{invoice.number:05d}"


def credit_note_number(note: CreditNote) -> str:
    return f"CN-{note.number:05d}"


def money(amount: int, currency: str, locale: str) -> str:
    """As everywhere else (`formatting.money`), in the centre's locale, as the sheet's fonts print it."""
    return _latin1(formatting.money(amount, currency, locale))


def rate_text(basis_points: int | None) -> str:
    return f"{basis_points / 100:g}%" if basis_points else "0%"


def day(value: date, locale: str) -> str:
    return _latin1(formatting.day_text(value, locale, "long_date"))


def _latin1(text: str) -> str:
    # The core fonts print Windows-1252 (set on the sheet): dashes, curly quotes and the euro sign are
    # there; anything beyond it prints as "?" rather than failing the whole document.
    return text.encode(ENCODING, "replace").decode(ENCODING)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Amounts:
    net: int
    vat_rate_basis_points: int | None
    vat: int
    gross: int
    currency: str


class _Sheet(FPDF):
    """One A4 document with the centre's heading, a facts block, the line table and totals."""

    def __init__(self, title: str, author: str, created: date, locale: str) -> None:
        super().__init__(format="A4")
        self.locale = locale
        self.core_fonts_encoding = ENCODING  # a venue typed "Avonmouth — rig hall" keeps its dash
        # Uncompressed, the text can be searched and checked (a document is a few kilobytes either way).
        self.set_compression(False)
        self.set_title(_latin1(title))
        self.set_author(_latin1(author))
        self.set_creation_date(datetime.combine(created, datetime.min.time()))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.add_page()
        self.set_text_color(*INK)

    def text_line(self, text: str, size: float = 9.5, style: str = "", height: float = 4.8, align: str = "L") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, height, _latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")  # align: never justified

    def label(self, text: str) -> None:
        self.set_text_color(*MUTED)
        self.text_line(text.upper(), 7.5, "B", 4.5)
        self.set_text_color(*INK)

    def heading(self, supplier: str, address: str, vat_number: str, title: str) -> None:
        top = self.get_y()
        self.set_font("Helvetica", "B", 15)
        self.multi_cell(WIDTH * 0.6, 7, _latin1(supplier), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9.5)
        for line in _lines(address):
            self.cell(WIDTH * 0.6, 4.8, _latin1(line), new_x="LMARGIN", new_y="NEXT")
        if vat_number:
            self.cell(WIDTH * 0.6, 4.8, _latin1(f"VAT registration number {vat_number}"), new_x="LMARGIN", new_y="NEXT")
        bottom = self.get_y()
        self.set_xy(MARGIN + WIDTH * 0.6, top)
        self.set_font("Helvetica", "B", 18)
        self.cell(WIDTH * 0.4, 8, _latin1(title), align="R")
        self.set_y(max(bottom, top + 10) + 8)

    def two_columns(self, left: list[tuple[str, list[str]]], right: list[tuple[str, str]]) -> None:
        """Who is billed on the left (blocks under a label); the document's facts on the right (label, value)."""
        top = self.get_y()
        half = WIDTH / 2
        for caption, lines in left:
            self.set_x(MARGIN)
            self.label(caption)
            self.set_font("Helvetica", "", 9.5)
            for index, line in enumerate(lines):
                self.set_font("Helvetica", "B" if index == 0 else "", 9.5)
                self.multi_cell(half - 6, 4.8, _latin1(line), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
        left_bottom = self.get_y()
        self.set_y(top)
        for caption, value in right:
            self.set_x(MARGIN + half)
            self.set_font("Helvetica", "", 9)
            self.set_text_color(*MUTED)
            self.cell(36, 5.4, _latin1(caption))
            self.set_text_color(*INK)
            self.set_font("Helvetica", "B", 9)
            self.multi_cell(half - 36, 5.4, _latin1(value), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 6)

    def line_table(self, description: str, amounts: Amounts) -> None:
        self.set_fill_color(*SHADE)
        self.set_draw_color(*RULE)
        self.set_font("Helvetica", "B", 8.5)
        for index, (width, heading) in enumerate(zip(COLUMNS, HEADINGS, strict=True)):
            self.cell(width, 7, heading, border="B", fill=True, align="L" if index == 0 else "R")
        self.ln(7)
        self.set_font("Helvetica", "", 9)
        top = self.get_y() + 1.5
        self.set_xy(MARGIN, top)
        self.multi_cell(COLUMNS[0] - 3, 4.6, _latin1(description), align="L", new_x="LMARGIN", new_y="NEXT")
        bottom = self.get_y()
        figures = (
            "1",
            money(amounts.net, amounts.currency, self.locale),
            rate_text(amounts.vat_rate_basis_points),
            money(amounts.vat, amounts.currency, self.locale),
            money(amounts.gross, amounts.currency, self.locale),
        )
        x = MARGIN + COLUMNS[0]
        for width, figure in zip(COLUMNS[1:], figures, strict=True):
            self.set_xy(x, top)
            self.cell(width, 4.6, figure, align="R")
            x += width
        self.set_y(bottom + 1.5)
        self.line(MARGIN, self.get_y(), MARGIN + WIDTH, self.get_y())
        self.ln(3)

    def totals(self, rows: list[tuple[str, int]], currency: str) -> None:
        label_width, value_width = 50.0, 30.0
        for index, (caption, amount) in enumerate(rows):
            last = index == len(rows) - 1
            self.set_x(MARGIN + WIDTH - label_width - value_width)
            self.set_font("Helvetica", "B" if last else "", 10.5 if last else 9.5)
            self.set_fill_color(*SHADE)
            self.cell(label_width, 7 if last else 5.6, _latin1(caption), fill=last, align="R")
            self.cell(value_width, 7 if last else 5.6, money(amount, currency, self.locale), fill=last, align="R")
            self.ln(7 if last else 5.6)
        self.ln(6)

    def section(self, caption: str, lines: list[str], *, last_bold: bool = False) -> None:
        self.label(caption)
        for index, line in enumerate(lines):
            self.text_line(line, style="B" if last_bold and index == len(lines) - 1 else "")
        self.ln(3)

    def stamp(self, text: str) -> None:
        self.set_text_color(21, 128, 61)  # green-700
        self.text_line(text, 11, "B", 6)
        self.set_text_color(*INK)


def _bill_to(invoice: Invoice) -> list[tuple[str, list[str]]]:
    name = invoice.company_name or invoice.customer_name
    address = _lines(invoice.billing_address)
    if address and address[0].casefold() == name.casefold():
        address = address[1:]  # an address typed with the company's name on top: the name once
    customer = [name, *address]
    if invoice.billing_email:
        customer.append(invoice.billing_email)
    blocks = [("Bill to", [line for line in customer if line])]
    if invoice.company_name and invoice.customer_name:
        blocks.append(("Attendee", [invoice.customer_name]))
    return blocks


def _vat_rows(amounts: Amounts, prefix: str) -> list[tuple[str, int]]:
    return [
        (f"{prefix} net", amounts.net),
        (f"{prefix} VAT at {rate_text(amounts.vat_rate_basis_points)}", amounts.vat),
        (f"{prefix} (gross)" if prefix == "Total" else f"{prefix} in total", amounts.gross),
    ]


def render_invoice(invoice: Invoice, booking_reference: str, description: str, locale: str = LOCALE) -> bytes:
    """The invoice as it was issued; paid or credited since, it says so below the payment details."""
    is_vat_invoice = bool(invoice.vat_rate_basis_points)
    title = "VAT invoice" if is_vat_invoice else "Invoice"
    sheet = _Sheet(f"{title} {invoice_number(invoice)}", invoice.supplier_name, invoice.issued_on, locale)
    sheet.heading(invoice.supplier_name, invoice.supplier_address, invoice.supplier_vat_number, title)
    facts = [
        ("Invoice number", invoice_number(invoice)),
        ("Invoice date", day(invoice.issued_on, locale)),
        ("Tax point (date of supply)", day(invoice.tax_point, locale)),
        ("Due by", day(invoice.due_on, locale)),
    ]
    if invoice.po_number:
        facts.append(("Purchase order", invoice.po_number))
    sheet.two_columns(_bill_to(invoice), facts)
    amounts = Amounts(
        invoice.net_amount, invoice.vat_rate_basis_points, invoice.vat_amount, invoice.total_amount, invoice.currency
    )
    sheet.line_table(f"{description}\nBooking {booking_reference}", amounts)
    sheet.totals(_vat_rows(amounts, "Total"), invoice.currency)
    if not is_vat_invoice:
        sheet.text_line("No VAT is charged on this invoice.")
        sheet.ln(3)
    terms = [
        f"Due by {day(invoice.due_on, locale)}, {(invoice.due_on - invoice.issued_on).days} days from the invoice date."
    ]
    sheet.section("Payment terms", terms)
    payment = ["By bank transfer to:", *_lines(invoice.bank_details)] if invoice.bank_details else []
    payment.append(f"Payment reference {invoice_number(invoice)}")
    sheet.section("How to pay", payment, last_bold=True)
    if invoice.credited_amount >= invoice.total_amount and invoice.credited_amount:
        sheet.text_line("This invoice has been credited in full: see the credit notes that refer to it.")
    elif invoice.credited_amount:
        credited = money(invoice.credited_amount, invoice.currency, locale)
        sheet.text_line(f"{credited} of this invoice has been credited: see the credit notes that refer to it.")
    if invoice.paid_at is not None:
        sheet.stamp(f"Paid on {day(invoice.paid_at.date(), locale)}. Thank you.")
    return bytes(sheet.output())


def render_credit_note(note: CreditNote, invoice: Invoice, description: str, locale: str = LOCALE) -> bytes:
    """A credit note: the supplier and customer of its invoice, the invoice it refers to, what is credited."""
    title = "Credit note"
    sheet = _Sheet(f"{title} {credit_note_number(note)}", invoice.supplier_name, note.issued_on, locale)
    sheet.heading(invoice.supplier_name, invoice.supplier_address, invoice.supplier_vat_number, title)
    facts = [
        ("Credit note number", credit_note_number(note)),
        ("Credit note date", day(note.issued_on, locale)),
        ("Tax point (date of credit)", day(note.issued_on, locale)),
        ("Credits invoice", invoice_number(invoice)),
        ("Invoice date", day(invoice.issued_on, locale)),
    ]
    if invoice.po_number:
        facts.append(("Purchase order", invoice.po_number))
    sheet.two_columns(_bill_to(invoice), facts)
    amounts = Amounts(note.net_amount, note.vat_rate_basis_points, note.vat_amount, note.total_amount, note.currency)
    sheet.line_table(f"Credit for: {description}", amounts)
    sheet.totals(_vat_rows(amounts, "Credited"), note.currency)
    if note.reason:
        sheet.section("Reason", [note.reason])
    sheet.section(
        "What this means",
        [
            f"This credit note reduces invoice {invoice_number(invoice)} by "
            f"{money(note.total_amount, note.currency, locale)}"
            + (f", of which {money(note.vat_amount, note.currency, locale)} VAT." if note.vat_amount else "."),
            "Nothing is owed for the amount credited; whatever of it was already paid is refunded.",
        ],
    )
    return bytes(sheet.output())
