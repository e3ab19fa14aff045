"""Turn domain events into webhook deliveries, inside the transaction that caused them.

Each event a receiver subscribed to becomes one outbox row holding the JSON body as it
will be sent (the deal as ``GET /api/deals/{id}`` shows it at that moment), with a
unique event id; retries send the same body, so receivers deduplicate on the id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.events import ApprovalDecided, DealFinished, DealSubmitted, DomainEvent
from bot.core.policy_book import PolicyBook
from bot.outbox.work import Work, new_row
from bot.read_models.loaders import load_deals
from bot.read_models.snapshots import deal_json
from store import outbox
from store.canonical import format_time

_FINISHED = {
    "approved": "deal.approved",
    "rejected": "deal.rejected",
    "changes_requested": "deal.changes_requested",
    "withdrawn": "deal.withdrawn",
}


DealEvent = DealSubmitted | ApprovalDecided | DealFinished


def event_type(event: DomainEvent) -> str | None:
    """The webhook event a domain event is, if any."""
    match event:
        case DealSubmitted():
            return "deal.submitted"
        case ApprovalDecided():
            return "approval.decided"
        case DealFinished(status=status):
            return _FINISHED.get(status)
        case _:
            return None


class WebhookPlanner:
    def __init__(self, policies: PolicyBook, clock: Clock) -> None:
        self._policies = policies
        self._clock = clock

    async def __call__(self, session: AsyncSession, events: Sequence[DomainEvent]) -> None:
        webhooks = self._policies.current.policy.webhooks
        wanted = [
            (event, kind)
            for event in events
            if isinstance(event, DealEvent) and (kind := event_type(event))
        ]
        if not webhooks or not wanted:
            return
        now = self._clock.now()
        ids = {event.deal_id for event, _ in wanted}
        deals = await load_deals(session, ids, self._policies)
        rows = []
        for event, kind in wanted:
            deal_id: int = event.deal_id
            snapshot = deals.get(deal_id)
            if snapshot is None:
                continue
            data: dict[str, Any] = {"deal": deal_json(snapshot)}
            if isinstance(event, ApprovalDecided):
                data["approval"] = next(
                    (a for a in data["deal"]["approvals"] if a["id"] == event.approval_id), None
                )
            for index, hook in enumerate(webhooks):
                if kind not in hook.events:
                    continue
                event_id = f"evt_{uuid.uuid4().hex}"
                body = {"id": event_id, "type": kind, "created_at": format_time(now), "data": data}
                rows.append(
                    new_row(
                        Work.WEBHOOK,
                        f"webhook:{index}:{deal_id}",  # in order per receiver and deal
                        now,
                        lane=None,  # no pace to keep
                        event_id=event_id,
                        event=kind,
                        url=hook.url,
                        secret_env=hook.secret_env,
                        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    )
                )
        await outbox.add_many(session, rows)
