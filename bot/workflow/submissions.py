"""Deals posted at the same moment share one transaction (group commit), as clicks share
the decision journal's.

At quarter end a CRM or a script posts deals by the dozen at once. One transaction each
means one commit, one audit-chain update, one round of reads (delegations, ids) and one
INSERT per row for every deal; taken together (bot.workflow.submit_deals) they cost
about what one does. Each caller still gets its own answer, and a deal that cannot be
stored never takes the others down: when a shared transaction fails, its deals are
submitted again one transaction each, and only the one at fault gets the error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.deps import Deps
from bot.read_models.loaders import load_deals
from bot.read_models.snapshots import deal_json
from bot.workflow.results import SubmitResult
from bot.workflow.submit import submit_deal, submit_deals
from policies.deal import DealTerms

log = logging.getLogger(__name__)

BATCH = 50
"""Deals stored in one transaction at most: short, so a click's journal write never waits
long behind one."""


@dataclass(frozen=True)
class Stored:
    result: SubmitResult
    deal: dict[str, Any]
    """The deal as the API shows it, read right after the commit (with the batch's)."""


@dataclass
class _Waiting:
    terms: DealTerms
    actor: str
    answer: asyncio.Future[Stored]


class Submissions:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, terms: DealTerms, actor: str) -> Stored:
        """Return once the deal is committed (with any others posted meanwhile)."""
        answer: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(terms, actor, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await answer

    async def _write(self) -> None:
        """Store what waits, a batch per transaction; deals posted meanwhile go next."""
        while self._waiting:
            batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                async with self._deps.unit_of_work() as uow:
                    results = await submit_deals(uow, [(w.terms, w.actor) for w in batch])
            except Exception:
                if len(batch) > 1:
                    log.warning("%d deals submitted together failed; one by one", len(batch))
                await asyncio.gather(*(self._alone(waiting) for waiting in batch))
                continue
            await self._answer(batch, results)

    async def _alone(self, waiting: _Waiting) -> None:
        try:
            async with self._deps.unit_of_work() as uow:
                result = await submit_deal(uow, waiting.terms, waiting.actor)
            await self._answer([waiting], [result])
        except Exception as error:
            if not waiting.answer.done():
                waiting.answer.set_exception(error)

    async def _answer(self, batch: Sequence[_Waiting], results: Sequence[SubmitResult]) -> None:
        """Tell each caller its deal, all read in one go."""
        async with self._deps.db.read() as session:
            deals = await load_deals(session, [r.deal_id for r in results], self._deps.policies)
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.answer.done():  # its caller may have gone (cancelled)
                waiting.answer.set_result(Stored(result, deal_json(deals[result.deal_id])))
