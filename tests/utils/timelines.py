"""GraphQL documents and a small client step for timelines."""

from __future__ import annotations

from typing import Any

from tests.utils.api import Api

TIMELINE_FIELDS = """
  id name excludedWeekdays holidayCalendar { country subdivision } startTime active createdAt
"""

CREATE_TIMELINE = f"""
mutation CreateTimeline($input: CreateTimelineInput!) {{
  createTimeline(input: $input) {{
    __typename
    ... on Timeline {{ {TIMELINE_FIELDS} }}
    ... on ValidationError {{ message fields {{ field code message }} }}
  }}
}}
"""

TIMELINES = f"""
query Timelines($first: Int! = 100, $after: String) {{
  timelines(first: $first, after: $after) {{
    edges {{ cursor node {{ {TIMELINE_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
  }}
}}
"""


async def create_timeline(api: Api, **fields: Any) -> dict[str, Any]:
    """createTimeline with a default name; the union member as returned."""
    body = await api.gql(CREATE_TIMELINE, {"input": {"name": "Standard", **fields}})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createTimeline"]
    return result


async def timeline_id(api: Api, **fields: Any) -> str:
    created = await create_timeline(api, **fields)
    assert created["__typename"] == "Timeline", created
    identifier: str = created["id"]
    return identifier


async def list_timelines(api: Api) -> list[dict[str, Any]]:
    """Every timeline of the company, oldest first (one page of up to 100)."""
    body = await api.gql(TIMELINES)
    assert "errors" not in body, body
    page = body["data"]["timelines"]
    assert page["pageInfo"]["hasNextPage"] is False, "more than a page: page through them"
    return [edge["node"] for edge in page["edges"]]
