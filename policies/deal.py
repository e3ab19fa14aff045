"""The terms of a deal: what a CRM or an account executive submits, and what conditions see."""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

SlackUserId = Annotated[str, StringConstraints(pattern=SLACK_USER_ID.pattern)]

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class DealTerms(BaseModel):
    """The fields of a deal (CONTRACT.md, Deal JSON). Validated at every entry point."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    company: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    acv: Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]
    discount: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] = Decimal(0)
    term_months: Annotated[int, Field(ge=1, le=120)] = 12
    industry: Text = ""
    employees: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    use_case: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    budget_indicated: Annotated[bool, Field(strict=True)] = False
    custom_terms: Annotated[bool, Field(strict=True)] = False
    owner: Annotated[str, StringConstraints(pattern=SLACK_USER_ID.pattern)]

    def facts(self) -> dict[str, object]:
        """The values conditions and avatars see, keyed by the names a policy may use."""
        return {name: getattr(self, name) for name in CONDITION_FIELDS}


CONDITION_FIELDS: dict[str, type] = {
    "acv": Decimal,
    "discount": Decimal,
    "term_months": int,
    "employees": int,
    "industry": str,
    "company": str,
    "use_case": str,
    "budget_indicated": bool,
    "custom_terms": bool,
}
"""Fields a policy's ``when`` may name, with their types (checked when the policy loads)."""


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """One ``(field, message)`` per problem, in words a person submitting a deal understands."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "deal"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(field, list(DealTerms.model_fields), n=1)
            message = f"{field!r} is not a deal field" + (
                f"; did you mean {close[0]!r}?" if close else ""
            )
        elif item["type"] == "missing":
            message = f"{field} is required"
        elif field == "owner" and item["type"] == "string_pattern_mismatch":
            message = (
                "owner must be a Slack user id such as U0SARAH (U or W, then capitals and digits)"
            )
        problems.append((field, message))
    return problems
