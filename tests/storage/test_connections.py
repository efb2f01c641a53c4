"""How the engine opens PostgreSQL connections: no TLS attempt towards a local server.

asyncpg's default (sslmode "prefer") opens every connection with an SSLRequest, one more
round trip that a local server only refuses. A relay between the engine and PostgreSQL sees
each connection's first message, so it tells whether TLS was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url, text

from app.config import Settings
from app.storage.db import create_engine

# The first message of a connection that asks for TLS (PostgreSQL protocol, "SSLRequest").
SSL_REQUEST = struct.pack("!ii", 8, 80877103)


@contextlib.asynccontextmanager
async def relay(host: str, target: tuple[str, int]) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A TCP relay on `host` to PostgreSQL; yields its port and each connection's first bytes."""
    openings: list[bytes] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def serve(client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        server, to_server = await asyncio.open_connection(*target)
        opening = await client.readexactly(8)  # every first message is at least 8 bytes
        openings.append(opening)
        to_server.write(opening)
        await asyncio.gather(pipe(client, to_server), pipe(server, to_client))

    listener = await asyncio.start_server(serve, host, 0)
    try:
        yield listener.sockets[0].getsockname()[1], openings
    finally:
        listener.close()
        await listener.wait_closed()


def postgres_target(settings: Settings) -> tuple[str, int]:
    if settings.is_sqlite:
        pytest.skip("TLS negotiation is PostgreSQL's")
    url = make_url(settings.database_url)
    return url.host or "127.0.0.1", url.port or 5432


async def openings_through(
    settings: Settings, host: str, query: dict[str, str] | None = None
) -> list[bytes]:
    """Connect an engine to PostgreSQL through a relay on `host`; the openings it saw."""
    url = make_url(settings.database_url)
    async with relay(host, postgres_target(settings)) as (port, openings):
        relayed = url.set(host=host, port=port).update_query_dict(query or {})
        relayed_url = relayed.render_as_string(hide_password=False)
        engine = create_engine(settings.model_copy(update={"database_url": relayed_url}))
        try:
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
        finally:
            await engine.dispose()
    return openings


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_local_server_is_not_asked_for_tls(settings: Settings, host: str) -> None:
    openings = await openings_through(settings, host)

    assert openings, "the engine did not connect through the relay"
    assert SSL_REQUEST not in openings


async def test_a_dsn_that_names_ssl_keeps_its_choice(settings: Settings) -> None:
    openings = await openings_through(settings, "127.0.0.1", {"ssl": "prefer"})

    assert openings == [SSL_REQUEST]


def non_loopback_address() -> str:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.1", 9))  # TEST-NET-3: only the routing table is read
        except OSError:
            pytest.skip("no network interface besides loopback")
        address: str = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    return address


async def test_a_remote_server_keeps_the_drivers_default(settings: Settings) -> None:
    openings = await openings_through(settings, non_loopback_address())

    assert openings == [SSL_REQUEST]
