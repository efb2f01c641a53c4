"""GraphQL enums mirroring the domain's, each value described for schema readers."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import strawberry

from app.domain import debts, destinations, errors, history, scheduling


def mirror_enum(
    domain: type[enum.Enum], *, description: str, values: dict[str, str], name: str | None = None
) -> type[enum.Enum]:
    """A GraphQL enum with the domain enum's names; convert with `Target[member.name]`."""
    missing = {member.name for member in domain} ^ set(values)
    if missing:
        raise ValueError(f"{domain.__name__}: describe exactly its members; mismatch: {missing}")
    members = {
        member.name: strawberry.enum_value(member.value, description=values[member.name])
        for member in domain
    }
    mirrored: type[enum.Enum] = enum.Enum(name or domain.__name__, members)  # type: ignore[misc]
    return strawberry.enum(mirrored, description=description)


if TYPE_CHECKING:  # to the type checker the mirrors are the domain enums they copy
    from app.domain.debts import Civility as Civility
    from app.domain.debts import DebtStatus as DebtStatus
    from app.domain.destinations import DestinationTier as DestinationTier
    from app.domain.errors import ValidationCode as ValidationCode
    from app.domain.history import DebtEventType as DebtEventType
    from app.domain.scheduling import TimelineStartMode as TimelineStartMode
else:
    Civility = mirror_enum(
        debts.Civility,
        description="Form of address of the debtor.",
        values={"MR": 'Mister ("Mr" in the source API).', "MS": 'Madam ("Ms" in the source API).'},
    )
    DebtStatus = mirror_enum(
        debts.DebtStatus,
        description="Where a debt stands in collection; every debt starts PENDING.",
        values={
            "PENDING": "Registered, collection not started yet.",
            "IN_PROGRESS": "Collection actions are running.",
            "PAID": "The debtor paid.",
            "ON_HOLD": "Collection is paused.",
            "FAILED": "Collection ended without payment.",
            "ARCHIVED": "Closed and kept for the record.",
        },
    )
    DebtEventType = mirror_enum(
        history.DebtEventType,
        description="What kind of change an event of a debt's history records.",
        values={
            "CREATED": "The debt was registered (createDebt or createDebts).",
            "UPDATED": "Fields of the debt were changed (updateDebt).",
            "STATUS_CHANGED": "The debt's status changed (changeDebtStatus, or the workflow).",
            "ERASED": "The debtor's personal data was erased (eraseDebt).",
        },
    )
    DestinationTier = mirror_enum(
        destinations.DestinationTier,
        description="Price class of calls to the debtor's phone number.",
        values={
            "FRANCE_MAINLAND": "Metropolitan France: the standard price.",
            "EU": "Another member state of the European Union.",
            "DOM_TOM": "A French overseas region or territory (Réunion, Guadeloupe, ...).",
            "MAGHREB": "Morocco, Algeria or Tunisia.",
            "OTHER_INTERNATIONAL": "Any other destination; its price is not known in advance.",
        },
    )
    TimelineStartMode = mirror_enum(
        scheduling.TimelineStartMode,
        description="When a debt's collection timeline starts.",
        values={
            "IMMEDIATE": "At the import time.",
            "NEXT_DAY": (
                "On the first day after the import date, in the company's time zone, that is "
                "neither an excluded weekday nor a public holiday, at the timeline's start time."
            ),
        },
    )
    ValidationCode = mirror_enum(
        errors.ValidationCode,
        description="Why an input field was refused.",
        values={
            "REQUIRED": "A required field is missing or blank.",
            "CONTACT_REQUIRED": "Neither phone nor email was given; reported on both.",
            "PHONE_TOO_SHORT": 'Message "phone number too short".',
            "PHONE_TOO_LONG": 'Message "phone number too long".',
            "PHONE_INVALID_COUNTRY_CODE": 'Message "invalid country code".',
            "PHONE_INVALID_FORMAT": 'Message "number format is not valid".',
            "PHONE_NOT_ALLOCATED": 'Message "number not registered in carrier database".',
            "INVALID_EMAIL": "Not a syntactically valid email address.",
            "INVALID_DATE": "Not a real calendar date written YYYY-MM-DD (or a future birthdate).",
            "INVALID_IBAN": "Not a valid IBAN (checksum or country format).",
            "INVALID_CURRENCY": "Not an ISO 4217 currency code.",
            "UNSUPPORTED_CURRENCY": "An ISO 4217 code this system does not accept.",
            "INVALID_AMOUNT": (
                "Not finite, not above zero, not below 10^12, or more decimals than the "
                "currency's minor unit."
            ),
            "DUE_DATE_BEFORE_INVOICE_DATE": "dueDate is before invoiceDate.",
            "INVALID_COUNTRY": "Not an ISO 3166-1 alpha-2 country code.",
            "INVALID_URL": "Not an absolute http or https URL.",
            "TOO_LONG": "Longer than the field allows.",
            "INVALID_METADATA": "Not a JSON object, or larger than 16 KiB once serialized.",
            "INVALID_VALUE": (
                "A value this field cannot hold (control characters, an unknown weekday, "
                "time zone or holiday calendar, ...)."
            ),
            "LIMIT_REACHED": "A per-company limit is full (at most 20 webhook endpoints).",
        },
    )
