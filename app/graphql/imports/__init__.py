"""Batch import in the GraphQL schema: createDebts."""
