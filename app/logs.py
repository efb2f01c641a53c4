"""Structured logs: one JSON object per line, personal data and secrets masked, request ids."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

# Order matters: tokens and secrets before the shapes their text could contain.
_MASKS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
        lambda m: "[token]",
    ),
    (
        re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"),
        lambda m: f"{m[1]}{m[2]}[redacted]",
    ),
    (
        re.compile(
            r"(?i)\b((?:client_)?secret|password|access_token|secret_key)"
            r"""(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+"""
        ),
        lambda m: f"{m[1]}{m[2]}[redacted]",
    ),
    (
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
        lambda m: "[email]",
    ),
    (
        # Compact, or printed in groups of four.
        re.compile(
            r"(?i)\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b"
        ),
        lambda m: _keep_ends(m[0].replace(" ", ""), head=4, tail=4),
    ),
    (
        # International (+33..., 0033...), French national (06 12 34 56 78), or bare digits.
        re.compile(r"(?:\+|\b00)\d(?:[ .()-]?\d){6,16}\b|\b0\d(?:[ .-]?\d{2}){4}\b|\b\d{9,16}\b"),
        lambda m: _keep_ends(re.sub(r"\D", "", m[0]), head=0, tail=2),
    ),
)


# Letters and . / _ - only: no digit (phones, IBANs), no @ (emails), no space, colon or
# equals sign (a bearer token or secret= after its keyword), and, without "eyJ", no JWT.
# No mask can match such text, and most of an access-log line is such text.
_PLAIN = re.compile(r"[A-Za-z._/-]*")


def _keep_ends(value: str, *, head: int, tail: int) -> str:
    return f"{value[:head]}{'*' * max(len(value) - head - tail, 4)}{value[-tail:]}"


def mask_sensitive(text: str) -> str:
    """The text with tokens, secrets, emails, IBANs and phone numbers masked."""
    if _PLAIN.fullmatch(text) and "eyJ" not in text:
        return text
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class RequestRecord:
    """What the access log says about one HTTP request; filled in as the request goes."""

    request_id: str
    method: str
    path: str
    operation: str | None = None
    operation_type: str | None = None
    client_id: str | None = None
    outcome: str | None = None
    error_codes: list[str] = field(default_factory=list)


_current: ContextVar[RequestRecord | None] = ContextVar("current_request", default=None)


def current_request() -> RequestRecord | None:
    """The record of the HTTP request being served in this task, if any."""
    return _current.get()


def bind_request(record: RequestRecord) -> Token[RequestRecord | None]:
    return _current.set(record)


def unbind_request(token: Token[RequestRecord | None]) -> None:
    _current.reset(token)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_sensitive(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    if value is None or isinstance(value, int | float):  # bool is an int
        return value
    return mask_sensitive(str(value))  # what the encoder would have written, masked too


def _json_line(entry: dict[str, Any]) -> str:
    try:
        return orjson.dumps(entry, default=str).decode()
    except orjson.JSONEncodeError:  # text that is not valid Unicode, integers over 64 bits
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per record; `extra={"fields": {...}}` adds top-level keys.

    Every string is masked here, at the last moment, so that no code path (an exception
    message quoting an input, a SQL error with its parameters) can write personal data or
    secrets to the logs.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # The time is ours, added after masking (its digits are never a phone number).
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry = {"time": time, **_masked(entry)}
        # Request ids are ours or were checked on the way in (app/http/request_log.py).
        request = current_request()
        if request is not None:
            entry.setdefault("request_id", request.request_id)
        return _json_line(entry)


def logging_config(level: str) -> dict[str, Any]:
    """logging.config.dictConfig for the server: JSON lines on stdout, our access log only."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stdout"]},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            # app.access (app/http/request_log.py) writes one richer line per request.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # The webhook worker logs one line per attempt (app.webhooks); httpx's own
            # line per request would repeat it with the full URL.
            "httpx": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }
