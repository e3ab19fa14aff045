"""A policy with its test cases, loaded together: what ``policy test``, ``policy apply``,
SIGHUP and ``policy diff`` run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.case_run import CaseResult, CaseRun, route_words, run_cases
from policies.cases import CaseFileError, PolicyCase, case_files_for, load_cases_file
from policies.loader import LoadedPolicy, load_policy_file


@dataclass(frozen=True)
class PolicySuite:
    loaded: LoadedPolicy
    files: tuple[Path, ...]
    cases: tuple[PolicyCase, ...]

    @property
    def source(self) -> str:
        return self.loaded.source

    @property
    def version(self) -> str:
        return self.loaded.version

    def run(self) -> CaseRun:
        return run_cases(self.loaded.policy, self.cases)

    def to_json(self, run: CaseRun) -> dict[str, Any]:
        return {
            "policy": self.source,
            "version": self.version,
            "files": [str(path) for path in self.files],
            "passed": len(run.results) - len(run.failed),
            "failed": len(run.failed),
            "cases": [result.to_json() for result in run.results],
            "not_exercised": list(run.gaps),
        }


def load_suite(policy_path: Path, tests: list[Path] | None = None) -> PolicySuite:
    """The policy at ``policy_path`` and its cases (``tests``, default the policy's own
    test files). Raises PolicyError or CaseFileError."""
    return suite_of(load_policy_file(policy_path), policy_path, tests)


def suite_of(
    loaded: LoadedPolicy, policy_path: Path, tests: list[Path] | None = None
) -> PolicySuite:
    """``loaded`` (read from ``policy_path``) with its cases; raises CaseFileError."""
    files = tuple(tests or case_files_for(policy_path, loaded.policy))
    cases = tuple(case for path in files for case in load_cases_file(path, loaded.policy))
    return PolicySuite(loaded, files, cases)


def failing_cases(loaded: LoadedPolicy, policy_path: Path) -> list[str]:
    """The policy's failing test cases (none when it has no tests), each named with what
    does not hold; raises CaseFileError when a test file cannot be used."""
    return [
        f"{result.case.name}: {_what_fails(result, with_expected=True)}"
        for result in suite_of(loaded, policy_path).run().failed
    ]


@dataclass(frozen=True)
class CaseChange:
    """A case whose outcome differs between two policies."""

    name: str
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "old": self.old, "new": self.new}


def case_changes(
    old: LoadedPolicy, new: LoadedPolicy, new_path: Path, old_path: Path
) -> list[CaseChange]:
    """The cases (NEW's test files, else OLD's) whose outcome or route differs between
    the policies; raises CaseFileError when a test file does not load against NEW."""
    files = case_files_for(new_path, new.policy) or case_files_for(old_path, old.policy)
    if not files:
        return []
    after = suite_of(new, new_path, files).run()
    try:
        before = suite_of(old, old_path, files).run()
    except CaseFileError as error:
        return [CaseChange("(the test files)", f"do not load: {error.issues[0]}", "load")]
    changes = []
    for was, now in zip(before.results, after.results, strict=True):
        if was.passed == now.passed and was.route == now.route:
            continue
        changes.append(CaseChange(now.case.name, _outcome(was), _outcome(now)))
    return changes


def _outcome(result: CaseResult) -> str:
    if result.error is not None:
        return f"fails: {result.error}"
    route = route_words(result.route)
    if result.passed:
        return f"passes: {route}"
    failed = _what_fails(result, with_expected=False, route=False)
    return f"fails: {route}" + (f" ({failed})" if failed else "")


def _what_fails(result: CaseResult, *, with_expected: bool, route: bool = True) -> str:
    if result.error is not None:
        return result.error
    return "; ".join(
        f"{m.what} is {m.actual}" + (f", not {m.expected}" if with_expected else "")
        for m in result.mismatches
        if route or m.what != "stages"
    )
