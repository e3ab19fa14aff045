"""YAML with line numbers: the data of a policy file and the line of every key path in it.

PyYAML's loaders forget where a value came from and silently keep the last of two
equal keys. Here the file's parse events (``SafeLoader``'s, so no arbitrary objects)
are turned into plain data by hand, recording the line of each key path and reporting
duplicate keys and unusable values as findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from policies.yaml_build import EventBuilder, Finding, KeyPath, LineMap, TooDeep, TooLarge

__all__ = ["Finding", "KeyPath", "LineMap", "ParsedYaml", "YamlSyntaxError", "parse_yaml"]

MIN_VALUES = 50_000
VALUES_PER_LINE = 10
"""A file may expand to ``MIN_VALUES`` values, or ``VALUES_PER_LINE`` per line of it when
that is more: room for any policy as written (a line holds a few values, even in flow
style), while an alias bomb (a few lines expanding to billions) is stopped early."""

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (the wheels are): 2.5 times as fast."""


class YamlSyntaxError(Exception):
    """The text is not YAML at all; carries the line PyYAML stopped at."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class ParsedYaml:
    data: Any
    lines: LineMap
    findings: list[Finding]


def format_path(path: KeyPath) -> str:
    """``("stages", 1, "approvals", 0, "when")`` -> ``stages[1].approvals[0].when``."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_yaml(text: str, *, lines: bool = True) -> ParsedYaml:
    """Parse ``text`` and build its data. Raises YamlSyntaxError when it is not YAML.

    ``lines=False`` leaves the line map empty: a fifth less memory for a large file, and
    a valid file needs none (findings carry their own line either way)."""
    limit = max(MIN_VALUES, VALUES_PER_LINE * (text.count("\n") + 1))
    builder = EventBuilder(limit, lines=lines)
    loader = _LOADER(text)
    try:
        data = builder.run(loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text) from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        char = chr(error.character) if isinstance(error.character, int) else error.character
        raise YamlSyntaxError(
            line, f"the control character {char!r} is not allowed in YAML; delete it"
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(None, f"not valid YAML: {error}") from None
    except TooDeep:
        raise YamlSyntaxError(None, "the file is nested too deeply to be a policy") from None
    except TooLarge:
        raise YamlSyntaxError(
            None,
            f"the file expands to more than {builder.max_values:,} values; "
            "are aliases (*name) nested?",
        ) from None
    finally:
        loader.dispose()
    first: dict[tuple[int | None, str], Finding] = {}
    for finding in builder.findings:  # an alias repeats the findings of what it points to
        first.setdefault((finding.line, finding.message), finding)
    return ParsedYaml(data, builder.lines, list(first.values()))


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "unexpected text"
    where = f" (column {mark.column + 1})" if mark else ""
    context = f", {error.context}" if error.context else ""
    message = f"not valid YAML: {problem}{where}{context}"
    if "tab" in problem or (mark is not None and _char_at(text, mark.line, mark.column) == "\t"):
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        message += "; quote a value that contains ': ', as in title: \"VP: Finance\""
    else:
        message += "; check the indentation and quote text that contains ':' or '#'"
    return YamlSyntaxError(mark.line + 1 if mark else None, message)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column : column + 1] if line < len(lines) else ""
