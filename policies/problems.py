"""The words of a problem in a YAML file a person wrote (a policy, a scenario).

One home for what every such file's loader says: where the problem is (key path and
line), how a value reads back to its author, an unknown key or name with the closest
one suggested, and why a file could not be read.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policies.yaml_lines import Finding, LineMap, format_path


@dataclass(frozen=True)
class PolicyIssue:
    """One problem (or warning) in a file: a policy's or a scenario's."""

    path: str
    """Key path such as ``stages[1].approvals[0].approver``; "" for the whole file."""
    line: int | None
    """1-based line in the file, when known."""
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        return ": ".join([*where, *([self.path] if self.path else []), self.message])


class FileProblems(Exception):
    """A file that cannot be used; ``issues`` holds every problem, sorted by line."""

    def __init__(self, source: str, issues: Iterable[PolicyIssue]) -> None:
        self.source = source
        self.issues = by_line(issues)
        super().__init__(source)

    def __str__(self) -> str:
        count = len(self.issues)
        head = f"{self.source}: {count} problem{'' if count == 1 else 's'}"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])


def by_line(issues: Iterable[PolicyIssue]) -> list[PolicyIssue]:
    return sorted(issues, key=lambda issue: issue.line or 0)


def issue_at(finding: Finding, lines: LineMap) -> PolicyIssue:
    """A finding placed on its line (its own, else its key's)."""
    line = finding.line if finding.line is not None else lines.line_of(finding.path)
    return PolicyIssue(format_path(finding.path), line, finding.message)


def unreadable(error: OSError | UnicodeDecodeError, what: str, missing_hint: str) -> str:
    """Why the ``what`` file (policy, scenario) could not be read, and what to do;
    ``missing_hint`` says where to start when there is no such file."""
    if isinstance(error, UnicodeDecodeError):
        return f"is not UTF-8 text (byte {error.start}); save the file as UTF-8"
    if isinstance(error, FileNotFoundError):
        return f"no such file; {missing_hint}"
    if isinstance(error, IsADirectoryError):
        return f"this is a directory; give the path of the {what}'s .yml file"
    if isinstance(error, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {error.strerror or error}"


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    return f"unknown key {key!r}" + (f" (keys here: {', '.join(allowed)})" if allowed else "")


def unknown_name(kind: str, value: object, names: Sequence[str]) -> str:
    """``unknown avatar 'x'; did you mean 'y'? (avatars: …)`` for a value of a closed set."""
    close = difflib.get_close_matches(value, names, n=1) if isinstance(value, str) else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} {shown(value)}{hint} ({kind}s: {', '.join(names)})"


def shown(value: object) -> str:
    """A value as its author wrote it in YAML."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def pydantic_words(message: str, value: object) -> str:
    """pydantic's own message, with "Input" replaced by the value it means."""
    return message.replace("Input", shown(value), 1) if message.startswith("Input ") else message
