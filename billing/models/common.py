"""Shared column helpers of the billing models."""

import enum

import sqlalchemy as sa

#: Unit prices need sub-cent precision (Beheer en betaling: € 0,0029 per inhabitant).
UNIT_PRICE = sa.Numeric(14, 6)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
    )
