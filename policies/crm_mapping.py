"""How a CRM's records become deals: the policy's ``intake:`` section and the mapping it
describes (CONTRACT.md, CRM in and out).

Each CRM (``hubspot``, ``salesforce``) maps deal fields to paths in the JSON it sends
(``acv: properties.amount``, ``company: Account.Name``), with defaults for what it does
not send. :func:`map_record` reads one record through that mapping and turns the CRM's
text and numbers into the deal's types; what it cannot read is a :class:`Problem` naming
the CRM field and the deal field. Everything here is pure: the owner's email is looked
up in Slack by bot.intake.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from policies.deal import SLACK_USER_ID, DealTerms

Crm = Literal["hubspot", "salesforce"]

DEAL_FIELDS: tuple[str, ...] = tuple(DealTerms.model_fields)
REQUIRED_FIELDS = ("company", "acv", "owner")

Path = Annotated[str, StringConstraints(pattern=r"^[^.\s]+(\.[^.\s]+)*$", max_length=300)]
"""Keys joined with dots (``properties.amount``); a number picks from a list (``items.0``)."""

EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$", max_length=100)]

Scalar = str | int | float | bool

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _deal_field(name: str) -> str:
    if name not in DEAL_FIELDS:
        close = difflib.get_close_matches(name, DEAL_FIELDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"{name!r} is not a deal field{hint} (deal fields: {', '.join(DEAL_FIELDS)})"
        )
    return name


DealField = Annotated[str, AfterValidator(_deal_field)]


class Mapping(BaseModel):
    """One CRM's mapping: deal field → path(s) in the record, and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[DealField, Path | Annotated[list[Path], Field(min_length=1)]] = {}
    """Deal field → the path of its value, or several paths: the first one present."""
    defaults: dict[DealField, Scalar] = {}
    """Values for a new deal when the record has none (never applied to a change)."""
    secret_env: EnvName | None = None
    """The environment variable with the secret the CRM's requests are verified with."""

    crm: ClassVar[Crm]

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """Every required field has a source, and the defaults are valid values."""
        crm = self.crm
        missing = [f for f in REQUIRED_FIELDS if f not in self.fields and f not in self.defaults]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no CRM field: "
                f"under intake.{crm}.fields, map {missing[0]} to where the record holds it "
                f"({missing[0]}: <path>), or give it a default"
            )
        for name, value in self.defaults.items():
            try:
                coerce(name, value)
            except ValueError as error:
                raise ValueError(f"defaults.{name}: {error}") from None
        return self

    def paths(self, field: str) -> list[str]:
        found = self.fields.get(field)
        return [] if found is None else [found] if isinstance(found, str) else list(found)


class HubSpotIntake(Mapping):
    crm: ClassVar[Crm] = "hubspot"
    secret_env: EnvName
    """The environment variable with the HubSpot app's client secret, which signs every
    request (``X-HubSpot-Signature-v3``)."""


class SalesforceIntake(Mapping):
    crm: ClassVar[Crm] = "salesforce"
    secret_env: EnvName | None = None
    """An environment variable with a shared secret: requests may then be signed with it
    (``X-Dealdesk-Signature``) instead of carrying the API token as a bearer token."""


class Intake(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hubspot: HubSpotIntake | None = None
    salesforce: SalesforceIntake | None = None

    def mapping(self, crm: Crm) -> Mapping | None:
        found: Mapping | None = getattr(self, crm)
        return found


DEFAULT_IDS: dict[Crm, tuple[str, ...]] = {
    "hubspot": (
        "dealId",
        "objectId",
        "object.objectId",
        "hs_object_id",
        "properties.hs_object_id",
    ),
    "salesforce": ("Id",),
}
"""Where the record's id is when ``external_id`` is not mapped: HubSpot's Deals v1 body
(``dealId``), its workflow webhook and custom action bodies, and Salesforce's sObject
JSON."""


@dataclass(frozen=True)
class Problem:
    field: str
    """The deal field."""
    crm_field: str
    """The path in the CRM's record (or where the deal field's value was looked for)."""
    message: str


@dataclass(frozen=True)
class Mapped:
    """One record read through a mapping."""

    values: dict[str, Any]
    """Deal field → value, of the deal's types (the owner may still be an email)."""
    sources: dict[str, str]
    """Deal field → the CRM path its value came from (``default`` for a default)."""
    problems: list[Problem]

    @property
    def external_id(self) -> str | None:
        found = self.values.get("external_id")
        return str(found) if found is not None else None


def map_record(record: Any, mapping: Mapping, crm: Crm, *, with_defaults: bool = True) -> Mapped:
    """The deal fields ``record`` holds under ``mapping``. ``with_defaults`` (a new deal)
    fills what is absent from the defaults and reports a required field still missing."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for field in DEAL_FIELDS:
        paths = id_paths(mapping, crm) if field == "external_id" else mapping.paths(field)
        path, raw = _first_present(record, paths)
        if path is None:
            if with_defaults and field in mapping.defaults:
                values[field], sources[field] = coerce(field, mapping.defaults[field]), "default"
            elif with_defaults and field in REQUIRED_FIELDS:
                where = " or ".join(paths) or f"intake.{crm}.fields.{field}"
                problems.append(Problem(field, where, f"{where} is missing: {_needs(field, crm)}"))
            continue
        try:
            values[field], sources[field] = coerce(field, raw), path
        except ValueError as error:
            problems.append(Problem(field, path, f"{path} is {_shown(raw)}: {error}"))
    return Mapped(values, sources, problems)


def id_paths(mapping: Mapping, crm: Crm) -> list[str]:
    """Where a record's CRM id is: as mapped, or where the CRM puts it."""
    return mapping.paths("external_id") or list(DEFAULT_IDS[crm])


def value_at(record: Any, path: str) -> Any:
    """The value at ``path`` in ``record``; None when any step is absent. A HubSpot property
    in its long form (``{"value": "500000", "timestamp": …}``) gives its ``value``."""
    current = record
    for key in path.split("."):
        if isinstance(current, dict):
            current = current.get(key)
        elif isinstance(current, list) and key.isdecimal() and int(key) < len(current):
            current = current[int(key)]
        else:
            return None
    if isinstance(current, dict) and "value" in current:
        current = current["value"]
    return current


def _first_present(record: Any, paths: list[str]) -> tuple[str | None, Any]:
    for path in paths:
        value = value_at(record, path)
        if value is not None and value != "":
            return path, value
    return None, None


_NUMBER_NOISE = re.compile(r"[\s,$€£%_]")
_TRUE = {"true", "yes", "y", "1", "on", "checked"}
_FALSE = {"false", "no", "n", "0", "off", "unchecked", ""}


def coerce(field: str, value: Any) -> Any:
    """``value`` as the deal field's type, as CRMs send it: numbers as text
    (``"500,000.00"``, ``"12%"``), booleans as text (``"true"``), ids as numbers."""
    if field in ("acv", "discount"):
        return _decimal(value)
    if field in ("term_months", "employees"):
        number = _decimal(value)
        if number != number.to_integral_value():
            raise ValueError(f"{field} must be a whole number")
        return int(number)
    if field in ("budget_indicated", "custom_terms"):
        return _boolean(value)
    if field == "owner":
        return _owner(value)
    if isinstance(value, bool | dict | list):
        raise ValueError(f"{field} must be text")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id sent as 1234.0
    return str(value).strip()


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool | dict | list) or value is None:
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    text = _NUMBER_NOISE.sub("", str(value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be true or false (or yes/no)")


def _owner(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str) else ""
    if SLACK_USER_ID.match(text) or EMAIL.match(text):
        return text if "@" not in text else text.lower()
    raise ValueError(
        "owner must be the account executive's email (looked up in Slack) or their Slack "
        "user id such as U0SARAH"
    )


def is_email(owner: str) -> bool:
    return "@" in owner


def _needs(field: str, crm: str) -> str:
    return f"{field} needs a value; send it, or give a default under intake.{crm}.defaults.{field}"


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def fields_of_property(mapping: Mapping, name: str) -> list[tuple[str, str]]:
    """The deal fields mapped from the CRM property ``name`` (the last key of their path),
    with that path: how a HubSpot property-change event finds what it changes."""
    return [
        (field, path)
        for field in DEAL_FIELDS
        if field != "external_id"
        for path in mapping.paths(field)
        if path.rsplit(".", 1)[-1] == name
    ]
