"""validate_debt as a whole: every problem at once, in input order; fuzzed, it never raises."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.debts import DebtInput, IntakePolicy, ValidDebt, camel_case, validate_debt
from app.domain.destinations import load_price_table
from app.domain.errors import FieldError
from app.domain.errors import ValidationCode as Code
from app.domain.money import default_supported_currencies

POLICY = IntakePolicy(
    supported_currencies=default_supported_currencies(), prices=load_price_table(None)
)
TODAY = date(2025, 6, 1)
VALID = DebtInput(
    firstname="Jean", lastname="Dupont", phone="0612345678", amount="1250.00", currency="EUR"
)


def problems(raw: DebtInput, today: date = TODAY) -> list[tuple[str, Code]]:
    outcome = validate_debt(raw, today=today, policy=POLICY)
    assert isinstance(outcome, list), outcome
    return [(error.field, error.code) for error in outcome]


def test_a_complete_valid_debt_is_normalized() -> None:
    outcome = validate_debt(
        replace(VALID, firstname="  Jean ", currency="eur", email="  ", country="fr"),
        today=TODAY,
        policy=POLICY,
    )
    assert isinstance(outcome, ValidDebt)
    assert (outcome.firstname, outcome.currency, outcome.email, outcome.country) == (
        "Jean",
        "EUR",
        None,
        "FR",
    )
    assert outcome.amount == Decimal("1250.00")


def test_every_problem_is_reported_at_once_in_input_order() -> None:
    raw = DebtInput(
        firstname="",
        lastname="x" * 256,
        phone="06123",
        email="not-an-email",
        amount="NaN",
        currency="ZZZ",
        birthdate="2024-02-30",
        object="x" * 2001,
        internal_id="x" * 256,
        invoice_reference="x" * 256,
        debtor_reference="x" * 256,
        invoice_date="2024-1-5",
        due_date="tomorrow",
        address="x" * 2001,
        street_address="x" * 256,
        street_number="x" * 256,
        postal_code="x" * 256,
        city="x" * 256,
        country="FRA",
        iban="FR00",
        company="x" * 256,
        debtor_company="x" * 256,
        payment_link="ftp://example.com",
        metadata=[1],
    )
    assert problems(raw) == [
        ("firstname", Code.REQUIRED),
        ("lastname", Code.TOO_LONG),
        ("phone", Code.PHONE_TOO_SHORT),
        ("email", Code.INVALID_EMAIL),
        ("amount", Code.INVALID_AMOUNT),
        ("currency", Code.INVALID_CURRENCY),
        ("birthdate", Code.INVALID_DATE),
        ("object", Code.TOO_LONG),
        ("internalId", Code.TOO_LONG),
        ("invoiceReference", Code.TOO_LONG),
        ("debtorReference", Code.TOO_LONG),
        ("invoiceDate", Code.INVALID_DATE),
        ("dueDate", Code.INVALID_DATE),
        ("address", Code.TOO_LONG),
        ("streetAddress", Code.TOO_LONG),
        ("streetNumber", Code.TOO_LONG),
        ("postalCode", Code.TOO_LONG),
        ("city", Code.TOO_LONG),
        ("country", Code.INVALID_COUNTRY),
        ("iban", Code.INVALID_IBAN),
        ("company", Code.TOO_LONG),
        ("debtorCompany", Code.TOO_LONG),
        ("paymentLink", Code.INVALID_URL),
        ("metadata", Code.INVALID_METADATA),
    ]


def test_missing_contact_is_reported_on_both_fields() -> None:
    assert problems(replace(VALID, phone=" ", email=None)) == [
        ("phone", Code.CONTACT_REQUIRED),
        ("email", Code.CONTACT_REQUIRED),
    ]


def test_an_invalid_phone_is_an_error_even_with_a_valid_email() -> None:
    assert problems(replace(VALID, phone="abc", email="jean@example.com")) == [
        ("phone", Code.PHONE_INVALID_FORMAT)
    ]


def test_missing_required_values() -> None:
    raw = DebtInput(phone="0612345678")
    assert problems(raw) == [
        ("firstname", Code.REQUIRED),
        ("lastname", Code.REQUIRED),
        ("amount", Code.REQUIRED),
        ("currency", Code.REQUIRED),
    ]
    assert problems(replace(VALID, amount="  ")) == [("amount", Code.REQUIRED)]


def test_birthdate_may_be_today_but_not_tomorrow() -> None:
    assert isinstance(
        validate_debt(replace(VALID, birthdate="2025-06-01"), today=TODAY, policy=POLICY), ValidDebt
    )
    assert problems(replace(VALID, birthdate="2025-06-02")) == [("birthdate", Code.INVALID_DATE)]


def test_due_date_may_equal_but_not_precede_the_invoice_date() -> None:
    same = replace(VALID, invoice_date="2024-03-01", due_date="2024-03-01")
    assert isinstance(validate_debt(same, today=TODAY, policy=POLICY), ValidDebt)
    before = replace(VALID, invoice_date="2024-03-01", due_date="2024-02-29")
    assert problems(before) == [("dueDate", Code.DUE_DATE_BEFORE_INVOICE_DATE)]


# Anything a caller might put in a field: text of every kind (NUL, lone surrogates, huge),
# numbers of every size, "NaN"-like words, and nested JSON.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)
texts = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=st.characters(codec=None), max_size=300),
    st.sampled_from(["NaN", "Infinity", "-0", "1e999999999", "0612345678", "2024-02-29"]),
    st.integers(min_value=0, max_value=5000).map(lambda n: "x" * n),
)
amounts = st.one_of(
    texts,
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
FIELD_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    f.name: texts for f in fields(DebtInput) if f.name not in {"timeline_start_mode"}
}
FIELD_STRATEGIES |= {
    "amount": amounts,
    "metadata": json_values,
    "accept_expensive_destination": st.booleans(),
    "civility": st.none(),
}
INPUT_FIELDS = [camel_case(f.name) for f in fields(DebtInput)]


def storable(text: str) -> bool:
    return "\x00" not in text and text.encode("utf-8", errors="ignore").decode("utf-8") == text


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=FIELD_STRATEGIES))
def test_any_input_gives_a_storable_debt_or_field_errors_in_input_order(
    values: dict[str, Any],
) -> None:
    # Drawn over a valid debt, so that junk in one field is judged with the others sound.
    outcome = validate_debt(replace(VALID, **values), today=TODAY, policy=POLICY)
    if isinstance(outcome, ValidDebt):
        for f in fields(ValidDebt):
            value = getattr(outcome, f.name)
            # timelineId is never an error and never stored: the service only looks it up.
            if isinstance(value, str) and f.name != "timeline_id":
                assert storable(value), (f.name, value)
                assert len(value) <= (2000 if f.name in {"object", "address"} else 255)
        return
    assert outcome, "a refusal names at least one problem"
    assert all(isinstance(error, FieldError) and error.message for error in outcome)
    positions = [INPUT_FIELDS.index(error.field) for error in outcome]
    assert positions == sorted(positions)
