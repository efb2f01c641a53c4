"""Where a debtor's phone rings and what a call there costs: the tier table is data."""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


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
    """Read a price table in the TOML layout of the packaged `data/destinations.toml`."""
    tiers = []
    for entry in tomllib.loads(text)["tier"]:
        regions = entry.get("regions")
        credits = entry.get("credits_per_call")
        multiplier = entry.get("multiplier")
        tiers.append(
            TierPrice(
                tier=DestinationTier(entry["name"]),
                regions=None if regions is None else frozenset(regions),
                credits_per_call=None if credits is None else int(credits),
                multiplier=None if multiplier is None else float(multiplier),
                expensive=bool(entry["expensive"]),
            )
        )
    if not any(price.regions is None for price in tiers):
        raise ValueError("price table needs one tier without `regions` to catch every other region")
    return PriceTable(tuple(tiers))


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
        cost = (
            f"{where} cost {destination.credits_per_call} credits per call "
            f"({destination.multiplier:.1f}x standard)."
        )
    return f"{cost} Set acceptExpensiveDestination to true to proceed."
