"""A deal enters review: stored, routed under today's policy, its first stage started."""

from __future__ import annotations

from collections.abc import Sequence

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
from store.models import Approval, Deal


async def submit_deal(uow: UnitOfWork, terms: DealTerms, actor: str) -> SubmitResult:
    """Store the deal, route it under today's policy and start its first stage.

    Idempotent on ``external_id``: the same CRM id again returns the existing deal.
    """
    if terms.external_id is not None:
        existing = await repo.get_deal_by_external_id(uow.session, terms.external_id)
        if existing is not None:
            return _existing(existing)
    plan = route(uow.policies.current.policy, terms)
    deal = _new_deal(uow, terms, plan)
    if terms.external_id is None:
        await uow.add_deal(deal)
        await uow.session.flush()  # before its rows: the ORM knows no order between them
    else:
        # Two submissions of one CRM id at once (PostgreSQL, two processes): the unique
        # constraint stops the second; it returns the deal the first one stored.
        try:
            async with uow.session.begin_nested():
                await uow.add_deal(deal)
                await uow.session.flush()
        except IntegrityError:
            existing = await repo.get_deal_by_external_id(uow.session, terms.external_id)
            if existing is None:
                raise
            return _existing(existing)
    return await _start(uow, deal, terms, plan, actor)


async def submit_deals(
    uow: UnitOfWork, submissions: Sequence[tuple[DealTerms, str]]
) -> list[SubmitResult]:
    """Several deals (terms, actor) in one transaction, as :func:`submit_deal` each, written
    together: the CRM ids already stored are looked up in one query, and nothing is
    flushed deal by deal. A CRM id another process stores at the same moment makes the
    commit fail; then submit them one by one (their ``submit_deal`` finds it)."""
    ids = [terms.external_id for terms, _ in submissions if terms.external_id is not None]
    known = await repo.deals_by_external_id(uow.session, ids)
    new = sum(1 for terms, _ in submissions if terms.external_id not in known)
    await uow.reserve(Deal, new)
    await uow.reserve(Approval, new)  # each starts with one row at least
    new_deals: list[tuple[Deal, DealTerms, Plan, str] | SubmitResult] = []
    for terms, actor in submissions:
        existing = known.get(terms.external_id) if terms.external_id is not None else None
        if existing is not None:
            new_deals.append(_existing(existing))
            continue
        plan = route(uow.policies.current.policy, terms)
        deal = await uow.add_deal(_new_deal(uow, terms, plan))
        if terms.external_id is not None:
            known[terms.external_id] = deal
        new_deals.append((deal, terms, plan, actor))
    # The deals first, in one INSERT: the ORM knows no order between a deal and its rows.
    await uow.session.flush()
    return [
        each if isinstance(each, SubmitResult) else await _start(uow, *each) for each in new_deals
    ]


def _new_deal(uow: UnitOfWork, terms: DealTerms, plan: Plan) -> Deal:
    deal = Deal(
        external_id=terms.external_id,
        status=DealStatus.IN_REVIEW,
        policy_version=uow.policies.current.version,
        revision=1,
        plan=plan.to_json(),
        stage_index=None,
        submitted_at=uow.now,
        updated_at=uow.now,
        finished_at=None,
    )
    apply_terms(deal, terms)
    return deal


def _existing(deal: Deal) -> SubmitResult:
    return SubmitResult(deal.id, deal_ref(deal.id), False, deal.status)


async def _start(
    uow: UnitOfWork, deal: Deal, terms: DealTerms, plan: Plan, actor: str
) -> SubmitResult:
    """Record the new deal's first revision and submission, then start its first stage."""
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
    await advance(uow, deal, uow.policies.current.policy)
    return SubmitResult(deal.id, deal_ref(deal.id), True, deal.status)


def route(policy: Policy, terms: DealTerms) -> Plan:
    """The deal's approval plan; a condition that cannot be evaluated is the deal's problem."""
    try:
        return build_plan(policy, terms)
    except ConditionError as error:
        raise UserInputError("deal", f"the policy could not route this deal: {error}") from None
