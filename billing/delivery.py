"""Serving issued documents to the web and the API: the stored XML, and the PDF rendered on
the first download and kept (the commit that keeps it may lose a race with another writer;
the bytes are the same either way, so the download is served regardless)."""

from flask import Response, abort
from sqlalchemy.exc import OperationalError

from billing.models import Invoice, InvoiceDocument
from billing.services import documents
from portal.db import db

MEDIA_TYPES = {"xml": "application/xml", "pdf": "application/pdf"}


def download(invoice: Invoice, extension: str) -> Response:
    if invoice.number is None or db.session.get(InvoiceDocument, invoice.id) is None:
        abort(404)  # a draft, or an invoice issued before e-invoicing existed
    if extension == "xml":
        body = documents.stored_document(invoice).xml
    else:
        body = documents.pdf_bytes(invoice)
        try:
            db.session.commit()
        except OperationalError:
            db.session.rollback()
    return Response(
        body,
        mimetype=MEDIA_TYPES[extension],
        headers={
            "Content-Disposition": f'attachment; filename="{invoice.number}.{extension}"',
            "Cache-Control": "private, max-age=3600",
        },
    )
