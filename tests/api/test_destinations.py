"""Call destinations and the expensive-destination guard (SPEC section 5), end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.utils.api import VALID_DEBT, Api
from tests.utils.clock import Clock

PROCEED = "Set acceptExpensiveDestination to true to proceed."


def destination(
    country: str, tier: str, credits: int | None, multiplier: float | None, expensive: bool
) -> dict[str, Any]:
    return {
        "country": country,
        "tier": tier,
        "creditsPerCall": credits,
        "multiplier": multiplier,
        "expensive": expensive,
    }


# The tier table of SPEC section 5, one phone number per tier.
TIERS = [
    pytest.param(
        "0612345678", {}, "+33612345678", destination("FR", "FRANCE_MAINLAND", 25, 1.0, False),
        None, id="france-mainland",
    ),
    pytest.param(
        "+49 30 123456", {}, "+4930123456", destination("DE", "EU", 30, 1.2, False),
        None, id="eu",
    ),
    pytest.param(
        "+262692123456", {}, "+262692123456", destination("RE", "DOM_TOM", 100, 4.0, True),
        f"Calls to RE (DOM_TOM) cost 100 credits per call (4.0x standard). {PROCEED}",
        id="dom-tom",
    ),
    pytest.param(
        "0690123456", {"country": "GP"}, "+590690123456",
        destination("GP", "DOM_TOM", 100, 4.0, True),
        f"Calls to GP (DOM_TOM) cost 100 credits per call (4.0x standard). {PROCEED}",
        id="dom-tom-national-format-with-country",
    ),
    pytest.param(
        "+212612345678", {}, "+212612345678", destination("MA", "MAGHREB", 125, 5.0, True),
        f"Calls to MA (MAGHREB) cost 125 credits per call (5.0x standard). {PROCEED}",
        id="maghreb",
    ),
    pytest.param(
        "+16502530000", {}, "+16502530000",
        destination("US", "OTHER_INTERNATIONAL", None, None, True),
        "Calls to US (OTHER_INTERNATIONAL) have no known price and are billed as expensive "
        f"international calls. {PROCEED}",
        id="other-international",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("phone", "extra", "e164", "expected", "message"), TIERS)
async def test_without_consent_expensive_tiers_are_refused_and_nothing_is_written(
    api: Api,
    phone: str,
    extra: dict[str, Any],
    e164: str,
    expected: dict[str, Any],
    message: str | None,
) -> None:
    result = await api.create_debt({**VALID_DEBT, **extra, "phone": phone})

    if message is None:
        assert result["__typename"] == "Debt", result
        assert result["phone"] == e164
        assert result["destination"] == expected
        assert await api.debt_count() == 1
    else:
        assert result == {
            "__typename": "ExpensiveDestinationError",
            "message": message,
            "expensiveDestination": expected,
        }
        assert await api.debt_count() == 0


@pytest.mark.parametrize(("phone", "extra", "e164", "expected", "message"), TIERS)
async def test_with_consent_every_tier_is_created_and_reports_its_destination(
    api: Api,
    phone: str,
    extra: dict[str, Any],
    e164: str,
    expected: dict[str, Any],
    message: str | None,
) -> None:
    debt = {**VALID_DEBT, **extra, "phone": phone, "acceptExpensiveDestination": True}
    created = await api.create_debt(debt)

    assert created["__typename"] == "Debt", created
    assert created["phone"] == e164
    assert created["destination"] == expected
    read = await api.debt(created["id"])
    assert read is not None
    assert read["destination"] == expected
    assert await api.debt_count() == 1


async def test_the_overseas_reading_needs_the_overseas_country(api: Api) -> None:
    # Without country GP, 0690... reads as mainland France, where it is not allocated.
    refused = await api.create_debt({**VALID_DEBT, "phone": "0690123456"})
    assert refused["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [
        ("phone", "PHONE_NOT_ALLOCATED")
    ]
    # A valid mainland number stays mainland even with an overseas country.
    mainland = await api.create_debt({**VALID_DEBT, "phone": "0612345678", "country": "GP"})
    assert mainland["__typename"] == "Debt"
    assert mainland["destination"]["tier"] == "FRANCE_MAINLAND"


@pytest.mark.parametrize("country", [None, "RE", "MA", "US"])
async def test_email_only_debts_never_trigger_the_guard(api: Api, country: str | None) -> None:
    debt = {**VALID_DEBT, "phone": None, "email": "debtor@example.org", "country": country}
    created = await api.create_debt(debt)

    assert created["__typename"] == "Debt", created
    assert created["destination"] is None
    assert await api.debt_count() == 1


async def test_the_guard_runs_only_after_every_field_passed(api: Api) -> None:
    debt = {**VALID_DEBT, "phone": "+262692123456", "amount": "-5", "email": "not-an-email"}
    result = await api.create_debt(debt)

    assert result["__typename"] == "ValidationError", result
    assert [(f["field"], f["code"]) for f in result["fields"]] == [
        ("email", "INVALID_EMAIL"),
        ("amount", "INVALID_AMOUNT"),
    ]
    assert await api.debt_count() == 0


async def test_an_invalid_phone_is_a_validation_error_not_a_destination(api: Api) -> None:
    result = await api.create_debt({**VALID_DEBT, "phone": "+999123456"})
    assert result["__typename"] == "ValidationError"
    assert await api.debt_count() == 0


# --- the price table is data -------------------------------------------------------------

# The packaged table with the Maghreb made dearer, Tunisia moved to the EU tier and the
# United States given a price: only data differs, no code.
CUSTOM_PRICES = """
[[tier]]
name = "FRANCE_MAINLAND"
regions = ["FR"]
credits_per_call = 25
multiplier = 1.0
expensive = false

[[tier]]
name = "DOM_TOM"
regions = ["GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM", "WF", "NC", "PF"]
credits_per_call = 100
multiplier = 4.0
expensive = true

[[tier]]
name = "MAGHREB"
regions = ["MA", "DZ"]
credits_per_call = 150
multiplier = 6.25
expensive = true

[[tier]]
name = "EU"
regions = ["DE", "TN"]
credits_per_call = 30
multiplier = 1.2
expensive = false

[[tier]]
name = "OTHER_INTERNATIONAL"
credits_per_call = 400
multiplier = 16
expensive = true
"""


@pytest.fixture
async def custom_priced(settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[Api]:
    """Two apps on one database: the suite's, and one whose PRICE_TABLE_PATH is CUSTOM_PRICES."""
    table = tmp_path / "prices.toml"
    table.write_text(CUSTOM_PRICES, encoding="utf-8")
    custom = Settings(
        database_url=settings.database_url, secret_key=TEST_SECRET, price_table_path=table
    )
    application: Starlette = create_app(custom, clock=clock)
    async with application.router.lifespan_context(application):
        runtime: Runtime = application.state.runtime
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield await Api.for_new_company(http, runtime)


async def test_price_table_path_changes_prices_and_tiers_without_code(
    custom_priced: Api, api: Api
) -> None:
    custom = custom_priced

    maghreb = await custom.create_debt({**VALID_DEBT, "phone": "+212612345678"})
    assert maghreb == {
        "__typename": "ExpensiveDestinationError",
        "message": f"Calls to MA (MAGHREB) cost 150 credits per call (6.25x standard). {PROCEED}",
        "expensiveDestination": destination("MA", "MAGHREB", 150, 6.25, True),
    }
    tunisia = await custom.create_debt({**VALID_DEBT, "phone": "+21620123456"})
    assert tunisia["__typename"] == "Debt", tunisia
    assert tunisia["destination"] == destination("TN", "EU", 30, 1.2, False)
    us = await custom.create_debt({**VALID_DEBT, "phone": "+16502530000"})
    assert us["expensiveDestination"] == destination("US", "OTHER_INTERNATIONAL", 400, 16.0, True)
    assert us["message"].startswith("Calls to US (OTHER_INTERNATIONAL) cost 400 credits per call")
    assert await custom.debt_count() == 1

    # The default table still holds for the suite's own app on the same database.
    default = await api.create_debt({**VALID_DEBT, "phone": "+21620123456"})
    assert default["expensiveDestination"] == destination("TN", "MAGHREB", 125, 5.0, True)
