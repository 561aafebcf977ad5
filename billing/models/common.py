"""Shared column types of the billing models."""

import sqlalchemy as sa

from portal.db import enum_column

#: Unit prices need sub-cent precision (Beheer en betaling: € 0,0029 per inhabitant).
UNIT_PRICE = sa.Numeric(14, 6)

__all__ = ["UNIT_PRICE", "enum_column"]
