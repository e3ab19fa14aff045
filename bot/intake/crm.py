"""A CRM's request, from its signature to the deals it creates or changes.

Every record is read and checked before anything is stored: one record that does not
map onto a deal refuses the whole request (422, each problem naming the CRM field and
the deal field), so a CRM never leaves half a batch behind, and the workflow or Flow
that sent it shows the admin why. HubSpot's webhook subscriptions are the exception:
HubSpot retries any 4xx up to ten times and shows nobody the answer, so an event that can
never succeed (a value that does not map, an owner nobody has) is skipped, listed in the
200 answer with why, and logged once. Then each record, by its CRM id
(``external_id``):

- new: submitted as a deal (the policy's ``defaults`` fill what the record lacks);
- known and changed: a new revision, as ``PATCH /api/deals/{id}`` makes one;
- known and unchanged (a retry, or a change to fields dealdesk does not map): nothing.

The owner may be an email: Slack is asked which user has it (users.lookupByEmail).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import SecretStr, ValidationError

from bot.core.errors import InvalidTerms, InvalidTransition, UserInputError
from bot.core.secrets import NamedSecret
from bot.intake import api as intake
from bot.intake import errors
from bot.intake.records import (
    Ignored,
    Item,
    NotARecord,
    PropertyChange,
    Record,
    is_event_batch,
    items,
)
from bot.interactions.deps import ServeDeps
from bot.slack.gateway import SlackTrouble
from bot.web.signatures import (
    DEALDESK_SIGNATURE,
    BadSignature,
    verify_dealdesk,
    verify_hubspot,
)
from bot.workflow import revise_deal
from bot.workflow.revise import merged_terms
from policies.crm_mapping import (
    Crm,
    Mapped,
    Problem,
    coerce,
    fields_of_property,
    id_paths,
    is_email,
    map_record,
)
from policies.crm_mapping import Mapping as IntakeMapping
from policies.deal import DealTerms, field_errors
from policies.vocabulary import API_ACTOR, RevisionSource
from store import repositories as repo
from store.models import Deal

log = logging.getLogger(__name__)

CRM_NAMES: dict[Crm, str] = {"hubspot": "HubSpot", "salesforce": "Salesforce"}


@dataclass(frozen=True)
class CrmRequest:
    method: str
    uris: list[str]
    """The addresses the request may have been signed for (HubSpot signs the URI)."""
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Unit:
    """One deal's worth of a request: a record, or a HubSpot deal's property changes."""

    what: str
    """How errors name it: ``record 2``, ``HubSpot deal 1234``."""
    external_id: str | None
    values: dict[str, Any]
    sources: dict[str, str]
    deal: Deal | None = None
    problems: list[Problem] = field(default_factory=list)


async def receive(deps: ServeDeps, crm: Crm, request: CrmRequest) -> Answer:
    mapping = deps.policies.current.policy.intake.mapping(crm)
    if mapping is None:
        raise errors.ApiDisabled(
            f"{CRM_NAMES[crm]} intake is not set up: add intake.{crm} to the policy "
            "(docs/intake.md shows how), then run dealdesk policy apply"
        )
    authenticate(crm, mapping, request, deps.api_token, deps.secret, deps.clock.now())
    body = intake.parse_json(request.body, "the record")
    try:
        found, batch = items(crm, body)
    except NotARecord as error:
        problem = {"field": "deal", "crm_field": "", "message": str(error)}
        raise errors.InvalidRecords([problem], str(error)) from None
    units, ignored = await _read(deps, crm, mapping, found)
    await _resolve_owners(deps, units)
    _check(units)
    if crm == "hubspot" and is_event_batch(body):
        units, skipped = _skip_what_cannot_succeed(units)
        ignored += skipped
    problems = [
        {"record": u.what, "field": p.field, "crm_field": p.crm_field, "message": p.message}
        for u in units
        for p in u.problems
    ]
    if problems:
        raise errors.InvalidRecords(problems)
    stored = await _store(deps, units, batch)
    deal_ids = [deal_id for deal_id, _ in stored if deal_id is not None]
    deals = dict(zip(deal_ids, await intake.deals_json(deps, deal_ids), strict=True))
    results = [
        {**outcome, "deal": deals[deal_id]} if deal_id is not None else outcome
        for deal_id, outcome in stored
    ]
    for result in results:
        deps.metrics.crm_records.labels(crm=crm, outcome=result["outcome"]).inc()
        if result["outcome"] == "created":
            deps.metrics.deals_submitted.inc()
    ignored_json = [{"outcome": "ignored", "what": i.what, "reason": i.reason} for i in ignored]
    for _ in ignored:
        deps.metrics.crm_records.labels(crm=crm, outcome="ignored").inc()
    if not batch:
        [result] = results
        return Answer(201 if result["outcome"] == "created" else 200, result)
    return Answer(200, {"results": results + ignored_json})


def authenticate(
    crm: Crm,
    mapping: IntakeMapping,
    request: CrmRequest,
    api_token: SecretStr | None,
    named_secret: NamedSecret,
    now: datetime,
) -> None:
    """HubSpot: its v3 signature with the app's client secret. Salesforce: the intake
    API's bearer token, or ``X-Dealdesk-Signature`` with the shared secret."""
    secret_env = mapping.secret_env
    secret = named_secret(secret_env) if secret_env else ""
    try:
        if crm == "hubspot":
            if not secret:
                raise errors.ApiDisabled(
                    f"{secret_env} is not set: set it to the HubSpot app's client secret "
                    "(intake.hubspot.secret_env names it) and restart dealdesk serve"
                )
            verify_hubspot(secret, request.method, request.uris, request.headers, request.body, now)
        elif DEALDESK_SIGNATURE in request.headers and secret:
            verify_dealdesk(secret, request.headers, request.body, now)
        elif "Authorization" in request.headers or not secret:
            intake.authorize(api_token, request.headers.get("Authorization"))
        else:
            raise errors.Unauthorized(
                "send 'Authorization: Bearer <DEALDESK_API_TOKEN>', or sign the body with "
                f"{DEALDESK_SIGNATURE} and the secret in {secret_env}"
            )
    except BadSignature as error:
        raise errors.Unauthorized(str(error)) from None


async def _read(
    deps: ServeDeps, crm: Crm, mapping: IntakeMapping, found: list[Item]
) -> tuple[list[Unit], list[Ignored]]:
    """Each record through the mapping, and the deals they are (or are not yet)."""
    units: list[Unit] = []
    ignored = [item for item in found if isinstance(item, Ignored)]
    changes: dict[str, list[PropertyChange]] = {}
    for item in found:
        if isinstance(item, PropertyChange):
            changes.setdefault(item.object_id, []).append(item)
    records = [item for item in found if isinstance(item, Record)]
    plain = [map_record(item.data, mapping, crm, with_defaults=False) for item in records]
    wanted = [m.external_id for m in plain if m.external_id] + list(changes)
    async with deps.db.read() as session:
        deals = await repo.deals_by_external_id(session, wanted)
    for item, mapped in zip(records, plain, strict=True):
        external_id = mapped.external_id
        deal = deals.get(external_id) if external_id else None
        if deal is None:  # a new deal: the mapping's defaults fill what the record lacks
            mapped = map_record(item.data, mapping, crm, with_defaults=True)
        unit = _unit(f"record {item.index}", mapped, deal)
        if external_id is None:
            where = " or ".join(id_paths(mapping, crm))
            unit.problems.append(
                Problem(
                    "external_id",
                    where,
                    f"the record has no {where}: map external_id under "
                    f"intake.{crm}.fields to the field holding the CRM's id",
                )
            )
        units.append(unit)
    for object_id, events in changes.items():
        deal = deals.get(object_id)
        if deal is None:
            ignored += [
                Ignored(
                    f"event {e.event_id} (deal.propertyChange)",
                    f"no deal came in for HubSpot deal {object_id} yet",
                )
                for e in events
            ]
            continue
        unit, unmapped = _changed(object_id, mapping, events, deal)
        ignored += unmapped
        if unit.values or unit.problems:
            units.append(unit)
    return units, ignored


def _skip_what_cannot_succeed(units: list[Unit]) -> tuple[list[Unit], list[Ignored]]:
    """Subscription events whose deal fields have problems: skipped with why (a retry
    would fail the same way), logged once, as HubSpot will not send them again."""
    kept = [unit for unit in units if not unit.problems]
    skipped = [
        Ignored(unit.what, "; ".join(problem.message for problem in unit.problems))
        for unit in units
        if unit.problems
    ]
    if skipped:
        log.warning(
            "skipped %d HubSpot subscription change(s) that cannot be applied: %s",
            len(skipped),
            "; ".join(f"{item.what}: {item.reason}" for item in skipped),
        )
    return kept, skipped


def _unit(what: str, mapped: Mapped, deal: Deal | None) -> Unit:
    return Unit(what, mapped.external_id, mapped.values, mapped.sources, deal, mapped.problems)


def _changed(
    object_id: str, mapping: IntakeMapping, events: list[PropertyChange], deal: Deal
) -> tuple[Unit, list[Ignored]]:
    """A HubSpot deal's property changes, latest last, as the deal fields they map to."""
    unit = Unit(f"HubSpot deal {object_id}", object_id, {}, {}, deal)
    unmapped: list[Ignored] = []
    for event in sorted(events, key=lambda e: e.occurred_at):
        targets = fields_of_property(mapping, event.name)
        if not targets:
            what = f"event {event.event_id} (deal.propertyChange)"
            unmapped.append(Ignored(what, f"{event.name} is not mapped to a deal field"))
        for deal_field, path in targets:
            try:
                unit.values[deal_field] = coerce(deal_field, event.value)
                unit.sources[deal_field] = path
            except ValueError as error:
                unit.problems.append(
                    Problem(deal_field, path, f"{path} is {event.value!r}: {error}")
                )
    return unit, unmapped


async def _resolve_owners(deps: ServeDeps, units: list[Unit]) -> None:
    """An owner given as an email becomes the Slack user with that email."""
    for unit in units:
        owner = unit.values.get("owner")
        if not isinstance(owner, str) or not is_email(owner):
            continue
        try:
            user = await deps.gateway.user_by_email(owner)
        except SlackTrouble as trouble:
            raise errors.SlackUnavailable(
                f"Slack did not answer who has the email {owner} ({trouble.error}); send the "
                "record again in a minute"
            ) from None
        if user is None:
            source = unit.sources.get("owner", "owner")
            unit.problems.append(
                Problem(
                    "owner",
                    source,
                    f"{source} is {owner!r}, and no one in the Slack workspace has that email; "
                    "use the account executive's Slack email",
                )
            )
        else:
            unit.values["owner"] = user


def _check(units: list[Unit]) -> None:
    """Each unit's values as a whole deal: a new one's, or its deal's with them written over."""
    for unit in units:
        if unit.problems:
            continue
        try:
            if unit.deal is None:
                DealTerms.model_validate(unit.values)
            else:
                merged_terms(unit.deal, unit.values)
        except ValidationError as error:
            unit.problems += _located(unit, field_errors(error))
        except InvalidTerms as invalid:
            unit.problems += _located(unit, invalid.errors)
        except UserInputError as error:
            unit.problems += _located(unit, [(error.field, error.message)])


def _located(unit: Unit, errors: list[tuple[str, str]]) -> list[Problem]:
    located = []
    for deal_field, message in errors:
        source = unit.sources.get(deal_field, f"(no field maps to {deal_field})")
        located.append(Problem(deal_field, source, f"{source}: {message}"))
    return located


async def _store(
    deps: ServeDeps, units: list[Unit], batch: bool
) -> list[tuple[int | None, dict[str, Any]]]:
    """Create, revise or leave each unit's deal: its id (None: left as it was, finished)
    and the outcome. The new deals are submitted together (bot.workflow.submissions: fifty
    to a transaction); then the changed ones are revised in the order they came."""
    new = [unit for unit in units if unit.deal is None]
    submitted = await asyncio.gather(
        *(deps.submissions.submit(DealTerms.model_validate(u.values), API_ACTOR) for u in new)
    )
    created = {id(unit): each.result for unit, each in zip(new, submitted, strict=True)}
    stored: list[tuple[int | None, dict[str, Any]]] = []
    for unit in units:
        result = created.get(id(unit))
        if result is not None and result.created:
            stored.append((result.deal_id, {"outcome": "created"}))
            continue
        if result is not None:  # the same record twice at once: the other one stored it
            deal_id = result.deal_id
        else:
            assert unit.deal is not None  # every unit without a deal was submitted
            deal_id = unit.deal.id
        stored.append(await _revise(deps, unit, deal_id, batch))
    return stored


async def _revise(
    deps: ServeDeps, unit: Unit, deal_id: int, batch: bool
) -> tuple[int | None, dict[str, Any]]:
    changes = {k: v for k, v in unit.values.items() if k != "external_id"}
    try:
        async with deps.unit_of_work() as uow:
            revised = await revise_deal(uow, deal_id, changes, API_ACTOR, source=RevisionSource.CRM)
    except InvalidTransition as error:
        if not batch:
            raise errors.Conflict(str(error)) from None
        return None, {"outcome": "conflict", "external_id": unit.external_id, "message": str(error)}
    if not revised.changed:
        return deal_id, {"outcome": "unchanged"}
    return deal_id, {"outcome": "revised", "changes": revised.changes}
