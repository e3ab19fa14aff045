"""Reading a finished run back from the database into a :class:`Report`.

Nothing is taken from the runner's memory but which deals it submitted and the clicks
the engine refused: the timeline is each deal's audit log, the SLA table its approval
rows, so the report shows what is stored, as ``dealdesk audit export`` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url

from bot.core.deps import Deps
from bot.simulation.report import DealReport, Report, Span
from bot.simulation.runner import LateAnswer, SimulatedDeal, SimulationRun
from bot.simulation.scenario_file import LoadedScenario
from bot.simulation.sla import approval_lines, count, waiting
from bot.simulation.timeline import Names, build_timeline
from policies.model import Policy
from policies.vocabulary import deal_ref
from store import repositories as repo
from store.audit import iter_events
from store.models import Approval, Deal

_OUTCOMES = {
    "approved": "approved",
    "rejected": "rejected",
    "changes_requested": "sent back for changes",
    "withdrawn": "withdrawn",
    "in_review": "still in review",
}
_CLOSING = ("deal_approved", "deal_rejected", "deal_changes_requested", "deal_withdrawn")


async def read_report(
    deps: Deps, loaded: LoadedScenario, run: SimulationRun, database_url: str
) -> Report:
    deals = []
    async with deps.db.read() as session:
        for simulated in run.deals:
            deal = await repo.get_deal(session, simulated.deal_id)
            assert deal is not None, "a simulated deal disappeared"
            rows = await repo.list_approvals(session, deal.id)
            events = [event async for event in iter_events(session, deal_ref(deal.id))]
            policy = await deps.policies.get(session, deal.policy_version)
            late = [answer for answer in run.late_answers if answer.deal_id == deal.id]
            deals.append(deal_report(deal, rows, events, policy, simulated, late, run.ended_at))
    return Report(
        scenario=loaded.scenario.name,
        description=loaded.scenario.description,
        scenario_source=loaded.source,
        policy_name=loaded.policy.policy.name,
        policy_version=loaded.policy.version,
        policy_source=str(loaded.policy_path),
        database=make_url(database_url).render_as_string(hide_password=True),
        started_at=run.started_at,
        ended_at=run.ended_at,
        steps=run.steps,
        deals=tuple(deals),
    )


def deal_report(
    deal: Deal,
    rows: Sequence[Approval],
    events: Sequence[dict[str, Any]],
    policy: Policy,
    simulated: SimulatedDeal,
    late: Sequence[LateAnswer],
    ended_at: datetime,
) -> DealReport:
    names = Names(policy)
    lines = approval_lines(rows, events, names, ended_at)
    closing = [event for event in events if event["action"] in _CLOSING]
    decided_at = datetime.fromisoformat(closing[-1]["at"]) if closing else None
    return DealReport(
        ref=deal_ref(deal.id),
        company=deal.company,
        acv=deal.acv,
        discount=deal.discount,
        owner=deal.owner,
        status=deal.status,
        outcome=_OUTCOMES.get(deal.status, deal.status),
        submitted_at=deal.submitted_at,
        decided_at=decided_at,
        cycle_time=Span.of(decided_at - deal.submitted_at) if decided_at else None,
        timeline=build_timeline(events, names, deal.submitted_at, late),
        approvals=lines,
        counts=count(lines, events, len(late)),
        waiting=waiting(lines, deal.submitted_at),
        notes=_notes(deal, rows, names, simulated),
    )


def _notes(
    deal: Deal, rows: Sequence[Approval], names: Names, simulated: SimulatedDeal
) -> tuple[str, ...]:
    notes = []
    if not simulated.created:
        notes.append(
            f"a deal with external_id {deal.external_id} already existed, so it was not "
            "submitted again: this is what the database holds for it"
        )
    responses = simulated.spec.responses
    seen: set[str] = set()
    for row in rows:
        if row.is_avatar or row.approver in seen:
            continue
        seen.add(row.approver)
        who = f"{names.approver(row.approver)} ({row.approver})"
        if row.approver not in responses:
            notes.append(f"{who} has no scripted answer in the scenario, so stayed silent")
        elif responses[row.approver] is None:
            notes.append(f"{who} stayed silent, as scripted")
    return tuple(notes)
