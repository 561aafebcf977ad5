"""Billing models: issuers, products and immutable prices, subscriptions, invoices with their
lines and number series, payments and bank statements, and the billing event log."""

from billing.models.documents import BillingAccount, InvoiceDocument, OutboxMessage, OutboxStatus
from billing.models.events import BillingEvent
from billing.models.invoices import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    NumberSeries,
)
from billing.models.issuers import Issuer
from billing.models.payments import BankStatement, Payment, Reminder
from billing.models.products import (
    Arrangement,
    Price,
    PriceKind,
    PriceTier,
    Product,
    VatCategory,
)
from billing.models.subscriptions import (
    Exemption,
    Subscription,
    SubscriptionStatus,
)

__all__ = [
    "Arrangement",
    "BankStatement",
    "BillingAccount",
    "BillingEvent",
    "Exemption",
    "Invoice",
    "InvoiceDocument",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceStatus",
    "Issuer",
    "NumberSeries",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "Price",
    "PriceKind",
    "PriceTier",
    "Product",
    "Reminder",
    "Subscription",
    "SubscriptionStatus",
    "VatCategory",
]
