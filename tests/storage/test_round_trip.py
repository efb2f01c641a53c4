"""Amounts and instants come back from either database exactly as they went in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from app.runtime import Runtime
from app.services.companies import find_company_key
from app.storage import ids
from app.storage.models import Debt
from tests.utils.factories import make_company

PLUS_ONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1234.565", "TND"), ("0.10", "EUR"), ("1250", "JPY"), ("999999999999.999", "KWD")],
)
async def test_amount_round_trips_exactly(runtime: Runtime, amount: str, currency: str) -> None:
    company = await make_company(runtime)
    instant = datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=PLUS_ONE)
    async with runtime.sessions() as session:
        key = await find_company_key(session, company.company_id)
        assert key is not None
        row = Debt(
            public_id=ids.new_public_id(ids.DEBT),
            company_id=key,
            firstname="A",
            lastname="B",
            amount=Decimal(amount),
            currency=currency,
            import_date=instant,
            timeline_start_at=instant,
        )
        session.add(row)
        await session.commit()
        public_id = row.public_id

    async with runtime.sessions() as session:
        read = (await session.exec(select(Debt).where(Debt.public_id == public_id))).one()

    assert isinstance(read.amount, Decimal)
    assert str(read.amount) == amount
    assert read.import_date == instant  # the same instant
    assert read.import_date.utcoffset() is not None
    assert read.timeline_start_at is not None
    assert read.timeline_start_at.astimezone(PLUS_ONE).isoformat() == (
        "2024-01-15T10:30:00.123456+01:00"
    )


def test_naive_instants_are_refused(runtime: Runtime) -> None:
    from app.storage.types import UTCDateTime

    with pytest.raises(ValueError, match="aware"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 1), runtime.engine.dialect)
