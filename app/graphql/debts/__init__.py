"""Debts in the GraphQL schema: createDebt and debt(id)."""
