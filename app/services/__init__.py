"""Use cases: each takes the caller, a database session and plain input, returns a value."""
