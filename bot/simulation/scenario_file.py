"""Loading a scenario file: every problem at once, each with its key path and line.

Built on the policy loader's pieces: :mod:`policies.yaml_lines` reads the YAML with the
line of every key; deals are checked with :class:`policies.deal.DealTerms` in the
words the intake API uses (:func:`policies.deal.field_errors`); responses are checked
against the approvers of the policy the scenario runs under.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.simulation.scenario import Scenario
from bot.simulation.scenario_words import model_message
from policies.deal import DealTerms, field_errors
from policies.loader import LoadedPolicy, PolicyError, bundled_policy_path, load_policy_file
from policies.model import Policy
from policies.problems import FileProblems, PolicyIssue, issue_at, unreadable
from policies.yaml_lines import Finding, KeyPath, YamlSyntaxError, parse_yaml

DEFAULT_SCENARIO = "techcorp.yml"
SCENARIOS = "policies/examples/scenarios/"


def bundled_scenario_path(name: str = DEFAULT_SCENARIO) -> Path:
    """A scenario shipped with the package (the default is the seeds' TechCorp deal)."""
    return bundled_policy_path().parent / "scenarios" / name


class ScenarioError(FileProblems):
    """The scenario cannot run; ``issues`` holds every problem, sorted by line.

    Issues are :class:`policies.problems.PolicyIssue` records (key path, line, message):
    a scenario's problems read exactly like a policy's.
    """


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    source: str
    policy_path: Path
    policy: LoadedPolicy


def load_scenario_file(
    path: str | Path, *, default_policy: Path, policy_override: Path | None = None
) -> LoadedScenario:
    """Read and check a scenario and its policy.

    The policy is ``policy_override``, else the scenario's ``policy:`` (relative to the
    scenario file), else ``default_policy``. Raises ScenarioError or PolicyError.
    """
    source = str(path)
    text = _read(Path(path), source)
    return load_scenario_text(
        text,
        source,
        base=Path(path).parent,
        default_policy=default_policy,
        policy_override=policy_override,
    )


def load_scenario_text(
    text: str,
    source: str,
    *,
    base: Path,
    default_policy: Path,
    policy_override: Path | None = None,
) -> LoadedScenario:
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as error:
        raise ScenarioError(source, [PolicyIssue("", error.line, error.message)]) from None
    data, lines = parsed.data, parsed.lines
    if not isinstance(data, dict):
        problem = "the scenario is empty" if data is None else "a scenario is a mapping of keys"
        hint = "; it needs name: and deals: (see policies/examples/scenarios/techcorp.yml)"
        raise ScenarioError(source, [PolicyIssue("", lines.line_of(()), problem + hint)])
    findings = [*parsed.findings, *_deal_findings(data)]
    scenario, model_findings = _validate(data)
    checked = _checked_deals(data)
    findings += [f for f in model_findings if f.path[:3] not in checked]
    policy_path, policy_finding = _policy_path(data, base, default_policy, policy_override)
    policy: LoadedPolicy | None = None
    policy_error: PolicyError | None = None
    if policy_finding is not None:
        findings.append(policy_finding)
    else:
        try:
            policy = load_policy_file(policy_path)
        except PolicyError as error:
            policy_error = error
        else:
            findings += _response_findings(data, policy.policy)
    if findings or scenario is None:
        raise ScenarioError(source, [issue_at(finding, lines) for finding in findings])
    if policy_error is not None or policy is None:
        raise policy_error or PolicyError(str(policy_path), [])
    return LoadedScenario(scenario, source, policy_path, policy)


def _read(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = unreadable(error, "scenario", "check the path, or start from " + SCENARIOS)
        raise ScenarioError(source, [PolicyIssue("", None, problem)]) from None


def _validate(data: dict[object, Any]) -> tuple[Scenario | None, list[Finding]]:
    try:
        return Scenario.model_validate(data), []
    except ValidationError as error:
        return None, [
            Finding(tuple(item["loc"]), model_message(item))
            for item in error.errors(include_url=False)
        ]


def _raw_deals(data: dict[object, Any]) -> Iterator[tuple[int, dict[object, Any]]]:
    deals = data.get("deals")
    for index, entry in enumerate(deals if isinstance(deals, list) else []):
        if isinstance(entry, dict):
            yield index, entry


def _deal_findings(data: dict[object, Any]) -> Iterator[Finding]:
    """Each deal checked as the intake API checks it, with the same words."""
    for index, entry in _raw_deals(data):
        terms = entry.get("deal")
        path: KeyPath = ("deals", index, "deal")
        if terms is None:
            continue  # the model says `deal` is required
        if not isinstance(terms, dict):
            yield Finding(path, "expected the deal's fields as a mapping (company:, acv:, owner:)")
            continue
        try:
            DealTerms.model_validate(terms)
        except ValidationError as error:
            for field, message in field_errors(error):
                yield Finding((*path, *field.split(".")), message)


def _checked_deals(data: dict[object, Any]) -> set[KeyPath]:
    """Deals _deal_findings checked: the model's errors there would repeat it in worse words."""
    present = (index for index, entry in _raw_deals(data) if entry.get("deal") is not None)
    return {("deals", index, "deal") for index in present}


def _policy_path(
    data: dict[object, Any], base: Path, default: Path, override: Path | None
) -> tuple[Path, Finding | None]:
    if override is not None:
        return override, None
    written = data.get("policy")
    if not isinstance(written, str) or not written.strip():
        return default, None  # absent; a wrong type is the model's to report
    path = (base / written.strip()).resolve()
    if not path.is_file():
        return path, Finding(("policy",), f"no policy file at {path} (relative to the scenario)")
    return path, None


def _response_findings(data: dict[object, Any], policy: Policy) -> Iterator[Finding]:
    """Responses must name people of the policy: avatars decide on their own."""
    ids = list(policy.approvers)
    for index, entry in _raw_deals(data):
        responses = entry.get("responses")
        for key in responses if isinstance(responses, dict) else {}:
            path: KeyPath = ("deals", index, "responses", key)
            approver = policy.approvers.get(key) if isinstance(key, str) else None
            if approver is None:
                close = difflib.get_close_matches(str(key), ids, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield Finding(
                    path,
                    f"{key!r} is not an approver of the policy{hint} (approvers: {', '.join(ids)})",
                )
            elif not approver.is_human:
                yield Finding(
                    path,
                    f"{key!r} ({approver.name}) is an avatar and decides on its own; "
                    "remove this response",
                )
