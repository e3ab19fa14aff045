"""The history bench/briefings.py measures: a generated policy, deals, approvals and a valid
audit chain, written with bulk Core inserts into a fresh SQLite file.

The policy has one avatar (the sdr, qualifying every deal) and ``approvers`` territory
managers, each a person with a 24h SLA, each routed the deals of their territory
(``when: industry == 'Territory 0042'``). Every deal has gone through Qualification
(the avatar approved it at once) and is, or was, with its territory's manager:

- ``approvals`` open deals, one pending approval each, assigned over the last ten
  days (70% within their SLA, 20% overdue, 10% stalled): reminded after 18h,
  escalated after 24h (a manager has no backups), stalled after seven days without
  activity;
- enough deals approved in the last three days to bring the audit log to ``events``
  events, each manager's decision naming the evidence of the card they saw (one
  record per decision, checked by ``dealdesk audit verify``).

Rows are what the workflow writes (bot.workflow): the same statuses, reasons, avatar
recommendations and audit details, and each deal's plan (the rules that applied:
``build_plan`` would also list the territory rules that did not, thousands per deal,
which nothing reads). The audit events are chained with ``store.audit.event_hash``,
exactly as ``append`` chains them, in time order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert

from policies.avatars import run_avatar
from policies.deal import DealTerms
from policies.loader import LoadedPolicy
from policies.model import AvatarKind, Limits
from policies.routing import ALWAYS
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus, DealStatus, deal_ref
from store.audit import GENESIS, event_hash
from store.canonical import canonical_json, format_time
from store.evidence import evidence_hash
from store.models import Approval, AuditEvent, AuditHead, Deal, Evidence, PolicyVersion

SLA = timedelta(hours=24)
REMIND_AFTER = SLA * 0.75
OPEN_AGES = timedelta(days=10)
STALLED = timedelta(days=7)
DECIDED_AGES = timedelta(days=3)
OWNERS_PER_APPROVER = 10
"""One account executive owns the deals of about ten territories."""
MANAGERS_PER_DIRECTOR = 10
"""With ``policy_text(backups=True)``: the territory managers one regional director backs."""
SDR_LIMITS = Limits(qualify_threshold=60)
INSERT_BATCH = 5_000
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London")


def approver_id(number: int) -> str:
    return f"am{number:04d}"


def approver_user(number: int) -> str:
    return f"UB{number:05d}"


def owner_user(number: int) -> str:
    return f"UA{number:05d}"


def director_of(number: int) -> int:
    return 1 + (number - 1) // MANAGERS_PER_DIRECTOR


def director_id(number: int) -> str:
    return f"rd{number:03d}"


def director_user(number: int) -> str:
    return f"UR{number:05d}"


def territory(number: int) -> str:
    return f"Territory {number:04d}"


def policy_text(approvers: int, *, backups: bool = False) -> str:
    """``backups``: every ten managers have a regional director as their backup, so an SLA
    that passes moves the approval instead of escalating it."""
    directors = (approvers + MANAGERS_PER_DIRECTOR - 1) // MANAGERS_PER_DIRECTOR

    def backup(n: int) -> str:
        return f", backups: [{director_id(director_of(n))}]" if backups else ""

    people = "\n".join(
        f"  {approver_id(n)}: {{name: Territory Manager {n:04d}, "
        f"slack_user: {approver_user(n)}, sla: 24h{backup(n)}}}"
        for n in range(1, approvers + 1)
    )
    if backups:
        people += "".join(
            f"\n  {director_id(d)}: {{name: Regional Director {d:03d}, "
            f"slack_user: {director_user(d)}, sla: 24h}}"
            for d in range(1, directors + 1)
        )
    rules = "\n".join(
        f"      - {{approver: {approver_id(n)}, when: \"industry == '{territory(n)}'\"}}"
        for n in range(1, approvers + 1)
    )
    return (
        "name: Briefing benchmark\n"
        "timezone: America/New_York\n"
        "escalation_channel: C0ESCALATE\n"
        "admins: [U0REVOPS]\n"
        "approvers:\n"
        "  sdr: {name: Sarah Chen, avatar: qualification, limits: {qualify_threshold: 60}, "
        "sla: 24h}\n"
        f"{people}\n"
        "stages:\n"
        "  - name: Qualification\n"
        "    approvals:\n"
        "      - approver: sdr\n"
        "  - name: Deal approval\n"
        "    approvals:\n"
        f"{rules}\n"
    )


@dataclass
class Seeded:
    deals: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[datetime, int, str, str, str, str]] = field(default_factory=list)
    """(at, order, deal ref, actor, action, details JSON), chained later in time order."""
    owners: set[str] = field(default_factory=set)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return sum(1 for row in self.approvals if row["status"] == ApprovalStatus.PENDING)


def generate(
    loaded: LoadedPolicy, approvers: int, approvals: int, events: int, now: datetime
) -> Seeded:
    """Open deals first; then approved ones until the log holds ``events`` events."""
    seeded = Seeded()
    rng = random.Random(20261123)
    for _ in range(approvals):
        age = _open_age(rng)
        _deal(seeded, loaded, approvers, rng, now - age, now, decided=None)
    while len(seeded.events) < events:
        age = timedelta(seconds=rng.uniform(3600, DECIDED_AGES.total_seconds()))
        took = timedelta(seconds=rng.uniform(60, 0.9 * min(age, SLA).total_seconds()))
        _deal(seeded, loaded, approvers, rng, now - age, now, decided=took)
    seeded.events.sort(key=lambda event: (event[0], event[1]))
    del seeded.events[events:]
    return seeded


def _open_age(rng: random.Random) -> timedelta:
    """Most approvals are within their SLA; a fifth are overdue, a tenth stalled."""
    draw = rng.random()
    low, high = (60, SLA) if draw < 0.7 else (SLA, STALLED) if draw < 0.9 else (STALLED, OPEN_AGES)
    return timedelta(seconds=rng.uniform(_s(low), _s(high)))


def _s(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _deal(
    seeded: Seeded,
    loaded: LoadedPolicy,
    approvers: int,
    rng: random.Random,
    submitted: datetime,
    now: datetime,
    decided: timedelta | None,
) -> None:
    deal_id = len(seeded.deals) + 1
    number = rng.randint(1, approvers)
    owner = owner_user(1 + (number - 1) // OWNERS_PER_APPROVER)
    seeded.owners.add(owner)
    terms = _terms(deal_id, number, owner)
    manager, rule = approver_id(number), f"industry == '{territory(number)}'"
    plan = [
        {"name": "Qualification", "approvals": [{"approver": "sdr", "reason": ALWAYS}]},
        {"name": "Deal approval", "approvals": [{"approver": manager, "reason": rule}]},
    ]
    for stage in plan:
        stage["not_required"] = []
    sdr_id, manager_row_id = len(seeded.approvals) + 1, len(seeded.approvals) + 2
    recommendation = run_avatar(AvatarKind.QUALIFICATION, terms, SDR_LIMITS).to_json()
    if recommendation["outcome"] != "approve":
        raise AssertionError(f"the sdr avatar would not qualify {terms}")
    sdr_row = _approval(deal_id, sdr_id, 0, "Qualification", "sdr", submitted)
    sdr_row.update(
        assignee=AVATAR_PREFIX + "sdr",
        status=ApprovalStatus.APPROVED,
        reason=ALWAYS,
        decided_by=AVATAR_PREFIX + "sdr",
        decided_at=submitted,
        comment=recommendation["reasoning"],
        recommendation=recommendation,
    )
    row = _approval(deal_id, manager_row_id, 1, "Deal approval", manager, submitted)
    row.update(
        assignee=approver_user(number),
        reason=rule,
        due_at=submitted + SLA,
        remind_at=submitted + REMIND_AFTER,
    )
    ref = deal_ref(deal_id)
    log = _Log(seeded, ref)
    log.add(
        submitted,
        owner,
        "deal_submitted",
        external_id=f"OPP-{deal_id}",
        plan=plan,
        terms=terms.model_dump(mode="json", exclude={"external_id"}),
    )
    log.add(submitted, "system", "stage_started", stage="Qualification", approvals={"sdr": ALWAYS})
    log.assigned(submitted, sdr_row)
    log.decided(submitted, sdr_row)
    log.add(submitted, "system", "stage_started", stage="Deal approval", approvals={manager: rule})
    log.assigned(submitted, row)
    updated = submitted
    finished = None
    if decided is None:
        row["status"] = ApprovalStatus.PENDING
        if now >= row["remind_at"]:
            row["reminded_at"] = row["remind_at"]
            log.add(
                row["remind_at"],
                "system",
                "reminder_sent",
                approval_id=row["id"],
                assignee=row["assignee"],
                due_at=row["due_at"],
            )
        if now >= row["due_at"]:
            row["escalated_at"] = updated = row["due_at"]
            log.add(
                row["due_at"],
                "system",
                "approval_escalated",
                approval_id=row["id"],
                assignee=row["assignee"],
                why="the 24h SLA passed",
            )
    else:
        finished = updated = submitted + decided
        row.update(status=ApprovalStatus.APPROVED, decided_by=row["assignee"], decided_at=finished)
        log.decided(finished, row, evidence=_evidence(seeded, row, terms, submitted))
        log.add(
            finished,
            row["assignee"],
            "deal_approved",
            revision=1,
            because_approval=None,
            comment=None,
            cancelled_approvals=[],
        )
    seeded.approvals += [sdr_row, row]
    seeded.deals.append(
        {
            "id": deal_id,
            "external_id": f"OPP-{deal_id}",
            **terms.model_dump(exclude={"external_id"}),
            "status": DealStatus.IN_REVIEW if finished is None else DealStatus.APPROVED,
            "policy_version": loaded.version,
            "revision": 1,
            "plan": plan,
            "stage_index": 1 if finished is None else None,
            "submitted_at": submitted,
            "updated_at": updated,
            "finished_at": finished,
            "nudged_at": None,
        }
    )


class _Log:
    """One deal's audit events, as bot.workflow records them."""

    def __init__(self, seeded: Seeded, ref: str) -> None:
        self.seeded, self.ref = seeded, ref

    def add(self, at: datetime, actor: str, action: str, **details: Any) -> None:
        events = self.seeded.events
        events.append((at, len(events), self.ref, actor, action, canonical_json(details)))

    def assigned(self, at: datetime, row: dict[str, Any]) -> None:
        self.add(
            at,
            "system",
            "approval_assigned",
            approval_id=row["id"],
            stage=row["stage_name"],
            approver=row["approver"],
            assignee=row["assignee"],
            reason=row["reason"],
            due_at=row["due_at"],
            recommendation=row["recommendation"],
        )

    def decided(self, at: datetime, row: dict[str, Any], evidence: str | None = None) -> None:
        self.add(
            at,
            row["decided_by"],
            "approval_decided",
            approval_id=row["id"],
            stage=row["stage_name"],
            approver=row["approver"],
            assignee=row["assignee"],
            decision="approved",
            comment=row["comment"],
            capacity="assignee",
            **({"evidence": evidence} if evidence is not None else {}),
        )


def _evidence(seeded: Seeded, row: dict[str, Any], terms: DealTerms, shown: datetime) -> str:
    """What the manager's card showed, stored with its hash; the hash, for the decision."""
    facts = canonical_json(
        {"approval_id": row["id"], "terms": terms.model_dump(mode="json"), "stage": "Deal approval"}
    )
    digest = evidence_hash(facts)
    seeded.evidence.append(
        {
            "approval_id": row["id"],
            "deal_id": row["deal_id"],
            "hash": digest,
            "facts": facts,
            "created_at": shown,
        }
    )
    return digest


def _approval(
    deal_id: int, row_id: int, stage_index: int, stage: str, approver: str, at: datetime
) -> dict[str, Any]:
    return {
        "id": row_id,
        "deal_id": deal_id,
        "revision": 1,
        "stage_index": stage_index,
        "stage_name": stage,
        "slot": approver,
        "approver": approver,
        "assignee": "",
        "status": ApprovalStatus.PENDING,
        "reason": "",
        "assigned_at": at,
        "due_at": None,
        "remind_at": None,
        "reminded_at": None,
        "escalated_at": None,
        "decided_by": None,
        "decided_at": None,
        "comment": None,
        "recommendation": None,
        "previous_id": None,
    }


def _terms(deal_id: int, number: int, owner: str) -> DealTerms:
    """Deals the sdr avatar qualifies (budget known, a real use case), of eight sizes."""
    variant = deal_id % 8
    return DealTerms(
        company=f"Company {deal_id}",
        acv=Decimal(40_000 + 35_000 * variant),
        discount=Decimal(variant * 2),
        term_months=12 * (1 + variant % 3),
        industry=territory(number),
        employees=200 + 900 * variant,
        use_case="Replace spreadsheets with one pipeline for the regional sales team",
        budget_indicated=True,
        custom_terms=variant == 7,
        owner=owner,
    )


def write(engine: Engine, loaded: LoadedPolicy, seeded: Seeded, now: datetime) -> None:
    """Insert everything in one transaction, the audit chain hashed as ``append`` does."""
    with engine.begin() as connection:
        write_rows(connection, loaded, seeded, now)


def write_rows(connection: Connection, loaded: LoadedPolicy, seeded: Seeded, now: datetime) -> None:
    """:func:`write` in the caller's transaction (an async engine's ``run_sync``, say)."""
    connection.execute(
        insert(PolicyVersion),
        [
            {
                "version": loaded.version,
                "name": loaded.policy.name,
                "content": loaded.content,
                "created_at": now - OPEN_AGES * 2,
            }
        ],
    )
    for table, rows in (
        (Deal, seeded.deals),
        (Approval, seeded.approvals),
        (Evidence, seeded.evidence),
    ):
        for batch in _batches(rows):
            connection.execute(insert(table), batch)
    seq, prev = 0, GENESIS
    for batch in _batches(seeded.events):
        chained = []
        for at, _, ref, actor, action, details in batch:
            seq += 1
            digest = event_hash(
                seq=seq,
                at=format_time(at),
                deal_id=ref,
                actor=actor,
                action=action,
                details=details,
                policy_version=loaded.version,
                prev_hash=prev,
            )
            chained.append(
                {
                    "seq": seq,
                    "at": at,
                    "deal_id": ref,
                    "actor": actor,
                    "action": action,
                    "details": details,
                    "policy_version": loaded.version,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        connection.execute(insert(AuditEvent), chained)
    connection.execute(insert(AuditHead), [{"id": 1, "seq": seq, "hash": prev}])
    if connection.dialect.name == "postgresql":  # ids were given: the sequences go on after them
        for name in ("deals", "approvals"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {name}))"
            )


def _batches(rows: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), INSERT_BATCH):
        yield rows[start : start + INSERT_BATCH]
