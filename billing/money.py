"""Money rules, in one place.

- Amounts are integer cents; unit prices are Decimal (sub-cent prices exist).
- One rounding rule: ROUND_HALF_UP to the cent, once per invoice line (quantity x unit price,
  times the pro-rata fraction), and once per VAT rate on the invoice's base for that rate.
- Totals are sums of rounded lines, so every document adds up.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(euros: Decimal) -> int:
    """Round a euro amount half-up to whole cents."""
    return int((euros * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amount(quantity: Decimal, unit_price: Decimal, fraction: Decimal = Decimal(1)) -> int:
    return to_cents(Decimal(quantity) * Decimal(unit_price) * fraction)


def vat_amount(base_cents: int, rate_percent: Decimal) -> int:
    return int((Decimal(base_cents) * rate_percent / 100).quantize(Decimal(1), ROUND_HALF_UP))


def round_whole(value: Decimal) -> int:
    """Whole inhabitants (shares of a split municipality), half-up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def euros(cents: int) -> str:
    """Cents as a decimal string for APIs and XML: 15093672 -> '150936.72' (never a float)."""
    cents = int(cents)  # SUM() comes back as Decimal on PostgreSQL
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
