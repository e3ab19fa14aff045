"""The scenario model's validation errors, in the words of the scenario file."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from bot.simulation.scenario import SILENT, Answer, Scenario, ScenarioDeal
from policies.problems import pydantic_words, shown, unknown_key, unknown_name
from policies.vocabulary import Decision

_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Scenario,
    ("deals", "*"): ScenarioDeal,
    ("deals", "*", "responses", "*"): Answer,
}

_REQUIRED_HINTS = {
    "deals": "; list the deals to submit under deals:, each with at: and deal:",
    "deal": "; give the deal's fields, as in deal: {company: Acme, acv: 50000, owner: U0SARAH}",
    "after": "; say how long after their card arrives they answer, such as after: 30m",
    "decision": "; one of approve, reject, request_changes",
}

_EXAMPLE_ANSWER = "{after: 30m, decision: approve}"


def model_message(error: ErrorDetails) -> str:
    """One problem of :class:`Scenario` validation as a person fixing the file reads it."""
    loc = tuple(error["loc"])
    kind, value = error["type"], error["input"]
    field = str(loc[-1]) if loc else ""
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "missing":
        return f"`{field}` is required{_REQUIRED_HINTS.get(field, '')}"
    if kind == "enum" and field == "decision":
        return unknown_name("decision", value, [decision.value for decision in Decision])
    if kind == "timezone_aware":
        return "give the time zone too, as in 2026-11-17T17:30:00Z (Z is UTC)"
    if kind.startswith("datetime_"):
        return f"{shown(value)} is not a date and time; write it as 2026-11-17T17:30:00Z"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if _is_response(loc):
            return f"write `{SILENT}`, or an answer such as {_EXAMPLE_ANSWER}, not {shown(value)}"
        return f"expected a mapping (indented `key: value` lines), not {shown(value)}"
    if kind == "list_type":
        return f"expected a list of `- ...` items, not {shown(value)}"
    if kind == "too_short" and field == "deals":
        return "`deals` is empty; add at least one deal"
    if kind == "string_type":
        return f"expected text, not {shown(value)}"
    return pydantic_words(error["msg"], value)


def _is_response(loc: tuple[object, ...]) -> bool:
    return len(loc) == 4 and loc[0] == "deals" and loc[2] == "responses"


def _unknown_key(loc: tuple[object, ...]) -> str:
    parent = tuple("*" if isinstance(part, int) else str(part) for part in loc[:-1])
    if len(parent) == 4 and parent[2] == "responses":
        parent = (*parent[:3], "*")
    model = _MODELS.get(parent)
    return unknown_key(str(loc[-1]), list(model.model_fields) if model else [])
