"""A deal enters review: stored, routed under today's policy, its first stage started."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.core.errors import UserInputError
from bot.core.events import DealSubmitted
from bot.core.uow import UnitOfWork
from bot.workflow.progress import advance
from bot.workflow.results import SubmitResult
from bot.workflow.terms import apply_terms, terms_json
from policies.conditions import ConditionError
from policies.deal import DealTerms
from policies.model import Policy
from policies.routing import Plan, build_plan
from policies.vocabulary import DealStatus, RevisionSource, deal_ref
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
    plan = route(current.policy, terms)
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
        uow.track_new_deal(deal)
    else:
        # Two submissions of one CRM id at once (PostgreSQL, two processes): the unique
        # constraint stops the second; it returns the deal the first one stored.
        try:
            async with uow.session.begin_nested():
                uow.session.add(deal)
                await uow.session.flush()
            uow.track_new_deal(deal)
        except IntegrityError:
            existing = await repo.get_deal_by_external_id(uow.session, terms.external_id)
            if existing is None:
                raise
            return SubmitResult(existing.id, deal_ref(existing.id), False, existing.status)
    repo.add_revision(
        uow.session,
        deal,
        terms_json(terms),
        uow.now,
        source=RevisionSource.SUBMITTED.value,
        actor=actor,
    )
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


def route(policy: Policy, terms: DealTerms) -> Plan:
    """The deal's approval plan; a condition that cannot be evaluated is the deal's problem."""
    try:
        return build_plan(policy, terms)
    except ConditionError as error:
        raise UserInputError("deal", f"the policy could not route this deal: {error}") from None
