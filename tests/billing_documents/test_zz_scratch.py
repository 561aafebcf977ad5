import datetime as dt, time, re, zlib
import sqlalchemy as sa
from billing.models import Invoice, InvoiceDocument, OutboxMessage, InvoiceStatus, BillingAccount
from billing.services import documents
from billing.documents import pdf, snapshot
from portal.db import db
from portal.formatting import euro
from tests.billing.conftest import ACTOR, member, invoices_of, open_invoice

def streams(p):
    out = []
    for m in re.finditer(rb">>\s*stream\r?\n", p):
        d = zlib.decompressobj()
        try:
            out.append(d.decompress(p[m.end():]))
        except zlib.error:
            out.append(None)
    return out

def test_explore(app):
    inv = open_invoice(amounts=[123456, 100])
    db.session.flush()
    p = documents.pdf_bytes(inv)
    st = documents.stored_document(inv)
    ss = streams(p)
    print(len(ss), sum(s is None for s in ss))
    print(any(s == st.xml for s in ss))
    for s in ss:
        if s and b".xml" in s:
            i = s.find(b".xml"); print(s[max(0,i-300):i+100])
    with app.test_request_context():
        h = pdf.html(snapshot.from_json(st.snapshot))
        print(repr(euro(inv.total_cents)))
    print(h)
