"""HTTP edge: the Starlette application, the token endpoint and the health check."""
