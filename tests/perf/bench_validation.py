"""What validating a debt costs, next to what a request costs.

Run from the repository root (no database server needed; a throwaway SQLite file serves
the in-process request baseline):

    .venv/bin/python tests/perf/bench_validation.py [--debts 10000] [--requests 2000]

It prints, per debt, the microseconds of `validate_debt` for complete valid debts and for
debts with every field invalid; as baselines from the same run, `phonenumbers.parse` alone,
a minimal Starlette endpoint and a real createDebt, both over an in-process HTTP round trip
(httpx's ASGI transport: no sockets); and the ratios. It also shows, each in a fresh
process, what the first use of the phone metadata costs and what loading it at startup
(`load_phone_metadata`) does to that, and why the pattern cache is switched on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

VALID_IBANS = [
    "FR14 2004 1010 0505 0001 3M02 606",
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "ES91 2100 0418 4502 0005 1332",
]
TODAY = date(2025, 6, 1)


def per_call_us(function: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1e6


# ------------------------------------------------------------------------ the debts


def valid_debts(count: int) -> list[Any]:
    """Distinct complete debts, every field given and valid; some ring overseas."""
    from app.domain.debts import Civility, DebtInput

    rng = random.Random(42)
    debts = []
    for index in range(count):
        overseas = index % 10 == 0
        currency = rng.choice(["EUR", "eur", "USD", "JPY"]) if index % 3 else "EUR"
        cents = "" if currency == "JPY" else f".{rng.randrange(100):02d}"
        debts.append(
            DebtInput(
                firstname=f"Jean{index}",
                lastname="Dupont",
                civility=Civility.MR,
                phone=f"0690{rng.randrange(10**6):06d}" if overseas else f"06{index:08d}",
                email=f"Jean.Dupont{index}@Example.com",
                amount=f"{rng.randrange(1, 10**7)}{cents}",
                currency=currency,
                birthdate="1980-02-29",
                object="Unpaid invoice",
                internal_id=f"INT-{index}",
                invoice_reference=f"INV-{index}",
                debtor_reference=f"CUST-{index}",
                invoice_date="2024-01-05",
                due_date="2024-02-05",
                address="12 rue de la Paix, 75002 Paris",
                street_address="rue de la Paix",
                street_number="12",
                postal_code="75002",
                city="Paris",
                country="GP" if overseas else "FR",
                iban=VALID_IBANS[index % len(VALID_IBANS)],
                company="Creditor SA",
                debtor_company="Dupont SARL",
                payment_link=f"https://pay.example.com/i/{index}",
                metadata={"source": "erp", "row": index, "tags": ["a", "b"]},
            )
        )
    return debts


def invalid_debts(count: int) -> list[Any]:
    """Distinct debts with every field wrong."""
    from app.domain.debts import DebtInput

    return [
        DebtInput(
            firstname="  ",
            lastname="x" * 256,
            phone=f"0690{index:06d}",
            email=f"jean{index}@",
            amount="12.345" if index % 2 else "NaN",
            currency="ZZZ" if index % 2 else "XXX",
            birthdate="2024-02-30",
            object="x" * 2001,
            internal_id="x" * 256,
            invoice_reference="x" * 256,
            debtor_reference="x" * 256,
            invoice_date="2024-1-5",
            due_date="05/02/2024",
            address="x" * 2001,
            street_address="x" * 256,
            street_number="x" * 256,
            postal_code="x" * 256,
            city="x" * 256,
            country="FRA",
            iban=f"FR00 {index:04d}",
            company="x" * 256,
            debtor_company="x" * 256,
            payment_link=f"example.com/{index}",
            metadata=[index],
        )
        for index in range(count)
    ]


# ---------------------------------------------------------------- baselines over HTTP


async def request_baselines(requests: int) -> dict[str, float]:
    """Per-request µs of a minimal endpoint and of a real createDebt, in-process."""
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from app.config import Settings
    from app.http.app import create_app
    from app.services.auth import create_client
    from app.services.companies import create_company
    from app.services.tenants import ALL_SCOPES

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    minimal = Starlette(routes=[Route("/", ok, methods=["POST"])])
    body = {"query": "{ ok }", "variables": {}}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=minimal), base_url="http://bench"
    ) as client:
        for _ in range(200):
            await client.post("/", json=body)
        start = time.perf_counter()
        for _ in range(requests):
            await client.post("/", json=body)
        minimal_us = (time.perf_counter() - start) / requests * 1e6

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}",
            secret_key="benchmark-secret-key-0123456789abcdef0123456789",
            client_secret_hash_memory_kib=8,
            client_secret_hash_time_cost=1,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            async with runtime.sessions() as session:
                company = await create_company(
                    session, name="Bench", timezone="Europe/Paris", country="FR"
                )
                assert not isinstance(company, list)
            async with runtime.sessions() as session:
                issued = await create_client(
                    session,
                    company_public_id=company.company_id,
                    scopes=tuple(sorted(ALL_SCOPES)),
                    hasher=settings.secret_hasher,
                )
                assert issued is not None
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client:
                token = (
                    await client.post(
                        "/token",
                        data={
                            "grant_type": "client_credentials",
                            "client_id": issued.client_id,
                            "client_secret": issued.client_secret,
                        },
                    )
                ).json()["access_token"]
                document = {
                    "query": "mutation($input: CreateDebtInput!) { createDebt(input: $input) "
                    "{ __typename ... on Debt { id } } }",
                    "variables": {
                        "input": {
                            "firstname": "Jean",
                            "lastname": "Dupont",
                            "phone": "06 12 34 56 78",
                            "email": "jean.dupont@example.com",
                            "amount": "1250.00",
                            "currency": "EUR",
                            "iban": VALID_IBANS[0],
                            "country": "FR",
                        }
                    },
                }
                headers = {"Authorization": f"Bearer {token}"}
                for _ in range(100):
                    answer = await client.post("/graphql", json=document, headers=headers)
                    assert answer.json()["data"]["createDebt"]["__typename"] == "Debt"
                start = time.perf_counter()
                for _ in range(requests):
                    await client.post("/graphql", json=document, headers=headers)
                create_us = (time.perf_counter() - start) / requests * 1e6
    return {"minimal": minimal_us, "create_debt": create_us}


# ---------------------------------------------------------- fresh-process measurements


def first_calls() -> dict[str, float]:
    """In a fresh process: the cost of first uses, before and after loading the metadata."""
    started = time.perf_counter()
    import phonenumbers

    from app.domain import phones

    figures = {"import_ms": (time.perf_counter() - started) * 1e3}

    def once(text: str) -> float:
        start = time.perf_counter()
        phones.normalize_phone(text)
        return (time.perf_counter() - start) * 1e6

    figures["first_FR_us"] = once("0612345678")
    figures["second_FR_us"] = once("0612345679")
    figures["first_GB_us"] = once("+447911123456")
    start = time.perf_counter()
    phones.load_phone_metadata()
    figures["load_phone_metadata_ms"] = (time.perf_counter() - start) * 1e3
    figures["first_US_after_load_us"] = once("+12025550123")
    figures["first_DE_after_load_us"] = once("+4915123456789")
    figures["steady_FR_us"] = per_call_us(lambda: phones.normalize_phone("0612345678"), 2000)
    figures["regions"] = float(len(phonenumbers.SUPPORTED_REGIONS))
    return figures


def mixed_regions(pattern_cache: bool) -> dict[str, float]:
    """In a fresh process: parse + validate one number of every region, steady state."""
    import phonenumbers

    if pattern_cache:
        phonenumbers.enable_pattern_cache()
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is not None:
            numbers.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))

    def all_regions() -> None:
        for text in numbers:
            phonenumbers.is_valid_number(phonenumbers.parse(text, "FR"))

    all_regions()  # first pass: metadata loaded, patterns compiled
    return {"per_number_us": per_call_us(all_regions, 5) / len(numbers)}


def in_fresh_process(mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode], check=True, capture_output=True, text=True
    ).stdout
    figures: dict[str, float] = json.loads(output)
    return figures


# ------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--child", choices=["first-calls", "cache-off", "cache-on"])
    args = parser.parse_args()
    if args.child:
        children: dict[str, Callable[[], dict[str, float]]] = {
            "first-calls": first_calls,
            "cache-off": lambda: mixed_regions(False),
            "cache-on": lambda: mixed_regions(True),
        }
        print(json.dumps(children[args.child]()))
        return

    first = in_fresh_process("first-calls")
    cache_off = in_fresh_process("cache-off")
    cache_on = in_fresh_process("cache-on")

    import phonenumbers

    from app.domain.debts import IntakePolicy, ValidDebt, validate_debt
    from app.domain.destinations import load_price_table
    from app.domain.money import default_supported_currencies
    from app.domain.phones import load_phone_metadata

    policy = IntakePolicy(
        supported_currencies=default_supported_currencies(), prices=load_price_table(None)
    )
    valid, invalid = valid_debts(args.debts), invalid_debts(args.debts)

    start = time.perf_counter()
    first_outcome = validate_debt(valid[0], today=TODAY, policy=policy)
    first_debt_ms = (time.perf_counter() - start) * 1e3
    assert isinstance(first_outcome, ValidDebt), first_outcome
    load_phone_metadata()

    outcomes = [validate_debt(debt, today=TODAY, policy=policy) for debt in valid]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, ValidDebt)]
    assert not refused, refused[:3]
    errors = [validate_debt(debt, today=TODAY, policy=policy) for debt in invalid]
    assert all(isinstance(found, list) and len(found) >= 22 for found in errors), errors[0]

    def run(debts: list[Any]) -> float:
        start = time.perf_counter()
        for debt in debts:
            validate_debt(debt, today=TODAY, policy=policy)
        return (time.perf_counter() - start) / len(debts) * 1e6

    valid_us = min(run(valid) for _ in range(3))
    invalid_us = min(run(invalid) for _ in range(3))
    parse_us = per_call_us(lambda: phonenumbers.parse("0612345678", "FR"), 20_000)
    requests = asyncio.run(request_baselines(args.requests))

    rows = [
        ("validate_debt, complete valid debt", valid_us),
        ("validate_debt, every field invalid", invalid_us),
        ("phonenumbers.parse alone (FR)", parse_us),
        ("minimal Starlette endpoint, in-process HTTP", requests["minimal"]),
        ("createDebt on SQLite, in-process HTTP", requests["create_debt"]),
    ]
    print(f"validate_debt over {args.debts:,} debts each (best of 3 runs), baselines same run")
    print(f"{'':46} {'µs':>9}  {'÷ parse':>8}  {'÷ minimal':>9}  {'÷ createDebt':>12}")
    for label, micros in rows:
        print(
            f"{label:46} {micros:9.1f}  {micros / parse_us:8.2f}  "
            f"{micros / requests['minimal']:9.2f}  {micros / requests['create_debt']:12.3f}"
        )
    print()
    print(f"first validate_debt in this process: {first_debt_ms:.1f} ms (cold data of every rule)")
    print("phone metadata, in a fresh process:")
    print(f"  import app.domain.phones            {first['import_ms']:8.1f} ms")
    print(f"  first FR number (FR metadata loads) {first['first_FR_us']:8.0f} µs")
    print(f"  second FR number                    {first['second_FR_us']:8.0f} µs")
    print(f"  first GB number (GB metadata loads) {first['first_GB_us']:8.0f} µs")
    print(
        f"  load_phone_metadata() at startup    {first['load_phone_metadata_ms']:8.1f} ms "
        f"({first['regions']:.0f} regions)"
    )
    print(f"  first US number after it            {first['first_US_after_load_us']:8.0f} µs")
    print(f"  first DE number after it            {first['first_DE_after_load_us']:8.0f} µs")
    print(f"  steady state, FR number             {first['steady_FR_us']:8.1f} µs")
    print("one number of every region, steady state (parse + is_valid_number):")
    print(f"  without phonenumbers' pattern cache {cache_off['per_number_us']:8.1f} µs per number")
    print(f"  with it (app.domain.phones)         {cache_on['per_number_us']:8.1f} µs per number")


if __name__ == "__main__":
    main()
