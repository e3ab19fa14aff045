"""The authority an approver's limits state: upper bounds on deal fields.

An avatar approves up to its limits (policies.avatars); a person advised by an avatar
has the same authority written next to their name. Within a bound, a change to the
deal stays inside what the approver agreed to; beyond it, the approver is asked again
(policies.watch).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from policies.avatars import cfo, finance, manager
from policies.avatars.formatting import money, percent
from policies.model import Approver, AvatarKind


@dataclass(frozen=True)
class Cap:
    """``field`` may go up to ``value`` within this approver's authority."""

    field: str
    value: Decimal

    def allows(self, value: object) -> bool:
        return isinstance(value, int | Decimal) and Decimal(value) <= self.value

    def __str__(self) -> str:
        return f"the {shown_value(self.field, self.value)} limit"


_DEFAULT_CAPS: dict[AvatarKind, dict[str, Decimal]] = {
    AvatarKind.FINANCE: {"discount": finance.DEFAULT_MAX_DISCOUNT},
    AvatarKind.CFO: {"discount": cfo.DEFAULT_MAX_DISCOUNT},
    AvatarKind.MANAGER: {"acv": manager.DEFAULT_MAX_ACV},
}
"""What each avatar's rule caps when its limits say nothing (their own defaults)."""


def caps_of(approver: Approver) -> dict[str, Cap]:
    """The approver's bounds by field: the limits written in the policy, else (for an
    avatar, or a person advised by one) the avatar's own defaults."""
    written = {"discount": approver.limits.max_discount, "acv": approver.limits.max_acv}
    defaults = _DEFAULT_CAPS.get(approver.avatar, {}) if approver.avatar else {}
    caps = {}
    for field in ("discount", "acv"):
        value = written[field] if written[field] is not None else defaults.get(field)
        if value is not None:
            caps[field] = Cap(field, value)
    return caps


def shown_value(field: str, value: object) -> str:
    """A deal field's value as people read it: $500,000, 12%, 36 months, yes/no."""
    if field == "acv" and isinstance(value, int | Decimal):
        return money(Decimal(value))
    if field == "discount" and isinstance(value, int | Decimal):
        return percent(Decimal(value))
    if field == "term_months":
        return f"{value} months"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"“{value}”" if isinstance(value, str) else str(value)
