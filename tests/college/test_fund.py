"""The collective fund: the seeded opening position (plan 2018-2021, the 2017 activity list as the
2018 budgets and allocations), the service rules for budgets, proposal, authorisation,
allocations and spending, the contributions invoiced and received through billing, and the
fund pages as each role uses them.

Expected figures never come from the code under test: the opening position is computed here
from catalogue/data/catalogue.json and college/data/college.json, the contributions from the
2017 inhabitants in governance/data (via tests/billing/conftest.py) with Decimal and
ROUND_HALF_UP."""

import datetime as dt
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceKind, InvoiceLine, OutboxMessage, PriceKind, VatCategory
from billing.services.catalog import add_price
from billing.services.credit_notes import create_credit_note
from billing.services.payments import register_payment
from billing.services.runs import run_invoices
from billing.services.subscriptions import subscribe_all
from college.models import Compartment, FundAllocation, FundSpending, FundYearStatus
from college.services import fund as fund_service
from college.services.errors import CollegeError
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from tests.billing.conftest import billing_inhabitants_2018, product
from tests.college.conftest import authorise_fund_year, browser_for, csrf, make_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = json.loads((ROOT / "catalogue" / "data" / "catalogue.json").read_text("utf-8"))
COLLEGE = json.loads((ROOT / "college" / "data" / "college.json").read_text("utf-8"))
ACTOR = Actor.system("fund-test")
FREE_FOR_SCALING_UP = "Collectieve I-voorzieningen en dienstverlening"
B, S, INNO = Compartment.BEHEER, Compartment.STRUCTUREEL, Compartment.INNOVATIE


# --- the opening position, from the data files ---------------------------------------------------


def opening_position() -> tuple[dict[str, int], dict[str, tuple[str, int]]]:
    """(budget cents per compartment, {activity: (compartment, cents)}) from the 2017 list."""
    budgets: dict[str, int] = defaultdict(int)
    allocations = {}
    for row in CATALOGUE["collective_activities_2017"]:
        compartment = COLLEGE["compartments"][row["name"]]
        amount = row["amount_eur"] * 100
        budgets[compartment or "innovatie"] += amount
        if compartment is not None:
            allocations[row["name"]] = (compartment, amount)
    return dict(budgets), allocations


BUDGETS_2018, ALLOCATIONS_2018 = opening_position()


def nbsp(text: str) -> str:
    return text.replace("\xa0", " ").replace("&nbsp;", " ")


def fund(year: int = 2018):
    found = fund_service.fund_year(year)
    assert found is not None, year
    return found


def figures(year: int = 2018) -> dict:
    db.session.expire_all()
    result = fund_service.figures(fund(year))
    return {c.compartment: c for c in result.compartments} | {"total": result}


def allocation(activity: str) -> FundAllocation:
    found = db.session.scalar(
        sa.select(FundAllocation).where(
            FundAllocation.activity == activity, FundAllocation.fund_year_id == fund().id
        )
    )
    assert found is not None, activity
    return found


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def half_up(value: Decimal, quantum: str = "1") -> Decimal:
    return Decimal(value).quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


# --- the opening position ------------------------------------------------------------------------


def test_the_data_files_give_the_sources_2017_total():
    """Guards the expectations above: the 2017 list adds up to the source's total, and the
    mapping keeps exactly the scale-up budget free."""
    assert sum(BUDGETS_2018.values()) == 5_075_200_000
    assert CATALOGUE["collective_activities_2017_totals"]["stated"]["totaal"] == 50_752_000
    assert BUDGETS_2018 == {
        "beheer": 1_584_900_000,
        "structureel": 1_069_300_000,
        "innovatie": 2_421_000_000,
    }
    assert FREE_FOR_SCALING_UP not in ALLOCATIONS_2018 and len(ALLOCATIONS_2018) == 13


def test_the_seeded_plan_has_four_fund_years_in_concept():
    years = fund_service.years()
    assert years == [2018, 2019, 2020, 2021]
    plan = fund(2018).plan
    assert (plan.title, plan.first_year, plan.last_year) == (
        "Meerjarenplan collectief fonds 2018-2021",
        2018,
        2021,
    )
    assert plan.approved_on is None
    contribution = product("collectief-fonds")
    for year in years:
        found = fund(year)
        assert found.plan is plan
        assert found.status is FundYearStatus.CONCEPT
        assert found.contribution_product_id == contribution.id
        assert (found.budgets == []) is (year != 2018)
    assert fund_service.fund_year(2017) is None and fund_service.fund_year(2022) is None


def test_2018_budgets_and_allocations_are_the_2017_activity_list():
    result = figures()
    for compartment in Compartment:
        row = result[compartment]
        assert row.budget_cents == BUDGETS_2018[compartment.value], compartment
        assert row.spent_cents == 0
    total = result["total"]
    assert total.budget_cents == 5_075_200_000  # € 50.752.000,00, the source's 2017 total
    assert total.committed_cents == 5_075_200_000 - 200_000_000
    # Only innovation has room: the € 2 mln kept for scaling up facilities.
    assert {c: result[c].free_cents for c in Compartment} == {B: 0, S: 0, INNO: 200_000_000}
    assert (total.contributions_invoiced_cents, total.contributions_received_cents) == (0, 0)
    seeded = {
        a.activity: (a.compartment.value, a.amount_cents, a.note, a.request_id)
        for a in fund().allocations
    }
    assert seeded == {
        name: (compartment, cents, COLLEGE["opening_source"], None)
        for name, (compartment, cents) in ALLOCATIONS_2018.items()
    }
    for a in fund().allocations:
        assert a.collective_activity is not None and a.collective_activity.name == a.activity


# --- budgets, proposal, authorisation ------------------------------------------------------------


def test_set_budget_in_concept_never_below_what_is_committed():
    committed = BUDGETS_2018["beheer"]  # beheer is fully committed
    with pytest.raises(CollegeError, match="al meer toegezegd in beheer"):
        fund_service.set_budget(ACTOR, fund(), B, committed - 1)
    assert figures()[B].budget_cents == committed
    with pytest.raises(CollegeError, match="niet negatief"):
        fund_service.set_budget(ACTOR, fund(2019), B, -1)
    fund_service.set_budget(ACTOR, fund(), B, committed)  # exactly what is committed: fine
    fund_service.set_budget(ACTOR, fund(), INNO, BUDGETS_2018["innovatie"] + 150)
    assert figures()[INNO].free_cents == 200_000_150
    fund_service.set_budget(ACTOR, fund(2019), S, 123_456_789)
    fund_service.set_budget(ACTOR, fund(2019), S, 100)  # a second call replaces the first
    assert [(b.compartment, b.budget_cents) for b in fund(2019).budgets] == [(S, 100)]


def test_propose_needs_budgets_and_notifies_the_board():
    board = [make_user(Role.BOARD, name=f"bestuur-{n}") for n in (1, 2)]
    gone = make_user(Role.BOARD, name="bestuur-oud")
    gone.active = False
    make_user(Role.COLLEGE, name="college-lid")
    db.session.flush()
    with pytest.raises(CollegeError, match="stel eerst de budgetten"):
        fund_service.propose(ACTOR, fund(2019))
    assert fund(2019).status is FundYearStatus.CONCEPT
    with pytest.raises(CollegeError, match="niet voorgesteld"):
        fund_service.authorise(ACTOR, fund(2018))  # the board authorises only a proposal
    assert fund(2018).status is FundYearStatus.CONCEPT

    before = count(OutboxMessage)
    fund_service.propose(Actor.for_user(make_user(Role.COLLEGE, name="voorzitter")), fund())
    db.session.flush()
    assert fund().status is FundYearStatus.VOORGESTELD
    assert fund().proposed_by_label and fund().proposed_at is not None
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.subject.contains("Fondsbegroting 2018"))
    ).all()
    assert count(OutboxMessage) == before + 2
    assert sorted(m.recipient for m in messages) == sorted(u.email for u in board)
    assert all(m.subject == "Fondsbegroting 2018 ter autorisatie" for m in messages)

    # Proposed: fixed. Neither a new budget nor a second proposal.
    with pytest.raises(CollegeError, match="voorgesteld door het College"):
        fund_service.set_budget(ACTOR, fund(), INNO, BUDGETS_2018["innovatie"] + 100)
    with pytest.raises(CollegeError, match="al voorgesteld"):
        fund_service.propose(ACTOR, fund())
    assert figures()[INNO].budget_cents == BUDGETS_2018["innovatie"]

    fund_service.authorise(Actor.for_user(board[0]), fund())
    assert fund().status is FundYearStatus.GEAUTORISEERD
    assert fund().authorised_by_label and fund().authorised_at is not None
    with pytest.raises(CollegeError, match="geautoriseerd door het bestuur, niet voorgesteld"):
        fund_service.authorise(ACTOR, fund())


# --- allocations and spending --------------------------------------------------------------------


def test_an_allocation_beyond_the_free_budget_is_refused_and_changes_nothing():
    before = (count(FundAllocation), figures()[INNO].committed_cents)
    with pytest.raises(CollegeError) as refused:
        fund_service.allocate(ACTOR, fund(), INNO, "Govroam", 200_000_001)
    assert nbsp(str(refused.value)) == (
        "innovatie 2018: nog € 2.000.000,00 vrij, gevraagd € 2.000.000,01"
    )
    with pytest.raises(
        CollegeError, match=r"beheer \(standaarden en processen\) 2018: nog €\s0,00"
    ):
        fund_service.allocate(ACTOR, fund(), B, "Iets", 1)
    with pytest.raises(CollegeError, match="groter dan nul"):
        fund_service.allocate(ACTOR, fund(), INNO, "Niets", 0)
    with pytest.raises(CollegeError, match="geen budget"):
        fund_service.allocate(ACTOR, fund(2019), INNO, "Govroam", 1)
    assert (count(FundAllocation), figures()[INNO].committed_cents) == before

    first = fund_service.allocate(ACTOR, fund(), INNO, "  Govroam  ", 150_000_000)
    assert (first.activity, first.amount_cents) == ("Govroam", 150_000_000)
    with pytest.raises(CollegeError) as refused:
        fund_service.allocate(ACTOR, fund(), INNO, "Fixi", 50_000_001)
    assert "nog € 500.000,00 vrij" in nbsp(str(refused.value))
    fund_service.allocate(ACTOR, fund(), INNO, "Fixi", 50_000_000)  # the last euro fits
    result = figures()
    assert result[INNO].free_cents == 0
    assert result["total"].committed_cents == result["total"].budget_cents == 5_075_200_000


def test_spending_stays_within_the_allocation_and_the_fund_year():
    woz = allocation("Taxatiewijzers WOZ")
    with pytest.raises(CollegeError, match="nog niet door het bestuur geautoriseerd"):
        fund_service.record_spending(ACTOR, woz, dt.date(2018, 5, 1), 100, "te vroeg")
    authorise_fund_year(2018)
    agenda = allocation("Digitale Agenda")  # innovatie, € 20.260.000
    king = allocation("Basisdienstverlening KING")  # structureel, € 7.500.000
    woz = allocation("Taxatiewijzers WOZ")  # beheer, € 1.000.000
    fund_service.record_spending(ACTOR, agenda, dt.date(2018, 3, 1), 500_000_000, "Q1")
    fund_service.record_spending(ACTOR, agenda, dt.date(2018, 6, 1), 12_345, "kleine post")
    fund_service.record_spending(ACTOR, king, dt.date(2018, 1, 1), 750_000_000, "heel 2018")
    fund_service.record_spending(ACTOR, woz, dt.date(2019, 2, 1), 1, "nagekomen")

    before = count(FundSpending)
    left = 2_026_000_000 - 500_012_345
    with pytest.raises(CollegeError) as refused:
        fund_service.record_spending(ACTOR, agenda, dt.date(2018, 7, 1), left + 1, "te veel")
    assert nbsp(str(refused.value)) == (
        "Digitale Agenda: nog € 15.259.876,55 van de toezegging over, uitgave € 15.259.876,56"
    )
    with pytest.raises(CollegeError, match=r"nog €\s0,00 van de toezegging over"):
        fund_service.record_spending(ACTOR, king, dt.date(2018, 7, 1), 1, "op is op")
    with pytest.raises(CollegeError, match="ten laste van 2018 valt in 2018 t/m 2021"):
        fund_service.record_spending(ACTOR, woz, dt.date(2017, 12, 31), 100, "te vroeg")
    with pytest.raises(CollegeError, match="ten laste van 2018 valt in 2018 t/m 2021"):
        fund_service.record_spending(ACTOR, woz, dt.date(2022, 1, 1), 100, "na het plan")
    with pytest.raises(CollegeError, match="groter dan nul"):
        fund_service.record_spending(ACTOR, woz, dt.date(2018, 5, 1), 0, "nul")
    with pytest.raises(CollegeError, match="omschrijf"):
        fund_service.record_spending(ACTOR, woz, dt.date(2018, 5, 1), 100, "   ")
    assert count(FundSpending) == before

    result = figures()
    assert {c: result[c].spent_cents for c in Compartment} == {
        INNO: 500_012_345,
        S: 750_000_000,
        B: 1,
    }
    assert result["total"].spent_cents == 500_012_345 + 750_000_000 + 1
    assert fund_service.spent_cents(agenda) == 500_012_345
    # Spending changes neither the budget nor what is committed.
    assert result["total"].committed_cents == 5_075_200_000 - 200_000_000
    fund_service.record_spending(ACTOR, agenda, dt.date(2018, 7, 1), left, "de rest")
    assert figures()[INNO].spent_cents == 2_026_000_000


# --- contributions through billing ---------------------------------------------------------------

BUDGET_CENTS = 100_000_000  # € 1.000.000,00
ISSUE_DATE = dt.date(2018, 1, 15)


def invoice_contributions_2018() -> dict[str, Invoice]:
    """A fund-contribution price for 2018, every municipality subscribed, the VNG invoices of
    2018 run and finalised; returns the invoices by member code."""
    contribution = product("collectief-fonds")
    add_price(
        ACTOR,
        contribution,
        kind=PriceKind.FUND_CONTRIBUTION,
        valid_from=dt.date(2018, 1, 1),
        budget_cents=BUDGET_CENTS,
        vat_category=VatCategory.NOT_SUBJECT,
        legal_basis="ALV juni 2017: bijdrage collectief fonds 2018",
    )
    assert subscribe_all(ACTOR, [contribution], dt.date(2018, 1, 1)) == 380
    report = run_invoices(ACTOR, 2018, issuer_code="VNG", finalize_on=ISSUE_DATE)
    assert report.refused == [] and report.finalized == 380
    db.session.flush()
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.year == 2018, Invoice.kind == InvoiceKind.INVOICE)
    ).all()
    return {i.member.code: i for i in invoices}


def fund_line(invoice: Invoice) -> InvoiceLine:
    (line,) = [li for li in invoice.lines if li.product.code == "collectief-fonds"]
    return line


def expected_fund_lines() -> dict[str, int]:
    """Per municipality of 2018: inhabitants x rate, the rate being the budget divided by all
    participants' inhabitants rounded half-up to 6 decimals, each line half-up to the cent."""
    inhabitants = {code: n for code, (n, _) in billing_inhabitants_2018().items()}
    rate = half_up(Decimal(BUDGET_CENTS) / 100 / sum(inhabitants.values()), "0.000001")
    return {code: int(half_up(n * rate * 100)) for code, n in inhabitants.items()}


def test_contributions_invoiced_are_the_fund_lines_and_add_up_to_the_budget():
    invoices = invoice_contributions_2018()
    expected = expected_fund_lines()
    assert len(expected) == 380
    lines = {code: fund_line(i).amount_cents for code, i in invoices.items()}
    assert lines == expected
    result = figures()["total"]
    assert result.contributions_invoiced_cents == sum(lines.values())
    # Documented rounding: the rate is off by at most half a millionth of a euro per
    # inhabitant, each line by at most half a cent.
    inhabitants = sum(n for n, _ in billing_inhabitants_2018().values())
    bound = Decimal(inhabitants) * Decimal("0.0000005") * 100 + Decimal("0.5") * len(lines)
    assert abs(result.contributions_invoiced_cents - BUDGET_CENTS) <= bound
    assert result.contributions_received_cents == 0
    # Another year's figures do not include 2018's invoices.
    assert figures(2019)["total"].contributions_invoiced_cents == 0


def test_a_paid_invoice_is_received_and_a_credit_note_reduces_invoiced():
    invoices = invoice_contributions_2018()
    invoiced = figures()["total"].contributions_invoiced_cents
    utrecht, amsterdam = invoices["GM0344"], invoices["GM0363"]
    assert utrecht.total_cents == fund_line(utrecht).amount_cents  # no VAT, one line

    register_payment(ACTOR, utrecht, utrecht.total_cents - 1, dt.date(2018, 2, 1))
    assert figures()["total"].contributions_received_cents == 0  # not yet paid in full
    register_payment(ACTOR, utrecht, 1, dt.date(2018, 2, 2))
    result = figures()["total"]
    assert result.contributions_received_cents == fund_line(utrecht).amount_cents
    assert result.contributions_invoiced_cents == invoiced

    line = fund_line(amsterdam)
    create_credit_note(
        ACTOR, amsterdam, "inwonertal gecorrigeerd", dt.date(2018, 3, 1), {line.id: 12_345}
    )
    result = figures()["total"]
    assert result.contributions_invoiced_cents == invoiced - 12_345
    assert result.contributions_received_cents == fund_line(utrecht).amount_cents


def test_a_fully_credited_invoice_is_not_money_received():
    """Billing settles a fully credited invoice (status paid), but nothing was received."""
    invoices = invoice_contributions_2018()
    invoiced = figures()["total"].contributions_invoiced_cents
    schiermonnikoog = invoices["GM0088"]
    create_credit_note(ACTOR, schiermonnikoog, "ten onrechte", dt.date(2018, 3, 1))
    db.session.flush()
    assert schiermonnikoog.status.value == "paid"  # billing: nothing is owed any more
    result = figures()["total"]
    assert result.contributions_received_cents == 0
    assert result.contributions_invoiced_cents == invoiced - fund_line(schiermonnikoog).amount_cents


def test_a_partly_credited_invoice_paid_for_the_rest_receives_the_rest():
    invoices = invoice_contributions_2018()
    amsterdam = invoices["GM0363"]
    line = fund_line(amsterdam)
    create_credit_note(ACTOR, amsterdam, "correctie", dt.date(2018, 3, 1), {line.id: 10_000})
    register_payment(ACTOR, amsterdam, line.amount_cents - 10_000, dt.date(2018, 3, 5))
    db.session.flush()
    assert amsterdam.status.value == "paid"
    result = figures()["total"]
    assert result.contributions_received_cents == line.amount_cents - 10_000
    assert result.contributions_received_cents <= result.contributions_invoiced_cents


def test_a_credit_note_issued_next_year_reduces_the_year_it_corrects():
    invoices = invoice_contributions_2018()
    invoiced = figures()["total"].contributions_invoiced_cents
    amsterdam = invoices["GM0363"]
    line = fund_line(amsterdam)
    note = create_credit_note(
        ACTOR, amsterdam, "correctie 2018", dt.date(2019, 2, 1), {line.id: 10_000}
    )
    assert note.year == 2019  # billing numbers it in the year of issue
    assert figures(2019)["total"].contributions_invoiced_cents == 0
    assert figures()["total"].contributions_invoiced_cents == invoiced - 10_000


# --- the pages -----------------------------------------------------------------------------------


def table_row(html: str, header: str) -> list[str]:
    """The amounts of the table row whose header is `header`, as shown."""
    match = re.search(
        rf'<th scope="row">{re.escape(header)}</th>((?:<td class="num">[^<]*</td>)+)', html
    )
    assert match, f"no row {header!r}"
    return re.findall(r'<td class="num">([^<]*)</td>', match.group(1))


def page(client, year: int = 2018) -> str:
    response = client.get(f"/fonds/{year}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return nbsp(response.get_data(as_text=True))


def post(client, url: str, prefix: str, data: dict, year: int = 2018):
    token = csrf(client.get(f"/fonds/{year}"))
    return client.post(url, data={f"{prefix}-csrf_token": token, **data})


def test_any_signed_in_user_sees_the_figures_with_a_chart(app, users, client):
    html = page(browser_for(app, users["it_other"]))
    assert table_row(html, "beheer (standaarden en processen)") == [
        "€ 15.849.000,00",
        "€ 15.849.000,00",
        "€ 0,00",
        "€ 0,00",
    ]
    assert table_row(html, "structurele activiteiten") == [
        "€ 10.693.000,00",
        "€ 10.693.000,00",
        "€ 0,00",
        "€ 0,00",
    ]
    assert table_row(html, "innovatie") == [
        "€ 24.210.000,00",
        "€ 22.210.000,00",
        "€ 2.000.000,00",
        "€ 0,00",
    ]
    assert table_row(html, "Totaal") == [
        "€ 50.752.000,00",
        "€ 48.752.000,00",
        "€ 2.000.000,00",
        "€ 0,00",
    ]
    assert table_row(html, "Gefactureerd (na creditnota's)") == ["€ 0,00"]
    assert re.search(r'<svg[^>]*role="img"', html)
    assert "Digitale Agenda" in html and "€ 20.260.000,00" in html
    # A municipality only reads: no College, board or finance forms.
    for name in (
        "budget-amount",
        "toezegging-amount",
        "uitgave-amount",
        "alv-approved_on",
        "actie-csrf_token",
    ):
        assert f'name="{name}"' not in html
    anonymous = client.get("/fonds/2018")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/inloggen")
    assert browser_for(app, users["it_other"]).get("/fonds/1999").status_code == 404


def test_the_college_budgets_and_proposes_and_the_board_authorises(app, users):
    college = browser_for(app, users["college_a"])
    assert 'name="budget-amount"' in page(college, 2019)
    for compartment, amount in (("beheer", "16000000.00"), ("innovatie", "4000000.50")):
        data = {"budget-compartment": compartment, "budget-amount": amount}
        response = post(college, "/fonds/2019/budget", "budget", data, 2019)
        assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert {b.compartment: b.budget_cents for b in fund(2019).budgets} == {
        B: 1_600_000_000,
        INNO: 400_000_050,
    }
    assert table_row(page(college, 2019), "Totaal")[0] == "€ 20.000.000,50"

    board = browser_for(app, users["board"])
    assert post(board, "/fonds/2019/budget", "budget", {}, 2019).status_code == 403
    assert post(college, "/fonds/2019/autoriseren", "actie", {}, 2019).status_code == 403
    response = post(board, "/fonds/2019/autoriseren", "actie", {}, 2019)
    assert response.status_code == 400
    assert "concept, niet voorgesteld" in response.get_data(as_text=True)

    response = post(college, "/fonds/2019/voorstellen", "actie", {}, 2019)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert fund(2019).status is FundYearStatus.VOORGESTELD
    assert "bestuur@college.example" in {
        m.recipient
        for m in db.session.scalars(sa.select(OutboxMessage))
        if m.subject == "Fondsbegroting 2019 ter autorisatie"
    }
    # Once proposed the budget is fixed, also through the page.
    data = {"budget-compartment": "beheer", "budget-amount": "1.00"}
    response = post(college, "/fonds/2019/budget", "budget", data, 2019)
    assert response.status_code == 400
    assert "de begroting 2019 is voorgesteld door het College" in response.get_data(as_text=True)
    assert "Besteding 2019 autoriseren" in page(board, 2019)

    response = post(board, "/fonds/2019/autoriseren", "actie", {}, 2019)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert fund(2019).status is FundYearStatus.GEAUTORISEERD
    assert fund(2019).authorised_by_label
    assert {b.compartment: b.budget_cents for b in fund(2019).budgets} == {
        B: 1_600_000_000,
        INNO: 400_000_050,
    }


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-1.00", "Nummer moet tussen 0 en 1000000000 liggen"),
        ("100.005", "hooguit twee cijfers achter de komma"),
        ("15848999.99", "er is al meer toegezegd in beheer"),
    ],
)
def test_a_bad_budget_gives_400_and_changes_nothing(app, users, amount, message):
    college = browser_for(app, users["college_a"])
    data = {"budget-compartment": "beheer", "budget-amount": amount}
    response = post(college, "/fonds/2018/budget", "budget", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert figures()[B].budget_cents == BUDGETS_2018["beheer"]


def test_vng_finance_books_spending(app, users):
    authorise_fund_year(2018)
    finance = browser_for(app, users["finance"])
    agenda = allocation("Digitale Agenda")
    assert 'name="uitgave-amount"' in page(finance)
    data = {
        "uitgave-allocation": str(agenda.id),
        "uitgave-spent_on": "2018-04-01",
        "uitgave-amount": "1234567.89",
        "uitgave-description": "Eerste tranche",
    }
    response = post(finance, "/fonds/2018/uitgaven", "uitgave", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    (spending,) = allocation("Digitale Agenda").spending
    assert (spending.spent_on, spending.amount_cents, spending.description) == (
        dt.date(2018, 4, 1),
        123_456_789,
        "Eerste tranche",
    )
    assert table_row(page(finance), "innovatie")[3] == "€ 1.234.567,89"
    # The College and municipalities do not book spending.
    for key in ("college_a", "it"):
        other = browser_for(app, users[key])
        assert post(other, "/fonds/2018/uitgaven", "uitgave", data).status_code == 403
    assert count(FundSpending) == 1


@pytest.mark.parametrize(
    "field, value, message, by_field",
    [
        ("amount", "-5.00", "Nummer moet tussen 0 en 1000000000 liggen", True),
        ("amount", "10.001", "hooguit twee cijfers achter de komma", True),
        ("allocation", "999999", "Ongeldige keuze", True),
        ("spent_on", "9999-01-01", "kies een datum tussen 1900 en 2099", True),
        # The service's refusals, shown above the forms.
        ("spent_on", "2017-12-31", "een uitgave ten laste van 2018 valt in 2018 t/m 2021", False),
        ("amount", "1000000.01", "nog € 1.000.000,00 van de toezegging over", False),
    ],
)
def test_bad_spending_gives_400_with_a_message_and_books_nothing(
    app, users, field, value, message, by_field
):
    authorise_fund_year(2018)
    finance = browser_for(app, users["finance"])
    data = {
        "uitgave-allocation": str(allocation("Taxatiewijzers WOZ").id),
        "uitgave-spent_on": "2018-04-01",
        "uitgave-amount": "100.00",
        "uitgave-description": "Uitgave",
        f"uitgave-{field}": value,
    }
    response = post(finance, "/fonds/2018/uitgaven", "uitgave", data)
    assert response.status_code == 400
    html = nbsp(response.get_data(as_text=True))
    assert message in html
    assert (f'id="uitgave-{field}-fout">{message}' in html) is by_field
    assert count(FundSpending) == 0
