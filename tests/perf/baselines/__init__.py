"""Servers the benchmark measures the service against: the same INSERT, no validation."""
