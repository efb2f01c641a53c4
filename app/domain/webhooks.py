"""Webhook rules with no I/O: event types, delivery states, URL and address rules, retries."""

from __future__ import annotations

import base64
import enum
import ipaddress
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from app.domain.errors import FieldError, ValidationCode

MAX_ENDPOINTS_PER_COMPANY = 20
URL_MAX = 2048
DESCRIPTION_MAX = 255
SECRET_PREFIX = "whsec_"
# Kept from a response body, for the operator reading a failed delivery.
RESPONSE_BODY_MAX = 1024

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """The webhook rules settings choose (app/config.py)."""

    production: bool
    allowed_networks: tuple[IpNetwork, ...]
    retry_schedule: tuple[timedelta, ...]
    disable_after: timedelta
    secret_overlap: timedelta


class EventType(enum.Enum):
    """What happened; the value is the `type` of the payload. GraphQL mirrors the names."""

    DEBT_CREATED = "debt.created"
    DEBT_UPDATED = "debt.updated"
    DEBT_STATUS_CHANGED = "debt.status_changed"
    DEBT_ERASED = "debt.erased"
    DEBT_IMPORT_COMPLETED = "debt_import.completed"


class DeliveryStatus(enum.Enum):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "PENDING"  # not tried yet
    SUCCEEDED = "SUCCEEDED"
    RETRYING = "RETRYING"  # tried, failed, tried again at next_attempt_at
    FAILED = "FAILED"  # the last attempt of the schedule failed


def new_signing_secret() -> str:
    """`whsec_` + base64 of 32 random bytes, as the Standard Webhooks scheme writes them."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def url_error(url: str, *, production: bool) -> FieldError | None:
    """The FieldError on `url` for text that is no acceptable endpoint URL, else None.

    Addresses are checked separately (`refused_address`), once the host is resolved.
    """
    if len(url) > URL_MAX:
        return FieldError("url", ValidationCode.TOO_LONG, f"at most {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        return FieldError("url", ValidationCode.INVALID_URL, "not an absolute http or https URL")
    if production and parts.scheme != "https":
        return FieldError("url", ValidationCode.INVALID_URL, "endpoints must use https")
    return None


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def refused_address(address: IpAddress, allowed: Sequence[IpNetwork]) -> bool:
    """Whether production refuses to call this address: loopback, private, link-local,
    multicast or otherwise not global, unless an allowed network holds it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return False
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    """Comma- or space-separated CIDRs (`10.0.0.0/8, fd00::/8`); ValueError for others."""
    items = [item for item in text.replace(",", " ").split() if item]
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """Comma-separated delays in seconds before each retry: `5,300,1800`."""
    delays = [float(item) for item in text.replace(" ", "").split(",") if item]
    if not delays or any(delay < 0 for delay in delays):
        raise ValueError("give at least one delay, none negative")
    return tuple(timedelta(seconds=delay) for delay in delays)


def next_attempt_at(
    attempts_made: int, schedule: Sequence[timedelta], now: datetime
) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None once the schedule is
    spent (the delivery has then failed)."""
    if attempts_made > len(schedule):
        return None
    return now + schedule[attempts_made - 1]


def events_text(events: Iterable[EventType]) -> str:
    """How the endpoint row stores its subscriptions: ` debt.created debt.erased ` (the
    surrounding spaces let one LIKE find a whole name)."""
    return " " + " ".join(sorted({event.value for event in events})) + " "


def events_of(text: str) -> list[EventType]:
    return [EventType(value) for value in text.split()]
