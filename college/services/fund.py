"""The collective fund: budgets per compartment, the College's proposal and the board's
authorisation of a year, allocations (never beyond a compartment's budget), spending (never
beyond an allocation) and the year's figures. Allocation and spending lock the fund year's row,
so two commitments at once cannot both squeeze into the last euro."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Price,
    PriceKind,
    Product,
    VatCategory,
)
from billing.reports import ISSUED
from billing.services.catalog import add_price, make_automatic
from billing.services.errors import BillingError
from billing.services.invoices import credited_cents, paid_cents
from catalogue.models import CollectiveActivity
from college.models import (
    PROCESS_START,
    Compartment,
    FundAllocation,
    FundBudget,
    FundPlan,
    FundSpending,
    FundYear,
    FundYearStatus,
    ScaleUpRequest,
)
from college.services.errors import CollegeError
from college.services.notify import notify_role
from governance.models import Subject
from portal import audit
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db, lock_row, utcnow
from portal.formatting import euro


def fund_year(year: int) -> FundYear | None:
    return db.session.scalar(sa.select(FundYear).where(FundYear.year == year))


def years() -> list[int]:
    return list(db.session.scalars(sa.select(FundYear.year).order_by(FundYear.year)))


def proposed_years() -> list[FundYear]:
    """Years the College has proposed and the board has yet to authorise."""
    return list(
        db.session.scalars(
            sa.select(FundYear)
            .where(FundYear.status == FundYearStatus.VOORGESTELD)
            .order_by(FundYear.year)
        )
    )


def _budget(fund: FundYear, compartment: Compartment) -> FundBudget | None:
    return next((b for b in fund.budgets if b.compartment is compartment), None)


def committed_cents(fund: FundYear, compartment: Compartment) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(FundAllocation.amount_cents), 0)).where(
                FundAllocation.fund_year_id == fund.id,
                FundAllocation.compartment == compartment,
            )
        )
    )


def set_budget(actor: Actor, fund: FundYear, compartment: Compartment, cents: int) -> None:
    """The College drafts the year's budgets; once proposed they are fixed (the board
    authorises what was proposed)."""
    lock_row(fund)
    if fund.status is not FundYearStatus.CONCEPT:
        raise CollegeError(f"de begroting {fund.year} is {fund.status.label}")
    if cents < 0:
        raise CollegeError("een budget kan niet negatief zijn")
    if cents < committed_cents(fund, compartment):
        raise CollegeError(f"er is al meer toegezegd in {compartment.label} dan dit budget")
    budget = _budget(fund, compartment)
    before = budget.budget_cents if budget else None
    if budget is None:
        budget = FundBudget(fund_year=fund, compartment=compartment, budget_cents=cents)
        db.session.add(budget)
    budget.budget_cents = cents
    db.session.flush()
    audit.record(
        actor,
        "fund.budget",
        "fund_year",
        fund.year,
        before={"compartment": compartment, "budget_cents": before},
        after={"compartment": compartment, "budget_cents": cents},
    )


def propose(actor: Actor, fund: FundYear) -> None:
    lock_row(fund)
    if fund.status is not FundYearStatus.CONCEPT:
        raise CollegeError(f"de begroting {fund.year} is al {fund.status.label}")
    if not fund.budgets:
        raise CollegeError("stel eerst de budgetten per compartiment vast")
    fund.status = FundYearStatus.VOORGESTELD
    fund.proposed_by_label, fund.proposed_at = actor.label, utcnow()
    audit.record(actor, "fund.propose", "fund_year", fund.year, after={"status": fund.status})
    notify_role(
        Role.BOARD,
        f"Fondsbegroting {fund.year} ter autorisatie",
        f"Het College stelt de besteding van het collectieve fonds voor {fund.year} voor.",
    )


def authorise(actor: Actor, fund: FundYear) -> None:
    lock_row(fund)
    if fund.status is not FundYearStatus.VOORGESTELD:
        raise CollegeError(f"de begroting {fund.year} is {fund.status.label}, niet voorgesteld")
    fund.status = FundYearStatus.GEAUTORISEERD
    fund.authorised_by_label, fund.authorised_at = actor.label, utcnow()
    audit.record(actor, "fund.authorise", "fund_year", fund.year, after={"status": fund.status})


def contribution_price(fund: FundYear) -> Price | None:
    """The fund-contribution price in force for the year, if one is set."""
    if fund.contribution_product_id is None:
        return None
    product = db.session.get(Product, fund.contribution_product_id)
    return product.price_on(dt.date(fund.year, 1, 1))


def set_contribution(actor: Actor, fund: FundYear) -> Price:
    """After the ALV approved the plan and the board authorised the year, the members'
    contributions are set: the year's total budget, shared by inhabitants (billing's fund-
    contribution price), and every municipality takes part (the product becomes automatic, so
    the year's invoice run subscribes and bills them all)."""
    lock_row(fund)
    if fund.status is not FundYearStatus.GEAUTORISEERD:
        raise CollegeError(f"de begroting {fund.year} is {fund.status.label}, niet geautoriseerd")
    if fund.plan.approved_on is None:
        raise CollegeError("de ALV heeft nog niet ingestemd met het meerjarenplan")
    if fund.contribution_product_id is None:
        raise CollegeError("het fonds heeft geen product voor de bijdragen")
    if contribution_price(fund) is not None:
        raise CollegeError(f"de bijdrage {fund.year} is al vastgesteld")
    budget = figures(fund).budget_cents
    if budget <= 0:
        raise CollegeError(f"de begroting {fund.year} heeft geen budget")
    product = db.session.get(Product, fund.contribution_product_id)
    try:
        price = _contribution_price(actor, fund, product, budget)
    except BillingError as error:
        raise CollegeError(f"facturatie: {error}") from error
    make_automatic(actor, product, {"fund_year": fund.year})
    audit.record(
        actor,
        "fund.contribution",
        "fund_year",
        fund.year,
        after={"product": product.code, "budget_cents": budget, "price": price.id},
    )
    return price


def _contribution_price(actor: Actor, fund: FundYear, product: Product, budget: int) -> Price:
    subject = fund.plan.alv_subject
    return add_price(
        actor,
        product,
        kind=PriceKind.FUND_CONTRIBUTION,
        valid_from=dt.date(fund.year, 1, 1),
        valid_to=dt.date(fund.year, 12, 31),
        budget_cents=budget,
        vat_category=VatCategory.NOT_SUBJECT,
        legal_basis=(
            f"{fund.plan.title}, ingestemd door de ALV op {fund.plan.approved_on.isoformat()}; "
            f"begroting {fund.year} geautoriseerd door het bestuur"
        )[:300],
        subject_id=subject.id if subject else None,
    )


def link_plan(actor: Actor, plan: FundPlan, subject: Subject | None, approved_on: dt.date) -> None:
    """Record the ALV's approval of the four-year plan (and its agenda item, if recorded);
    contributions are billed on it, so it cannot be dated in the future."""
    if not PROCESS_START <= approved_on <= dt.date.today():
        raise CollegeError(f"de instemming ligt tussen {PROCESS_START.isoformat()} en vandaag")
    before = {"subject": plan.alv_subject_id, "approved_on": plan.approved_on}
    plan.alv_subject, plan.approved_on = subject, approved_on
    audit.record(
        actor,
        "fund.plan_approved",
        "fund_plan",
        plan.id,
        before=before,
        after={"subject": subject.id if subject else None, "approved_on": approved_on},
    )


def check_free(fund: FundYear, compartment: Compartment, amount_cents: int) -> None:
    """Refuse an amount the compartment's budget does not have free (advice and allocation)."""
    budget = _budget(fund, compartment)
    if budget is None:
        raise CollegeError(f"{fund.year} heeft geen budget voor {compartment.label}")
    free = budget.budget_cents - committed_cents(fund, compartment)
    if amount_cents > free:
        raise CollegeError(
            f"{compartment.label} {fund.year}: nog {euro(free)} vrij, gevraagd {euro(amount_cents)}"
        )


def allocate(
    actor: Actor,
    fund: FundYear,
    compartment: Compartment,
    activity: str,
    amount_cents: int,
    *,
    request: ScaleUpRequest | None = None,
    collective_activity: CollectiveActivity | None = None,
    note: str = "",
) -> FundAllocation:
    lock_row(fund)
    if amount_cents <= 0:
        raise CollegeError("een toezegging is groter dan nul")
    if not activity.strip():
        raise CollegeError("noem de activiteit van de toezegging")
    budget = _budget(fund, compartment)
    if budget is None:
        raise CollegeError(f"{fund.year} heeft geen budget voor {compartment.label}")
    free = budget.budget_cents - committed_cents(fund, compartment)
    if amount_cents > free:
        raise CollegeError(
            f"{compartment.label} {fund.year}: nog {euro(free)} vrij, gevraagd {euro(amount_cents)}"
        )
    allocation = FundAllocation(
        fund_year=fund,
        compartment=compartment,
        activity=activity.strip()[:300],
        amount_cents=amount_cents,
        request_id=request.id if request else None,
        collective_activity=collective_activity,
        committed_by_label=actor.label,
        note=note[:300],
    )
    db.session.add(allocation)
    db.session.flush()
    audit.record(
        actor,
        "fund.allocate",
        "fund_year",
        fund.year,
        after={
            "allocation": allocation.id,
            "compartment": compartment,
            "activity": allocation.activity,
            "amount_cents": amount_cents,
            "request": request.reference if request else None,
        },
    )
    return allocation


def allocate_in_proposal(
    actor: Actor, fund: FundYear, compartment: Compartment, activity: str, amount_cents: int
) -> FundAllocation:
    """The College's own commitments are part of its proposal for the year: once proposed,
    money is committed only by a board decision."""
    if fund.status is not FundYearStatus.CONCEPT:
        raise CollegeError(
            f"de begroting {fund.year} is {fund.status.label}; een toezegging loopt nu via "
            "een besluit van het bestuur"
        )
    return allocate(actor, fund, compartment, activity, amount_cents)


def spent_cents(allocation: FundAllocation) -> int:
    return sum(s.amount_cents for s in allocation.spending)


def record_spending(
    actor: Actor, allocation: FundAllocation, spent_on: dt.date, amount_cents: int, text: str
) -> FundSpending:
    """Spending on an allocation of a year the board authorised, within the plan's years,
    never beyond what was committed."""
    lock_row(allocation.fund_year)
    db.session.refresh(allocation)
    if amount_cents <= 0:
        raise CollegeError("een uitgave is groter dan nul")
    fund = allocation.fund_year
    if fund.status is not FundYearStatus.GEAUTORISEERD:
        raise CollegeError(
            f"de besteding {fund.year} is nog niet door het bestuur geautoriseerd "
            f"({fund.status.label})"
        )
    if not fund.year <= spent_on.year <= fund.plan.last_year:
        raise CollegeError(
            f"een uitgave ten laste van {fund.year} valt in {fund.year} t/m {fund.plan.last_year}"
        )
    left = allocation.amount_cents - spent_cents(allocation)
    if amount_cents > left:
        raise CollegeError(
            f"{allocation.activity}: nog {euro(left)} van de toezegging over, "
            f"uitgave {euro(amount_cents)}"
        )
    if not text.strip():
        raise CollegeError("omschrijf de uitgave")
    spending = FundSpending(
        allocation=allocation,
        spent_on=spent_on,
        amount_cents=amount_cents,
        description=text.strip()[:300],
        recorded_by_label=actor.label,
    )
    db.session.add(spending)
    db.session.flush()
    audit.record(
        actor,
        "fund.spend",
        "fund_allocation",
        allocation.id,
        after={
            "spent_on": spent_on,
            "amount_cents": amount_cents,
            "description": spending.description,
        },
    )
    return spending


@dataclass(frozen=True)
class CompartmentFigures:
    compartment: Compartment
    budget_cents: int
    committed_cents: int
    spent_cents: int

    @property
    def free_cents(self) -> int:
        return self.budget_cents - self.committed_cents


@dataclass(frozen=True)
class FundFigures:
    fund: FundYear
    compartments: list[CompartmentFigures]
    contributions_invoiced_cents: int
    contributions_received_cents: int

    @property
    def budget_cents(self) -> int:
        return sum(c.budget_cents for c in self.compartments)

    @property
    def committed_cents(self) -> int:
        return sum(c.committed_cents for c in self.compartments)

    @property
    def spent_cents(self) -> int:
        return sum(c.spent_cents for c in self.compartments)

    @property
    def free_cents(self) -> int:
        return self.budget_cents - self.committed_cents


def figures(fund: FundYear) -> FundFigures:
    """Budget, committed and spent per compartment (from rows, in two queries), and the
    contributions invoiced (net of credit notes) and received (see _contributions)."""
    committed = dict(
        db.session.execute(
            sa.select(FundAllocation.compartment, sa.func.sum(FundAllocation.amount_cents))
            .where(FundAllocation.fund_year_id == fund.id)
            .group_by(FundAllocation.compartment)
        ).all()
    )
    spent = dict(
        db.session.execute(
            sa.select(FundAllocation.compartment, sa.func.sum(FundSpending.amount_cents))
            .join(FundSpending.allocation)
            .where(FundAllocation.fund_year_id == fund.id)
            .group_by(FundAllocation.compartment)
        ).all()
    )
    budgets = {b.compartment: b.budget_cents for b in fund.budgets}
    rows = [
        CompartmentFigures(c, budgets.get(c, 0), int(committed.get(c) or 0), int(spent.get(c) or 0))
        for c in Compartment
    ]
    invoiced = received = 0
    if fund.contribution_product_id is not None:
        invoiced, received = _contributions(fund.contribution_product_id, fund.year)
    return FundFigures(fund, rows, invoiced, received)


def _contributions(product_id: int, year: int) -> tuple[int, int]:
    """(invoiced, received) for the fund product's lines of `year`. A credit note counts in
    the year of the invoice it corrects. An invoice's fund lines (net of its credit notes) are
    received once payments cover what is left to pay on it: a fully credited invoice is
    settled, but nothing was received for it."""
    sign = sa.case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -1), else_=1)
    corrected = sa.orm.aliased(Invoice)
    original_id = sa.func.coalesce(Invoice.corrects_id, Invoice.id)
    net = dict(
        db.session.execute(
            sa.select(original_id, sa.func.sum(InvoiceLine.amount_cents * sign))
            .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .outerjoin(corrected, Invoice.corrects_id == corrected.id)
            .where(
                InvoiceLine.product_id == product_id,
                sa.func.coalesce(corrected.year, Invoice.year) == year,
                Invoice.status.in_(ISSUED),
            )
            .group_by(original_id)
        ).all()
    )
    if not net:
        return 0, 0
    settled = {
        invoice_id
        for invoice_id, total, credit, payments in db.session.execute(
            sa.select(
                Invoice.id,
                Invoice.total_cents,
                credited_cents(Invoice.id),
                paid_cents(Invoice.id),
            ).where(Invoice.id.in_(list(net)))
        )
        if payments > 0 and payments >= total - credit
    }
    invoiced = sum(int(v) for v in net.values())
    received = sum(int(v) for k, v in net.items() if k in settled)
    return invoiced, received
