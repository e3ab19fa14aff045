"""Loading the policy file: every problem at once, each with its key path, line and a fix.

Three layers look at the file: :mod:`policies.yaml_lines` (syntax, duplicate keys),
:class:`policies.model.Policy` (each value on its own) and :mod:`policies.policy_checks`
(references between approvers, backup loops). All three always run, so an admin sees
every mistake in one go, sorted by line.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from policies.calendar import Calendar, Holidays
from policies.model import ApprovalRule, Approver, AvatarKind, Briefing, Limits, Policy, Stage
from policies.policy_checks import check_references, policy_warnings
from policies.problems import (
    FileProblems,
    PolicyIssue,
    by_line,
    issue_at,
    pydantic_words,
    shown,
    unknown_key,
    unknown_name,
    unreadable,
)
from policies.yaml_lines import Finding, KeyPath, LineMap, YamlSyntaxError, parse_yaml

EXAMPLE = "policies/examples/revops.yml"


class PolicyError(FileProblems):
    """The policy cannot be used; ``issues`` holds every problem, sorted by line."""


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    version: str
    """Hash of the policy's meaning: comments and layout do not change it."""
    content: str
    source: str
    warnings: list[PolicyIssue]
    """Valid, but probably a mistake; worth printing."""


def load_policy_text(text: str, source: str = "<policy>") -> LoadedPolicy:
    """Parse and check a policy. Raises PolicyError listing every problem."""
    with _collector_paused():
        return _load(text, source)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A policy is hundreds of thousands of new objects (nodes, dicts, models) and no
    cycles to collect: the cyclic collector, triggered every 700 allocations, would
    walk them again and again, half the time of loading a 10,000-approver policy. The
    file's size is bounded (policies.yaml_lines.MIN_VALUES), so nothing grows unchecked."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(text: str, source: str) -> LoadedPolicy:
    try:
        parsed = parse_yaml(text, lines=False)
    except YamlSyntaxError as error:
        raise PolicyError(source, [PolicyIssue("", error.line, error.message)]) from None
    data = parsed.data
    if not isinstance(data, dict):
        raise PolicyError(source, [PolicyIssue("", parsed.lines.line_of(()), _not_a_mapping(data))])
    findings = [*parsed.findings, *check_references(data)]
    policy, model_findings = _validate(data)
    covered = {finding.path for finding in findings}  # ours explain better than the model's
    findings += [finding for finding in model_findings if finding.path not in covered]
    if findings or policy is None:
        raise PolicyError(source, _located(findings, text))
    warnings = by_line(_located(policy_warnings(policy), text))
    return LoadedPolicy(policy, policy_version(policy), text, source, warnings)


def _located(findings: Iterable[Finding], text: str) -> list[PolicyIssue]:
    """Findings as issues with their lines. The file is read without a line map (a fifth
    of a large policy's memory), so one is built here, only when a finding needs it."""
    found = list(findings)
    lines = parse_yaml(text).lines if found else LineMap()
    return [issue_at(finding, lines) for finding in found]


def load_policy_file(path: str | Path) -> LoadedPolicy:
    """Read and load a policy file; an unreadable file is a PolicyError too."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = unreadable(error, "policy", f"check the path, or start from {EXAMPLE}")
        raise PolicyError(source, [PolicyIssue("", None, problem)]) from None
    return load_policy_text(text, source)


def bundled_policy_path() -> Path:
    """The example policy shipped with the package (used when DEALDESK_POLICY is unset)."""
    return Path(__file__).with_name("examples") / "revops.yml"


def example_deal(name: str) -> dict[str, Any]:
    """A deal shipped beside the example policy (``examples/deals/<name>.json``), as the
    intake API takes it: the sandbox's ready deals and the tests start from the same one."""
    path = Path(__file__).with_name("examples") / "deals" / f"{name}.json"
    deal: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return deal


def policy_version(policy: Policy) -> str:
    """sha256 of the policy's canonical JSON; its test files are not part of its meaning."""
    # The same data as json.loads(model_dump_json()), a fifth faster for a large policy.
    data = policy.model_dump(mode="json", exclude={"tests"})
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _not_a_mapping(data: object) -> str:
    if data is None:
        return (
            "the policy file is empty; it needs at least name:, approvers: and stages: "
            f"(see {EXAMPLE})"
        )
    return f"a policy is a mapping of keys (name:, approvers:, stages:), not {shown(data)}"


def _validate(data: dict[object, Any]) -> tuple[Policy | None, list[Finding]]:
    try:
        return Policy.model_validate(data), []
    except ValidationError as error:
        return None, [_model_finding(item) for item in error.errors(include_url=False)]
    except RecursionError:
        return None, [Finding((), "a value is nested too deeply; simplify the `when` conditions")]


# --- the model's errors, in the words of the file ---------------------------------------

_NAMED = ("approvers", "calendars")
"""Top-level keys whose entries are named by the policy's author."""

_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    ("calendars", "*"): Calendar,
    ("calendars", "*", "holidays"): Holidays,
    (): Policy,
    ("briefing",): Briefing,
    ("approvers", "*"): Approver,
    ("approvers", "*", "limits"): Limits,
    ("stages", "*"): Stage,
    ("stages", "*", "approvals", "*"): ApprovalRule,
}

_REQUIRED_HINTS = {
    "name": "",
    "approvers": "; define who approves under approvers: (see the example policy)",
    "stages": "; list the stages under stages:, each with a name and approvals",
    "approvals": "; list who approves, as in approvals: [{approver: cfo}]",
    "approver": "; name an approver defined under approvers:, as in approver: cfo",
}

_NON_EMPTY_HINTS = {
    "approvers": "define at least one approver",
    "stages": "add at least one stage",
    "approvals": "add at least one `- approver: ...`, or remove the stage",
}

_NUMBER_ERRORS = frozenset(
    {"decimal_parsing", "decimal_type", "int_parsing", "int_type", "int_from_float"}
    | {"float_parsing", "float_type", "finite_number"}
)


def _model_finding(error: ErrorDetails) -> Finding:
    loc = error["loc"]
    if loc and loc[-1] == "[key]":
        path: KeyPath = tuple(loc[:-1])
        if loc[0] != "approvers":
            return Finding(path, _model_message(error, ()))
        return Finding(path, _approver_id_message(error))
    return Finding(tuple(loc), _model_message(error, tuple(loc)))


def _model_message(error: ErrorDetails, path: KeyPath) -> str:
    kind, value, field = error["type"], error["input"], str(path[-1]) if path else ""
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        return _unknown_key(path)
    if kind == "invalid_key":
        return f"a key must be text, not {shown(value)}"
    if kind == "missing":
        return f"`{field}` is required{_REQUIRED_HINTS.get(field, '')}"
    if kind == "enum" and field == "avatar":
        return unknown_name("avatar", value, [kind.value for kind in AvatarKind])
    if kind == "string_pattern_mismatch":
        return _pattern_message(_field_name(path), value)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping (indented `key: value` lines), not {shown(value)}"
    if kind == "list_type":
        return f"expected a list, such as [a, b] or `- item` lines, not {shown(value)}"
    if kind == "too_short" and field in _NON_EMPTY_HINTS:
        return f"`{field}` is empty; {_NON_EMPTY_HINTS[field]}"
    if kind in _NUMBER_ERRORS:
        return f"expected a number, not {shown(value)}"
    if kind == "string_type":
        return f"expected text, not {shown(value)}"
    if kind.startswith("time_"):
        return f'{shown(value)} is not a time of day; write it quoted as "HH:MM", such as "08:00"'
    return pydantic_words(error["msg"], value)


def _unknown_key(path: KeyPath) -> str:
    parent = tuple(
        "*" if isinstance(part, int) or (index == 1 and path[0] in _NAMED) else str(part)
        for index, part in enumerate(path[:-1])
    )
    model = _MODELS.get(parent)
    return unknown_key(str(path[-1]), list(model.model_fields) if model else [])


def _field_name(path: KeyPath) -> str:
    names = [part for part in path if isinstance(part, str)]
    return names[-1] if names else ""


def _pattern_message(field: str, value: object) -> str:
    if field in ("slack_user", "admins"):
        return (
            f"{shown(value)} is not a Slack user id; use the member id such as U0LISA "
            "(U or W, then capitals and digits; in Slack: profile → ⋮ → Copy member ID)"
        )
    if field.endswith("_channel"):
        return (
            f"{shown(value)} is not a Slack channel id; use the id such as C0DEALDESK, "
            "not the #name (channel details → About, at the bottom)"
        )
    return (
        f"{shown(value)} is not an approver id; use lowercase letters, digits and _, "
        "starting with a letter, such as cfo or vp_sales"
    )


def _approver_id_message(error: ErrorDetails) -> str:
    if error["type"] in ("string_pattern_mismatch", "string_type"):
        return _pattern_message("approvers", error["input"])
    return f"approver id {_model_message(error, ())}"
