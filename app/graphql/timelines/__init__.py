"""Timelines in the GraphQL schema: createTimeline and timelines."""
