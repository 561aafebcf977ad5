"""Issuers: the selling party on an invoice, each with its own number series."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db


class Issuer(db.Model):
    """VNG, the administration office for Vertrouwenswerk/Kindertelefoon/Luisterend Oor,
    Stichting Govroam, ... `code` prefixes its invoice numbers (VNG-2018-00001)."""

    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    street: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(10))
    city: Mapped[str] = mapped_column(sa.String(100))
    country: Mapped[str] = mapped_column(sa.String(2), default="NL")
    kvk: Mapped[str] = mapped_column(sa.String(8))
    #: Organisatie-identificatienummer (20 digits); used as legal id and endpoint when set.
    oin: Mapped[str | None] = mapped_column(sa.String(20))
    vat_id: Mapped[str | None] = mapped_column(sa.String(14))
    iban: Mapped[str] = mapped_column(sa.String(34))
    bic: Mapped[str | None] = mapped_column(sa.String(11))
    email: Mapped[str] = mapped_column(sa.String(255), default="")
    payment_days: Mapped[int] = mapped_column(default=30)
    is_example: Mapped[bool] = mapped_column(default=False)
