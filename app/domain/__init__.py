"""Pure business rules of debt intake: no I/O, no GraphQL, no SQL."""
