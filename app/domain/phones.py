"""Phone numbers: parse, validate with the exact messages of the spec, normalize to E.164."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from app.domain.errors import Problem, ValidationCode

DEFAULT_REGION = "FR"

# phonenumbers compiles its metadata's patterns through the re module's cache of 512: with
# numbers from many regions they keep falling out and being recompiled (about 370 µs per
# number instead of 18, measured by tests/perf/bench_validation.py). Keep them all.
phonenumbers.enable_pattern_cache()

# French overseas regions whose national-format numbers (0690..., 0262...) read as
# mainland France by default; the debt's country tells us to read them locally instead.
OVERSEAS_REGIONS = frozenset({"GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM", "WF", "NC", "PF"})

TOO_SHORT = Problem(ValidationCode.PHONE_TOO_SHORT, "phone number too short")
TOO_LONG = Problem(ValidationCode.PHONE_TOO_LONG, "phone number too long")
INVALID_COUNTRY_CODE = Problem(ValidationCode.PHONE_INVALID_COUNTRY_CODE, "invalid country code")
INVALID_FORMAT = Problem(ValidationCode.PHONE_INVALID_FORMAT, "number format is not valid")
NOT_ALLOCATED = Problem(
    ValidationCode.PHONE_NOT_ALLOCATED, "number not registered in carrier database"
)

_PARSE_FAILURES: dict[int, Problem] = {
    NumberParseException.INVALID_COUNTRY_CODE: INVALID_COUNTRY_CODE,
    NumberParseException.NOT_A_NUMBER: INVALID_FORMAT,
    NumberParseException.TOO_SHORT_NSN: TOO_SHORT,
    NumberParseException.TOO_SHORT_AFTER_IDD: TOO_SHORT,
    NumberParseException.TOO_LONG: TOO_LONG,
}

_IMPOSSIBLE_REASONS: dict[int, Problem] = {
    ValidationResult.TOO_SHORT: TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: TOO_SHORT,
    ValidationResult.TOO_LONG: TOO_LONG,
    ValidationResult.INVALID_COUNTRY_CODE: INVALID_COUNTRY_CODE,
    ValidationResult.INVALID_LENGTH: INVALID_FORMAT,
}


@dataclass(frozen=True, slots=True)
class NormalizedPhone:
    """A valid phone number in E.164 form, with the region it rings in."""

    e164: str
    region: str


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | Problem:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as error:
        return _PARSE_FAILURES.get(error.error_type, INVALID_FORMAT)


def normalize_phone(text: str, *, country: str | None = None) -> NormalizedPhone | Problem:
    """Read `text` as a French number unless it says otherwise (SPEC section 4).

    `country` is the debt's already-validated country: when it is a French overseas
    region and the mainland reading is not valid, the local reading wins if it is valid.
    """
    number = _parse(text, DEFAULT_REGION)
    if isinstance(number, Problem):
        return number
    valid = phonenumbers.is_valid_number(number)
    if not valid and country in OVERSEAS_REGIONS:
        local = _parse(text, country)
        if not isinstance(local, Problem) and phonenumbers.is_valid_number(local):
            number, valid = local, True
    if not valid:
        reason = phonenumbers.is_possible_number_with_reason(number)
        return _IMPOSSIBLE_REASONS.get(reason, NOT_ALLOCATED)
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    return NormalizedPhone(phonenumbers.format_number(number, PhoneNumberFormat.E164), region)


def load_phone_metadata() -> None:
    """Load every region's metadata and compile its patterns now, at startup.

    phonenumbers loads a region on first use, once per process; a region's first number
    costs milliseconds, which belong at startup rather than in some caller's request.
    """
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is not None:
            normalize_phone(phonenumbers.format_number(example, PhoneNumberFormat.E164))
