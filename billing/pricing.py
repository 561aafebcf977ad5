"""What a subscription costs in a year: one line per component, from its price version.

The same function prices invoice runs, quotes and the cost preview, so what a municipality is
shown before subscribing is what it will be invoiced.
"""

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from billing.models import Exemption, Price, PriceKind, Product, Subscription, SubscriptionStatus
from billing.money import line_amount
from billing.population import MEMBER_REF_COLUMNS, BillingPopulation, MemberRef, PopulationMap
from governance.models import Member
from portal.db import db

FUND_RATE_QUANTUM = Decimal("0.000001")
BATCH = 2000  # members whose populations are read with one query
EXAMPLE_TIERS_NOTE = "Staffelgrenzen zijn een voorbeeld tot financiën ze vaststelt."


@dataclass(frozen=True)
class LineDraft:
    product: Product
    price: Price
    period_start: dt.date
    period_end: dt.date
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount_cents: int
    note: str = ""
    unit_code: str = "C62"
    #: Months of the year billed: amount = quantity x unit price x months / 12.
    months: int = 12


@dataclass(frozen=True)
class Skip:
    member: Member | MemberRef
    product: Product
    reason: str


def billed_months(start: dt.date, year: int) -> int:
    """Full calendar months of `year` from `start` on (a start on the 1st counts its month)."""
    if start.year < year:
        return 12
    if start.year > year:
        return 0
    return 12 - start.month + (1 if start.day == 1 else 0)


@functools.lru_cache(maxsize=256)
def _nl(amount: Decimal) -> str:
    text = format(amount.normalize(), "f") if amount != amount.to_integral() else f"{amount:.2f}"
    if "." in text and len(text.split(".")[1]) < 2:
        text = f"{amount:.2f}"
    return "€ " + text.replace(".", ",")


class PricingContext:
    """Caches what a year's pricing needs (populations per reference date, fund rates,
    exemptions, price versions), so a run over all members costs a fixed number of queries
    per batch of members. `use_members` starts a batch and forgets the previous one."""

    def __init__(self, year: int):
        self.year = year
        self.period_start = dt.date(year, 1, 1)
        self.period_end = dt.date(year, 12, 31)
        self._maps: dict[dt.date, PopulationMap] = {}
        self._batch: dict[int, Member | MemberRef] = {}
        self._populations: dict[dt.date, dict[int, BillingPopulation | None]] = {}
        self._fund_rates: dict[int, tuple[Decimal, int]] = {}
        self._prices: dict[tuple[int, dt.date], Price | None] = {}
        self._exemptions = {
            (e.member_id, e.product_id): e
            for e in db.session.scalars(
                sa.select(Exemption).where(
                    Exemption.valid_from <= self.period_end,
                    sa.or_(Exemption.valid_to.is_(None), Exemption.valid_to >= self.period_start),
                )
            )
        }

    def use_members(self, members: Iterable[Member | MemberRef]) -> None:
        self._batch = {m.id: m for m in members}
        self._populations.clear()

    def reference_date(self, price: Price) -> dt.date:
        return dt.date(self.year - price.population_year_offset, 1, 1)

    def _map(self, reference: dt.date) -> PopulationMap:
        if reference not in self._maps:
            self._maps[reference] = PopulationMap(reference, self.period_start)
        return self._maps[reference]

    def population(self, member: Member | MemberRef, price: Price) -> BillingPopulation | None:
        reference = self.reference_date(price)
        known = self._populations.setdefault(reference, {})
        if member.id not in known:
            batch = list(self._batch.values()) if member.id in self._batch else [member]
            found = self._map(reference).populations(batch)
            known.update((m.id, found.get(m.id)) for m in batch)
        return known[member.id]

    def price(self, product: Product, day: dt.date) -> Price | None:
        if (product.id, day) not in self._prices:
            self._prices[product.id, day] = product.price_on(day)
        return self._prices[product.id, day]

    def exemption(self, member: Member | MemberRef, product: Product) -> Exemption | None:
        return self._exemptions.get((member.id, product.id))

    def fund_rate(self, price: Price) -> tuple[Decimal, int]:
        """(rate per inhabitant, total inhabitants of the participants) for a budget price."""
        if price.id not in self._fund_rates:
            participants = db.session.execute(
                sa.select(*MEMBER_REF_COLUMNS)
                .join(Subscription, Subscription.member_id == Member.id)
                .where(
                    Subscription.product_id == price.product_id,
                    Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]),
                    Subscription.start_date <= self.period_end,
                    sa.or_(
                        Subscription.end_date.is_(None),
                        Subscription.end_date >= self.period_start,
                    ),
                )
                .order_by(Member.id)
                .execution_options(yield_per=BATCH)
            )
            populations = self._map(self.reference_date(price))
            total = 0
            for batch in participants.partitions(BATCH):
                members = [
                    MemberRef(*row)
                    for row in batch
                    if (row.id, price.product_id) not in self._exemptions
                ]
                total += sum(p.inhabitants for p in populations.populations(members).values())
            rate = (
                (Decimal(price.budget_cents) / 100 / total).quantize(
                    FUND_RATE_QUANTUM, ROUND_HALF_UP
                )
                if total
                else Decimal(0)
            )
            self._fund_rates[price.id] = (rate, total)
        return self._fund_rates[price.id]


def price_line(
    ctx: PricingContext,
    member: Member | MemberRef,
    product: Product,
    start_date: dt.date,
    quantity: int | None = None,
    carried_over: bool = False,
) -> LineDraft | Skip:
    """The line for one member and product in the context's year, or why there is none.
    `carried_over`: the subscription was taken over from a predecessor in a merger, whose
    one-off amounts were already billed."""
    year = ctx.year
    months = billed_months(start_date, year)
    if months == 0:
        return Skip(member, product, f"start {start_date.isoformat()} valt na {year}")
    period_start = max(start_date, ctx.period_start)
    period_end = dt.date(year, 12, 31)
    price = ctx.price(product, period_start)
    if price is None:
        return Skip(member, product, f"geen prijs geldig op {period_start.isoformat()}")
    exemption = ctx.exemption(member, product)
    if exemption:
        return Skip(member, product, f"vrijgesteld: {exemption.reason}")
    fraction = Decimal(months) / 12
    pro_rata = "" if months == 12 else f" ({months}/12 jaar)"
    label = f"{product.name} {year}"

    if price.kind in (PriceKind.PER_INHABITANT, PriceKind.FUND_CONTRIBUTION):
        population = ctx.population(member, price)
        if population is None or not population.parts:
            reference = ctx.reference_date(price).isoformat()
            return Skip(member, product, f"geen inwonertal op peildatum {reference}")
        if price.kind is PriceKind.PER_INHABITANT:
            unit = price.unit_amount
            note = population.note(member)
        else:
            unit, total = ctx.fund_rate(price)
            budget = Decimal(price.budget_cents) / 100
            note = (
                f"Tarief = budget {_nl(budget)} / {total} inwoners van de deelnemers, "
                f"afgerond op 6 decimalen. " + population.note(member)
            ).strip()
        inhabitants = population.inhabitants
        quantity_value = Decimal(inhabitants)
        description = f"{label}: {inhabitants} inwoners x {_nl(unit)}{pro_rata}"
        amount = line_amount(quantity_value, unit, fraction)
        return LineDraft(
            product,
            price,
            period_start,
            period_end,
            description,
            quantity_value,
            unit,
            amount,
            note,
            months=months,
        )
    if price.kind is PriceKind.FIXED_ONCE:
        if carried_over:
            return Skip(member, product, "eenmalig bedrag al gefactureerd aan de voorganger")
        if start_date.year != year:
            return Skip(member, product, "eenmalig bedrag al eerder in rekening gebracht")
        unit = Decimal(price.amount_cents) / 100
        return LineDraft(
            product,
            price,
            period_start,
            period_end,
            f"{label} (eenmalig)",
            Decimal(1),
            unit,
            price.amount_cents,
        )
    if price.kind is PriceKind.FIXED_YEARLY:
        unit = Decimal(price.amount_cents) / 100
        return LineDraft(
            product,
            price,
            period_start,
            period_end,
            f"{label}{pro_rata}",
            Decimal(1),
            unit,
            line_amount(Decimal(1), unit, fraction),
            months=months,
        )
    # Tiered: the tier that holds the declared quantity.
    if quantity is None:
        return Skip(member, product, "geen aantal gebruikers opgegeven voor de staffel")
    tier = next((t for t in price.tiers if t.up_to is None or quantity <= t.up_to), None)
    if tier is None:
        return Skip(member, product, f"geen staffel voor {quantity} gebruikers")
    unit = Decimal(tier.amount_cents) / 100
    bound = f"t/m {tier.up_to}" if tier.up_to is not None else "en meer"
    description = f"{label}: staffel {bound} gebruikers (opgegeven: {quantity}){pro_rata}"
    note = EXAMPLE_TIERS_NOTE if tier.is_example else ""
    return LineDraft(
        product,
        price,
        period_start,
        period_end,
        description,
        Decimal(1),
        unit,
        line_amount(Decimal(1), unit, fraction),
        note,
        months=months,
    )
