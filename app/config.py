"""The one typed settings object, read from environment variables."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.debts import IntakePolicy
from app.domain.destinations import load_price_table
from app.domain.idempotency import DEFAULT_RETENTION, KeyPolicy
from app.domain.money import default_supported_currencies, iso_currency_codes
from app.domain.statuses import TransitionTable, load_transition_table
from app.domain.webhooks import WebhookPolicy, parse_networks, parse_schedule

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-in-production"
SECRET_KEY_MIN_BYTES = 32

log = logging.getLogger(__name__)


class InsecureSettings(RuntimeError):
    """Raised when production would start with development defaults."""


class Settings(BaseSettings):
    """Configuration of one server process; every field is an environment variable."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    app_env: str = Field("development", description="'production' refuses unsafe defaults")
    database_url: str = "sqlite+aiosqlite:///./debts.db"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    token_lifetime_seconds: int = Field(3600, gt=0)
    token_issuer: str = "debt-intake-api"
    default_timezone: str = "Europe/Paris"
    default_country: str = "FR"
    supported_currencies: str = Field(
        "", description="comma-separated ISO 4217 codes; empty means the default set"
    )
    price_table_path: Path | None = None
    status_transitions_path: Path | None = None
    # OWASP's argon2id profile; secrets are random 256-bit strings, so this is ample.
    client_secret_hash_memory_kib: int = Field(19456, ge=8)
    client_secret_hash_time_cost: int = Field(2, ge=1)
    client_secret_verify_threads: int = Field(
        1,
        ge=1,
        description="secrets /token verifies at a time per worker, on threads beside the event "
        "loop; each holds a core while it runs",
    )
    # Failed POST /token attempts (app/services/token_throttle.py), counted per worker.
    token_failures_per_client: int = Field(
        10, ge=1, description="failed attempts per client id and address per window, then 429"
    )
    token_failures_per_address: int = Field(
        100, ge=1, description="failed attempts per address (IPv6: per /64) per window"
    )
    token_failure_window_seconds: int = Field(300, gt=0)
    web_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="worker processes of `debt-api serve`: one per core unless set",
    )
    # Per worker. A request holds one connection at a time, so a pool as large as the
    # concurrency a worker serves (32) is never exceeded there: the pool closes an overflow
    # connection that comes back while pool_size others are idle, so an overflow in steady
    # use would be opened and closed over and over. Overflow is for bursts beyond. Two
    # workers at 32 + 8 stay under PostgreSQL's default 100 connections.
    db_pool_size: int = Field(32, ge=1)
    db_pool_overflow: int = Field(8, ge=0)
    db_application_name: str = Field(
        "debt-intake-api", description="how PostgreSQL's pg_stat_activity names our sessions"
    )
    # Together these bound how long a request waits on an unreachable database before it
    # answers SERVICE_UNAVAILABLE: at worst a pool wait plus a connect (3 + 3 s), or a hung
    # statement plus closing its connection (5 + 2 s), under 10 s either way.
    db_connect_timeout_seconds: float = Field(
        3.0, gt=0, description="connecting, and waiting for a pooled connection"
    )
    db_statement_timeout_seconds: float = Field(
        5.0, gt=0, description="one statement; raise it for long migrations"
    )
    idempotency_key_retention_seconds: int = Field(
        int(DEFAULT_RETENTION.total_seconds()),
        gt=0,
        description="how long an idempotency key keeps its result (SPEC: at least 24 h)",
    )
    idempotency_key_purge_batch: int = Field(
        100, ge=0, description="expired keys each new key may delete; 0 leaves them to the CLI"
    )
    graphiql_assets_dir: Path | None = Field(
        None, description="where GraphiQL's fetched bundles are; default: inside the package"
    )
    cors_allowed_origins: str = Field(
        "", description="comma-separated origins (https://app.example.com) browsers may call from"
    )

    # Request limits (SPEC section 10): each breach is a clear error and writes nothing.
    max_body_bytes: int = Field(1_048_576, gt=0, description="request body, answered 413")
    max_query_depth: int = Field(20, gt=0, description="nested fields, introspection included")
    max_aliases: int = Field(30, ge=0, description="aliases per operation, fragments expanded")
    max_query_tokens: int = Field(5_000, gt=0, description="lexical tokens, comments included")
    max_operations: int = Field(1, gt=0, description="operations per document")
    # Twice the largest batch: a batch slightly too big still gets its ValidationError.
    max_variable_list_items: int = Field(
        2_000, gt=0, description="items of any list in the variables, refused before coercion"
    )
    graphql_introspection: bool | None = Field(
        None, description="__schema/__type queries; unset means on except in production"
    )
    graphiql: bool | None = Field(
        None, description="GraphiQL on GET /graphql; unset means on except in production"
    )
    # Rate limits per API client: a sliding window shared by every server instance.
    rate_limits_enabled: bool = True
    rate_limit_requests: int = Field(1_000, gt=0, description="operations per window")
    rate_limit_writes: int = Field(500, gt=0, description="mutations per window")
    rate_limit_window_seconds: int = Field(3_600, gt=0)
    redis_url: str | None = Field(
        None, description="keep rate-limit counters in Redis instead of the database"
    )
    redis_timeout_seconds: float = Field(
        1.0, gt=0, description="connecting, a command, and waiting for a pooled connection"
    )
    redis_max_connections: int = Field(
        50, ge=1, description="per worker; requests beyond wait for one, up to the timeout"
    )
    # Webhooks (SPEC section 12, README: Webhooks).
    webhook_worker_in_serve: bool = Field(
        True, description="each `serve` worker process also runs a delivery worker"
    )
    webhook_retry_schedule: str = Field(
        "5,300,1800,7200,18000,36000,36000",
        description="seconds before each retry of a failed delivery; failed after the last",
    )
    webhook_disable_after_seconds: float = Field(
        5 * 86400, gt=0, description="an endpoint whose deliveries all failed this long is disabled"
    )
    webhook_secret_overlap_seconds: float = Field(
        86400, ge=0, description="how long a rotated-out secret keeps signing beside the new one"
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="connect, and read, each")
    webhook_concurrency: int = Field(16, ge=1, description="attempts in flight per worker")
    webhook_endpoint_concurrency: int = Field(
        4, ge=1, description="attempts in flight to one endpoint, per worker"
    )
    # Longer than an attempt can wait in a worker (its endpoint's turn, then the timeouts):
    # a live worker never loses its claim, a dead one's attempts are taken again after it.
    webhook_lease_seconds: float = Field(120.0, gt=0)
    webhook_poll_seconds: float = Field(1.0, gt=0, description="idle wait between claims")
    webhook_subscription_cache_seconds: float = Field(
        2.0,
        ge=0,
        description="how long a process remembers that a company has no endpoint for an event "
        "(saves a read per write); an endpoint created through another process may miss "
        "that long of its events. 0: read every time",
    )
    webhook_allowed_networks: str = Field(
        "",
        description="CIDRs production endpoints may resolve to although private "
        "(e.g. 10.20.0.0/16); loopback and the rest stay refused otherwise",
    )
    log_level: str = "INFO"

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("supported_currencies")
    @classmethod
    def _known_currencies(cls, value: str) -> str:
        unknown = {c for c in _split(value) if c not in iso_currency_codes()}
        if unknown:
            raise ValueError(f"not ISO 4217 codes: {', '.join(sorted(unknown))}")
        return value

    @field_validator("price_table_path", mode="before")
    @classmethod
    def _blank_means_packaged_table(cls, value: object) -> object:
        # `PRICE_TABLE_PATH=` (set but empty) would otherwise read as the directory ".".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("price_table_path")
    @classmethod
    def _readable_price_table(cls, value: Path | None) -> Path | None:
        # Read once here so a broken table stops the start instead of failing debts later.
        try:
            load_price_table(value)
        except OSError as error:
            raise ValueError(f"cannot read the price table: {error}") from None
        return value

    @field_validator("status_transitions_path", mode="before")
    @classmethod
    def _blank_means_packaged_transitions(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("status_transitions_path")
    @classmethod
    def _readable_transitions(cls, value: Path | None) -> Path | None:
        # Read once here so a broken table stops the start instead of failing changes later.
        try:
            load_transition_table(value)
        except OSError as error:
            raise ValueError(f"cannot read the status transitions: {error}") from None
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _exact_origins(cls, value: str) -> str:
        for origin in _origins(value):
            parts = urlsplit(origin)
            if (
                parts.scheme not in {"http", "https"}
                or not parts.netloc
                or origin != (f"{parts.scheme}://{parts.netloc}")
            ):
                raise ValueError(f"not an origin (scheme://host[:port], no path): {origin!r}")
        return value

    @property
    def cors_origins(self) -> list[str]:
        return [origin.lower() for origin in _origins(self.cors_allowed_origins)]

    @property
    def is_production(self) -> bool:
        return self.app_env.lower() == "production"

    @property
    def introspection_enabled(self) -> bool:
        return (
            not self.is_production
            if self.graphql_introspection is None
            else self.graphql_introspection
        )

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production if self.graphiql is None else self.graphiql

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def intake_policy(self) -> IntakePolicy:
        configured = frozenset(_split(self.supported_currencies))
        return IntakePolicy(
            supported_currencies=configured or default_supported_currencies(),
            prices=load_price_table(self.price_table_path),
        )

    @cached_property
    def status_transitions(self) -> TransitionTable:
        return load_transition_table(self.status_transitions_path)

    @cached_property
    def secret_hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.client_secret_hash_time_cost,
            memory_cost=self.client_secret_hash_memory_kib,
            parallelism=1,
        )

    @cached_property
    def key_policy(self) -> KeyPolicy:
        return KeyPolicy(
            retention=timedelta(seconds=self.idempotency_key_retention_seconds),
            purge_batch=self.idempotency_key_purge_batch,
        )

    @cached_property
    def webhook_policy(self) -> WebhookPolicy:
        return WebhookPolicy(
            production=self.is_production,
            allowed_networks=parse_networks(self.webhook_allowed_networks),
            retry_schedule=parse_schedule(self.webhook_retry_schedule),
            disable_after=timedelta(seconds=self.webhook_disable_after_seconds),
            secret_overlap=timedelta(seconds=self.webhook_secret_overlap_seconds),
        )

    def check_secrets(self) -> None:
        """Refuse the development secret, or a short one, in production; warn anywhere else."""
        if self.secret_key == DEVELOPMENT_SECRET_KEY:
            if self.is_production:
                raise InsecureSettings("SECRET_KEY must be set when APP_ENV=production")
            log.warning(
                "SECRET_KEY is the built-in development key: anyone can forge tokens. "
                "Set SECRET_KEY before exposing this server."
            )
            return
        size = len(self.secret_key.encode())
        if size >= SECRET_KEY_MIN_BYTES:
            return
        # HS256 keys shorter than the hash's output (RFC 7518 section 3.2) can be guessed
        # offline from any one token.
        problem = (
            f"SECRET_KEY is {size} bytes; it must be at least {SECRET_KEY_MIN_BYTES} "
            "(it signs the tokens). Generate one with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
        if self.is_production:
            raise InsecureSettings(f"{problem} (APP_ENV=production)")
        log.warning(problem)


def _origins(value: str) -> list[str]:
    return [item.strip() for item in value.replace(" ", ",").split(",") if item.strip()]


def _split(value: str) -> list[str]:
    return [item.strip().upper() for item in value.replace(" ", ",").split(",") if item.strip()]
