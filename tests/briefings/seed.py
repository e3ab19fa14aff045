"""A week of deal desk history for content tests, ending Monday 2026-11-23 at 13:00 UTC
(08:00 in New York, 22:00 in Tokyo).

====  ==================  =====================  ==================================
deal  company             submitted (UTC)        by Monday 13:00
====  ==================  =====================  ==================================
1001  Old Corp            Fri 13 Nov 14:00       Marcus and Kenji overdue 9 days; stalled
1002  Done Deal           Sat 21 Nov 15:00       Kenji approved Sat 16:00 (Sun 01:00
                                                 Tokyo), Marcus Sun 15:30 (30 min
                                                 late): approved
1003  <!channel> Corp     Sun 22 Nov 12:00       $300K: Lisa overdue since Sun 14:00,
                                                 Marcus and Kenji since Mon 12:00
1004  Sent Back Co        Sun 22 Nov 13:00       Marcus requested changes Sun 16:00
1005  Today Inc           Sun 22 Nov 20:00       due Mon 20:00 (15:00 New York, Tue
                                                 05:00 Tokyo)
1006  Later LLC           Mon 23 Nov 12:30       due Tue 12:30
====  ==================  =====================  ==================================
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from policies.vocabulary import Decision
from tests.briefings.world import set_zones
from tests.support.deals import decide_as, pending_for, submit, techcorp

START = datetime(2026, 11, 13, 14, 0, tzinfo=UTC)
MONDAY_EIGHT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
"""08:00 in New York."""

OLD, DONE, CHANNEL, SENT_BACK, TODAY, LATER = range(1, 7)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def seed_week(deps: Deps, clock: VirtualClock) -> None:
    """Play the week above through the workflow; the clock ends at MONDAY_EIGHT."""
    clock.set(START)
    await set_zones(deps)
    await _submit(deps, "Old Corp", 100000)
    clock.set(at(21, 15))
    await _submit(deps, "Done Deal", 100000)
    clock.set(at(21, 16))
    await decide_as(deps, (await pending_for(deps, DONE, "legal")).id, "U0KENJI")
    clock.set(at(22, 12))
    await _submit(deps, "<!channel> Corp", 300000)
    clock.set(at(22, 13))
    await _submit(deps, "Sent Back Co", 100000)
    clock.set(at(22, 15, 30))  # half an hour past his 24h SLA
    await decide_as(deps, (await pending_for(deps, DONE, "manager")).id, "U0MARCUS")
    clock.set(at(22, 16))
    changes = (await pending_for(deps, SENT_BACK, "manager")).id
    await decide_as(deps, changes, "U0MARCUS", Decision.REQUEST_CHANGES, "Add the MSA")
    clock.set(at(22, 20))
    await _submit(deps, "Today Inc", 100000)
    clock.set(at(23, 12, 30))
    await _submit(deps, "Later LLC", 100000)
    clock.set(MONDAY_EIGHT)


async def _submit(deps: Deps, company: str, acv: int) -> None:
    await submit(deps, techcorp(company=company, acv=acv, discount=0, external_id=None))
