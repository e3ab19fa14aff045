"""Plain data from PyYAML's parse events, with the line of every key path and findings.

The policy loader's half of :mod:`policies.yaml_lines`: this reads, that words errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

KeyPath = tuple[object, ...]
"""Keys and list indexes from the top of the file, e.g. ``("stages", 1, "approvals", 0)``."""

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class Finding(NamedTuple):
    """A problem at a key path; ``line`` is filled in from the :class:`LineMap` when None."""

    path: KeyPath
    message: str
    line: int | None = None


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


class TooLarge(Exception):
    """More values than the builder was allowed (an alias bomb)."""


class TooDeep(Exception):
    """Mappings and lists nested deeper than ``MAX_DEPTH``."""


MAX_DEPTH = 100
"""Mappings and lists inside each other; a policy needs fewer than ten."""

_NO_KEY = object()
_UNUSABLE = object()
_MERGE = object()
_NOT_A_KEY = "a key must be plain text, not a list or mapping"


@dataclass
class _Anchored:
    """A value with an ``&anchor``: what an alias (``*anchor``) repeats at its own place."""

    start: Any
    """Where it starts (for PyYAML's error about a second anchor of the same name)."""
    is_scalar: bool
    muted: int
    """How many unusable keys were around it: what it records is kept only inside them."""
    prefix: int
    """Length of its key path: what it records is kept relative to it."""
    value: Any = None
    count: int = 0
    records: list[tuple[KeyPath, int, bool]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    done: bool = False


@dataclass
class _Open:
    """A mapping or list being read."""

    value: Any
    """The dict, or the list (``is_list``), filled as its events arrive."""
    path: KeyPath
    merged: bool
    anchor: _Anchored | None
    unmute: bool
    """It stands where a key should: reading it was muted, and closing it ends that."""
    line: int
    key: object = _NO_KEY
    skip_value: bool = False
    is_list: bool = False
    merging: bool = False
    first_line: dict[object, int] = field(default_factory=dict)
    merges: list[tuple[Any, int]] = field(default_factory=list)


class EventBuilder:
    """Turns PyYAML's events into dicts, lists and scalars, recording lines and findings.

    Built from the event stream rather than from composed nodes: nodes and their marks
    would all be alive at once, 65 MB for a 10,000-approver policy, where events are
    dropped as they are read. An alias repeats its anchor's value and replays the lines
    and findings recorded inside it at the alias's place, as PyYAML's composer would.
    """

    def __init__(self, max_values: int, *, lines: bool = True) -> None:
        self.max_values = max_values
        self.lines = LineMap()
        self._lines = lines
        self.findings: list[Finding] = []
        self._loader: Any = None
        self._stack: list[_Open] = []
        self._anchors: dict[str, _Anchored] = {}
        self._recording: list[_Anchored] = []
        self._muted = 0
        self._count = 0
        self._root: Any = None
        self._root_mark: Any = None
        self._plain_tags: dict[str, str] = {}

    def run(self, loader: Any) -> Any:
        self._loader = loader
        loader.get_event()  # the stream's start
        if loader.check_event(StreamEndEvent):
            return None
        loader.get_event()  # the document's start
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                self._scalar(event)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                self._close()
            elif kind is DocumentEndEvent:
                break
            elif kind is AliasEvent:
                self._alias(event)
            else:
                self._open(event)
        if not loader.check_event(StreamEndEvent):
            raise ComposerError(
                "expected a single document in the stream",
                self._root_mark,
                "but found another document",
                _mark(loader.get_event()),
            )
        return self._root

    # --- where a new value goes --------------------------------------------------
    def _place(self, event: NodeEvent, line: int) -> tuple[KeyPath, bool] | None:
        """The key path and merge flag of a value that ``event`` starts; None for a key."""
        self._count += 1
        if self._count > self.max_values:
            raise TooLarge
        if not self._stack:
            self._root_mark = event.start_mark
            self.lines.lines[()] = line
            return (), False
        parent = self._stack[-1]
        if parent.is_list:
            path = (*parent.path, len(parent.value))
            self._record(path, line, merged=parent.merged)
            return path, parent.merged
        if parent.key is _NO_KEY:
            return None
        if parent.skip_value:
            self._muted += 1
        if parent.merging:
            return parent.path, True
        return (*parent.path, parent.key), parent.merged

    def _put(self, value: Any, line: int) -> None:
        """A value read: the root, a list's item, a key or a mapping's value."""
        parent = self._stack[-1] if self._stack else None
        if parent is not None and parent.key is _NO_KEY and not parent.is_list:
            self._take_key(parent, value, line)
            return
        if value is _UNUSABLE:
            value = None
        if parent is None:
            self._root = value
        elif parent.is_list:
            parent.value.append(value)
        else:
            if parent.skip_value:
                self._muted -= 1
            elif parent.merging:
                parent.merges.append((value, line))
            else:
                parent.value[parent.key] = value
            parent.key, parent.skip_value, parent.merging = _NO_KEY, False, False

    def _take_key(self, parent: _Open, key: object, line: int) -> None:
        assert isinstance(parent.value, dict)
        if key is _UNUSABLE:
            parent.key, parent.skip_value = None, True
            return
        if key is _MERGE:
            parent.key, parent.merging = None, True
            return
        path = (*parent.path, key)
        if key in parent.first_line:
            self._find(
                path,
                line,
                f"duplicate key {key!r} (first on line {parent.first_line[key]}); "
                "YAML would silently keep only the last one, so remove or rename one",
            )
        parent.first_line.setdefault(key, line)
        self._record(path, line, merged=parent.merged)
        parent.key = key

    # --- values ------------------------------------------------------------------
    def _scalar(self, event: ScalarEvent) -> None:
        line = int(_mark(event).line) + 1
        place = self._place(event, line)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._resolve(event)
        path = place[0] if place is not None else self._key_path()
        anchor = self._anchor(event, path, True)
        if place is None and tag == _MERGE_TAG:
            value: Any = _MERGE
        elif tag == _STR_TAG:
            value = event.value  # most of a policy is text: no need for the constructor
        else:
            marks: tuple[Any, Any] = (event.start_mark, event.end_mark)
            node = ScalarNode(tag, event.value, *marks, style=event.style)
            value = self._construct(node, path)
        if anchor is not None:
            self._finish(anchor, value)
        self._put(value, line)

    def _resolve(self, event: ScalarEvent) -> str:
        """An untagged scalar's tag: text if quoted, else by its look (remembered per value)."""
        if not event.implicit[0]:
            return _STR_TAG
        tag = self._plain_tags.get(event.value)
        if tag is None:
            tag = self._loader.resolve(ScalarNode, event.value, event.implicit)
            self._plain_tags[event.value] = tag
        return tag

    def _construct(self, node: ScalarNode, path: KeyPath) -> Any:
        try:
            return self._loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
            problem = getattr(error, "problem", None) or str(error)
            message = f"unusable value: {problem}; quote it to use it as text"
            self._find(path, _line(node), message)
            return _UNUSABLE

    def _open(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        if len(self._stack) >= MAX_DEPTH:
            raise TooDeep
        place = self._place(event, _line(event))
        is_mapping = isinstance(event, MappingStartEvent)
        unmute = False
        if place is None:  # a mapping or list where a key should be
            path = self._key_path()
            self._find(path, _line(event), _NOT_A_KEY)
            self._muted += 1
            unmute = True
            place = path, False
        path, merged = place
        expected, kind = (_MAP_TAG, MappingNode) if is_mapping else (_SEQ_TAG, SequenceNode)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._loader.resolve(kind, None, event.implicit)
        if tag != expected:
            message = f"the tag {tag!r} is not supported in a policy; remove it"
            self._find(path, _line(event), message)
        anchor = self._anchor(event, path, False)
        value: dict[object, Any] | list[Any] = {} if is_mapping else []
        opened = _Open(value, path, merged, anchor, unmute, _line(event), is_list=not is_mapping)
        self._stack.append(opened)

    def _close(self) -> None:
        done = self._stack.pop()
        if isinstance(done.value, dict):
            self._merge(done)
        if done.anchor is not None:
            self._finish(done.anchor, done.value)
        if done.unmute:
            self._muted -= 1
            self._put(_UNUSABLE, done.line)  # as a key: its value is skipped
            return
        self._put(done.value, done.line)

    def _merge(self, mapping: _Open) -> None:
        """``<<: *defaults``: keys written here win over merged ones, as in PyYAML."""
        assert isinstance(mapping.value, dict)
        for value, line in mapping.merges:
            for part in value if isinstance(value, list) else [value]:
                if not isinstance(part, dict):
                    self._find(
                        mapping.path, line, "`<<` merges a mapping (<<: *name); this is not one"
                    )
                    continue
                for key, item in part.items():
                    mapping.value.setdefault(key, item)

    def _alias(self, event: AliasEvent) -> None:
        anchored = self._anchors.get(event.anchor or "")
        if anchored is None:
            undefined = f"found undefined alias {event.anchor!r}"
            raise ComposerError(None, None, undefined, _mark(event))
        line = _line(event)
        place = self._place(event, line)
        path, merged = place if place is not None else (self._key_path(), False)
        if not anchored.done:
            self._find(path, line, "this alias refers to the value it is in; remove the loop")
            self._put(_UNUSABLE, line)
            return
        self._count += anchored.count - 1
        if self._count > self.max_values:
            raise TooLarge
        if place is None and not anchored.is_scalar:
            self._find(path, line, _NOT_A_KEY)
            self._put(_UNUSABLE, line)
            return
        for suffix, at, inner_merged in anchored.records:
            self._record((*path, *suffix), at, merged=merged or inner_merged)
        for finding in anchored.findings:
            self._find((*path, *finding.path), finding.line or line, finding.message)
        self._put(anchored.value, line)

    # --- anchors, lines and findings -----------------------------------------------
    def _anchor(self, event: NodeEvent, path: KeyPath, is_scalar: bool) -> _Anchored | None:
        if event.anchor is None:
            return None
        first = self._anchors.get(event.anchor)
        if first is not None:
            raise ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                first.start,
                "second occurrence",
                _mark(event),
            )
        anchored = _Anchored(event.start_mark, is_scalar, self._muted, len(path))
        anchored.count = self._count
        self._anchors[event.anchor] = anchored
        self._recording.append(anchored)
        return anchored

    def _finish(self, anchored: _Anchored, value: Any) -> None:
        anchored.value = value
        anchored.count = self._count - anchored.count + 1
        anchored.done = True
        self._recording.remove(anchored)

    def _key_path(self) -> KeyPath:
        return self._stack[-1].path if self._stack else ()

    def _record(self, path: KeyPath, line: int, *, merged: bool) -> None:
        if not self._lines:  # a valid file needs no line map
            return
        for anchored in self._recording:
            if anchored.muted == self._muted:
                anchored.records.append((path[anchored.prefix :], line, merged))
        if self._muted:
            return
        if merged:
            self.lines.lines.setdefault(path, line)
        else:
            self.lines.lines[path] = line

    def _find(self, path: KeyPath, line: int, message: str) -> None:
        for anchored in self._recording:
            if anchored.muted == self._muted:
                anchored.findings.append(Finding(path[anchored.prefix :], message, line))
        if not self._muted:
            self.findings.append(Finding(path, message, line))


def _mark(item: Event | ScalarNode) -> Any:
    """Where ``item`` starts (libyaml's marks are typed apart from PyYAML's)."""
    return item.start_mark


def _line(item: Event | ScalarNode) -> int:
    """1-based line where a value starts."""
    return int(_mark(item).line) + 1
