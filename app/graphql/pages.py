"""What the paged listings (debts, timelines) share in GraphQL: where a page stands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import strawberry
from graphql import GraphQLError

from app.graphql.errors import bad_argument
from app.services.pages import InvalidCursor, PageSizeOutOfRange


def refused_page(refusal: PageSizeOutOfRange | InvalidCursor, listing: str) -> GraphQLError:
    """The BAD_REQUEST error for a page size out of range or a cursor of no item of yours."""
    if isinstance(refusal, PageSizeOutOfRange):
        return bad_argument(
            "first",
            f"first must be between 0 and {refusal.maximum}, got {refusal.first}",
            maximum=refusal.maximum,
        )
    return bad_argument("after", f"after is not a cursor of your {listing} listing")


class Edge(Protocol):
    cursor: str


@strawberry.type(description="Where a page stands in the whole listing.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items of the listing (matching its filter) come before this "
        "page's `after` cursor."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge, to pass as `after` for the next page; "
        "null when the page is empty."
    )

    @classmethod
    def of(cls, edges: Sequence[Edge], has_next_page: bool, has_previous_page: bool) -> PageInfo:
        return cls(
            has_next_page=has_next_page,
            has_previous_page=has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
