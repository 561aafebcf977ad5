"""Billing: products and prices per inhabitant, fixed or tiered, subscriptions, invoices with a
strict lifecycle, credit notes and payments, for the collective arrangements from 2018."""
