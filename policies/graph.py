"""The policy as a picture, before it is drawn: stages left to right, each approval with
its condition, its avatar and limits and its backup chain, groups with their quorum, the
escalation at the end of every chain; with a deal, the route it takes.

Drawn as Mermaid text (policies.graph_mermaid) or as SVG (policies.graph_svg).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from policies.avatars.formatting import money, percent
from policies.case_run import decides_at_once, handed_over
from policies.deal import DealTerms
from policies.model import ApprovalRule, Approver, Policy
from policies.routing import Plan, Quorum, build_plan


class Taken(StrEnum):
    """With a deal: whether the route goes through a box."""

    UNKNOWN = "unknown"
    """No deal given."""
    TAKEN = "taken"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Hop:
    """One step down a backup chain: ``approver`` gets the approval ``when``."""

    id: str
    approver: str
    title: str
    when: str
    """``no answer in 2h`` or ``hands over beyond its limits``."""
    taken: Taken


@dataclass(frozen=True)
class Box:
    """One approval a stage may ask for."""

    id: str
    approver: str
    title: str
    """``Lisa Wong · cfo``."""
    lines: tuple[str, ...]
    """What decides it: the condition, the avatar and its limits, the SLA."""
    chain: tuple[Hop, ...]
    end: str
    """Why the last in line hands it to the escalation: ``no answer in 24h``, or
    ``hands over beyond its limits``."""
    taken: Taken


@dataclass(frozen=True)
class Group:
    id: str
    quorum: str
    """``2 of 3`` (Quorum.words)."""
    when: str | None
    boxes: tuple[Box, ...]
    taken: Taken


@dataclass(frozen=True)
class Column:
    id: str
    number: int
    name: str
    items: tuple[Box | Group, ...]
    taken: Taken


@dataclass(frozen=True)
class PolicyGraph:
    name: str
    columns: tuple[Column, ...]
    escalation: str
    """Where an approval goes when nobody is left: the escalation channel, or the admins."""
    deal: str | None = None
    """The deal whose route is highlighted."""

    @property
    def boxes(self) -> list[Box]:
        found: list[Box] = []
        for column in self.columns:
            for item in column.items:
                found += item.boxes if isinstance(item, Group) else [item]
        return found


def policy_graph(policy: Policy, deal: DealTerms | None = None) -> PolicyGraph:
    """The graph of ``policy``; with ``deal``, the boxes and hops its route takes."""
    plan = build_plan(policy, deal) if deal is not None else None
    columns = []
    for s, stage in enumerate(policy.stages):
        items: list[Box | Group] = []
        for r, rule in enumerate(stage.approvals):
            if rule.group is None:
                assert rule.approver is not None
                items.append(
                    _box(policy, f"s{s}_{rule.approver}", s, rule, rule.approver, plan, deal)
                )
                continue
            boxes = tuple(
                _box(policy, f"s{s}_g{r}_{member}", s, rule, member, plan, deal, in_group=True)
                for member in rule.members
            )
            items.append(
                Group(
                    f"s{s}_g{r}",
                    _quorum_words(rule),
                    rule.when.source if rule.when is not None else None,
                    boxes,
                    _any_taken(boxes, plan),
                )
            )
        taken = _any_taken(items, plan)
        columns.append(Column(f"s{s}", s + 1, stage.name, tuple(items), taken))
    escalation = (
        f"escalation channel {policy.escalation_channel}"
        if policy.escalation_channel
        else "the admins" + (f" ({', '.join(policy.admins)})" if policy.admins else "")
    )
    return PolicyGraph(policy.name, tuple(columns), escalation, deal.company if deal else None)


def _box(
    policy: Policy,
    box_id: str,
    stage_index: int,
    rule: ApprovalRule,
    approver_id: str,
    plan: Plan | None,
    deal: DealTerms | None,
    *,
    in_group: bool = False,
) -> Box:
    approver = policy.approvers[approver_id]
    lines = []
    if rule.when is not None and not in_group:
        lines.append(f"when {rule.when.source}")
    lines += _how(approver)
    routed = plan is not None and plan.required(stage_index, approver_id) is not None
    taken = Taken.UNKNOWN if plan is None else Taken.TAKEN if routed else Taken.SKIPPED
    handed = (
        handed_over(policy, plan, approver_id, deal)
        if routed and plan is not None and deal is not None
        else []
    )
    chain = []
    holder = approver
    for n, backup_id in enumerate(policy.backup_chain(approver_id), start=1):
        backup = policy.approvers[backup_id]
        hop_taken = (
            Taken.UNKNOWN
            if plan is None
            else (Taken.TAKEN if backup_id in handed else Taken.SKIPPED)
        )
        chain.append(
            Hop(f"{box_id}_{n}", backup_id, _title(backup, backup_id), _why(holder), hop_taken)
        )
        holder = backup
    return Box(
        box_id,
        approver_id,
        _title(approver, approver_id),
        tuple(lines),
        tuple(chain),
        _why(holder),
        taken,
    )


def _how(approver: Approver) -> list[str]:
    lines = []
    if approver.avatar is not None:
        limits = approver.limits.model_dump(exclude_none=True)
        shown = ", ".join(f"{key} {_limit(key, value)}" for key, value in limits.items())
        role = "decides" if decides_at_once(approver) else "advises"
        lines.append(f"avatar {approver.avatar.value} {role}" + (f" · {shown}" if shown else ""))
    if approver.slack_user is not None:
        lines.append(f"SLA {approver.effective_sla}")
    return lines


def _limit(key: str, value: object) -> str:
    """``$250,000`` for an amount, ``15%`` for a discount, the number otherwise."""
    if key.endswith("_acv"):
        return money(Decimal(str(value)))
    if key.endswith("_discount"):
        return percent(Decimal(str(value)))
    return str(value)


def _why(holder: Approver) -> str:
    if decides_at_once(holder):
        return "hands over beyond its limits"
    return f"no answer in {holder.effective_sla}"


def _title(approver: Approver, approver_id: str) -> str:
    return f"{approver.name} · {approver_id}"


def _quorum_words(rule: ApprovalRule) -> str:
    return Quorum(rule.label, tuple(rule.members), rule.needed).words


def _any_taken(items: tuple[Box | Group, ...] | list[Box | Group], plan: Plan | None) -> Taken:
    if plan is None:
        return Taken.UNKNOWN
    return Taken.TAKEN if any(item.taken is Taken.TAKEN for item in items) else Taken.SKIPPED
