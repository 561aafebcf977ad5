"""Typed refusals of the billing services, with messages fit for finance (Dutch)."""


class BillingError(ValueError):
    """A refused billing action; nothing was changed."""


class IllegalTransition(BillingError):
    """An invoice or subscription cannot move from its state to the requested one."""
