"""A deal enters review: submitted, resubmitted after changes, or withdrawn."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.core.errors import InvalidTransition, NotAuthorized, NotFound, UserInputError
from bot.core.events import DealSubmitted
from bot.core.uow import UnitOfWork
from bot.workflow.outcomes import close_deal
from bot.workflow.progress import advance
from bot.workflow.results import SubmitResult
from bot.workflow.terms import apply_terms, terms_json
from policies.authority import may_act_on_deal
from policies.conditions import ConditionError
from policies.deal import DealTerms
from policies.model import Policy
from policies.routing import Plan, build_plan
from policies.vocabulary import DealStatus, deal_ref
from store import repositories as repo
from store.models import Deal


async def submit_deal(uow: UnitOfWork, terms: DealTerms, actor: str) -> SubmitResult:
    """Store the deal, route it under today's policy and start its first stage.

    Idempotent on ``external_id``: the same CRM id again returns the existing deal.
    """
    if terms.external_id is not None:
        existing = await repo.get_deal_by_external_id(uow.session, terms.external_id)
        if existing is not None:
            return SubmitResult(existing.id, deal_ref(existing.id), False, existing.status)
    current = uow.policies.current
    plan = _route(current.policy, terms)
    deal = Deal(
        external_id=terms.external_id,
        status=DealStatus.IN_REVIEW,
        policy_version=current.version,
        revision=1,
        plan=plan.to_json(),
        stage_index=None,
        submitted_at=uow.now,
        updated_at=uow.now,
        finished_at=None,
    )
    apply_terms(deal, terms)
    if terms.external_id is None:
        uow.session.add(deal)
        await uow.session.flush()
        uow.hold(deal)
    else:
        # Two submissions of one CRM id at once (PostgreSQL, two processes): the unique
        # constraint stops the second; it returns the deal the first one stored.
        try:
            async with uow.session.begin_nested():
                uow.session.add(deal)
                await uow.session.flush()
            uow.hold(deal)
        except IntegrityError:
            existing = await repo.get_deal_by_external_id(uow.session, terms.external_id)
            if existing is None:
                raise
            return SubmitResult(existing.id, deal_ref(existing.id), False, existing.status)
    repo.add_revision(uow.session, deal, terms_json(terms), uow.now)
    uow.audit(
        actor,
        "deal_submitted",
        deal,
        external_id=terms.external_id,
        terms=terms_json(terms),
        plan=plan.to_json(),
    )
    uow.emit(DealSubmitted(deal.id, deal.revision))
    await advance(uow, deal, current.policy)
    return SubmitResult(deal.id, deal_ref(deal.id), True, deal.status)


async def resubmit_deal(
    uow: UnitOfWork, deal_id: int, terms: DealTerms, actor: str
) -> SubmitResult:
    """Route a deal sent back for changes again, under today's policy.

    A person's approval from an earlier revision stands where the same approver is still
    required and none of the fields it depends on changed (policies.watch); otherwise it
    is asked again. Avatars decide again (their decision is a function of the values).
    """
    deal = await _locked(uow, deal_id)
    current = uow.policies.current
    if not may_act_on_deal(actor, deal.owner, current.policy.admins):
        raise NotAuthorized(f"Only the deal's owner can resubmit {deal_ref(deal.id)}.")
    if deal.status != DealStatus.CHANGES_REQUESTED:
        raise InvalidTransition(
            f"{deal_ref(deal.id)} is {deal.status.replace('_', ' ')}; only a deal sent back "
            "for changes can be resubmitted."
        )
    if terms.external_id not in (None, deal.external_id):
        raise UserInputError("external_id", "a deal's external_id cannot change on resubmission")
    plan = _route(current.policy, terms)
    changes = apply_terms(deal, terms)
    deal.revision += 1
    deal.plan = plan.to_json()
    deal.policy_version = current.version
    deal.status = DealStatus.IN_REVIEW
    deal.stage_index = None
    deal.updated_at = uow.now
    repo.add_revision(uow.session, deal, terms_json(terms), uow.now)
    uow.audit(
        actor,
        "deal_resubmitted",
        deal,
        revision=deal.revision,
        changes={k: [str(v) for v in pair] for k, pair in changes.items()},
        plan=plan.to_json(),
    )
    uow.emit(DealSubmitted(deal.id, deal.revision))
    await advance(uow, deal, current.policy)
    return SubmitResult(deal.id, deal_ref(deal.id), True, deal.status)


async def withdraw_deal(uow: UnitOfWork, deal_id: int, actor: str) -> SubmitResult:
    """The owner (or an admin) takes a deal out of review; pending approvals are cancelled."""
    deal = await _locked(uow, deal_id)
    policy = await uow.policy_for(deal)
    if not may_act_on_deal(actor, deal.owner, policy.admins):
        raise NotAuthorized(f"Only the deal's owner can withdraw {deal_ref(deal.id)}.")
    if deal.status not in (DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED):
        raise InvalidTransition(f"{deal_ref(deal.id)} is already {deal.status}.")
    await close_deal(uow, deal, DealStatus.WITHDRAWN, actor)
    return SubmitResult(deal.id, deal_ref(deal.id), False, deal.status)


async def _locked(uow: UnitOfWork, deal_id: int) -> Deal:
    deal = await uow.lock_deal(deal_id)
    if deal is None:
        raise NotFound(f"There is no deal {deal_ref(deal_id)}.")
    return deal


def _route(policy: Policy, terms: DealTerms) -> Plan:
    try:
        return build_plan(policy, terms)
    except ConditionError as error:
        raise UserInputError("deal", f"the policy could not route this deal: {error}") from None
