"""Debt intake API: register debts for amicable collection over GraphQL."""
