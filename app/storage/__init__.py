"""Persistence: tables, column types, the engine and the migrations."""
