"""What a CRM's request body holds: whole records, or (HubSpot's webhook subscriptions)
one changed property per event.

- HubSpot's workflow "Send a webhook" action and a custom workflow action send one JSON
  object, the deal record (the Deals v1 shape names its id ``dealId``). Its webhook
  subscriptions send a JSON array of events, each naming one object (``objectId``) and,
  for ``deal.propertyChange``, one property and its new value. Live requests name the
  event ``subscriptionType``; HubSpot's documentation shows ``eventType``: both are read.
- Salesforce (a Flow's HTTP callout, or an Apex trigger's ``JSON.serialize``) sends one
  Opportunity as a JSON object, or a JSON array of them (``Trigger.new``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.crm_mapping import Crm

DEALS_OBJECT_TYPE = "0-3"
"""HubSpot's object type id for deals (in ``object.propertyChange`` events)."""


@dataclass(frozen=True)
class Record:
    """A whole record: a new deal, or the CRM's current state of one."""

    data: dict[str, Any]
    index: int
    """Its place in the request (0 for a single object)."""


@dataclass(frozen=True)
class PropertyChange:
    """One property of one HubSpot deal changed (a ``deal.propertyChange`` event)."""

    object_id: str
    name: str
    value: Any
    occurred_at: int
    event_id: str


@dataclass(frozen=True)
class Ignored:
    what: str
    reason: str


Item = Record | PropertyChange | Ignored


class NotARecord(ValueError):
    """The body is JSON, but not what this CRM sends."""


def items(crm: Crm, body: object) -> tuple[list[Item], bool]:
    """The request's items, and whether it was a batch (an array) rather than one record."""
    if isinstance(body, dict):
        return [Record(body, 0)], False
    if not isinstance(body, list) or not body:
        raise NotARecord(
            f"send one {_record_name(crm)} as a JSON object, or a non-empty JSON array"
        )
    if crm == "hubspot" and is_event_batch(body):
        return [_hubspot_event(event) for event in body], True
    for index, entry in enumerate(body):
        if not isinstance(entry, dict):
            raise NotARecord(f"item {index} of the array is not a JSON object")
    return [Record(entry, index) for index, entry in enumerate(body)], True


def is_event_batch(body: object) -> bool:
    """A HubSpot webhook subscription's batch: every object names an ``objectId`` and its
    event (``subscriptionType``, or ``eventType`` as the documentation writes it)."""
    return (
        isinstance(body, list)
        and bool(body)
        and all(
            isinstance(event, dict)
            and "objectId" in event
            and ("subscriptionType" in event or "eventType" in event)
            for event in body
        )
    )


def _hubspot_event(event: dict[str, Any]) -> Item:
    kind = str(event.get("subscriptionType") or event.get("eventType"))
    what = f"event {event.get('eventId', '?')} ({kind})"
    is_deal = kind.startswith("deal.") or event.get("objectTypeId") == DEALS_OBJECT_TYPE
    if not is_deal:
        return Ignored(what, "not a deal")
    if not kind.endswith(".propertyChange"):
        return Ignored(
            what,
            "only property changes are read from subscriptions; a new deal comes in whole "
            "from a workflow's 'Send a webhook' action",
        )
    object_id, name = event.get("objectId"), event.get("propertyName")
    if object_id is None or not isinstance(name, str):
        return Ignored(what, "it names no objectId or propertyName")
    occurred = event.get("occurredAt")
    return PropertyChange(
        object_id=str(object_id),
        name=name,
        value=event.get("propertyValue"),
        occurred_at=occurred if isinstance(occurred, int) else 0,
        event_id=str(event.get("eventId", "")),
    )


def _record_name(crm: Crm) -> str:
    return "deal record" if crm == "hubspot" else "Opportunity record"
