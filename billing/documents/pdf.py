"""The PDF of a document: HTML from a Jinja template, printed by WeasyPrint, with the UBL XML
embedded (as ZUGFeRD/Factur-X do), tagged for screen readers.

WeasyPrint reuses the portal's templates and Dutch formatting filters; measured in
bench/bench_documents.py. The same document and XML give the same bytes: the PDF identifier
is derived from the XML and the dates come from the finalisation, not the clock.
"""

import datetime as dt
import hashlib

from flask import render_template
from weasyprint import HTML, Attachment

from billing.documents.model import Document


def html(document: Document) -> str:
    return render_template("billing/pdf/document.html", doc=document)


def render(document: Document, xml: bytes, created: dt.datetime | None = None) -> bytes:
    attachment = Attachment(
        string=xml,
        name=f"{document.number}.xml",
        description="E-factuur (UBL 2.1, SI-UBL 2.0)",
        created=created,
        modified=created,
        relationship="Alternative",
    )
    return HTML(string=html(document)).write_pdf(
        attachments=[attachment],
        pdf_identifier=hashlib.sha256(xml).hexdigest()[:32].encode(),
        pdf_tags=True,
    )
