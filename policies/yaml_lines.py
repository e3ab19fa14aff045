"""YAML with line numbers: the data of a policy file and the line of every key path in it.

PyYAML's loaders forget where a value came from and silently keep the last of two
equal keys. Here the file is composed into nodes (``SafeLoader``, so no arbitrary
objects) and turned into plain data by hand, recording the line of each key path
and reporting duplicate keys and unusable values as findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[object, ...]
"""Keys and list indexes from the top of the file, e.g. ``("stages", 1, "approvals", 0)``."""

MIN_VALUES = 50_000
VALUES_PER_LINE = 10
"""A file may expand to ``MIN_VALUES`` values, or ``VALUES_PER_LINE`` per line of it when
that is more: room for any policy as written (a line holds a few values, even in flow
style), while an alias bomb (a few lines expanding to billions) is stopped early."""

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (the wheels are): 2.5 times as fast."""

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class Finding(NamedTuple):
    """A problem at a key path; ``line`` is filled in from the :class:`LineMap` when None."""

    path: KeyPath
    message: str
    line: int | None = None


class YamlSyntaxError(Exception):
    """The text is not YAML at all; carries the line PyYAML stopped at."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class LineMap:
    """1-based line of each key path: the line of the key (mappings) or of the item (lists)."""

    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor written in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


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


def parse_yaml(text: str) -> ParsedYaml:
    """Compose ``text`` and build its data. Raises YamlSyntaxError when it is not YAML."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
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
    except RecursionError:
        raise YamlSyntaxError(None, "the file is nested too deeply to be a policy") from None
    builder = _Builder(max(MIN_VALUES, VALUES_PER_LINE * (text.count("\n") + 1)))
    if root is None:
        return ParsedYaml(None, builder.lines, [])
    builder.lines.lines[()] = root.start_mark.line + 1
    try:
        data = builder.build(root, ())
    except _TooLarge:
        raise YamlSyntaxError(
            None,
            f"the file expands to more than {builder.max_values:,} values; "
            "are aliases (*name) nested?",
        ) from None
    except RecursionError:
        raise YamlSyntaxError(None, "the file is nested too deeply to be a policy") from None
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


class _TooLarge(Exception):
    pass


class _Builder:
    """Turns a node tree into dicts, lists and scalars, recording lines and findings."""

    def __init__(self, max_values: int) -> None:
        self.max_values = max_values
        self.lines = LineMap()
        self.findings: list[Finding] = []
        self._constructor = SafeConstructor()
        self._active: set[int] = set()
        self._count = 0

    def build(self, node: Node, path: KeyPath, *, merged: bool = False) -> Any:
        self._count += 1
        if self._count > self.max_values:
            raise _TooLarge
        if id(node) in self._active:
            self._find(path, node, "this alias refers to the value it is in; remove the loop")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path, merged=merged)
            if isinstance(node, SequenceNode):
                return self._sequence(node, path, merged=merged)
            value = self._scalar(node, path)
            return None if value is _UNUSABLE else value
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: KeyPath, *, merged: bool) -> dict[object, Any]:
        self._check_tag(node, _MAP_TAG, path)
        result: dict[object, Any] = {}
        merges: list[Node] = []
        first_line: dict[object, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key is _UNUSABLE:
                continue
            line = key_node.start_mark.line + 1
            if key in first_line:
                self._find(
                    (*path, key),
                    key_node,
                    f"duplicate key {key!r} (first on line {first_line[key]}); "
                    "YAML would silently keep only the last one, so remove or rename one",
                )
            first_line.setdefault(key, line)
            self._record((*path, key), line, merged=merged)
            result[key] = self.build(value_node, (*path, key), merged=merged)
        for source in merges:
            self._merge(result, source, path)
        return result

    def _merge(self, result: dict[object, Any], source: Node, path: KeyPath) -> None:
        """``<<: *defaults``: keys written here win over merged ones, as in PyYAML."""
        value = self.build(source, path, merged=True)
        for part in value if isinstance(value, list) else [value]:
            if not isinstance(part, dict):
                self._find(path, source, "`<<` merges a mapping (<<: *name); this is not one")
                continue
            for key, item in part.items():
                result.setdefault(key, item)

    def _sequence(self, node: SequenceNode, path: KeyPath, *, merged: bool) -> list[Any]:
        self._check_tag(node, _SEQ_TAG, path)
        items = []
        for index, item in enumerate(node.value):
            self._record((*path, index), item.start_mark.line + 1, merged=merged)
            items.append(self.build(item, (*path, index), merged=merged))
        return items

    def _scalar(self, node: Node, path: KeyPath) -> Any:
        if node.tag == _STR_TAG:
            return node.value  # most of a policy is text: skip the constructor's bookkeeping
        try:
            return self._constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
            problem = getattr(error, "problem", None) or str(error)
            self._find(path, node, f"unusable value: {problem}; quote it to use it as text")
            return _UNUSABLE

    def _key(self, node: Node, path: KeyPath) -> object:
        if not isinstance(node, ScalarNode):
            self._find(path, node, "a key must be plain text, not a list or mapping")
            return _UNUSABLE
        return self._scalar(node, path)

    def _check_tag(self, node: Node, expected: str, path: KeyPath) -> None:
        if node.tag != expected:
            self._find(path, node, f"the tag {node.tag!r} is not supported in a policy; remove it")

    def _record(self, path: KeyPath, line: int, *, merged: bool) -> None:
        if merged:
            self.lines.lines.setdefault(path, line)
        else:
            self.lines.lines[path] = line

    def _find(self, path: KeyPath, node: Node, message: str) -> None:
        self.findings.append(Finding(path, message, node.start_mark.line + 1))


_UNUSABLE = object()
