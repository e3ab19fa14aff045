"""The authority matrix policy: one YAML file a RevOps admin owns (CONTRACT.md, The policy file).

The models check each value on its own; :mod:`policies.loader` adds the checks that
need the whole file (references between approvers, backup loops) and locates every
problem by key path and line.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from policies.away import OutOfOffice
from policies.calendar import Calendar
from policies.conditions import Condition, compile_condition
from policies.crm_mapping import Intake
from policies.deal import CONDITION_FIELDS, SLACK_USER_ID
from policies.duration import Sla, Span
from policies.quarters import FiscalCalendar, parse_fiscal_start

DEFAULT_HUMAN_SLA = timedelta(hours=24)

SlackUser = Annotated[str, StringConstraints(pattern=SLACK_USER_ID.pattern)]
ChannelId = Annotated[str, StringConstraints(pattern=r"^[CGD][A-Z0-9]{2,}$")]
ApproverId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class AvatarKind(StrEnum):
    """The five automated approvers from the seeds."""

    QUALIFICATION = "qualification"
    MANAGER = "manager"
    LEGAL = "legal"
    FINANCE = "finance"
    CFO = "cfo"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Avatar tuning. Unset values take the avatar's own default (see policies.avatars)."""

    qualify_threshold: Annotated[int, Field(ge=0, le=100)] | None = None
    max_acv: Annotated[Decimal, Field(ge=0)] | None = None
    max_discount: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    strategic_acv: Annotated[Decimal, Field(ge=0)] | None = None


class Approver(_Strict):
    """A person (``slack_user``), an avatar, or a person advised by an avatar."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    title: Annotated[str, StringConstraints(max_length=150)] = ""
    slack_user: SlackUser | None = None
    avatar: AvatarKind | None = None
    limits: Limits = Limits()
    sla: Sla | None = None
    """Wall-clock (``24h``) or business time (``8bh``, ``2bd``) in the approver's calendar."""
    snooze: Sla | None = None
    """How far "I'm on it" pushes this approver's timeout back, once (default half the SLA)."""
    calendar: str | None = None
    """The calendar their business time counts in (default: the policy's ``calendar``)."""
    delegates: list[ApproverId] | Literal["any"] | None = None
    """Who may stand in for them (``/deal delegate``) besides their backups and the admins:
    approver ids, or ``any`` (anyone in the workspace)."""
    backups: list[ApproverId] = []
    avatar_mode: Literal["shadow", "live"] | None = None
    """For a person with an avatar: ``shadow`` (the default) has the avatar decide silently
    beside them, as advice and for ``report avatars``; ``live`` has it decide first, and
    only what exceeds its authority comes to the person."""
    show_recommendation: bool = True
    """Whether the person's card shows their avatar's advice."""

    @model_validator(mode="after")
    def _needs_someone(self) -> Approver:
        if self.slack_user is None and self.avatar is None:
            raise ValueError(
                "has neither `slack_user` nor `avatar`; give the person's Slack user id "
                "(slack_user: U0LISA) or an avatar (avatar: finance)"
            )
        if self.avatar_mode is not None and (self.slack_user is None or self.avatar is None):
            raise ValueError(
                "has `avatar_mode`, which is for a person with an avatar (both `slack_user` "
                "and `avatar`); remove it, or give them both"
            )
        return self

    @property
    def avatar_live(self) -> bool:
        """A person whose avatar decides first (``avatar_mode: live``)."""
        return (
            self.slack_user is not None and self.avatar is not None and self.avatar_mode == "live"
        )

    @property
    def shadowed(self) -> bool:
        """A person whose avatar decides silently beside them (the default)."""
        return self.slack_user is not None and self.avatar is not None and not self.avatar_live

    @property
    def is_human(self) -> bool:
        """A human gets the card; an avatar-only approver decides at once."""
        return self.slack_user is not None

    @property
    def effective_sla(self) -> Span:
        return self.sla or Span(wall=DEFAULT_HUMAN_SLA)

    @property
    def effective_snooze(self) -> Span:
        return self.snooze or self.effective_sla.scaled(0.5)

    @property
    def display(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


def _condition(value: Any) -> Condition | None:
    if value is None or isinstance(value, Condition):
        return value
    if isinstance(value, bool | int | float):
        raise ValueError(f"`when` must be an expression such as `acv > 250000`, not {value!r}")
    if not isinstance(value, str):
        raise ValueError("`when` must be an expression such as `acv > 250000`")
    return compile_condition(value)


class ApprovalRule(_Strict):
    """One approval a stage may require; ``when`` absent means always.

    It names one ``approver``, or a ``group`` of them of whom ``quorum`` must approve
    (``any``, ``all`` or a number; default ``all``): each member gets a card, with their
    own SLA, reminders and backups. One rejection rejects the deal, unless ``reject:
    quorum``: then it takes as many rejections as make the quorum impossible.

    ``watch`` names the deal fields whose change asks the approver again on a new
    revision (policies.watch); absent, the fields the stage's conditions and the
    approver's avatar read.
    """

    approver: ApproverId | None = None
    group: list[ApproverId] | None = None
    quorum: Literal["any", "all"] | Annotated[int, Field(ge=1)] = "all"
    reject: Literal["any", "quorum"] = "any"
    when: Annotated[
        Condition | None,
        PlainSerializer(lambda c: c.source if c else None, return_type=str | None),
    ] = None
    watch: list[str] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _one_approver_or_a_group(self) -> ApprovalRule:
        if (self.approver is None) == (self.group is None):
            raise ValueError(
                "name one `approver: id`, or a `group: [id, id, …]` with a `quorum` "
                "(any, all or a number), not both"
            )
        if self.group is not None:
            if len(set(self.group)) != len(self.group):
                raise ValueError("a group lists each approver once")
            if isinstance(self.quorum, int) and self.quorum > len(self.group):
                raise ValueError(
                    f"quorum {self.quorum} is larger than the group ({len(self.group)} "
                    f"member{'s' if len(self.group) != 1 else ''}); it could never be met"
                )
        elif self.quorum != "all" or self.reject != "any":
            raise ValueError("`quorum` and `reject` go with a `group`, not with one approver")
        return self

    @property
    def members(self) -> list[str]:
        """Who this rule asks: the approver, or every member of the group."""
        return [self.approver] if self.approver is not None else list(self.group or [])

    @property
    def needed(self) -> int:
        """How many of the members must approve."""
        if self.quorum == "any":
            return 1
        if self.quorum == "all":
            return len(self.members)
        return self.quorum

    @property
    def label(self) -> str:
        """The rule's name in plans and audit: its approver, or ``group:a+b+c``."""
        return self.approver if self.approver is not None else "group:" + "+".join(self.members)

    @field_validator("when", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Condition | None:
        return _condition(value)

    @field_validator("watch")
    @classmethod
    def _deal_fields(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if name not in CONDITION_FIELDS:
                close = difflib.get_close_matches(name, list(CONDITION_FIELDS), n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"{name!r} is not a deal field{hint} (fields: {', '.join(CONDITION_FIELDS)})"
                )
        return value


class Stage(_Strict):
    """Stages run in order; the approvals of one stage run in parallel."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    approvals: Annotated[list[ApprovalRule], Field(min_length=1)]


WebhookEvent = Literal[
    "deal.submitted",
    "approval.decided",
    "deal.approved",
    "deal.rejected",
    "deal.changes_requested",
    "deal.withdrawn",
]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = get_args(WebhookEvent)


class Webhook(_Strict):
    """A receiver of deal events: signed JSON POSTs (bot.webhooks)."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    events: Annotated[list[WebhookEvent], Field(min_length=1)] = list(WEBHOOK_EVENTS)
    secret_env: Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$", max_length=100)]
    """The environment variable holding the signing secret (never the secret itself)."""


class Briefing(_Strict):
    time: time_of_day = time_of_day(8, 0)

    @field_validator("time", mode="before")
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        if isinstance(value, int):  # YAML 1.1 reads 08:00 unquoted as a sexagesimal int
            return time_of_day(value // 60, value % 60) if 0 <= value < 24 * 60 else value
        return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a time zone; use an IANA name such as America/New_York"
        ) from None
    return value


class Policy(_Strict):
    """The whole authority matrix."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=150)]
    timezone: Annotated[str, Field(min_length=1)] = "UTC"
    deal_channel: ChannelId | None = None
    escalation_channel: ChannelId | None = None
    admins: list[SlackUser] = []
    reminder_at: Annotated[float, Field(gt=0, lt=1)] = 0.75
    briefing: Briefing = Briefing()
    stalled_after: Sla = Span(wall=timedelta(days=7))
    """No activity this long makes a deal stalled; business time (``5bd``) counts in the
    policy's calendar."""
    calendars: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")], Calendar] = {}
    """Named working calendars (policies.calendar) that business-time SLAs count in."""
    calendar: str | None = None
    """The calendar of every approver who names none."""
    webhooks: list[Webhook] = []
    """Where deal events go, signed (bot.webhooks)."""
    intake: Intake = Intake()
    """How records from a CRM become deals (policies.crm_mapping, bot.intake)."""
    out_of_office: OutOfOffice = OutOfOffice()
    """Which Slack statuses mean an approver is away (policies.away)."""
    fiscal_year_starts: str = "01-01"
    """MM-DD: the first day of the fiscal year (policies.quarters); the default gives
    calendar quarters."""
    tests: list[Annotated[str, StringConstraints(min_length=1)]] = []
    """Test case files (policies.cases.case_files_for), relative to the policy."""
    one_person_one_approval: bool = True
    """A person holds at most one approval of a deal: reached again (through backups,
    delegation or a group), they are passed over to the next in line."""
    approvers: Annotated[dict[ApproverId, Approver], Field(min_length=1)]
    stages: Annotated[list[Stage], Field(min_length=1)]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value)

    @field_validator("fiscal_year_starts")
    @classmethod
    def _fiscal_start(cls, value: str) -> str:
        parse_fiscal_start(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def fiscal_calendar(self) -> FiscalCalendar:
        return FiscalCalendar.parse(self.fiscal_year_starts)

    @model_validator(mode="after")
    def _calendars_known(self) -> Policy:
        names = list(self.calendars)
        wanted = [("calendar", self.calendar)] + [
            (f"approvers.{aid}.calendar", a.calendar) for aid, a in self.approvers.items()
        ]
        for where, name in wanted:
            if name is not None and name not in self.calendars:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                known = ", ".join(names) or "none are defined under calendars:"
                raise ValueError(f"{where}: unknown calendar {name!r}{hint} (calendars: {known})")
        if self.stalled_after.is_business and self.calendar is None:
            raise ValueError(
                f"stalled_after: {self.stalled_after} counts business time, so it needs the "
                "policy's calendar: (the name of one under calendars:)"
            )
        for aid, approver in self.approvers.items():
            business = [s for s in (approver.sla, approver.snooze) if s and s.is_business]
            if business and self.calendar_of(aid) is None:
                raise ValueError(
                    f"approvers.{aid}: {business[0]} counts business time, so it needs a "
                    "calendar: set calendar: on the approver, or the policy's calendar:"
                )
        return self

    def stalled_since(self, now: datetime) -> datetime:
        """Deals with no activity since this moment are stalled."""
        return self.stalled_after.before(now, self.calendars.get(self.calendar or ""))

    def stand_ins(self, person: str) -> tuple[set[str] | None, list[str]]:
        """Who may hold ``person``'s approvals while they delegate: the Slack users of their
        roles' backup chains and ``delegates``, and the admins (None: anyone, when a role
        says ``delegates: any`` or ``person`` holds no role); and the names of those roles."""
        roles = [aid for aid, a in self.approvers.items() if a.slack_user == person]
        if not roles:
            return None, []
        allowed = set(self.admins)
        for role in roles:
            approver = self.approvers[role]
            if approver.delegates == "any":
                return None, roles
            for other in [*self.backup_chain(role), *(approver.delegates or [])]:
                if (stand_in := self.approvers.get(other)) and stand_in.slack_user:
                    allowed.add(stand_in.slack_user)
        return allowed, roles

    def calendar_of(self, approver_id: str) -> Calendar | None:
        """The calendar ``approver_id``'s business time counts in, if any."""
        approver = self.approvers.get(approver_id)
        name = (approver.calendar if approver else None) or self.calendar
        return self.calendars.get(name) if name else None

    def approver(self, approver_id: str) -> Approver:
        return self.approvers[approver_id]

    def backup_chain(self, approver_id: str) -> list[str]:
        """Who an approval moves to, in order, when ``approver_id`` cannot or does not decide.

        The approver's own ``backups`` first, in the order written, then their backups'
        backups, breadth first, each approver once.
        """
        chain: list[str] = []
        queue = list(self.approvers[approver_id].backups)
        while queue:
            candidate = queue.pop(0)
            if candidate == approver_id or candidate in chain or candidate not in self.approvers:
                continue
            chain.append(candidate)
            queue.extend(self.approvers[candidate].backups)
        return chain
