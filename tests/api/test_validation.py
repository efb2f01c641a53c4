"""createDebt's field rules (SPEC sections 3 and 4) through HTTP + GraphQL, on both databases.

One row per rule and per phone case. Every refused row asserts the complete list of field
errors and that nothing was written; every accepted row asserts the normalized value.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.runtime import Runtime
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api
from tests.utils.clock import Clock

# 2025-06-01 22:30 UTC is already 2025-06-02 in Paris, the table's company time zone.
NOW = datetime(2025, 6, 1, 22, 30, tzinfo=UTC)
PARIS_TODAY = "2025-06-02"
PARIS_TOMORROW = "2025-06-03"

PHONE_MESSAGES = {
    "PHONE_TOO_SHORT": "phone number too short",
    "PHONE_TOO_LONG": "phone number too long",
    "PHONE_INVALID_COUNTRY_CODE": "invalid country code",
    "PHONE_INVALID_FORMAT": "number format is not valid",
    "PHONE_NOT_ALLOCATED": "number not registered in carrier database",
}
EXPENSIVE_OK = {"acceptExpensiveDestination": True}
VALID_IBAN = "FR1420041010050500013M02606"


@pytest.fixture(scope="module")
async def intake(http: httpx.AsyncClient, runtime: Runtime) -> AsyncIterator[Api]:
    """One company per backend for the whole table, its token issued at the real time.

    A fresh company per row (the `api` fixture) makes the table six times slower, and a
    token issued under the fixed clock below would be checked against the wall clock.
    Rows share the company, so each row compares its debt count before and after itself.
    """
    yield await Api.for_new_company(http, runtime)


@pytest.fixture(autouse=True)
def _fixed_now(clock: Clock) -> None:
    clock.set(NOW)


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def refused(
    name: str, changes: dict[str, Any], field: str, code: str, message: str | None = None
) -> Any:
    """A row whose input breaks one rule: exactly one FieldError, nothing written."""
    if message is None:
        message = PHONE_MESSAGES.get(code)
    return pytest.param(changes, [(field, code, message)], id=name)


async def assert_refused(
    api: Api, debt: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    before = await api.debt_count()
    result = await api.create_debt(debt)
    assert result["__typename"] == "ValidationError", result
    assert result["message"] == "Validation failed"
    got = [(f["field"], f["code"], f["message"]) for f in result["fields"]]
    assert [(field, code) for field, code, _ in got] == [(f, c) for f, c, _ in expected]
    for (_, _, message), (_, _, wanted) in zip(got, expected, strict=True):
        assert message, "every FieldError explains itself"
        if wanted is not None:
            assert message == wanted
    assert await api.debt_count() == before


# ---------------------------------------------------------------------------- section 3
REFUSED_ROWS = [
    # firstname, lastname: required, non-blank, at most 255 characters
    refused("firstname-empty", {"firstname": ""}, "firstname", "REQUIRED"),
    refused("firstname-blank", {"firstname": " \t\n "}, "firstname", "REQUIRED"),
    refused("firstname-256", {"firstname": "x" * 256}, "firstname", "TOO_LONG"),
    refused("lastname-empty", {"lastname": ""}, "lastname", "REQUIRED"),
    refused("lastname-blank", {"lastname": "   "}, "lastname", "REQUIRED"),
    refused("lastname-256", {"lastname": "é" * 256}, "lastname", "TOO_LONG"),
    # phone, email: at least one given, reported on both
    pytest.param(
        {"phone": None, "email": None},
        [("phone", "CONTACT_REQUIRED", None), ("email", "CONTACT_REQUIRED", None)],
        id="contact-both-missing",
    ),
    pytest.param(
        {"phone": "  ", "email": ""},
        [("phone", "CONTACT_REQUIRED", None), ("email", "CONTACT_REQUIRED", None)],
        id="contact-both-blank",
    ),
    # phone: an error even when the email is valid
    refused(
        "phone-invalid-with-valid-email",
        {"phone": "06123", "email": "jean@example.com"},
        "phone",
        "PHONE_TOO_SHORT",
    ),
    # email: syntax, no DNS
    refused("email-no-at", {"email": "jean.dupont"}, "email", "INVALID_EMAIL"),
    refused("email-no-domain", {"email": "jean@"}, "email", "INVALID_EMAIL"),
    refused("email-no-local", {"email": "@example.com"}, "email", "INVALID_EMAIL"),
    refused("email-space", {"email": "jean dupont@example.com"}, "email", "INVALID_EMAIL"),
    refused("email-no-dot", {"email": "jean@example"}, "email", "INVALID_EMAIL"),
    refused("email-256", {"email": "a" * 244 + "@example.com"}, "email", "TOO_LONG"),
    # amount: finite, > 0, below 10^12, the currency's minor units
    refused("amount-blank", {"amount": "  "}, "amount", "REQUIRED"),
    refused("amount-zero", {"amount": "0"}, "amount", "INVALID_AMOUNT"),
    refused("amount-zero-number", {"amount": 0}, "amount", "INVALID_AMOUNT"),
    refused("amount-negative", {"amount": "-12.50"}, "amount", "INVALID_AMOUNT"),
    refused("amount-negative-number", {"amount": -1}, "amount", "INVALID_AMOUNT"),
    refused("amount-nan", {"amount": "NaN"}, "amount", "INVALID_AMOUNT"),
    refused("amount-snan", {"amount": "sNaN"}, "amount", "INVALID_AMOUNT"),
    refused("amount-infinity", {"amount": "Infinity"}, "amount", "INVALID_AMOUNT"),
    refused("amount-minus-infinity", {"amount": "-Infinity"}, "amount", "INVALID_AMOUNT"),
    refused("amount-10^12", {"amount": "1000000000000"}, "amount", "INVALID_AMOUNT"),
    refused("amount-1e12", {"amount": "1e12"}, "amount", "INVALID_AMOUNT"),
    refused("amount-huge-number", {"amount": 1e300}, "amount", "INVALID_AMOUNT"),
    refused("amount-huge-exponent", {"amount": "1e999999999"}, "amount", "INVALID_AMOUNT"),
    refused("amount-tiny", {"amount": "1e-999999999"}, "amount", "INVALID_AMOUNT"),
    refused("amount-tiny-number", {"amount": 1e-300}, "amount", "INVALID_AMOUNT"),
    refused("amount-EUR-3-decimals", {"amount": "12.345"}, "amount", "INVALID_AMOUNT"),
    refused(
        "amount-JPY-decimals",
        {"amount": "12.5", "currency": "JPY"},
        "amount",
        "INVALID_AMOUNT",
    ),
    refused(
        "amount-TND-4-decimals",
        {"amount": "1.2345", "currency": "TND"},
        "amount",
        "INVALID_AMOUNT",
    ),
    refused("amount-comma", {"amount": "12,50"}, "amount", "INVALID_AMOUNT"),
    refused("amount-words", {"amount": "twelve"}, "amount", "INVALID_AMOUNT"),
    refused("amount-underscore", {"amount": "1_000"}, "amount", "INVALID_AMOUNT"),
    # currency: upper-cased ISO 4217, then the supported set
    refused("currency-blank", {"currency": " "}, "currency", "REQUIRED"),
    refused("currency-word", {"currency": "EURO"}, "currency", "INVALID_CURRENCY"),
    refused("currency-unknown", {"currency": "ZZZ"}, "currency", "INVALID_CURRENCY"),
    refused("currency-withdrawn", {"currency": "FRF"}, "currency", "INVALID_CURRENCY"),
    refused("currency-dotless-i", {"currency": "ıdr"}, "currency", "INVALID_CURRENCY"),
    refused("currency-XXX", {"currency": "XXX"}, "currency", "UNSUPPORTED_CURRENCY"),
    refused("currency-XTS", {"currency": "xts"}, "currency", "UNSUPPORTED_CURRENCY"),
    refused("currency-gold", {"currency": "XAU"}, "currency", "UNSUPPORTED_CURRENCY"),
    refused("currency-SDR", {"currency": "XDR"}, "currency", "UNSUPPORTED_CURRENCY"),
    refused("currency-fund", {"currency": "CLF"}, "currency", "UNSUPPORTED_CURRENCY"),
    # birthdate, invoiceDate, dueDate: strict YYYY-MM-DD, real dates
    refused("birthdate-feb-30", {"birthdate": "2024-02-30"}, "birthdate", "INVALID_DATE"),
    refused("birthdate-unpadded", {"birthdate": "2024-1-5"}, "birthdate", "INVALID_DATE"),
    refused(
        "birthdate-datetime",
        {"birthdate": "2024-01-05T00:00:00"},
        "birthdate",
        "INVALID_DATE",
    ),
    refused("birthdate-french", {"birthdate": "05/01/2024"}, "birthdate", "INVALID_DATE"),
    refused("birthdate-tomorrow", {"birthdate": PARIS_TOMORROW}, "birthdate", "INVALID_DATE"),
    refused("invoiceDate-not-leap", {"invoiceDate": "2023-02-29"}, "invoiceDate", "INVALID_DATE"),
    refused("invoiceDate-month-13", {"invoiceDate": "2024-13-01"}, "invoiceDate", "INVALID_DATE"),
    refused("dueDate-words", {"dueDate": "next monday"}, "dueDate", "INVALID_DATE"),
    refused("dueDate-compact", {"dueDate": "20240105"}, "dueDate", "INVALID_DATE"),
    # dueDate: not before invoiceDate, reported on dueDate
    refused(
        "dueDate-before-invoiceDate",
        {"invoiceDate": "2024-03-01", "dueDate": "2024-02-29"},
        "dueDate",
        "DUE_DATE_BEFORE_INVOICE_DATE",
    ),
    # iban: checksum and country format
    refused("iban-checksum", {"iban": "FR15 2004 1010 0505 0001 3M02 606"}, "iban", "INVALID_IBAN"),
    refused("iban-length", {"iban": "FR14 2004 1010 0505 0001 3M02"}, "iban", "INVALID_IBAN"),
    refused("iban-country", {"iban": "XX14 2004 1010 0505 0001 3M02 606"}, "iban", "INVALID_IBAN"),
    refused("iban-words", {"iban": "my bank account"}, "iban", "INVALID_IBAN"),
    refused("iban-256", {"iban": "FR14" + "0" * 252}, "iban", "TOO_LONG"),
    # country: ISO 3166-1 alpha-2
    refused("country-alpha-3", {"country": "FRA"}, "country", "INVALID_COUNTRY"),
    refused("country-unknown", {"country": "XX"}, "country", "INVALID_COUNTRY"),
    refused("country-UK", {"country": "UK"}, "country", "INVALID_COUNTRY"),
    refused("country-dotless-i", {"country": "ıt"}, "country", "INVALID_COUNTRY"),
    # paymentLink: absolute http or https URL
    refused(
        "paymentLink-ftp",
        {"paymentLink": "ftp://example.com/pay"},
        "paymentLink",
        "INVALID_URL",
    ),
    refused(
        "paymentLink-relative", {"paymentLink": "example.com/pay"}, "paymentLink", "INVALID_URL"
    ),
    refused("paymentLink-no-host", {"paymentLink": "https://"}, "paymentLink", "INVALID_URL"),
    refused(
        "paymentLink-javascript",
        {"paymentLink": "javascript:alert(1)"},
        "paymentLink",
        "INVALID_URL",
    ),
    refused(
        "paymentLink-space",
        {"paymentLink": "https://exa mple.com"},
        "paymentLink",
        "INVALID_URL",
    ),
    refused(
        "paymentLink-256",
        {"paymentLink": "https://example.com/" + "a" * 236},
        "paymentLink",
        "TOO_LONG",
    ),
    # metadata: a JSON object of at most 16 KiB
    refused("metadata-list", {"metadata": [1, 2]}, "metadata", "INVALID_METADATA"),
    refused("metadata-string", {"metadata": "text"}, "metadata", "INVALID_METADATA"),
    refused("metadata-number", {"metadata": 42}, "metadata", "INVALID_METADATA"),
    refused("metadata-boolean", {"metadata": True}, "metadata", "INVALID_METADATA"),
    refused(
        "metadata-16KiB-plus-1",
        {"metadata": {"k": "x" * (16 * 1024 - 7)}},
        "metadata",
        "INVALID_METADATA",
    ),
    # regression: echoing these back crashed the response encoder (a 500, row written)
    refused("metadata-300-deep", {"metadata": nested(300)}, "metadata", "INVALID_METADATA"),
    # other strings: 255 characters, object and address 2,000
    refused("object-2001", {"object": "x" * 2001}, "object", "TOO_LONG"),
    refused("internalId-256", {"internalId": "x" * 256}, "internalId", "TOO_LONG"),
    refused(
        "invoiceReference-256", {"invoiceReference": "x" * 256}, "invoiceReference", "TOO_LONG"
    ),
    refused("debtorReference-256", {"debtorReference": "x" * 256}, "debtorReference", "TOO_LONG"),
    refused("address-2001", {"address": "x" * 2001}, "address", "TOO_LONG"),
    refused("streetAddress-256", {"streetAddress": "x" * 256}, "streetAddress", "TOO_LONG"),
    refused("streetNumber-256", {"streetNumber": "x" * 256}, "streetNumber", "TOO_LONG"),
    refused("postalCode-256", {"postalCode": "x" * 256}, "postalCode", "TOO_LONG"),
    refused("city-256", {"city": "x" * 256}, "city", "TOO_LONG"),
    refused("company-256", {"company": "x" * 256}, "company", "TOO_LONG"),
    refused("debtorCompany-256", {"debtorCompany": "x" * 256}, "debtorCompany", "TOO_LONG"),
    # text PostgreSQL cannot store (not in the spec's table: an addition)
    refused("firstname-NUL", {"firstname": "Je\x00an"}, "firstname", "INVALID_VALUE"),
    refused("city-control", {"city": "Paris\x07"}, "city", "INVALID_VALUE"),
]


@pytest.mark.parametrize(("changes", "expected"), REFUSED_ROWS)
async def test_refused(
    intake: Api, changes: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    await assert_refused(intake, {**VALID_DEBT, **changes}, expected)


def accepted(name: str, changes: dict[str, Any], **expected: Any) -> Any:
    return pytest.param(changes, expected, id=name)


ACCEPTED_ROWS = [
    accepted(
        "names-trimmed",
        {"firstname": "  Jean ", "lastname": "\tDupont\n"},
        firstname="Jean",
        lastname="Dupont",
    ),
    accepted("firstname-255", {"firstname": "x" * 255}, firstname="x" * 255),
    accepted("firstname-255-after-trim", {"firstname": f"  {'x' * 255}  "}, firstname="x" * 255),
    accepted("email-only", {"phone": None, "email": "jean@example.com"}, phone=None),
    accepted("phone-only-email-blank", {"email": "   "}, email=None),
    accepted(
        "email-domain-lower-cased",
        {"email": "Jean.Dupont@Example.COM"},
        email="Jean.Dupont@example.com",
    ),
    accepted("amount-number", {"amount": 12.5}, amount="12.50", amountText="12.50"),
    accepted("amount-number-0.1", {"amount": 0.1}, amount="0.10"),
    accepted("amount-cent", {"amount": "0.01"}, amount="0.01"),
    accepted("amount-below-10^12", {"amount": "999999999999.99"}, amount="999999999999.99"),
    accepted("amount-trailing-zeros", {"amount": "1250.000"}, amount="1250.00"),
    accepted("amount-padded", {"amount": " 12.50 "}, amount="12.50"),
    accepted("amount-JPY", {"amount": 1250, "currency": "JPY"}, amount="1250", amountText="1250"),
    accepted("amount-TND", {"amount": "1234.565", "currency": "TND"}, amount="1234.565"),
    accepted("currency-lower-case", {"currency": " eur "}, currency="EUR"),
    accepted("birthdate-today", {"birthdate": PARIS_TODAY}, birthdate=PARIS_TODAY),
    accepted("birthdate-leap-day", {"birthdate": "1980-02-29"}, birthdate="1980-02-29"),
    accepted(
        "dueDate-equals-invoiceDate",
        {"invoiceDate": "2024-03-01", "dueDate": "2024-03-01"},
        dueDate="2024-03-01",
    ),
    accepted("iban-compact-upper", {"iban": "fr14 2004 1010 0505 0001 3m02 606"}, iban=VALID_IBAN),
    accepted("country-upper-cased", {"country": "fr"}, country="FR"),
    accepted(
        "paymentLink-http",
        {"paymentLink": "http://pay.example.com/i/42?ref=a#b"},
        paymentLink="http://pay.example.com/i/42?ref=a#b",
    ),
    accepted("metadata-empty", {"metadata": {}}, metadata={}),
    accepted(
        "metadata-16KiB",
        {"metadata": {"k": "x" * (16 * 1024 - 8)}},
        metadata={"k": "x" * (16 * 1024 - 8)},
    ),
    accepted("object-2000", {"object": "x" * 2000}, object="x" * 2000),
    accepted("address-2000", {"address": "x" * 2000}, address="x" * 2000),
    accepted("city-255", {"city": "x" * 255}, city="x" * 255),
    accepted("civility", {"civility": "MS"}, civility="MS"),
    # timelineId: never an error; one that cannot exist is ignored
    accepted("timelineId-unknown", {"timelineId": "tl_doesnotexist"}, timelineId=None),
    accepted("timelineId-NUL", {"timelineId": "tl_\x00"}, timelineId=None),  # regression
    accepted("timelineId-huge", {"timelineId": "x" * 10_000}, timelineId=None),
    accepted("timelineId-blank", {"timelineId": "  "}, timelineId=None),
]


@pytest.mark.parametrize(("changes", "expected"), ACCEPTED_ROWS)
async def test_accepted(intake: Api, changes: dict[str, Any], expected: dict[str, Any]) -> None:
    before = await intake.debt_count()
    created = await intake.create_debt({**VALID_DEBT, **changes})
    assert created["__typename"] == "Debt", created
    assert {name: created[name] for name in expected} == expected
    assert await intake.debt_count() == before + 1


async def test_a_second_debt_with_the_same_internal_id_is_created(intake: Api) -> None:
    before = await intake.debt_count()
    first = await intake.create_debt({**VALID_DEBT, "internalId": "INT-1"})
    second = await intake.create_debt({**VALID_DEBT, "internalId": "INT-1"})
    assert (first["__typename"], second["__typename"]) == ("Debt", "Debt")
    assert first["id"] != second["id"]
    assert await intake.debt_count() == before + 2


# ---------------------------------------------------------------------------- section 4
PHONE_ACCEPTED_ROWS = [
    pytest.param({"phone": "0612345678"}, "+33612345678", id="national"),
    pytest.param({"phone": "612345678"}, "+33612345678", id="no-trunk-zero"),
    pytest.param({"phone": "+33612345678"}, "+33612345678", id="e164"),
    pytest.param({"phone": "0033612345678"}, "+33612345678", id="international-00"),
    pytest.param({"phone": "+33 6 12 34 56 78"}, "+33612345678", id="spaced"),
    pytest.param({"phone": "06.12.34.56.78"}, "+33612345678", id="dotted"),
    pytest.param(
        {"phone": "0690123456", "country": "GP", **EXPENSIVE_OK},
        "+590690123456",
        id="069X-with-country-GP",
    ),
    pytest.param(
        {"phone": "0692123456", "country": "re", **EXPENSIVE_OK},
        "+262692123456",
        id="069X-with-country-RE",
    ),
    pytest.param(
        {"phone": "0612345678", "country": "GP"}, "+33612345678", id="mainland-with-country-GP"
    ),
    pytest.param({"phone": "+49 30 12345678", **EXPENSIVE_OK}, "+493012345678", id="foreign-e164"),
]


@pytest.mark.parametrize(("changes", "e164"), PHONE_ACCEPTED_ROWS)
async def test_phone_accepted(intake: Api, changes: dict[str, Any], e164: str) -> None:
    before = await intake.debt_count()
    created = await intake.create_debt({**VALID_DEBT, **changes})
    assert created["__typename"] == "Debt", created
    assert created["phone"] == e164
    assert await intake.debt_count() == before + 1


PHONE_REFUSED_ROWS = [
    refused("too-short", {"phone": "06123"}, "phone", "PHONE_TOO_SHORT"),
    refused("too-short-nsn", {"phone": "+336"}, "phone", "PHONE_TOO_SHORT"),
    refused("too-short-after-idd", {"phone": "003"}, "phone", "PHONE_TOO_SHORT"),
    refused("possible-local-only", {"phone": "+49 30 1"}, "phone", "PHONE_TOO_SHORT"),
    refused("too-long", {"phone": "061234567890"}, "phone", "PHONE_TOO_LONG"),
    refused("too-long-to-parse", {"phone": "0" * 300}, "phone", "PHONE_TOO_LONG"),
    refused(
        "unknown-country-code",
        {"phone": "+999 612345678"},
        "phone",
        "PHONE_INVALID_COUNTRY_CODE",
    ),
    refused("letters", {"phone": "abcdef"}, "phone", "PHONE_INVALID_FORMAT"),
    refused("invalid-length", {"phone": "+412333333333"}, "phone", "PHONE_INVALID_FORMAT"),
    refused("069X-without-country", {"phone": "0690123456"}, "phone", "PHONE_NOT_ALLOCATED"),
    refused("0696-without-country", {"phone": "0696123456"}, "phone", "PHONE_NOT_ALLOCATED"),
    refused("0639-without-country", {"phone": "0639123456"}, "phone", "PHONE_NOT_ALLOCATED"),
    refused(
        "069X-with-country-FR",
        {"phone": "0690123456", "country": "FR"},
        "phone",
        "PHONE_NOT_ALLOCATED",
    ),
    pytest.param(
        {"phone": "0690123456", "country": "GPX"},
        [
            ("phone", "PHONE_NOT_ALLOCATED", PHONE_MESSAGES["PHONE_NOT_ALLOCATED"]),
            ("country", "INVALID_COUNTRY", None),
        ],
        id="069X-with-invalid-country-is-read-as-mainland",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), PHONE_REFUSED_ROWS)
async def test_phone_refused(
    intake: Api, changes: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    await assert_refused(intake, {**VALID_DEBT, **changes}, expected)


# -------------------------------------------------------------------- all errors at once
EVERYTHING_WRONG: dict[str, Any] = {
    "firstname": "  ",
    "lastname": "x" * 256,
    "civility": "MR",
    "phone": "0690123456",
    "email": "jean@",
    "amount": "12.345",
    "currency": "ZZZ",
    "birthdate": PARIS_TOMORROW,
    "object": "x" * 2001,
    "internalId": "x" * 256,
    "invoiceReference": "x" * 256,
    "debtorReference": "x" * 256,
    "invoiceDate": "2024-03-01",
    "dueDate": "2024-02-01",
    "address": "x" * 2001,
    "streetAddress": "x" * 256,
    "streetNumber": "x" * 256,
    "postalCode": "x" * 256,
    "city": "x" * 256,
    "country": "FRA",
    "iban": "FR00 0000",
    "company": "x" * 256,
    "debtorCompany": "x" * 256,
    "paymentLink": "example.com",
    "metadata": ["not", "an", "object"],
    "timelineId": "tl_nope",
}


# The errors EVERYTHING_WRONG gives after its contact and money fields, in input order.
LATER_FIELD_ERRORS = [
    ("birthdate", "INVALID_DATE", None),
    ("object", "TOO_LONG", None),
    ("internalId", "TOO_LONG", None),
    ("invoiceReference", "TOO_LONG", None),
    ("debtorReference", "TOO_LONG", None),
    ("dueDate", "DUE_DATE_BEFORE_INVOICE_DATE", None),
    ("address", "TOO_LONG", None),
    ("streetAddress", "TOO_LONG", None),
    ("streetNumber", "TOO_LONG", None),
    ("postalCode", "TOO_LONG", None),
    ("city", "TOO_LONG", None),
    ("country", "INVALID_COUNTRY", None),
    ("iban", "INVALID_IBAN", None),
    ("company", "TOO_LONG", None),
    ("debtorCompany", "TOO_LONG", None),
    ("paymentLink", "INVALID_URL", None),
    ("metadata", "INVALID_METADATA", None),
]


async def test_every_problem_of_an_input_is_reported_at_once_in_input_order(
    intake: Api,
) -> None:
    # The amount's decimals cannot be judged without a valid currency: INVALID_AMOUNT is not
    # expected here; the phone is read as mainland France because the country is refused.
    await assert_refused(
        intake,
        EVERYTHING_WRONG,
        [
            ("firstname", "REQUIRED", None),
            ("lastname", "TOO_LONG", None),
            ("phone", "PHONE_NOT_ALLOCATED", "number not registered in carrier database"),
            ("email", "INVALID_EMAIL", None),
            ("currency", "INVALID_CURRENCY", None),
            *LATER_FIELD_ERRORS,
        ],
    )


async def test_amount_and_contact_problems_join_the_others(intake: Api) -> None:
    debt = {**EVERYTHING_WRONG, "phone": None, "email": "", "currency": "EUR", "amount": "-1"}
    await assert_refused(
        intake,
        debt,
        [
            ("firstname", "REQUIRED", None),
            ("lastname", "TOO_LONG", None),
            ("phone", "CONTACT_REQUIRED", None),
            ("email", "CONTACT_REQUIRED", None),
            ("amount", "INVALID_AMOUNT", None),
            *LATER_FIELD_ERRORS,
        ],
    )


# ------------------------------------------------------------------- wrongly typed values
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"civility": "Mr"}, id="civility-not-in-enum"),
        pytest.param({"firstname": None}, id="firstname-null"),
        pytest.param({"amount": None}, id="amount-null"),
        pytest.param({"amount": True}, id="amount-boolean"),
        pytest.param({"amount": {"value": 12}}, id="amount-object"),
        pytest.param({"currency": 978}, id="currency-number"),
        pytest.param({"birthdate": 20240105}, id="birthdate-number"),
        pytest.param({"phone": ["0612345678"]}, id="phone-list"),
        pytest.param({"unknownField": "x"}, id="unknown-field"),
    ],
)
async def test_wrongly_typed_values_are_graphql_errors(
    intake: Api, changes: dict[str, Any]
) -> None:
    before = await intake.debt_count()
    body = await intake.gql(CREATE_DEBT, {"input": {**VALID_DEBT, **changes}})
    assert body.get("data") is None
    assert body["errors"] and "$input" in body["errors"][0]["message"]
    assert await intake.debt_count() == before


# --------------------------------------------------------------- the company's local date
async def test_birthdate_is_judged_by_the_company_local_date(
    intake: Api, http: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    # Tokens are signed with the runtime clock but checked against the wall clock, so this
    # one is issued at the real time.
    clock.reset()
    new_york = await Api.for_new_company(http, runtime, timezone="America/New_York")
    # At 22:30 UTC on June 1st it is June 2nd in Paris and still June 1st in New York.
    clock.set(NOW)
    debt = {**VALID_DEBT, "birthdate": PARIS_TODAY}

    assert (await intake.create_debt(debt))["__typename"] == "Debt"
    await assert_refused(new_york, debt, [("birthdate", "INVALID_DATE", None)])


# ------------------------------------------------------------- regressions outside the table
async def test_metadata_with_an_integer_beyond_64_bits_is_refused(intake: Api) -> None:
    # JSON variables turn such integers into floats; an inline GraphQL literal keeps them
    # exact, and echoing one back used to crash the response encoder after the row was written.
    document = """
    mutation {
      createDebt(input: {firstname: "Jean", lastname: "Dupont", phone: "0612345678",
                         amount: "12.50", currency: "EUR",
                         metadata: {n: 100000000000000000000000000000}}) {
        __typename
        ... on ValidationError { fields { field code } }
      }
    }
    """
    before = await intake.debt_count()
    body = await intake.gql(document)
    assert body == {
        "data": {
            "createDebt": {
                "__typename": "ValidationError",
                "fields": [{"field": "metadata", "code": "INVALID_METADATA"}],
            }
        }
    }
    assert await intake.debt_count() == before


async def test_an_id_no_row_can_have_reads_null(intake: Api) -> None:
    # PostgreSQL refuses NUL in text: such an id used to reach it and fail as INTERNAL.
    assert await intake.debt("debt_\x00") is None
    assert await intake.debt("debt_é") is None
