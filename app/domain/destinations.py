"""Where a debtor's phone rings and what a call there costs: the tier table is data."""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


class DestinationTier(enum.Enum):
    """Price class of a call destination (SPEC section 5)."""

    FRANCE_MAINLAND = "FRANCE_MAINLAND"
    EU = "EU"
    DOM_TOM = "DOM_TOM"
    MAGHREB = "MAGHREB"
    OTHER_INTERNATIONAL = "OTHER_INTERNATIONAL"


@dataclass(frozen=True, slots=True)
class Destination:
    """The region a phone number rings in, with its tier and price."""

    country: str
    tier: DestinationTier
    credits_per_call: int | None
    multiplier: float | None
    expensive: bool


@dataclass(frozen=True, slots=True)
class TierPrice:
    tier: DestinationTier
    regions: frozenset[str] | None  # None: every region no earlier tier claimed
    credits_per_call: int | None
    multiplier: float | None
    expensive: bool


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Tiers in matching order; the first whose regions hold the region wins."""

    tiers: tuple[TierPrice, ...]

    def destination_for(self, region: str) -> Destination:
        for price in self.tiers:
            if price.regions is None or region in price.regions:
                return Destination(
                    region, price.tier, price.credits_per_call, price.multiplier, price.expensive
                )
        raise LookupError(f"price table has no tier for region {region} and no catch-all tier")


def parse_price_table(text: str) -> PriceTable:
    """Read a price table in the TOML layout of the packaged `data/destinations.toml`.

    A mistake in the file raises ValueError naming it: a typo must stop the server at start,
    not silently price a region as another tier or round a price.
    """
    entries = tomllib.loads(text).get("tier")
    if not isinstance(entries, list) or not entries:
        raise ValueError("price table needs [[tier]] entries")
    tiers = tuple(_tier_price(entry) for entry in entries)
    catch_all = [index for index, price in enumerate(tiers) if price.regions is None]
    if catch_all != [len(tiers) - 1]:
        raise ValueError("price table needs exactly one tier without `regions`, the last one")
    return PriceTable(tiers)


def _tier_price(entry: dict[str, Any]) -> TierPrice:
    name = entry.get("name")
    if not isinstance(name, str) or name not in DestinationTier.__members__:
        known = ", ".join(DestinationTier.__members__)
        raise ValueError(f"price table: unknown tier name {name!r}; tiers are {known}")
    expensive = entry.get("expensive")
    if not isinstance(expensive, bool):
        raise ValueError(f"price table: tier {name} needs `expensive = true` or `false`")
    regions = entry.get("regions")
    if regions is not None and (
        not isinstance(regions, list) or not all(isinstance(r, str) for r in regions)
    ):
        raise ValueError(f"price table: `regions` of tier {name} must be a list of region codes")
    credits = entry.get("credits_per_call")
    if credits is not None and (
        not isinstance(credits, int) or isinstance(credits, bool) or credits < 0
    ):
        raise ValueError(f"price table: `credits_per_call` of tier {name} must be an integer >= 0")
    multiplier = entry.get("multiplier")
    if multiplier is not None and (
        not isinstance(multiplier, int | float) or isinstance(multiplier, bool) or multiplier < 0
    ):
        raise ValueError(f"price table: `multiplier` of tier {name} must be a number >= 0")
    return TierPrice(
        tier=DestinationTier[name],
        # Phone regions are upper-case: "re" in the file must still mean Réunion.
        regions=None if regions is None else frozenset(r.strip().upper() for r in regions),
        credits_per_call=credits,
        multiplier=None if multiplier is None else float(multiplier),
        expensive=expensive,
    )


def load_price_table(path: Path | None = None) -> PriceTable:
    """The table at `path`, or the packaged default."""
    if path is None:
        text = resources.files("app.domain").joinpath("data/destinations.toml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return parse_price_table(text)


def expensive_destination_message(destination: Destination) -> str:
    """Why a debt was held back, naming the destination and its cost."""
    where = f"Calls to {destination.country} ({destination.tier.value})"
    if destination.credits_per_call is None or destination.multiplier is None:
        cost = f"{where} have no known price and are billed as expensive international calls."
    else:
        # repr-style float text: "4.0" as SPEC shows it, yet never rounds a configured 6.25.
        cost = (
            f"{where} cost {destination.credits_per_call} credits per call "
            f"({destination.multiplier!r}x standard)."
        )
    return f"{cost} Set acceptExpensiveDestination to true to proceed."
