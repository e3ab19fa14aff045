"""``when`` conditions: parsed and type-checked when a policy loads, evaluated by simpleeval.

A condition is a Python-style boolean expression over the deal's fields
(``acv > 250000 or discount > 15``, ``industry in ['Finance', 'Healthcare']``).
simpleeval evaluates it in a sandbox (no attribute access, no imports, no ``eval``).
Before that, :func:`compile_condition` walks the syntax tree and checks every name
and every operator against the field types in :data:`policies.deal.CONDITION_FIELDS`,
so a typo or ``industry > 5`` is an error when the policy is loaded, not when a deal
arrives.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from simpleeval import EvalWithCompoundTypes

from policies import condition_shapes as shapes
from policies.deal import CONDITION_FIELDS


class ConditionError(ValueError):
    """A condition that does not parse, names an unknown field or mixes types."""


class Kind(Enum):
    NUMBER = "a number"
    TEXT = "text"
    BOOL = "true/false"
    LIST = "a list"


_FIELD_KINDS: dict[str, Kind] = {
    name: Kind.BOOL if kind is bool else Kind.TEXT if kind is str else Kind.NUMBER
    for name, kind in CONDITION_FIELDS.items()
}

_FUNCTIONS: dict[str, tuple[tuple[Kind, ...], Kind, Callable[..., Any]]] = {
    "lower": ((Kind.TEXT,), Kind.TEXT, lambda s: s.lower()),
    "upper": ((Kind.TEXT,), Kind.TEXT, lambda s: s.upper()),
    "len": ((Kind.TEXT,), Kind.NUMBER, lambda s: Decimal(len(s))),
    "abs": ((Kind.NUMBER,), Kind.NUMBER, abs),
    "min": ((Kind.NUMBER, Kind.NUMBER), Kind.NUMBER, min),
    "max": ((Kind.NUMBER, Kind.NUMBER), Kind.NUMBER, max),
}

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)
_MEMBERSHIP = (ast.In, ast.NotIn)
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod)


_FUNCTION_TABLE = {name: spec[2] for name, spec in _FUNCTIONS.items()}


class _Names(dict[str, object]):
    """A deal's facts, and the literals of the condition being evaluated: its shared
    tree reads them as ``_0``, ``_1``, … (no field starts with ``_``)."""

    literals: tuple[object, ...] = ()

    def __missing__(self, name: str) -> object:
        if name[:1] == "_" and name[1:].isdigit():
            return self.literals[int(name[1:])]
        raise KeyError(name)


class DealFacts:
    """A deal's facts, ready to test many conditions against: routing tests every rule
    of the policy, and setting up simpleeval's evaluator costs more than one test."""

    def __init__(self, facts: Mapping[str, object]) -> None:
        self.names = _Names({name: _exact(value) for name, value in facts.items()})
        self.evaluator = EvalWithCompoundTypes(names=self.names, functions=_FUNCTION_TABLE)


@dataclass(frozen=True, slots=True)
class Condition:
    """A checked condition, ready to evaluate against a deal's facts.

    ``tree`` is shared by every condition of the same shape (``industry == 'T1'`` and
    ``industry == 'T2'``), its literals replaced by ``_0``, ``_1``, …; ``literals`` are
    this condition's. A 10,000-territory policy keeps one tree, not 10,000."""

    source: str
    tree: ast.Expression = field(compare=False, repr=False)
    fields: frozenset[str] = field(compare=False, default=frozenset())
    literals: tuple[object, ...] = field(compare=False, repr=False, default=())

    def evaluate(self, facts: Mapping[str, object] | DealFacts) -> bool:
        """True when the deal matches. Raises ConditionError if arithmetic fails (``x / 0``)."""
        ready = facts if isinstance(facts, DealFacts) else DealFacts(facts)
        ready.names.literals = self.literals
        try:
            return bool(ready.evaluator.eval(self.source, previously_parsed=self.tree.body))
        except (ArithmeticError, InvalidOperation) as error:
            raise ConditionError(
                f"condition {self.source!r} could not be evaluated: {error}"
            ) from error

    def comparisons(self) -> tuple[Condition, ...]:
        """Each comparison inside the condition as a condition of its own (``discount > 15``
        of ``acv > 250000 or discount > 15``): the thresholds a change of the deal can cross."""
        found = [
            node for node in ast.walk(ast.parse(self.source, mode="eval")) if _is_threshold(node)
        ]
        return tuple(compile_condition(ast.unparse(node)) for node in found)

    def __str__(self) -> str:
        return self.source


def _is_threshold(node: ast.AST) -> bool:
    """A comparison that reads a field (``True == custom_terms`` aside, any will do)."""
    return isinstance(node, ast.Compare) and any(
        isinstance(part, ast.Name) and part.id not in _BOOL_WORDS for part in ast.walk(node)
    )


def compile_condition(source: str) -> Condition:
    """Parse and type-check ``source``.

    Raises ConditionError saying what is wrong and how to fix it.
    """
    text = source.strip()
    if not text:
        raise ConditionError(
            "the condition is empty; remove `when` to always require this approval"
        )
    quick = shapes.read(text)
    if quick is not None and (known := shapes.QUICK.get(quick.key)) is not None:
        return Condition(text, known.tree, known.fields, tuple(map(_exact, quick.values)))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise ConditionError(
            f"{text!r} does not parse{column}: {error.msg}; write comparisons such as "
            "`acv > 250000 and discount <= 15`"
        ) from None
    literals = shapes.literals_of(tree)
    key = shapes.shape_key(text, literals)
    shape = shapes.SHAPES.get(key) if key is not None else None
    if shape is None:
        checker = _TypeChecker()  # on the tree as written, so errors quote it
        kind = checker.visit(tree.body)
        if kind is not Kind.BOOL:
            raise ConditionError(
                f"{text!r} is {kind.value}, not true/false; compare it, for example `{text} > 0`"
            )
        shared = _BoolWords().visit(shapes.Placeholders(literals).visit(tree))
        shape = shapes.Shape(shared, frozenset(checker.names))
        if key is not None:
            shapes.remember(shapes.SHAPES, key, shape)
    if quick is not None and shapes.same_literals(quick.values, shapes.raw_values(literals)):
        shapes.remember(shapes.QUICK, quick.key, shape)  # read as Python read it: trusted
    values = tuple(_exact(node.value) for node in literals)
    return Condition(text, shape.tree, shape.fields, values)


_BOOL_WORDS = {"true": True, "false": False}
"""YAML spells booleans in lower case; conditions accept both spellings."""


def _exact(value: object) -> object:
    """Numbers as Decimal, a deal's and a condition's alike, so ``employees / 2 + acv``
    never mixes floats with money (``15.5`` is read as written, not as binary)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


class _BoolWords(ast.NodeTransformer):
    """Make ``true``/``false`` booleans (YAML's spelling; the literals are placeholders)."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _BOOL_WORDS:
            return ast.copy_location(ast.Constant(_BOOL_WORDS[node.id]), node)
        return node


class _TypeChecker:
    """Infers the kind of each node; raises ConditionError on anything not allowed."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit(self, node: ast.expr) -> Kind:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ConditionError(
                f"`{ast.unparse(node)}` is not allowed in a condition; use fields, numbers, "
                "quoted text, comparisons, and/or/not, + - * / and lists in [ ]"
            )
        kind: Kind = method(node)
        return kind

    def _Name(self, node: ast.Name) -> Kind:
        if node.id in _BOOL_WORDS:
            return Kind.BOOL
        if node.id in _FIELD_KINDS:
            self.names.add(node.id)
            return _FIELD_KINDS[node.id]
        close = difflib.get_close_matches(node.id, list(_FIELD_KINDS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConditionError(
            f"unknown field {node.id!r}{hint} (fields: {', '.join(_FIELD_KINDS)}; "
            "quote text values, as in industry == 'Finance')"
        )

    def _Constant(self, node: ast.Constant) -> Kind:
        value = node.value
        if isinstance(value, bool):
            return Kind.BOOL
        if isinstance(value, int | float):
            return Kind.NUMBER
        if isinstance(value, str):
            return Kind.TEXT
        raise ConditionError(f"`{ast.unparse(node)}` is not a number, text or true/false")

    def _List(self, node: ast.List | ast.Tuple | ast.Set) -> Kind:
        kinds = {self.visit(item) for item in node.elts}
        if len(kinds) > 1:
            raise ConditionError(
                f"`{ast.unparse(node)}` mixes kinds of values; keep a list to one kind"
            )
        return Kind.LIST

    _Tuple = _List
    _Set = _List

    def _BoolOp(self, node: ast.BoolOp) -> Kind:
        for value in node.values:
            self._expect(value, Kind.BOOL, "and/or join true/false parts")
        return Kind.BOOL

    def _UnaryOp(self, node: ast.UnaryOp) -> Kind:
        if isinstance(node.op, ast.Not):
            self._expect(node.operand, Kind.BOOL, "`not` applies to true/false")
            return Kind.BOOL
        if isinstance(node.op, ast.USub | ast.UAdd):
            self._expect(node.operand, Kind.NUMBER, "a sign applies to numbers")
            return Kind.NUMBER
        raise ConditionError(f"`{ast.unparse(node)}` is not allowed in a condition")

    def _BinOp(self, node: ast.BinOp) -> Kind:
        if not isinstance(node.op, _ARITHMETIC):
            raise ConditionError(f"`{ast.unparse(node)}`: only + - * / % are allowed")
        self._expect(node.left, Kind.NUMBER, "arithmetic needs numbers")
        self._expect(node.right, Kind.NUMBER, "arithmetic needs numbers")
        return Kind.NUMBER

    def _Compare(self, node: ast.Compare) -> Kind:
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            self._check_comparison(left, op, right)
            left = right
        return Kind.BOOL

    def _check_comparison(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> None:
        left_kind, right_kind = self.visit(left), self.visit(right)
        shown = _Shown(left, op, right)  # unparsed only for a message: most conditions pass
        if isinstance(op, _MEMBERSHIP):
            if right_kind is Kind.LIST:
                items = (
                    {self.visit(item) for item in right.elts}
                    if isinstance(right, ast.List | ast.Tuple | ast.Set)
                    else set()
                )
                if items and items != {left_kind}:
                    raise ConditionError(
                        f"{shown} looks for {left_kind.value} in a list of {items.pop().value}"
                    )
                return
            if left_kind is Kind.TEXT and right_kind is Kind.TEXT:
                return
            raise ConditionError(
                f"{shown}: `in` needs a list (such as ['A', 'B']) or text on the right"
            )
        if isinstance(op, _ORDERING + _EQUALITY):
            if left_kind is not right_kind or left_kind is Kind.LIST:
                raise ConditionError(
                    f"{shown} compares {left_kind.value} with {right_kind.value}"
                    + ("; quote text values" if Kind.TEXT in (left_kind, right_kind) else "")
                )
            if isinstance(op, _ORDERING) and left_kind is not Kind.NUMBER:
                raise ConditionError(f"{shown}: < and > compare numbers only")
            return
        raise ConditionError(f"{shown}: use ==, !=, <, <=, >, >=, in or not in")

    def _Call(self, node: ast.Call) -> Kind:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        spec = _FUNCTIONS.get(name)
        if spec is None or node.keywords:
            raise ConditionError(
                f"`{ast.unparse(node)}`: {name!r} is not an available function "
                f"(available: {', '.join(_FUNCTIONS)})"
            )
        params, result, _ = spec
        if len(node.args) != len(params):
            raise ConditionError(f"`{ast.unparse(node)}`: {name} takes {len(params)} argument(s)")
        for arg, expected in zip(node.args, params, strict=True):
            self._expect(arg, expected, f"{name} takes {expected.value}")
        return result

    def _expect(self, node: ast.expr, kind: Kind, why: str) -> None:
        found = self.visit(node)
        if found is not kind:
            raise ConditionError(f"`{ast.unparse(node)}` is {found.value}; {why}")


@dataclass(frozen=True)
class _Shown:
    """A comparison as written, for an error message."""

    left: ast.expr
    op: ast.cmpop
    right: ast.expr

    def __str__(self) -> str:
        op = _OP_TEXT.get(type(self.op), "?")
        return f"`{ast.unparse(self.left)} {op} {ast.unparse(self.right)}`"


_OP_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
