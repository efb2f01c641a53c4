"""The price table: the packaged data matches SPEC section 5, and a broken table is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest

from app.config import Settings
from app.domain.destinations import (
    Destination,
    DestinationTier,
    expensive_destination_message,
    load_price_table,
    parse_price_table,
)

# fmt: off
EU_OTHERS = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]
DOM_TOM = ["GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM", "WF", "NC", "PF"]
# fmt: on

# SPEC section 5, region by region.
SPEC_TABLE = [
    *[(r, DestinationTier.FRANCE_MAINLAND, 25, 1.0, False) for r in ["FR"]],
    *[(r, DestinationTier.EU, 30, 1.2, False) for r in EU_OTHERS],
    *[(r, DestinationTier.DOM_TOM, 100, 4.0, True) for r in DOM_TOM],
    *[(r, DestinationTier.MAGHREB, 125, 5.0, True) for r in ["MA", "DZ", "TN"]],
    *[(r, DestinationTier.OTHER_INTERNATIONAL, None, None, True) for r in ["US", "CH", "001"]],
]


@pytest.mark.parametrize(("region", "tier", "credits", "multiplier", "expensive"), SPEC_TABLE)
def test_packaged_table_is_the_spec_table(
    region: str,
    tier: DestinationTier,
    credits: int | None,
    multiplier: float | None,
    expensive: bool,
) -> None:
    assert load_price_table().destination_for(region) == Destination(
        region, tier, credits, multiplier, expensive
    )


def test_the_eu_tier_holds_the_26_other_member_states() -> None:
    assert len(set(EU_OTHERS)) == 26


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (
            Destination("RE", DestinationTier.DOM_TOM, 100, 4.0, True),
            "Calls to RE (DOM_TOM) cost 100 credits per call (4.0x standard). "
            "Set acceptExpensiveDestination to true to proceed.",
        ),
        (
            Destination("MA", DestinationTier.MAGHREB, 150, 6.25, True),
            "Calls to MA (MAGHREB) cost 150 credits per call (6.25x standard). "
            "Set acceptExpensiveDestination to true to proceed.",
        ),
        (
            Destination("US", DestinationTier.OTHER_INTERNATIONAL, None, None, True),
            "Calls to US (OTHER_INTERNATIONAL) have no known price and are billed as expensive "
            "international calls. Set acceptExpensiveDestination to true to proceed.",
        ),
    ],
)
def test_message_names_country_tier_and_exact_cost(destination: Destination, message: str) -> None:
    assert expensive_destination_message(destination) == message


CATCH_ALL = '[[tier]]\nname = "OTHER_INTERNATIONAL"\nexpensive = true\n'


def test_region_codes_in_the_file_are_read_case_insensitively() -> None:
    table = parse_price_table(
        '[[tier]]\nname = "DOM_TOM"\nregions = ["re"]\ncredits_per_call = 90\n'
        "multiplier = 3\nexpensive = true\n" + CATCH_ALL
    )
    assert table.destination_for("RE") == Destination("RE", DestinationTier.DOM_TOM, 90, 3.0, True)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        pytest.param("", "needs [[tier]] entries", id="empty"),
        pytest.param(
            '[[tier]]\nname = "EU"\nregions = ["DE"]\nexpensive = false\n',
            "exactly one tier without `regions`",
            id="no-catch-all",
        ),
        pytest.param(
            CATCH_ALL + '[[tier]]\nname = "EU"\nregions = ["DE"]\nexpensive = false\n',
            "exactly one tier without `regions`, the last one",
            id="catch-all-hides-later-tiers",
        ),
        pytest.param(
            '[[tier]]\nname = "CHEAP"\nexpensive = false\n', "unknown tier name 'CHEAP'",
            id="unknown-tier",
        ),
        pytest.param(
            '[[tier]]\nname = "OTHER_INTERNATIONAL"\n', "needs `expensive = true` or `false`",
            id="expensive-missing",
        ),
        pytest.param(
            CATCH_ALL.replace("expensive", "credits_per_call = 12.5\nexpensive"),
            "`credits_per_call` of tier OTHER_INTERNATIONAL must be an integer",
            id="fractional-credits",
        ),
        pytest.param(
            CATCH_ALL.replace("expensive", 'multiplier = "4x"\nexpensive'),
            "`multiplier` of tier OTHER_INTERNATIONAL must be a number",
            id="multiplier-not-a-number",
        ),
        pytest.param(
            '[[tier]]\nname = "EU"\nregions = "DE"\nexpensive = false\n' + CATCH_ALL,
            "`regions` of tier EU must be a list",
            id="regions-not-a-list",
        ),
        pytest.param("[[tier]\n", "Expected ']]'", id="not-toml"),
    ],
)  # fmt: skip
def test_a_broken_table_is_refused_with_its_mistake(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        parse_price_table(text)


def test_settings_refuse_a_price_table_path_that_cannot_be_used(tmp_path: Path) -> None:
    broken = tmp_path / "prices.toml"
    broken.write_text('[[tier]]\nname = "OTHER_INTERNATIONAL"\n', encoding="utf-8")
    with pytest.raises(pydantic.ValidationError, match="needs `expensive = true`"):
        Settings(price_table_path=broken)
    with pytest.raises(pydantic.ValidationError, match="cannot read the price table"):
        Settings(price_table_path=tmp_path / "missing.toml")


def test_an_empty_price_table_path_means_the_packaged_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRICE_TABLE_PATH", "")
    settings = Settings()
    assert settings.price_table_path is None
    assert settings.intake_policy.prices == load_price_table()
