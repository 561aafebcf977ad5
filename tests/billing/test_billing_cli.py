"""`samen billing run`: the yearly run from the command line, repeatable, optionally finalising
with a given invoice date."""

import sqlalchemy as sa

from billing.models import Invoice, InvoiceStatus
from portal.db import db
from tests.billing.conftest import (
    AWT_PRODUCTS,
    G4,
    billing_inhabitants_2018,
    cents,
    issuer,
    unit_price,
)


def _nl_euros(cents_total: int) -> str:
    whole, fraction = divmod(cents_total, 100)
    return f"€ {whole:,}".replace(",", ".") + f",{fraction:02d}"


def _expected_awt_total() -> int:
    total = 0
    for code, (inhabitants, _) in billing_inhabitants_2018().items():
        for product_code in AWT_PRODUCTS:
            if product_code == "luisterend-oor" and code in G4:
                continue
            total += cents(inhabitants * unit_price(product_code))
    return total


def test_the_run_command_drafts_reports_and_can_be_repeated(runner):
    result = runner.invoke(args=["billing", "run", "--year", "2018"])
    assert result.exit_code == 0, result.output
    assert "Jaar 2018: 380 nieuwe facturen, 1516 regels, 0 al gefactureerd, 0 definitief" in (
        result.output
    )
    assert f"AWT: totaal {_nl_euros(_expected_awt_total())}" in result.output
    assert "Overgeslagen (4):" in result.output
    for code in G4:
        assert f"{code} luisterend-oor: vrijgesteld" in result.output
    drafts = db.session.scalars(sa.select(Invoice)).all()
    assert len(drafts) == 380
    assert {i.status for i in drafts} == {InvoiceStatus.DRAFT}

    again = runner.invoke(args=["billing", "run", "--year", "2018"])
    assert again.exit_code == 0, again.output
    assert "0 nieuwe facturen, 0 regels, 1516 al gefactureerd" in again.output


def test_the_run_command_finalises_with_the_given_invoice_date(runner):
    args = ["billing", "run", "--year", "2018", "--issuer", "AWT"]
    result = runner.invoke(args=[*args, "--finalize", "--issue-date", "2018-01-15"])
    assert result.exit_code == 0, result.output
    assert "380 definitief gemaakt" in result.output
    awt = db.session.scalars(
        sa.select(Invoice).where(Invoice.issuer_id == issuer("AWT").id).order_by(Invoice.number)
    ).all()
    assert [i.number for i in awt] == [f"AWT-2018-{n:05d}" for n in range(1, 381)]
    assert {(i.issue_date.isoformat(), i.due_date.isoformat()) for i in awt} == {
        ("2018-01-15", "2018-02-14")
    }
    assert sum(i.total_cents for i in awt) == _expected_awt_total()


def test_the_run_command_refuses_a_bad_year(runner):
    result = runner.invoke(args=["billing", "run", "--year", "1999"])
    assert result.exit_code != 0
    assert db.session.scalars(sa.select(Invoice)).all() == []
