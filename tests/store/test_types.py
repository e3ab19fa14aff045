"""Column types behave the same on SQLite and PostgreSQL: money keeps its exact cents, times
come back aware and in UTC, and a naive time is refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from bot.core.deps import Deps
from store.models import Delegation
from tests.support.deals import load_deal, submit, techcorp

EXACT = [
    (Decimal("999999999999.99"), Decimal("0.10")),
    (Decimal("0.10"), Decimal("99.99")),
    (Decimal("1234567.89"), Decimal("0.01")),
]


@pytest.mark.parametrize(("acv", "discount"), EXACT, ids=["largest", "ten-cents", "cents"])
async def test_money_keeps_exact_decimals(deps: Deps, acv: Decimal, discount: Decimal) -> None:
    result = await submit(deps, techcorp(external_id=None, acv=acv, discount=discount))

    deal = await load_deal(deps, result.deal_id)
    assert (deal.acv, deal.discount) == (acv, discount)
    assert (str(deal.acv), str(deal.discount)) == (str(acv), str(discount))
    async with deps.db.read() as session:
        query = text("SELECT acv, discount FROM deals WHERE id = :id")
        raw = (await session.execute(query, {"id": result.deal_id})).one()
    assert [Decimal(str(value)) for value in raw] == [acv, discount]
    assert [str(value) for value in raw] == [str(acv), str(discount)]


async def test_times_come_back_aware_in_utc(deps: Deps) -> None:
    new_york = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=ZoneInfo("America/New_York"))
    async with deps.db.transaction() as session:
        session.add(
            Delegation(
                delegator="U0LISA",
                delegate="U0BOB",
                starts_at=new_york,
                ends_at=None,
                ended_at=None,
                created_at=deps.clock.now(),
            )
        )

    async with deps.db.read() as session:
        stored = (await session.execute(select(Delegation))).scalar_one()

    assert stored.starts_at == new_york
    assert stored.starts_at.tzinfo is UTC
    assert stored.starts_at == datetime(2026, 11, 23, 13, 30, 15, 123456, tzinfo=UTC)
    assert stored.created_at == deps.clock.now()


async def test_a_naive_time_is_refused_and_nothing_is_written(deps: Deps) -> None:
    naive = datetime(2026, 11, 23, 13, 0)

    with pytest.raises(StatementError, match="naive datetime"):
        async with deps.db.transaction() as session:
            session.add(
                Delegation(
                    delegator="U0LISA",
                    delegate="U0BOB",
                    starts_at=deps.clock.now(),
                    ends_at=naive,
                    ended_at=None,
                    created_at=deps.clock.now(),
                )
            )

    async with deps.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Delegation))).scalar() == 0


async def test_times_sort_and_compare_as_instants(deps: Deps) -> None:
    base = deps.clock.now()
    async with deps.db.transaction() as session:
        for delegate, offset in (("U0LATE", 2), ("U0EARLY", -2), ("U0NOW", 0)):
            zone = ZoneInfo("Asia/Tokyo") if offset < 0 else UTC
            session.add(
                Delegation(
                    delegator="U0LISA",
                    delegate=delegate,
                    starts_at=(base + timedelta(hours=offset)).astimezone(zone),
                    ends_at=None,
                    ended_at=None,
                    created_at=base,
                )
            )

    async with deps.db.read() as session:
        query = select(Delegation.delegate).where(Delegation.starts_at <= base)
        found = (await session.execute(query.order_by(Delegation.starts_at))).scalars().all()
    assert found == ["U0EARLY", "U0NOW"]
