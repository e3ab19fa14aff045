"""Checks that need the whole policy: references between approvers, backup loops, warnings.

:func:`check_references` reads the raw data of the file, not the validated model, so
its findings are reported together with the model's errors even when those fail.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from policies.model import AvatarKind, Policy
from policies.yaml_lines import Finding, KeyPath

HANDING_AVATARS = frozenset(AvatarKind) - {AvatarKind.QUALIFICATION}
"""Avatars that hand what is beyond their limits to a backup."""

MAX_LOOPS = 10

Backups = dict[str, list[tuple[int, str]]]
"""Each approver's backups that are text, with their index in the list."""


def check_references(data: Mapping[object, Any]) -> list[Finding]:
    """Undefined approvers, self-backups, backup loops and repeated approvers in a stage."""
    approvers = data.get("approvers")
    if not isinstance(approvers, Mapping):
        return []  # the model reports a missing or malformed `approvers`
    ids = [key for key in approvers if isinstance(key, str)]
    backups: Backups = {aid: _strings(_get(approvers[aid], "backups")) for aid in ids}
    return [
        *_stage_findings(data.get("stages"), ids),
        *_backup_findings(backups, ids),
        *_loop_findings(backups, ids),
    ]


def _stage_findings(stages: object, ids: list[str]) -> Iterator[Finding]:
    known = set(ids)
    for s, stage in enumerate(stages if isinstance(stages, list) else []):
        approvals = _get(stage, "approvals")
        first_index: dict[str, int] = {}
        for a, rule in enumerate(approvals if isinstance(approvals, list) else []):
            for name, path in _named_in(rule, ("stages", s, "approvals", a)):
                if name not in known:
                    yield Finding(path, _undefined(name, ids))
                elif name in first_index:
                    yield Finding(
                        path,
                        f"{name!r} is already in this stage (approvals[{first_index[name]}]); "
                        "keep one approval and join the conditions with `or`",
                    )
                first_index.setdefault(name, a)


def _named_in(rule: object, at: KeyPath) -> Iterator[tuple[str, KeyPath]]:
    """The approvers a rule names, with the key path of each: ``approver`` or ``group[i]``."""
    name = _get(rule, "approver")
    if isinstance(name, str):
        yield name, (*at, "approver")
    group = _get(rule, "group")
    for index, member in enumerate(group if isinstance(group, list) else []):
        if isinstance(member, str):
            yield member, (*at, "group", index)


def _backup_findings(backups: Backups, ids: list[str]) -> Iterator[Finding]:
    known = set(ids)
    for owner, entries in backups.items():
        for index, name in entries:
            path: KeyPath = ("approvers", owner, "backups", index)
            if name == owner:
                yield Finding(
                    path, f"{owner!r} lists itself as a backup; name someone who can stand in"
                )
            elif name not in known:
                yield Finding(path, _undefined(name, ids))


def _loop_findings(backups: Backups, ids: list[str]) -> Iterator[Finding]:
    """One finding per loop, at the backups of the loop's first approver in the file."""
    order = {aid: index for index, aid in enumerate(ids)}
    graph = {
        aid: list(dict.fromkeys(name for _, name in entries if name in order and name != aid))
        for aid, entries in backups.items()
    }
    for loop in _simple_cycles(graph, order):
        last, first = loop[-1], loop[0]
        yield Finding(
            ("approvers", first, "backups"),
            f"backup chain loops: {' → '.join([*loop, first])}; remove {first!r} from "
            f"approvers.{last}.backups so the chain ends with someone who does not pass "
            "it back (and set escalation_channel for when it runs out)",
        )


def _simple_cycles(graph: dict[str, list[str]], order: dict[str, int]) -> Iterator[list[str]]:
    """Each loop once, starting at its earliest approver (small graphs, so plain DFS)."""
    found = 0
    for start in sorted(graph, key=order.__getitem__):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack and found < MAX_LOOPS:
            node, path = stack.pop()
            for nxt in reversed(graph.get(node, [])):
                if nxt == start:
                    found += 1
                    yield path
                elif order[nxt] > order[start] and nxt not in path:
                    stack.append((nxt, [*path, nxt]))


def policy_warnings(policy: Policy) -> list[Finding]:
    """Valid, but probably a mistake: approvals with nowhere to go, approvers nobody uses."""
    used = {
        member for stage in policy.stages for rule in stage.approvals for member in rule.members
    }
    used |= {name for approver in policy.approvers.values() for name in approver.backups}
    findings = []
    for aid, approver in policy.approvers.items():
        path: KeyPath = ("approvers", aid)
        if aid not in used:
            findings.append(
                Finding(
                    path,
                    f"{aid!r} is defined but used in no stage and no backup list; "
                    "add it to a stage or to someone's backups, or remove it",
                )
            )
        elif not approver.backups and policy.escalation_channel is None:
            message = _dead_end(policy, aid)
            if message:
                findings.append(Finding(path, message))
    return findings + list(_chains_passed_over(policy))


def _chains_passed_over(policy: Policy) -> Iterator[Finding]:
    """With one person, one approval: a backup chain made only of people always asked in the
    same stage is always passed over, so a timeout there goes straight to the admins."""
    if not policy.one_person_one_approval:
        return
    for s, stage in enumerate(policy.stages):
        always = [m for rule in stage.approvals if rule.when is None for m in rule.members]
        for a, rule in enumerate(stage.approvals):
            for member in rule.members:
                chain = policy.backup_chain(member)
                others = {m for m in always if m != member and policy.approvers[m].is_human}
                if chain and all(backup in others for backup in chain):
                    names = ", ".join(policy.approvers[b].name for b in chain)
                    yield Finding(
                        ("stages", s, "approvals", a),
                        f"every backup of {member!r} ({names}) also approves in "
                        f"{stage.name!r}, so with one_person_one_approval they are passed "
                        "over and a timeout goes to the admins; add a backup outside this stage",
                    )


def _dead_end(policy: Policy, aid: str) -> str | None:
    approver = policy.approvers[aid]
    fix = f"add backups: [{_suggest_backup(policy, aid)}] or set escalation_channel"
    if approver.is_human:
        return (
            f"if {approver.name} does not decide within the SLA "
            f"({approver.effective_sla}), the approval has nowhere "
            f"to go and waits for an admin; {fix}"
        )
    if approver.avatar in HANDING_AVATARS:
        return (
            f"the {approver.avatar} avatar hands deals beyond its limits to its first backup, "
            f"but {aid!r} has none and there is no escalation_channel: what exceeds its limits "
            f"would wait for an admin; {fix}"
        )
    return None


def _suggest_backup(policy: Policy, aid: str) -> str:
    """The first other human, else the first other approver (found without listing them
    all: a policy may have thousands, each asked about)."""
    approvers = policy.approvers
    humans = (other for other in approvers if other != aid and approvers[other].is_human)
    others = (other for other in approvers if other != aid)
    return next(humans, None) or next(others, "someone")


def _undefined(name: str, ids: list[str]) -> str:
    close = difflib.get_close_matches(name, ids, n=1)
    if close:
        return f"{name!r} is not a defined approver; did you mean {close[0]!r}?"
    known = ", ".join(ids) or "none yet"
    return f"{name!r} is not a defined approver; define it under approvers: (defined: {known})"


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, Mapping) else None


def _strings(value: object) -> list[tuple[int, str]]:
    items = value if isinstance(value, list) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, str)]
