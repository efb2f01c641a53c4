"""The parser and validation caches cannot be filled with large documents."""

from __future__ import annotations

import gc
import tracemalloc

import httpx

DOCUMENTS = 20
PADDING = 200_000  # characters of comment per document: one token, far over the cached size


async def test_large_distinct_documents_are_not_kept(http: httpx.AsyncClient) -> None:
    async def send(index: int) -> None:
        query = f"{{ __typename }} # {index} {'x' * PADDING}"
        response = await http.post("/graphql", json={"query": query})
        assert response.json() == {"data": {"__typename": "Query"}}

    await send(-1)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for index in range(DOCUMENTS):
            await send(index)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    kept = after - before
    # Cached, the documents alone would keep DOCUMENTS * PADDING bytes (4 MB) and more.
    assert kept < DOCUMENTS * PADDING / 10, f"{kept / 1e6:.1f} MB kept"


async def test_small_documents_are_still_served_from_the_cache(http: httpx.AsyncClient) -> None:
    for _ in range(3):
        response = await http.post("/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}
