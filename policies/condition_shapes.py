"""What conditions that differ only in their literals share: one checked syntax tree.

``industry == 'T1'`` and ``industry == 'T2'`` have one shape, ``industry == <str>``:
a 10,000-territory policy parses and type-checks it once, not 10,000 times. Two keys
find a shape:

- the *tree key*, from the parsed tree's literals (every condition has one);
- the *text key*, read from the text alone with a small tokenizer for the plain cases
  (names, operators, quoted text without escapes, decimal numbers), so a condition of a
  known shape is not even parsed. A text key is trusted only once Python's own parser
  has read a text of that key to the same literals (:func:`remember` after
  :func:`same_literals`); anything the tokenizer does not know gives no text key.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import NamedTuple

MAX_SHAPES = 4096
"""Distinct shapes remembered per key; a policy has a handful, so this bounds the odd case."""


@dataclass(frozen=True, slots=True)
class Shape:
    tree: ast.Expression
    """The condition's tree with literals as names ``_0``, ``_1``, … in written order."""
    fields: frozenset[str]


SHAPES: dict[bytes, Shape] = {}
QUICK: dict[str, Shape] = {}


def remember(shapes: dict[bytes, Shape] | dict[str, Shape], key: bytes | str, shape: Shape) -> None:
    if len(shapes) >= MAX_SHAPES:
        shapes.clear()
    shapes[key] = shape  # type: ignore[index]


def literals_of(tree: ast.Expression) -> list[ast.Constant]:
    """The tree's literals in the order they are written."""
    return sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.Constant)),
        key=lambda node: (node.lineno, node.col_offset),
    )


def shape_key(text: str, literals: list[ast.Constant]) -> bytes | None:
    """``text`` with each literal replaced by its kind: ``industry == 'T1'`` and
    ``industry == 'T2'`` share ``industry == <str>``. None for a condition over several
    lines (not worth sharing). Offsets are in UTF-8 bytes, as the parser counts them."""
    if "\n" in text:
        return None
    source = text.encode()
    parts, at = [], 0
    for node in literals:
        if node.end_col_offset is None:
            return None
        parts += [source[at : node.col_offset], b"\0", _literal_kind(node.value), b"\0"]
        at = node.end_col_offset
    parts.append(source[at:])
    return b"".join(parts)


def _literal_kind(value: object) -> bytes:
    """What the type check sees of a literal: 15 and 15.5 are both numbers."""
    if isinstance(value, bool):
        return b"bool"
    if isinstance(value, int | float):
        return b"number"
    return type(value).__name__.encode()


class Placeholders(ast.NodeTransformer):
    """Literals become names ``_0``, ``_1``, … in the order they are written."""

    def __init__(self, literals: list[ast.Constant]) -> None:
        self.index = {id(node): number for number, node in enumerate(literals)}

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.copy_location(ast.Name(f"_{self.index[id(node)]}", ast.Load()), node)


class TextKey(NamedTuple):
    key: str
    values: tuple[object, ...]


_TOKENS = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<text>'[^'\\\n{}]*'|\"[^\"\\\n{}]*\")"
    r"|(?P<number>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?![\w.]))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<operator>==|!=|<=|>=|[<>+\-*/%(),\[\]])"
)


def read(text: str) -> TextKey | None:
    """The text key and literals of a plain condition; None for anything else (escapes,
    prefixed or adjoining strings, other number forms, other characters)."""
    parts: list[str] = []
    values: list[object] = []
    at, previous = 0, ""
    for token in _TOKENS.finditer(text):
        kind = token.lastgroup
        if token.start() != at or kind is None:
            return None
        at, piece = token.end(), token.group()
        if kind == "text":
            if previous in ("name", "text", "number"):
                return None  # f'…', 'a' 'b', 1'x': Python reads these otherwise
            parts.append("\0s")
            values.append(piece[1:-1])
        elif kind == "number":
            parts.append("\0n")
            values.append(float(piece) if "." in piece else int(piece))
        else:
            parts.append(piece)
        if kind != "space":
            previous = kind
    if at != len(text):
        return None
    return TextKey("".join(parts), tuple(values))


def raw_values(literals: list[ast.Constant]) -> tuple[object, ...]:
    return tuple(node.value for node in literals)


def same_literals(read_values: tuple[object, ...], parsed: tuple[object, ...]) -> bool:
    """The same values of the same types (``1 == 1.0 == True`` does not count)."""
    return len(read_values) == len(parsed) and all(
        type(a) is type(b) and a == b for a, b in zip(read_values, parsed, strict=True)
    )
