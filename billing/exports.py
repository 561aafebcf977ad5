"""Receivables and invoice lines for finance's own systems, as CSV and XLSX.

CSV: semicolon-separated, UTF-8 with BOM, amounts with a decimal comma and no thousands
separator (what Dutch Excel and most Dutch bookkeeping imports read without a wizard). XLSX:
real numbers with a euro format and a totals row. Both hold the same rows as the dashboard.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import xlsxwriter

from billing import reports
from billing.money import euros

RECEIVABLE_COLUMNS = (
    "Factuurnummer",
    "Uitgever",
    "Debiteur",
    "Naam",
    "Factuurdatum",
    "Vervaldatum",
    "Status",
    "Inkoopnummer",
    "Bedrag excl. btw",
    "Btw",
    "Totaal",
    "Gecrediteerd",
    "Betaald",
    "Open",
    "Vervallen open",
)
LINE_COLUMNS = (
    "Nummer",
    "Soort",
    "Uitgever",
    "Debiteur",
    "Naam",
    "Factuurdatum",
    "Product",
    "Omschrijving",
    "Aantal",
    "Tarief",
    "Maanden",
    "Bedrag",
    "Btw-categorie",
    "Btw-tarief",
    "Grondslag",
    "Periode van",
    "Periode tot en met",
)
#: Which columns hold cents (written as euros).
MONEY = {
    "receivables": set(range(8, 15)),
    "lines": {11},
}


def receivable_rows(year: int, issuer: str | None, today: dt.date) -> list[list]:
    return [
        [
            r.number,
            r.issuer,
            r.member_code,
            r.member_name,
            r.issue_date,
            r.due_date,
            r.status.label,
            r.buyer_reference,
            r.subtotal_cents,
            r.vat_cents,
            r.total_cents,
            r.credited_cents,
            r.paid_cents,
            r.open_cents,
            r.overdue_cents(today),
        ]
        for r in reports.receivables(year, issuer)
    ]


def line_rows(year: int, issuer: str | None) -> list[list]:
    return [
        [
            row.number,
            row.kind.label,
            row.issuer,
            row.member_code,
            row.member_name,
            row.issue_date,
            row.product or "",
            row.description,
            row.quantity,
            row.unit_price,
            row.billed_months,
            int(row.amount_cents),
            row.vat_category.value,
            row.vat_rate,
            row.legal_basis,
            row.period_start,
            row.period_end,
        ]
        for row in reports.invoice_lines(year, issuer)
    ]


def _text(value, money: bool) -> str:
    if value is None:
        return ""
    if money:
        return euros(value).replace(".", ",")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(kind: str, columns: tuple, rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(v, i in MONEY[kind]) for i, v in enumerate(row)])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(kind: str, title: str, columns: tuple, rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": title, "created": dt.datetime(2000, 1, 1)})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "€ #,##0.00"})
    money_bold = book.add_format({"num_format": "€ #,##0.00", "bold": True})
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet = book.add_worksheet(title[:31])
    sheet.write_row(0, 0, columns, bold)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if c in MONEY[kind]:
                sheet.write_number(r, c, value / 100, money)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, Decimal):
                sheet.write_number(r, c, float(value))  # display only; CSV keeps the exact text
            elif value is None:
                sheet.write_blank(r, c, None)
            else:
                sheet.write(r, c, value)
    totals = len(rows) + 1
    sheet.write(totals, 0, "Totaal", bold)
    for c in sorted(MONEY[kind]):
        sheet.write_number(totals, c, sum(row[c] for row in rows) / 100, money_bold)
    sheet.autofit()
    book.close()
    return buffer.getvalue()
