"""Every billing state change. Each writes a billing event and an audit entry in the same
transaction as the change; callers (views, API, CLI, scheduler) commit or roll back."""

from billing.services.errors import BillingError, IllegalTransition

__all__ = ["BillingError", "IllegalTransition"]
