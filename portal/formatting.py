"""Dutch formatting for templates: numbers, dates and code-friendly labels."""

import datetime as dt
from decimal import Decimal

from flask import Flask
from flask_babel import format_currency, format_date, format_decimal, format_percent


def number(value) -> str:
    """16979120 -> '16.979.120'; None -> 'onbekend'."""
    return "onbekend" if value is None else format_decimal(value)


def long_date(value: dt.date | None) -> str:
    """2016-01-01 -> '1 januari 2016'."""
    return "" if value is None else format_date(value, "d MMMM y")


def percent(value) -> str:
    """Decimal('0.0389') -> '3,89%'."""
    return "" if value is None else format_percent(value, "#,##0.##%")


def euro(cents: int | None) -> str:
    """2545200000 -> '€ 25.452.000,00' (amounts are integer cents everywhere)."""
    return "" if cents is None else format_currency(Decimal(cents) / 100, "EUR")


def unit_price(value: Decimal | None) -> str:
    """Exact unit prices, at least two decimals: Decimal('0.002900') -> '€ 0,0029'."""
    if value is None:
        return ""
    whole, _, fraction = format(value.normalize(), "f").partition(".")
    return f"€ {format_decimal(int(whole))},{fraction.ljust(2, '0')}"


def init_app(app: Flask) -> None:
    app.add_template_filter(number)
    app.add_template_filter(long_date)
    app.add_template_filter(percent)
    app.add_template_filter(euro)
    app.add_template_filter(unit_price)
