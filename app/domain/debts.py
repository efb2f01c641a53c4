"""A debt as submitted, its validation into a clean debt, and the expensive-call guard."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from app.domain import fields as rules
from app.domain.destinations import Destination, PriceTable
from app.domain.errors import FieldError, Problem, ValidationCode
from app.domain.money import AmountInput, normalize_amount, normalize_currency
from app.domain.phones import normalize_phone
from app.domain.scheduling import TimelineStartMode

T = TypeVar("T")


class Civility(enum.Enum):
    MR = "MR"
    MS = "MS"


class DebtStatus(enum.Enum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    PAID = "PAID"
    ON_HOLD = "ON_HOLD"
    FAILED = "FAILED"
    ARCHIVED = "ARCHIVED"


@dataclass(frozen=True, slots=True)
class DebtInput:
    """A debt exactly as the caller sent it; field order is the contract's input order."""

    firstname: str | None = None
    lastname: str | None = None
    civility: Civility | None = None
    phone: str | None = None
    email: str | None = None
    amount: AmountInput | None = None
    currency: str | None = None
    birthdate: str | None = None
    object: str | None = None
    internal_id: str | None = None
    invoice_reference: str | None = None
    debtor_reference: str | None = None
    invoice_date: str | None = None
    due_date: str | None = None
    address: str | None = None
    street_address: str | None = None
    street_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    iban: str | None = None
    company: str | None = None
    debtor_company: str | None = None
    payment_link: str | None = None
    metadata: Any = None
    timeline_id: str | None = None
    timeline_start_mode: TimelineStartMode | None = None
    accept_expensive_destination: bool = False


@dataclass(frozen=True, slots=True)
class ValidDebt:
    """A debt whose every field passed its rule, normalized for storage."""

    firstname: str
    lastname: str
    amount: Decimal
    currency: str
    civility: Civility | None = None
    phone: str | None = None
    email: str | None = None
    birthdate: date | None = None
    object: str | None = None
    internal_id: str | None = None
    invoice_reference: str | None = None
    debtor_reference: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    address: str | None = None
    street_address: str | None = None
    street_number: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    iban: str | None = None
    company: str | None = None
    debtor_company: str | None = None
    payment_link: str | None = None
    metadata: dict[str, Any] | None = None
    timeline_id: str | None = None
    timeline_start_mode: TimelineStartMode = TimelineStartMode.IMMEDIATE
    accept_expensive_destination: bool = False
    destination: Destination | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    """The configurable parts of the rules: accepted currencies and call prices."""

    supported_currencies: frozenset[str]
    prices: PriceTable


@dataclass(frozen=True, slots=True)
class ExpensiveDestination:
    """A valid debt held back because calling its debtor costs more than standard."""

    destination: Destination


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_INPUT_ORDER = {f.name: index for index, f in enumerate(fields(DebtInput))}

# Plain optional text fields and their rules, with their length limits (SPEC section 3).
_TEXT_RULES: tuple[tuple[str, Callable[[str], str | Problem]], ...] = tuple(
    (name, rules.text(limit))
    for name, limit in {
        "object": rules.LONG_TEXT_MAX,
        "internal_id": rules.TEXT_MAX,
        "invoice_reference": rules.TEXT_MAX,
        "debtor_reference": rules.TEXT_MAX,
        "address": rules.LONG_TEXT_MAX,
        "street_address": rules.TEXT_MAX,
        "street_number": rules.TEXT_MAX,
        "postal_code": rules.TEXT_MAX,
        "city": rules.TEXT_MAX,
        "company": rules.TEXT_MAX,
        "debtor_company": rules.TEXT_MAX,
    }.items()
)
_NAME_RULE = rules.text(rules.NAME_MAX)


class _Collector:
    """Runs rules field by field, keeping every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self._errors: list[tuple[int, FieldError]] = []

    def add(self, name: str, problem: Problem) -> None:
        error = FieldError(camel_case(name), problem.code, problem.message)
        self._errors.append((_INPUT_ORDER[name], error))

    @property
    def errors(self) -> list[FieldError]:
        # The stable order SPEC asks for: the order of the fields in the input (a stable
        # sort, so two problems of one field keep the order they were found in).
        return [error for _, error in sorted(self._errors, key=lambda pair: pair[0])]

    def check(self, name: str, outcome: T | Problem) -> T | None:
        if isinstance(outcome, Problem):
            self.add(name, outcome)
            return None
        return outcome

    def optional(self, name: str, raw: str | None, rule: Callable[[str], T | Problem]) -> T | None:
        value = rules.clean_text(raw)
        return None if value is None else self.check(name, rule(value))

    def required(self, name: str, raw: str | None, rule: Callable[[str], T | Problem]) -> T | None:
        value = rules.clean_text(raw)
        if value is None:
            self.add(name, rules.REQUIRED)
            return None
        return self.check(name, rule(value))


def validate_debt(
    raw: DebtInput, *, today: date, policy: IntakePolicy
) -> ValidDebt | list[FieldError]:
    """Every rule of SPEC sections 3 and 4; all problems at once, in input field order."""
    c = _Collector()
    firstname = c.required("firstname", raw.firstname, _NAME_RULE)
    lastname = c.required("lastname", raw.lastname, _NAME_RULE)
    country = c.optional("country", raw.country, rules.country)
    phone_text, email_text = rules.clean_text(raw.phone), rules.clean_text(raw.email)
    phone = (
        None
        if phone_text is None
        else c.check("phone", normalize_phone(phone_text, country=country))
    )
    email = None if email_text is None else c.check("email", rules.email(email_text))
    if phone_text is None and email_text is None:
        contact = Problem(ValidationCode.CONTACT_REQUIRED, "give a phone number or an email")
        c.add("phone", contact)
        c.add("email", contact)
    currency = c.required(
        "currency",
        raw.currency,
        lambda v: normalize_currency(v, supported=policy.supported_currencies),
    )
    amount_given = rules.clean_text(raw.amount) if isinstance(raw.amount, str) else raw.amount
    amount = (
        c.check("amount", normalize_amount(amount_given, currency=currency))
        if amount_given is not None
        else c.check("amount", rules.REQUIRED)
    )
    birthdate = c.optional("birthdate", raw.birthdate, rules.strict_date)
    if birthdate is not None and birthdate > today:
        c.add("birthdate", Problem(ValidationCode.INVALID_DATE, "must not be in the future"))
    invoice_date = c.optional("invoice_date", raw.invoice_date, rules.strict_date)
    due_date = c.optional("due_date", raw.due_date, rules.strict_date)
    if invoice_date is not None and due_date is not None and due_date < invoice_date:
        c.add(
            "due_date",
            Problem(ValidationCode.DUE_DATE_BEFORE_INVOICE_DATE, "must not be before invoiceDate"),
        )
    texts = {name: c.optional(name, getattr(raw, name), rule) for name, rule in _TEXT_RULES}
    iban = c.optional("iban", raw.iban, rules.iban)
    payment_link = c.optional("payment_link", raw.payment_link, rules.http_url)
    metadata = None if raw.metadata is None else c.check("metadata", rules.metadata(raw.metadata))

    errors = c.errors
    if errors:
        return errors
    assert firstname and lastname and amount is not None and currency  # no errors: all set
    return ValidDebt(
        firstname=firstname,
        lastname=lastname,
        amount=amount,
        currency=currency,
        civility=raw.civility,
        phone=phone.e164 if phone else None,
        email=email,
        birthdate=birthdate,
        invoice_date=invoice_date,
        due_date=due_date,
        country=country,
        iban=iban,
        payment_link=payment_link,
        metadata=metadata,
        timeline_id=rules.clean_text(raw.timeline_id),
        timeline_start_mode=raw.timeline_start_mode or TimelineStartMode.IMMEDIATE,
        accept_expensive_destination=raw.accept_expensive_destination,
        destination=policy.prices.destination_for(phone.region) if phone else None,
        **texts,
    )


def expensive_destination(debt: ValidDebt) -> ExpensiveDestination | None:
    """The guard of SPEC section 5: an expensive call needs the caller's explicit consent."""
    destination = debt.destination
    if destination is None or not destination.expensive or debt.accept_expensive_destination:
        return None
    return ExpensiveDestination(destination)
