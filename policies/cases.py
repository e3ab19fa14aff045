"""Policy test cases: deals and what must hold for them, in a YAML file beside the policy.

A RevOps admin writes, once, "a $600K deal at 12% goes to the CFO, then legal and
finance" and every later change of the policy is held to it (``dealdesk policy test``,
``policy apply``, SIGHUP). The file (CONTRACT.md, policy test file)::

    cases:
      - name: a large deal at 12% goes to the CFO
        deal: {company: TechCorp, acv: 600000, discount: 12}
        expect:
          stages: {Qualification: [sdr], Deal approval: [manager], Reviews: [legal, finance]}
          not: [ceo]
          avatars: {manager: hand_over, finance: approve}
          backups: {manager: cfo}

Every problem is located by line, as a policy's are, and checked against the policy:
an approver or stage the policy does not have is a mistake in the file, not a failing
case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from policies.avatars import Outcome
from policies.deal import DealTerms, field_errors
from policies.model import ApproverId, Policy
from policies.problems import (
    FileProblems,
    PolicyIssue,
    issue_at,
    pydantic_words,
    shown,
    unknown_key,
    unknown_name,
    unreadable,
)
from policies.yaml_lines import Finding, KeyPath, YamlSyntaxError, parse_yaml

OWNER = "U0CASEOWNER"
"""The deal's owner when a case names none (nobody the policy knows)."""
ADMINS = "admins"
"""In ``backups``: nobody is left in line, the admins are asked."""
SUFFIX = ".tests.yml"


class CaseFileError(FileProblems):
    """A test file that cannot be used; ``issues`` holds every problem, sorted by line."""


class Expect(BaseModel):
    """What must hold for a case's deal; every key is optional."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    stages: dict[str, list[ApproverId]] | None = None
    """Every stage the deal goes through, in order, with the approvals routed in it;
    a stage not named must be skipped."""
    not_: list[ApproverId] = Field(default=[], alias="not")
    """Approvers the deal must not be routed to."""
    avatars: dict[ApproverId, Outcome] = {}
    """What each avatar decides (an advising avatar: what it recommends)."""
    quorum: dict[ApproverId, str] = {}
    """A group member's group, as shown on the card: ``2 of 3``, ``all 3``, ``any 1 of 3``."""
    backups: dict[ApproverId, ApproverId] = {}
    """Where the approval would move if its holder does not decide (an avatar: hands
    over): the first in line who may hold it, or ``admins`` when nobody is left."""
    kept: list[ApproverId] | None = None
    """With ``was``: the people whose earlier sign-off the revision keeps (everyone else
    routed is asked again)."""


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    deal: dict[str, Any]
    """Deal JSON fields (CONTRACT.md); ``owner`` may be left out."""
    was: dict[str, Any] | None = None
    """The deal as it was signed off, when ``deal`` is a revision of it."""
    expect: Expect


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: Annotated[list[Any], Field(min_length=1)]


@dataclass(frozen=True)
class PolicyCase:
    """One case, its deal validated, and where it is written."""

    name: str
    terms: DealTerms
    was: DealTerms | None
    expect: Expect
    source: str
    line: int | None


def case_files_for(policy_path: Path, policy: Policy) -> list[Path]:
    """The test files of the policy at ``policy_path``: those its ``tests:`` lists
    (relative to the policy's folder), else ``<name>.tests.yml`` or ``policy.tests.yml``
    beside it when one exists."""
    folder = policy_path.parent
    if policy.tests:
        return [folder / name for name in policy.tests]
    for candidate in (folder / f"{policy_path.stem}{SUFFIX}", folder / f"policy{SUFFIX}"):
        if candidate.is_file():
            return [candidate]
    return []


def load_cases_file(path: Path, policy: Policy) -> list[PolicyCase]:
    """Read and check the cases in ``path`` against ``policy``; raises CaseFileError."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = unreadable(error, "test", "write it beside the policy, as policy.tests.yml")
        raise CaseFileError(source, [PolicyIssue("", None, problem)]) from None
    return load_cases_text(text, policy, source)


def load_cases_text(text: str, policy: Policy, source: str = "<tests>") -> list[PolicyCase]:
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as error:
        raise CaseFileError(source, [PolicyIssue("", error.line, error.message)]) from None
    lines, data = parsed.lines, parsed.data
    findings = list(parsed.findings)
    if not isinstance(data, dict):
        findings.append(Finding((), "a test file is a mapping with `cases:`, a list of cases"))
        raise CaseFileError(source, [issue_at(finding, lines) for finding in findings])
    try:
        written = _File.model_validate(data)
    except ValidationError as error:
        findings += [_finding(item) for item in error.errors(include_url=False)]
        raise CaseFileError(source, [issue_at(finding, lines) for finding in findings]) from None
    cases, valid = [], []
    for index, item in enumerate(written.cases):  # each case on its own: every problem at once
        at: KeyPath = ("cases", index)
        try:
            case = Case.model_validate(item)
        except ValidationError as error:
            findings += [_finding(e, at) for e in error.errors(include_url=False)]
            continue
        valid.append((index, case))
        terms = _terms(case.deal, (*at, "deal"), findings)
        was = _terms(case.was, (*at, "was"), findings) if case.was is not None else None
        findings += _against_policy(case, policy, at)
        if terms is not None and (case.was is None or was is not None):
            cases.append(PolicyCase(case.name, terms, was, case.expect, source, lines.line_of(at)))
    findings += _same_names(valid)
    if findings:
        raise CaseFileError(source, [issue_at(finding, lines) for finding in findings])
    return cases


def _terms(deal: dict[str, Any], at: KeyPath, findings: list[Finding]) -> DealTerms | None:
    try:
        return DealTerms.model_validate({"owner": OWNER, **deal})
    except ValidationError as error:
        for item, (_, message) in zip(
            error.errors(include_url=False), field_errors(error), strict=True
        ):
            if item["type"] in _NUMBER_ERRORS:
                message = f"expected a number, not {shown(item['input'])}"
            else:
                message = pydantic_words(message, item["input"])
            findings.append(Finding((*at, *item["loc"]), message))
        return None


def _against_policy(case: Case, policy: Policy, at: KeyPath) -> list[Finding]:
    """Names in ``expect`` the policy does not have."""
    expect, found = case.expect, []
    ids = list(policy.approvers)
    stages = [stage.name for stage in policy.stages]
    grouped = {
        member
        for stage in policy.stages
        for rule in stage.approvals
        if rule.group is not None
        for member in rule.members
    }

    def approver(path: KeyPath, value: str) -> None:
        if value not in policy.approvers:
            found.append(Finding((*at, "expect", *path), unknown_name("approver", value, ids)))

    for name, routed in (expect.stages or {}).items():
        if name not in stages:
            found.append(
                Finding((*at, "expect", "stages", name), unknown_name("stage", name, stages))
            )
        for n, value in enumerate(routed):
            approver(("stages", name, n), value)
    for n, value in enumerate(expect.not_):
        approver(("not", n), value)
    for value in expect.avatars:
        approver(("avatars", value), value)
        known = policy.approvers.get(value)
        if known is not None and known.avatar is None:
            found.append(
                Finding((*at, "expect", "avatars", value), f"{value} has no avatar in the policy")
            )
    for value, words in expect.quorum.items():
        approver(("quorum", value), value)
        if value in policy.approvers and value not in grouped:
            found.append(
                Finding((*at, "expect", "quorum", value), f"{value} is in no group of the policy")
            )
        elif not words.strip():
            found.append(Finding((*at, "expect", "quorum", value), "write the quorum as 2 of 3"))
    for value, backup in expect.backups.items():
        approver(("backups", value), value)
        if backup != ADMINS or ADMINS in policy.approvers:
            approver(("backups", value), backup)
    for n, value in enumerate(expect.kept or []):
        approver(("kept", n), value)
    if expect.kept is not None and case.was is None:
        found.append(
            Finding((*at, "expect", "kept"), "`kept` needs `was:`, the deal as it was signed off")
        )
    return found


def _same_names(cases: list[tuple[int, Case]]) -> list[Finding]:
    seen: set[str] = set()
    found = []
    for index, case in cases:
        if case.name in seen:
            found.append(
                Finding(("cases", index, "name"), f"another case is named {case.name!r} already")
            )
        seen.add(case.name)
    return found


_NUMBER_ERRORS = frozenset(
    {"decimal_parsing", "decimal_type", "int_parsing", "int_type", "int_from_float"}
)

_ALLOWED: dict[str, list[str]] = {
    "": list(_File.model_fields),
    "case": list(Case.model_fields),
    "expect": ["stages", "not", "avatars", "quorum", "backups", "kept"],
}


def _finding(error: ErrorDetails, at: KeyPath = ()) -> Finding:
    loc: KeyPath = (*at, *(part for part in error["loc"] if part != "[key]"))
    kind, value = error["type"], error["input"]
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        where = "expect" if "expect" in loc else "case" if loc[:1] == ("cases",) else ""
        return Finding(loc, unknown_key(field, _ALLOWED[where]))
    if kind == "missing":
        hints = {
            "cases": "; list the cases under cases:, each with name, deal and expect",
            "deal": "; give the deal's fields, as in deal: {company: Acme, acv: 50000}",
            "expect": "; say what must hold, as in expect: {not: [cfo]}",
        }
        return Finding(loc, f"`{field}` is required{hints.get(field, '')}")
    if kind == "enum":
        words = ", ".join(outcome.value for outcome in Outcome)
        return Finding(loc, f"{shown(value)} is not an avatar outcome; write one of {words}")
    if kind == "string_pattern_mismatch":
        return Finding(loc, f"{shown(value)} is not an approver id, such as cfo or vp_sales")
    if kind in ("dict_type", "model_type"):
        return Finding(loc, f"expected a mapping (indented `key: value` lines), not {shown(value)}")
    if kind == "list_type":
        return Finding(loc, f"expected a list, such as [a, b], not {shown(value)}")
    if kind == "too_short" and field == "cases":
        return Finding(loc, "`cases` is empty; add at least one case")
    return Finding(loc, pydantic_words(error["msg"], value))
