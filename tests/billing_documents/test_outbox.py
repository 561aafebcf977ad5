"""The outbox: finalising queues one email per document to the member's invoice address, which
is sent later, outside the finalising transaction, with the PDF and the e-invoice attached;
failures are retried with a growing pause, then left as failed until finance retries.

`send_pending` commits; inside the per-test transaction those commits are savepoints, so
nothing leaks out of a test.
"""

import datetime as dt
import email
import logging
import socket
from email import policy

import pytest
import sqlalchemy as sa

from billing import outbox
from billing.models import OutboxMessage, OutboxStatus
from billing.services import documents
from billing.services import invoices as invoice_service
from billing.tasks import send_outbox
from portal.db import db, utcnow
from tests.billing.conftest import make_draft
from tests.billing_documents.conftest import (
    ACTOR,
    account,
    event_baseline,
    events_since,
    outbox_of,
    stored,
)

ISSUE_DATE = dt.date(2018, 1, 15)


@pytest.fixture(autouse=True)
def _only_this_tests_messages():
    """Messages other tests committed (on PostgreSQL the no_transaction tests do) are marked
    sent inside this test's transaction, so the counts below are this test's own."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.SENT)
        .values(status=OutboxStatus.SENT)
    )


@pytest.fixture
def folder(app, monkeypatch, tmp_path):
    """The "folder" backend, writing into a fresh folder."""
    target = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "folder")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(target))
    return target


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_smtp(app, monkeypatch):
    """The "smtp" backend, pointed at a local port where nothing listens."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", unused_port())


def finalized(member_code: str = "GM0088", amounts: list[int] | None = None):
    invoice = make_draft(member_code, "AWT", amounts or [10_000, 2_500])
    invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    db.session.flush()
    return invoice


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def emails(target) -> list:
    return sorted(target.glob("*.eml")) if target.exists() else []


def test_finalising_queues_one_message_and_sends_nothing(folder):
    invoice = finalized()
    (message,) = outbox_of(invoice)
    assert message.recipient == "facturen@gm0088.example"
    assert message.subject == (
        f"Factuur {invoice.number} van Administratiekantoor Wettelijke Taken Jeugd (voorbeeld)"
    )
    assert f"factuur {invoice.number}" in message.body
    assert message.body.startswith("Geachte Crediteurenadministratie (voorbeeld),")
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (
        OutboxStatus.PENDING,
        0,
        None,
        "",
    )
    assert emails(folder) == []  # nothing leaves during the finalising transaction
    assert stored(invoice).pdf is None  # not even rendered


def test_folder_backend_writes_one_email_with_the_pdf_and_the_xml(folder):
    invoice = finalized()
    other = finalized("GM0344", [50_000])
    baseline = event_baseline()
    now = utcnow()
    assert outbox.send_pending(ACTOR, now) == {"sent": 2, "failed": 0}

    messages = [fresh(m) for m in (*outbox_of(invoice), *outbox_of(other))]
    files = emails(folder)
    assert [f.name for f in files] == [f"{m.id:08d}.eml" for m in messages]
    for message, path, sent in zip(messages, files, (invoice, other), strict=True):
        assert message.status is OutboxStatus.SENT
        assert (message.attempts, message.last_error) == (1, "")
        assert message.sent_at is not None and message.sent_at >= now
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert parsed["To"] == message.recipient
        assert parsed["From"] == "facturen@samen.example"
        assert parsed["Subject"] == message.subject
        assert parsed.get_body(("plain",)).get_content() == message.body
        attachments = {part.get_filename(): part for part in parsed.iter_attachments()}
        assert list(attachments) == [f"{sent.number}.pdf", f"{sent.number}.xml"]
        pdf_part = attachments[f"{sent.number}.pdf"]
        xml_part = attachments[f"{sent.number}.xml"]
        assert pdf_part.get_content_type() == "application/pdf"
        assert xml_part.get_content_type() == "application/xml"
        assert xml_part.get_content() == stored(sent).xml
        assert pdf_part.get_content().startswith(b"%PDF-")
        assert pdf_part.get_content() == documents.pdf_bytes(sent)
    assert [e.data["to"] for e in events_since(baseline, "delivery.sent")] == [
        "facturen@gm0088.example",
        "facturen@gm0344.example",
    ]

    assert outbox.send_pending(ACTOR, utcnow()) == {"sent": 0, "failed": 0}
    assert len(emails(folder)) == 2


def test_unreachable_server_is_retried_with_backoff_then_failed(
    app, folder, unreachable_smtp, monkeypatch
):
    assert app.config["MAIL_BACKEND"] == "smtp"  # `folder`: to see that nothing is written
    invoice = finalized()
    (message,) = outbox_of(invoice)
    baseline = event_baseline()
    now = utcnow()
    assert outbox.send_pending(ACTOR, now) == {"sent": 0, "failed": 1}
    message = fresh(message)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error.startswith("ConnectionRefusedError")
    assert message.next_attempt_at == now + dt.timedelta(minutes=5)
    assert message.sent_at is None
    # not due yet: nothing is tried
    assert outbox.send_pending(ACTOR, now + dt.timedelta(minutes=4)) == {"sent": 0, "failed": 0}
    assert fresh(message).attempts == 1

    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        due = fresh(message).next_attempt_at
        assert outbox.send_pending(ACTOR, due) == {"sent": 0, "failed": 1}
        message = fresh(message)
        assert message.attempts == attempt
        pause = dt.timedelta(minutes=5) * 2 ** (attempt - 1)  # 10, 20, 40, 80, 160 minutes
        assert message.next_attempt_at == due + pause
        expected = OutboxStatus.FAILED if attempt == outbox.MAX_ATTEMPTS else OutboxStatus.PENDING
        assert message.status is expected, attempt
    assert outbox.MAX_ATTEMPTS == 6
    assert outbox.send_pending(ACTOR, now + dt.timedelta(days=365)) == {"sent": 0, "failed": 0}
    assert fresh(message).attempts == outbox.MAX_ATTEMPTS
    failures = events_since(baseline, "delivery.failed")
    assert [e.data["attempt"] for e in failures] == [1, 2, 3, 4, 5, 6]
    assert {e.invoice_id for e in failures} == {invoice.id}
    assert emails(folder) == []

    outbox.retry(ACTOR, message)
    db.session.flush()
    message = fresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert message.next_attempt_at <= utcnow()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "folder")
    assert outbox.send_pending(ACTOR) == {"sent": 1, "failed": 0}
    assert fresh(message).status is OutboxStatus.SENT
    assert len(emails(folder)) == 1


def test_cli_retries_failed_messages_and_sends(runner, folder):
    invoice = finalized()
    (message,) = outbox_of(invoice)
    message.status, message.attempts = OutboxStatus.FAILED, outbox.MAX_ATTEMPTS
    db.session.flush()
    result = runner.invoke(args=["billing", "outbox"])
    assert result.exit_code == 0, result.output
    assert "0 verzonden, 0 mislukt." in result.output
    result = runner.invoke(args=["billing", "outbox", "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert "1 verzonden, 0 mislukt." in result.output
    assert fresh(message).status is OutboxStatus.SENT
    assert len(emails(folder)) == 1


def test_scheduler_job_sends_the_outbox(app, folder, caplog):
    invoice = finalized()
    caplog.set_level(logging.INFO, logger="billing.tasks")
    send_outbox(app)
    assert "outbox: 1 sent, 0 failed" in caplog.text
    (message,) = outbox_of(invoice)
    assert fresh(message).status is OutboxStatus.SENT
    assert len(emails(folder)) == 1
    pending = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    assert pending == 0


def test_an_account_without_email_gets_no_message(folder):
    account("GM0088").email = ""
    invoice = finalized()
    assert outbox_of(invoice) == []
    assert stored(invoice) is not None
