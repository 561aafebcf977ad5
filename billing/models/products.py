"""Products and their prices. A price is an immutable version valid for a period: indexation or
any other change makes a new version, so an invoice always points at the price it used."""

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from billing.models.common import UNIT_PRICE, enum_column
from billing.models.issuers import Issuer
from catalogue.models import Facility
from governance.models import Subject
from portal.db import db


class VatCategory(enum.StrEnum):
    """UNCL5305 codes as EN 16931 uses them."""

    STANDARD = "S"
    EXEMPT = "E"
    NOT_SUBJECT = "O"

    @property
    def label(self) -> str:
        return {"S": "btw 21%", "E": "vrijgesteld van btw", "O": "niet onderworpen aan btw"}[self]


VAT_RATES = {
    VatCategory.STANDARD: Decimal("21"),
    VatCategory.EXEMPT: Decimal(0),
    VatCategory.NOT_SUBJECT: Decimal(0),
}


class PriceKind(enum.StrEnum):
    PER_INHABITANT = "per_inhabitant"
    FIXED_ONCE = "fixed_once"
    FIXED_YEARLY = "fixed_yearly"
    TIERED = "tiered"
    FUND_CONTRIBUTION = "fund_contribution"

    @property
    def label(self) -> str:
        return {
            "per_inhabitant": "per inwoner per jaar",
            "fixed_once": "eenmalig vast bedrag",
            "fixed_yearly": "vast bedrag per jaar",
            "tiered": "staffel naar opgegeven aantal",
            "fund_contribution": "bijdrage in een vastgesteld budget naar inwoners",
        }[self]


class Arrangement(db.Model):
    """A collective arrangement with a decided tariff (e.g. 90 cent per inhabitant for
    Vertrouwenswerk, Kindertelefoon, Luisterend Oor and Beheer en betaling, 2018-2021). Its
    components are products; the reconciliation compares them with the decided tariff."""

    __tablename__ = "arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    decided_unit_amount: Mapped[Decimal | None] = mapped_column(UNIT_PRICE)
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    term_start: Mapped[dt.date | None]
    term_end: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    products: Mapped[list["Product"]] = relationship(back_populates="arrangement")


class Product(db.Model):
    """What a member can subscribe to: a component of a collective arrangement or a facility."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    arrangement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("arrangements.id"))
    #: The annual budget of the organisation this component pays for (for the reconciliation).
    budget_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    automatic: Mapped[bool] = mapped_column(default=False)
    term_start: Mapped[dt.date | None]
    term_end: Mapped[dt.date | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")

    issuer: Mapped[Issuer] = relationship()
    arrangement: Mapped[Arrangement | None] = relationship(back_populates="products")
    facility: Mapped[Facility | None] = relationship()
    prices: Mapped[list["Price"]] = relationship(
        back_populates="product", order_by="Price.valid_from"
    )

    def price_on(self, day: dt.date) -> "Price | None":
        for price in reversed(self.prices):
            if price.valid_from <= day and (price.valid_to is None or day <= price.valid_to):
                return price
        return None


class Price(db.Model):
    """One immutable price version. Per-inhabitant prices are Decimal (sub-cent allowed); fixed
    amounts and budgets are integer cents."""

    __tablename__ = "prices"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "valid_from"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    kind: Mapped[PriceKind] = mapped_column(enum_column(PriceKind, "price_kind"))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    unit_amount: Mapped[Decimal | None] = mapped_column(UNIT_PRICE)
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    budget_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Population rule: inhabitants on 1 January of (billed year - offset).
    population_year_offset: Mapped[int] = mapped_column(default=1)
    vat_category: Mapped[VatCategory] = mapped_column(enum_column(VatCategory, "vat_category"))
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"))
    #: The (B)ALV subject that set this price, once the governance record has it.
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"))
    indexation_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 3))
    indexation_basis: Mapped[str] = mapped_column(sa.String(300), default="")
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prices.id"))

    product: Mapped[Product] = relationship(back_populates="prices")
    subject: Mapped["Subject | None"] = relationship()
    tiers: Mapped[list["PriceTier"]] = relationship(
        back_populates="price",
        order_by="PriceTier.up_to.is_(None), PriceTier.up_to",
        cascade="all, delete-orphan",
    )

    @property
    def vat_rate(self) -> Decimal:
        return VAT_RATES[self.vat_category]


class PriceTier(db.Model):
    """A volume tier of a tiered price: up to `up_to` declared units (None: no upper bound)."""

    __tablename__ = "price_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    price_id: Mapped[int] = mapped_column(sa.ForeignKey("prices.id"), index=True)
    up_to: Mapped[int | None]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    is_example: Mapped[bool] = mapped_column(default=False)

    price: Mapped[Price] = relationship(back_populates="tiers")


class PriceIsImmutable(RuntimeError):
    pass


@sa.event.listens_for(Session, "before_flush")
def _refuse_price_changes(session: Session, _context, _instances) -> None:
    """A used price never changes: the only update allowed is closing an open validity
    (valid_to from empty to a date). Tiers belong to their price version and never change."""
    for obj in session.dirty:
        if isinstance(obj, Price) and session.is_modified(obj):
            state = sa.inspect(obj)
            changed = {
                attr.key
                for attr in state.attrs
                if attr.history.has_changes() and attr.key not in ("product", "tiers", "subject")
            }
            closing = state.attrs.valid_to.history.deleted in ([None], [])
            if changed - {"valid_to"} or ("valid_to" in changed and not closing):
                raise PriceIsImmutable(f"prijsversies zijn onveranderlijk ({', '.join(changed)})")
        if isinstance(obj, PriceTier) and session.is_modified(obj):
            raise PriceIsImmutable("de staffel van een prijsversie verandert niet; maak een nieuwe")
    for obj in session.deleted:
        if isinstance(obj, Price | PriceTier):
            raise PriceIsImmutable("prijsversies worden niet verwijderd")
