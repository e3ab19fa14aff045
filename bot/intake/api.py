"""The deal intake API's work (CONTRACT.md, HTTP endpoints): a CRM's deal JSON in, the
stored deal out. handlers/api.py reads the request, calls one of these, and answers.

The errors below are the API's whole error catalogue; each becomes one JSON answer
``{"error": code, "message": …}`` (plus ``errors`` for an invalid deal):

- ``ApiDisabled``: ``DEALDESK_API_TOKEN`` is not set (503).
- ``Unauthorized``: no bearer token, another scheme, or the wrong token (401).
- ``BodyTooLarge``: more than ``MAX_BODY_BYTES`` (a CRM's batch: ``MAX_CRM_BODY_BYTES``),
  declared or actually sent (413).
- ``NotJson``: the body is not a JSON object (400).
- ``UnreadableBody``: the body's framing or encoding is broken, or the client left (400).
- ``InvalidDeal``: one ``(field, message)`` per bad field (422).
- ``MissingParameter``: a required query parameter is absent (400).
- ``UnknownDeal``: no deal with that id, or no such id (404).
- ``Conflict``: the deal is finished (approved, rejected or withdrawn): it cannot change (409).
- ``InvalidRecords``: a CRM's records (``/api/intake/…``) that do not map onto deals, one
  ``(field, crm_field, message)`` per problem (422).
- ``SlackUnavailable``: Slack could not be asked who a deal's owner is; the CRM should
  send it again later (503, with Retry-After).

Audit: a deal submitted here is recorded with the actor ``api`` (shown as "the CRM
intake"), not its owner. The caller is whatever holds ``DEALDESK_API_TOKEN``; the owner
named in the JSON did not act in dealdesk and the token cannot prove who they are. The
owner is the deal's ``owner`` and is in the event's ``terms``.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr, ValidationError

from bot.core.deps import Deps
from bot.core.errors import InvalidTerms, InvalidTransition, NotFound, UserInputError
from bot.intake.errors import (
    ApiDisabled,
    BodyTooLarge,
    Conflict,
    InvalidDeal,
    MissingParameter,
    NotJson,
    Unauthorized,
    UnknownDeal,
)
from bot.interactions.deps import ServeDeps
from bot.read_models.loaders import load_deals
from bot.read_models.snapshots import deal_json
from bot.workflow import revise_deal, withdraw_deal
from policies.deal import SLACK_USER_ID, DealTerms, field_errors
from policies.explain import explain_plan
from policies.vocabulary import API_ACTOR, RevisionSource, parse_deal_ref
from store import repositories as repo

MAX_BODY_BYTES = 64 * 1024
MAX_CRM_BODY_BYTES = 1024 * 1024
"""A CRM may send a batch: Salesforce's triggers hold up to 200 records."""
_MAX_ROW_ID = 2**31 - 1

DealJson = dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    deal: DealJson
    created: bool
    """False when a deal with this external_id existed already (nothing new was stored)."""


class BodyStream(Protocol):
    async def read(self, n: int = -1) -> bytes: ...


def authorize(configured: SecretStr | None, authorization: str | None) -> None:
    """Let the request through only with ``Authorization: Bearer <DEALDESK_API_TOKEN>``."""
    if configured is None or not configured.get_secret_value():
        raise ApiDisabled(
            "the deal intake API is disabled because DEALDESK_API_TOKEN is not set; set it to "
            "a long random secret, restart dealdesk serve, and send it as "
            "'Authorization: Bearer <token>'"
        )
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the API token as 'Authorization: Bearer <DEALDESK_API_TOKEN>'")
    expected = configured.get_secret_value().encode()
    if not hmac.compare_digest(token.strip().encode("utf-8", "surrogateescape"), expected):
        raise Unauthorized("the bearer token is not this dealdesk's DEALDESK_API_TOKEN")


async def read_body(stream: BodyStream, declared: int | None, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, at most ``limit`` bytes: refused on a larger Content-Length without
    reading it, and on more bytes than that actually sent (chunked, or compressed)."""
    too_large = BodyTooLarge(f"the body is over the limit of {limit} bytes")
    if declared is not None and declared > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large
    return b"".join(chunks)


def parse_deal(body: bytes) -> DealTerms:
    """The deal in a request body; NotJson or InvalidDeal when it is not one."""
    data = parse_object(body, "the deal")
    problems = number_problems(data)
    try:
        terms = DealTerms.model_validate(data)
    except ValidationError as error:
        problems += field_errors(error)
    if problems:
        raise InvalidDeal(problems)
    return terms


_NUMBERS = {"acv": False, "discount": False, "term_months": True, "employees": True}
"""The deal's number fields, and whether each is a whole number."""


def number_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Numbers must be JSON numbers here, as the OpenAPI document says: ``"36"`` or
    ``true`` is refused rather than read as 36 or 1 (a CRM's text goes through its
    ``intake:`` mapping, which reads text as numbers on purpose)."""
    problems = []
    for name, whole in _NUMBERS.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "a whole number, such as 36" if whole else "a number, such as 500000"
            problems.append((name, f"{name} must be {kind} (a JSON number, not {_kind(value)})"))
        elif whole and isinstance(value, float) and not value.is_integer():
            problems.append((name, f"{name} must be a whole number"))
    return problems


def parse_object(body: bytes, what: str, *, empty: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request body's JSON object; ``empty`` stands for an empty body where one is allowed."""
    if not body.strip() and empty is not None:
        return empty
    data = parse_json(body, what)
    if not isinstance(data, dict):
        raise NotJson(f"the body must be a JSON object ({what}), not a JSON {_kind(data)}")
    return data


def parse_json(body: bytes, what: str) -> Any:
    """A request body's JSON (NaN and Infinity refused: they are not JSON numbers)."""
    if not body.strip():
        raise NotJson(f"the body is empty; send {what} as a JSON object")
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise NotJson("the body is not JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError both are
        raise NotJson(f"the body is not JSON: {error}") from None


def preview(deps: Deps, terms: DealTerms) -> dict[str, Any]:
    """The plan ``terms`` would get under today's policy: stages, approvers, why each, SLAs
    and backups, with the avatars' advice. Nothing is stored."""
    return explain_plan(deps.policies.current, terms).to_json()


async def submit(deps: ServeDeps, terms: DealTerms) -> Submitted:
    """Store and route the deal (with any posted at the same moment: bot.workflow.submissions),
    or find the one stored under the same external_id."""
    try:
        stored = await deps.submissions.submit(terms, API_ACTOR)
    except UserInputError as error:
        raise InvalidDeal([(error.field, error.message)]) from None
    return Submitted(stored.deal, stored.result.created)


async def revise(deps: Deps, ref: str, changes: dict[str, Any]) -> DealJson:
    """``PATCH /api/deals/{id}``: the fields to change; the deal re-routed, or as it was
    when nothing changed."""
    deal_id = _deal_id(ref)
    if not changes:
        raise InvalidDeal([("deal", 'send the fields to change, such as {"discount": 15}')])
    if problems := number_problems(changes):
        raise InvalidDeal(problems)
    try:
        async with deps.unit_of_work() as uow:
            await revise_deal(uow, deal_id, changes, API_ACTOR, source=RevisionSource.CRM)
    except InvalidTerms as invalid:
        raise InvalidDeal(invalid.errors) from None
    except UserInputError as error:
        raise InvalidDeal([(error.field, error.message)]) from None
    except NotFound:
        raise UnknownDeal(f"there is no deal {ref!r}; deal ids look like D-1001") from None
    except InvalidTransition as error:
        raise Conflict(str(error)) from None
    return (await deals_json(deps, [deal_id]))[0]


async def withdraw(deps: Deps, ref: str, body: dict[str, Any]) -> DealJson:
    """``POST /api/deals/{id}/withdraw``: out of review, with an optional reason and the
    Slack user it is done for."""
    deal_id = _deal_id(ref)
    reason, by = body.get("reason"), body.get("by")
    problems = [
        (name, f"{name} must be text")
        for name, value in (("reason", reason), ("by", by))
        if value is not None and not isinstance(value, str)
    ]
    problems += [
        (name, f"{name!r} is not a field here") for name in body if name not in ("reason", "by")
    ]
    if isinstance(by, str) and not SLACK_USER_ID.match(by):
        problems.append(("by", "by must be a Slack user id such as U0SARAH"))
    if problems:
        raise InvalidDeal(problems)
    try:
        async with deps.unit_of_work() as uow:
            await withdraw_deal(uow, deal_id, by or API_ACTOR, reason, via_api=True)
    except NotFound:
        raise UnknownDeal(f"there is no deal {ref!r}; deal ids look like D-1001") from None
    except InvalidTransition as error:
        raise Conflict(str(error)) from None
    return (await deals_json(deps, [deal_id]))[0]


def _deal_id(ref: str) -> int:
    deal_id = parse_deal_ref(ref)
    if deal_id is None or deal_id > _MAX_ROW_ID:
        raise UnknownDeal(f"there is no deal {ref!r}; deal ids look like D-1001")
    return deal_id


async def find_deal(deps: Deps, ref: str) -> DealJson:
    deal_id = parse_deal_ref(ref)
    found = await deals_json(deps, [deal_id]) if deal_id and deal_id <= _MAX_ROW_ID else []
    if not found:
        raise UnknownDeal(f"there is no deal {ref!r}; deal ids look like D-1001")
    return found[0]


async def find_by_external_id(deps: Deps, external_id: str | None) -> list[DealJson]:
    if not external_id:
        raise MissingParameter("give the CRM id to look for: /api/deals?external_id=OPP-0042")
    async with deps.db.read() as session:
        deal = await repo.get_deal_by_external_id(session, external_id)
    return await deals_json(deps, [deal.id]) if deal else []


async def deals_json(deps: Deps, deal_ids: list[int]) -> list[DealJson]:
    """The deals as the API shows them, in the order of ``deal_ids``."""
    async with deps.db.read() as session:
        snapshots = await load_deals(session, deal_ids, deps.policies)
    return [deal_json(snapshots[i]) for i in deal_ids if i in snapshots]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _kind(data: object) -> str:
    names = {list: "array", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(data), "number")
