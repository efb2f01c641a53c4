"""Webhook endpoints and deliveries in GraphQL (SPEC section 12)."""
