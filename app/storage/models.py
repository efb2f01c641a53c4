"""SQLModel tables. Public ids are random strings; integer keys never leave the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.storage.types import ExactDecimal, UTCDateTime


def utc_now() -> datetime:
    return datetime.now(UTC)


class Company(SQLModel, table=True):
    """A tenant: every other row belongs to exactly one company."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    timezone: str = Field(max_length=64, default="Europe/Paris")
    country: str = Field(max_length=2, default="FR")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ApiClient(SQLModel, table=True):
    """OAuth2 client credentials of a company; only a hash of the secret is kept."""

    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=255)
    scopes: str = Field(max_length=255)
    company_id: int = Field(foreign_key="company.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Timeline(SQLModel, table=True):
    """A company's collection schedule: which days and from what time collection may start."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=255)
    excluded_weekdays: str = Field(max_length=64, default="")
    holiday_country: str = Field(max_length=2, default="FR")
    # The holidays library has codes longer than 16 characters ("São Paulo Capital").
    holiday_subdivision: str | None = Field(default=None, max_length=64)
    start_time: time = Field(default=time(9, 0))
    active: bool = True
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class DebtImport(SQLModel, table=True):
    """One createDebts call: the batch its created debts belong to."""

    __tablename__ = "debt_import"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=255)
    total: int
    created: int
    failed: int
    # Which input item became which debt, and why the others failed: replaying the import
    # for its idempotency key answers exactly what the first call answered.
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Debt(SQLModel, table=True):
    """A registered debt, as normalized by the intake rules."""

    __table_args__ = (
        Index(
            "ix_debt_company_internal_id_import_date", "company_id", "internal_id", "import_date"
        ),
        Index("ix_debt_company_import_date", "company_id", "import_date"),
        Index("ix_debt_company_status_import_date", "company_id", "status", "import_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id")
    status: str = Field(max_length=16, default="PENDING")
    civility: str | None = Field(default=None, max_length=2)
    firstname: str = Field(max_length=255)
    lastname: str = Field(max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=255)
    birthdate: date | None = None
    amount: Decimal = Field(sa_type=ExactDecimal)
    currency: str = Field(max_length=3)
    object: str | None = Field(default=None, sa_type=Text)
    internal_id: str | None = Field(default=None, max_length=255)
    invoice_reference: str | None = Field(default=None, max_length=255)
    debtor_reference: str | None = Field(default=None, max_length=255)
    invoice_date: date | None = None
    due_date: date | None = None
    address: str | None = Field(default=None, sa_type=Text)
    street_address: str | None = Field(default=None, max_length=255)
    street_number: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    country: str | None = Field(default=None, max_length=2)
    iban: str | None = Field(default=None, max_length=64)
    creditor: str | None = Field(default=None, max_length=255)
    debtor_company: str | None = Field(default=None, max_length=255)
    payment_link: str | None = Field(default=None, max_length=255)
    # `metadata` is reserved by SQLAlchemy's declarative base, hence the attribute name.
    extra: dict[str, Any] | None = Field(default=None, sa_column=Column("metadata", JSON))
    timeline_id: int | None = Field(default=None, foreign_key="timeline.id")
    import_id: int | None = Field(default=None, foreign_key="debt_import.id", index=True)
    timeline_start_mode: str | None = Field(default=None, max_length=16)
    timeline_start_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    destination_country: str | None = Field(default=None, max_length=3)
    nb_reminders: int = 0
    nb_answered: int = 0
    followups_count: int = 0
    summary: str | None = Field(default=None, sa_type=Text)
    import_date: datetime = Field(sa_type=UTCDateTime)
    # 1 on creation, +1 on every change: the optimistic-concurrency check of SPEC section 11.
    version: int = 1
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # While ON_HOLD, the status the hold paused (resuming returns to it); else null.
    held_from_status: str | None = Field(default=None, max_length=16)


class DebtEvent(SQLModel, table=True):
    """One change of a debt, written in the same transaction as the change itself.

    Personal fields appear in `changes` by name only, their values null (SPEC section 11).
    """

    __tablename__ = "debt_event"
    __table_args__ = (Index("ix_debt_event_debt_id_id", "debt_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    debt_id: int = Field(foreign_key="debt.id")
    company_id: int = Field(foreign_key="company.id")
    type: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    # The API client's id, or "operator" for the operator command.
    actor: str = Field(max_length=64)
    version: int  # the debt's version after the change
    reason: str | None = Field(default=None, sa_type=Text)
    # [{"field": inputName, "from": value, "to": value}, ...]
    changes: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class IdempotencyKey(SQLModel, table=True):
    """A key a company sent with a write: the input it came with and what that write created.

    The unique constraint is the guard: two requests with one key cannot both insert a row,
    whichever server process or worker they reach.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("company_id", "operation", "key", name="uq_idempotency_key"),
        Index("ix_idempotency_key_expires_at", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    operation: str = Field(max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    # The public id of what the write created (a debt, later an import); null would mean
    # "claimed, result not recorded yet", which a single-transaction write never shows.
    result_ref: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class RateLimitCounter(SQLModel, table=True):
    """One API client's counts for one quota: two fixed windows, updated in place.

    A fixed-size row per client and quota, so the table never grows with traffic and
    needs no purge (see app/domain/rate_limits.py for the estimate built on it). UNLOGGED on
    PostgreSQL (migration 0003): counting must not wait for a disk flush.
    """

    __tablename__ = "rate_limit_counter"

    client_id: str = Field(max_length=64, primary_key=True)
    quota: str = Field(max_length=16, primary_key=True)
    window_index: int = Field(sa_type=BigInteger)
    current_count: int
    previous_count: int


class WebhookEndpoint(SQLModel, table=True):
    """Where a company wants its events POSTed, and the secrets that sign them.

    Secrets are Fernet tokens (app/services/webhook_secrets.py): the server must sign with
    them, so they cannot be hashed; the key is derived from SECRET_KEY.
    """

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_company", "company_id", "enabled"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id")
    url: str = Field(sa_column=Column(Text, nullable=False))
    # " debt.created debt.erased ": space-delimited, so one LIKE finds a whole name.
    events: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=255)
    enabled: bool = True
    secret: str = Field(sa_column=Column(Text, nullable=False))
    # The secret a rotation replaced, still signing beside the new one until it expires.
    previous_secret: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Since when every delivery failed (null after a success): disabled after the window.
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookEvent(SQLModel, table=True):
    """The outbox: one event, written in the transaction of the change it reports.

    `body` is the exact JSON text every attempt sends (and signs), fixed once.
    """

    __tablename__ = "webhook_event"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    type: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event's delivery to one endpoint: its attempts so far and the next one.

    A worker claims a row by setting `claim_token` and `claimed_until` (its lease); a
    worker that dies leaves the lease to expire, and the row is claimed again.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True)
    company_id: int = Field(foreign_key="company.id")
    event_id: int = Field(foreign_key="webhook_event.id", index=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_http_status: int | None = None
    last_error: str | None = Field(default=None, max_length=255)
    last_response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_duration_ms: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
