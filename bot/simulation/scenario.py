"""A simulation scenario: deals submitted at given moments, and how each person answers.

The format (policies/examples/scenarios/techcorp.yml is the full example)::

    name: TechCorp enterprise deal
    policy: ../revops.yml        # optional, relative to this file
    start: 2026-11-17T17:30:00Z  # optional, with its time zone; default: now
    deals:
      - at: 0s                   # after start
        deal: {company: TechCorp, acv: 500000, owner: U0SARAH}
        responses:               # by policy approver id; `after` their card arrived
          cfo: {after: 5m, decision: approve, comment: Strategic account}
          legal: silent          # or leave them out: unscripted people stay silent

A person without a response never answers: their approval waits until its SLA passes
and moves along the backup chain, as it would in Slack. Loading checks the whole file
and reports every problem with its key path and line (see bot.simulation.scenario_file).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.workflow.decide import REASON_REQUIRED
from policies.deal import DealTerms
from policies.duration import format_duration, parse_duration
from policies.vocabulary import Decision

ZERO = timedelta(0)
MAX_OFFSET = timedelta(days=366)
"""Longer than any SLA chain worth simulating; keeps times far from datetime's limits."""

SILENT = "silent"
_ZERO_TEXT = re.compile(r"0+[smhdw]?")


def _offset(value: Any) -> Any:
    """``0s``/``5m``/``1h30m`` (zero allowed, unlike an SLA) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return ZERO
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} has no unit; write it as {int(value)}s, {int(value)}m or {int(value)}h"
        )
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 0s, 5m, 1h or 2d")
    if _ZERO_TEXT.fullmatch(value.strip().lower()):
        return ZERO
    try:
        parsed = parse_duration(value)
    except OverflowError:
        parsed = MAX_OFFSET * 2
    if parsed > MAX_OFFSET:
        raise ValueError(f"{value!r} is too long; at most {format_duration(MAX_OFFSET)}")
    return parsed


Offset = Annotated[
    timedelta,
    BeforeValidator(_offset),
    PlainSerializer(format_duration, return_type=str),
]
"""A moment after something else: ``0s``, ``90s``, ``5m``, ``1h30m``, ``2d``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Strict):
    """A person's scripted answer to an approval card, ``after`` the card arrived."""

    after: Offset
    decision: Decision
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)] | None = None

    @model_validator(mode="after")
    def _reason_given(self) -> Answer:
        if not self.comment and self.decision in REASON_REQUIRED:
            raise ValueError(
                f"decision {self.decision.value} needs a `comment`, as in Slack: "
                f"{REASON_REQUIRED[self.decision]}"
            )
        return self


class ScenarioDeal(_Strict):
    at: Offset = ZERO
    """When the deal is submitted, after the scenario's start."""
    deal: DealTerms
    responses: dict[str, Answer | None] = {}
    """Approver id → their answer; None (written ``silent``) means they never answer."""

    @field_validator("responses", mode="before")
    @classmethod
    def _silent(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: None if isinstance(answer, str) and answer.strip() == SILENT else answer
                for key, answer in value.items()
            }
        return value

    def answer_for(self, approver_id: str) -> Answer | None:
        return self.responses.get(approver_id)


class Scenario(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    policy: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    """The policy file, relative to the scenario file."""
    start: AwareDatetime | None = None
    deals: Annotated[list[ScenarioDeal], Field(min_length=1)]
