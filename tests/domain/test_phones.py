"""Phone numbers as SPEC section 4 reads them: one row per case, with the exact messages."""

from __future__ import annotations

import pytest

from app.domain.errors import Problem, ValidationCode
from app.domain.phones import NormalizedPhone, normalize_phone

TOO_SHORT = Problem(ValidationCode.PHONE_TOO_SHORT, "phone number too short")
TOO_LONG = Problem(ValidationCode.PHONE_TOO_LONG, "phone number too long")
INVALID_COUNTRY_CODE = Problem(ValidationCode.PHONE_INVALID_COUNTRY_CODE, "invalid country code")
INVALID_FORMAT = Problem(ValidationCode.PHONE_INVALID_FORMAT, "number format is not valid")
NOT_ALLOCATED = Problem(
    ValidationCode.PHONE_NOT_ALLOCATED, "number not registered in carrier database"
)


@pytest.mark.parametrize(
    ("text", "country", "e164", "region"),
    [
        ("0612345678", None, "+33612345678", "FR"),
        ("612345678", None, "+33612345678", "FR"),
        ("+33612345678", None, "+33612345678", "FR"),
        ("0033612345678", None, "+33612345678", "FR"),
        ("+33 6 12 34 56 78", None, "+33612345678", "FR"),
        ("06.12.34.56.78", None, "+33612345678", "FR"),
        ("0690123456", "GP", "+590690123456", "GP"),
        ("0696123456", "MQ", "+596696123456", "MQ"),
        ("0692123456", "RE", "+262692123456", "RE"),
        ("0612345678", "GP", "+33612345678", "FR"),  # valid as mainland: mainland wins
        ("+590690123456", None, "+590690123456", "GP"),
        ("+212612345678", None, "+212612345678", "MA"),
        ("+49 30 12345678", "FR", "+493012345678", "DE"),
    ],
)
def test_valid_numbers_become_e164(text: str, country: str | None, e164: str, region: str) -> None:
    assert normalize_phone(text, country=country) == NormalizedPhone(e164, region)


@pytest.mark.parametrize(
    ("text", "country", "problem"),
    [
        # parse failures
        ("+999 612345678", None, INVALID_COUNTRY_CODE),
        ("abcdef", None, INVALID_FORMAT),
        ("phone", None, INVALID_FORMAT),
        ("0", None, INVALID_FORMAT),
        ("+336", None, TOO_SHORT),  # TOO_SHORT_NSN
        ("003", None, TOO_SHORT),  # TOO_SHORT_AFTER_IDD
        ("0" * 251, None, TOO_LONG),  # longer than phonenumbers parses at all
        # is_possible_number_with_reason after parsing
        ("06123", None, TOO_SHORT),
        ("+49 30 1", None, TOO_SHORT),  # IS_POSSIBLE_LOCAL_ONLY
        ("061234567890", None, TOO_LONG),
        ("06123456789012345678", None, TOO_LONG),
        ("+412333333333", None, INVALID_FORMAT),  # INVALID_LENGTH for Switzerland
        # possible, but no carrier range
        ("0690123456", None, NOT_ALLOCATED),  # 069X read as mainland France
        ("0696123456", None, NOT_ALLOCATED),
        ("0639123456", None, NOT_ALLOCATED),
        ("0690123456", "FR", NOT_ALLOCATED),  # FR is not an overseas region
        ("0690123456", "DE", NOT_ALLOCATED),
        ("+33 7 00 00 00 00", None, NOT_ALLOCATED),
    ],
)
def test_invalid_numbers_give_the_exact_message(
    text: str, country: str | None, problem: Problem
) -> None:
    assert normalize_phone(text, country=country) == problem
