"""A deal changes: a new revision (edited, changed by the CRM, a counter-offer accepted,
resubmitted after changes), or taken out of review altogether (withdrawn).

A new revision cancels what was still pending on the old one and routes the deal again
under today's policy. Each sign-off already given is reviewed (policies.watch): it
stands when every change stays within what its approver agreed to, and its approver is
asked again otherwise; avatars decide again on the new values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.core.errors import (
    InvalidTerms,
    InvalidTransition,
    NotAuthorized,
    NotFound,
    UserInputError,
)
from bot.core.events import ApprovalCancelled, CounterResolved, DealRevised
from bot.core.uow import UnitOfWork
from bot.workflow.outcomes import close_deal
from bot.workflow.progress import advance
from bot.workflow.results import SubmitResult
from bot.workflow.submit import route
from bot.workflow.terms import apply_terms, as_text, terms_json, terms_of
from policies.authority import may_act_on_deal
from policies.deal import DealTerms, field_errors
from policies.vocabulary import (
    API_ACTOR,
    ApprovalStatus,
    CounterStatus,
    DealStatus,
    RevisionSource,
    deal_ref,
)
from store import repositories as repo
from store.models import Deal

OPEN = (DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED)
"""A deal that can still change; approved, rejected and withdrawn ones cannot."""


@dataclass(frozen=True)
class RevisionResult:
    deal_id: int
    deal_ref: str
    revision: int
    changed: bool
    """False when the values were the deal's own: nothing was stored."""
    changes: dict[str, list[str]]
    """``{field: [old, new]}`` as text."""
    status: str


async def revise_deal(
    uow: UnitOfWork,
    deal_id: int,
    values: Mapping[str, Any],
    actor: str,
    *,
    source: RevisionSource,
) -> RevisionResult:
    """Change the deal's fields to ``values`` (the fields to change, or all of them).

    Only its owner or an admin may (or the intake API, on its token), only while it is in
    review or sent back; values are checked as a new deal's are, and nothing changes when
    one is wrong. The same values again change nothing (idempotent), whatever the deal's
    status, except a resubmission, which routes the deal again as it is.
    """
    deal = await locked_deal(uow, deal_id)
    policy = uow.policies.current.policy
    if actor != API_ACTOR and not may_act_on_deal(actor, deal.owner, policy.admins):
        raise NotAuthorized(f"Only the deal's owner or a deal desk admin can change {deal.ref}.")
    terms = merged_terms(deal, values)
    before = terms_of(deal)
    if not _changes(before, terms) and source is not RevisionSource.RESUBMITTED:
        return RevisionResult(deal.id, deal.ref, deal.revision, False, {}, deal.status)
    if deal.status not in OPEN:
        raise InvalidTransition(
            f"{deal.ref} is {deal.status.replace('_', ' ')}, so it cannot change any more; "
            "submit a new deal instead."
        )
    await new_revision(uow, deal, terms, actor, source)
    changes = {
        field: [as_text(old), as_text(new)]
        for field, (old, new) in _changes(before, terms_of(deal)).items()
    }
    return RevisionResult(deal.id, deal.ref, deal.revision, True, changes, deal.status)


async def new_revision(
    uow: UnitOfWork, deal: Deal, terms: DealTerms, actor: str, source: RevisionSource
) -> None:
    """Store ``terms`` as the deal's next revision and route it again."""
    current = uow.policies.current
    plan = route(current.policy, terms)
    revision = deal.revision + 1
    routed_before = deal.policy_version
    cancelled = await _cancel_pending(uow, deal, f"{deal.ref} changed: revision {revision}")
    await _supersede_counters(uow, deal, keep=None)
    changes = apply_terms(deal, terms)
    deal.revision = revision
    deal.plan = plan.to_json()
    deal.policy_version = current.version
    deal.status = DealStatus.IN_REVIEW
    deal.stage_index = None
    deal.finished_at = None
    deal.updated_at = uow.now
    repo.add_revision(
        uow.session, deal, terms_json(terms), uow.now, source=source.value, actor=actor
    )
    uow.audit(
        actor,
        "deal_resubmitted" if source is RevisionSource.RESUBMITTED else "deal_revised",
        deal,
        revision=deal.revision,
        source=source.value,
        changes={k: [as_text(v) for v in pair] for k, pair in changes.items()},
        cancelled_approvals=cancelled,
        plan=plan.to_json(),
        **({"policy_version_was": routed_before} if routed_before != current.version else {}),
    )
    uow.emit(DealRevised(deal.id, deal.revision, source.value))
    await advance(uow, deal, current.policy)


async def migrate_deal(uow: UnitOfWork, deal_id: int, actor: str) -> bool:
    """Move a deal in review onto today's policy: routed again as its next revision with
    the same values, so every sign-off the new plan still requires stands and the rest
    are asked for (policies.watch). False when it is on today's version already, or no
    longer in review."""
    deal = await locked_deal(uow, deal_id)
    if deal.status != DealStatus.IN_REVIEW or deal.policy_version == uow.policies.current.version:
        return False
    await new_revision(uow, deal, terms_of(deal), actor, RevisionSource.POLICY)
    return True


async def resubmit_deal(
    uow: UnitOfWork, deal_id: int, terms: DealTerms, actor: str
) -> SubmitResult:
    """Route a deal sent back for changes again, under today's policy (its owner, or an
    admin, sends it back in with the deal form)."""
    deal = await locked_deal(uow, deal_id)
    if not may_act_on_deal(actor, deal.owner, uow.policies.current.policy.admins):
        raise NotAuthorized(f"Only the deal's owner can resubmit {deal_ref(deal.id)}.")
    if deal.status != DealStatus.CHANGES_REQUESTED:
        raise InvalidTransition(
            f"{deal_ref(deal.id)} is {deal.status.replace('_', ' ')}; only a deal sent back "
            "for changes can be resubmitted."
        )
    values = terms.model_dump(exclude={"external_id"} if terms.external_id is None else set())
    result = await revise_deal(uow, deal_id, values, actor, source=RevisionSource.RESUBMITTED)
    return SubmitResult(result.deal_id, result.deal_ref, True, result.status)


async def withdraw_deal(
    uow: UnitOfWork, deal_id: int, actor: str, reason: str | None = None, *, via_api: bool = False
) -> SubmitResult:
    """The owner (or an admin, or the intake API) takes a deal out of review; every pending
    approval ends with who withdrew it and why."""
    deal = await locked_deal(uow, deal_id)
    policy = await uow.policy_for(deal)
    if not via_api and not may_act_on_deal(actor, deal.owner, policy.admins):
        raise NotAuthorized(f"Only the deal's owner can withdraw {deal_ref(deal.id)}.")
    if deal.status not in OPEN:
        raise InvalidTransition(f"{deal_ref(deal.id)} is already {deal.status}.")
    await _supersede_counters(uow, deal, keep=None)
    text = (reason or "").strip() or None
    await close_deal(uow, deal, DealStatus.WITHDRAWN, actor, comment=text)
    return SubmitResult(deal.id, deal_ref(deal.id), False, deal.status)


async def locked_deal(uow: UnitOfWork, deal_id: int) -> Deal:
    deal = await uow.lock_deal(deal_id)
    if deal is None:
        raise NotFound(f"There is no deal {deal_ref(deal_id)}.")
    return deal


def merged_terms(deal: Deal, values: Mapping[str, Any]) -> DealTerms:
    """The deal's terms with ``values`` written over them, checked as a new deal's are;
    InvalidTerms names each bad field. The CRM id stays what it is."""
    if "external_id" in values and values["external_id"] not in (None, deal.external_id):
        raise UserInputError("external_id", "a deal's external_id cannot change")
    current = terms_of(deal).model_dump(mode="json")
    merged = {**current, **values, "external_id": deal.external_id}
    try:
        return DealTerms.model_validate(merged)
    except ValidationError as error:
        raise InvalidTerms(field_errors(error)) from None


def _changes(before: DealTerms, after: DealTerms) -> dict[str, tuple[object, object]]:
    old, new = before.model_dump(), after.model_dump()
    return {name: (old[name], new[name]) for name in old if old[name] != new[name]}


async def _cancel_pending(uow: UnitOfWork, deal: Deal, why: str) -> list[int]:
    cancelled = []
    for pending in await uow.pending_rows(deal):
        pending.status = ApprovalStatus.CANCELLED
        pending.decided_at = uow.now
        pending.decided_by = "system"
        pending.comment = why
        cancelled.append(pending.id)
        uow.emit(ApprovalCancelled(deal.id, pending.id))
    return cancelled


async def _supersede_counters(uow: UnitOfWork, deal: Deal, keep: int | None) -> None:
    """Counter-offers still open on the deal lapse: it changed (or ended) another way."""
    for counter in await repo.list_open_counters(uow.session, deal.id):
        if counter.id == keep:
            continue
        counter.status = CounterStatus.SUPERSEDED
        counter.resolved_at = uow.now
        counter.resolved_by = "system"
        uow.audit("system", "counter_offer_superseded", deal, counter_id=counter.id)
        uow.emit(CounterResolved(deal.id, counter.id, CounterStatus.SUPERSEDED.value))
