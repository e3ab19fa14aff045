"""The deal intake API (CONTRACT.md, HTTP endpoints): parse, call bot.intake, answer JSON.

Every answer is JSON, errors included: ``{"error": …, "message": …}`` (see bot.intake.errors
for the catalogue), and an unexpected failure is logged with a short reference that
the 500 answer repeats, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.outage import NOT_DONE, RETRY_AFTER, NotRecorded, database_down
from bot.intake import api as intake
from bot.intake import crm as crm_intake
from bot.intake import errors
from bot.intake.crm import CrmRequest
from bot.interactions.deps import ServeDeps
from bot.web.openapi import openapi_document
from policies.crm_mapping import Crm

log = logging.getLogger(__name__)

STATUS: dict[type[errors.IntakeError], int] = {
    errors.ApiDisabled: 503,
    errors.Unauthorized: 401,
    errors.BodyTooLarge: 413,
    errors.NotJson: 400,
    errors.UnreadableBody: 400,
    errors.MissingParameter: 400,
    errors.InvalidDeal: 422,
    errors.InvalidRecords: 422,
    errors.UnknownDeal: 404,
    errors.Conflict: 409,
    errors.SlackUnavailable: 503,
}

Handler = Callable[[web.Request, ServeDeps], Awaitable[web.StreamResponse]]


def routes(deps: ServeDeps) -> list[web.RouteDef]:
    return [
        web.get("/api/openapi.json", handle_openapi),
        web.post("/api/deals", _api(handle_deal_post, deps)),
        web.post("/api/deals/preview", _api(handle_preview_post, deps)),
        web.get("/api/deals", _api(handle_deals_get, deps)),
        web.get("/api/deals/{ref}", _api(handle_deal_get, deps)),
        web.patch("/api/deals/{ref}", _api(handle_deal_patch, deps)),
        web.post("/api/deals/{ref}/withdraw", _api(handle_withdraw_post, deps)),
        web.post("/api/intake/hubspot", _api(handle_hubspot_post, deps, bearer=False)),
        web.post("/api/intake/salesforce", _api(handle_salesforce_post, deps, bearer=False)),
        web.route("*", "/api/{tail:.*}", handle_unknown_request),
    ]


def _api(
    handler: Handler, deps: ServeDeps, *, bearer: bool = True
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Check the bearer token (unless the handler checks its own credentials), then run
    ``handler``; every error becomes a JSON answer."""

    @functools.wraps(handler)
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            if bearer:
                intake.authorize(deps.api_token, request.headers.get("Authorization"))
            if request.method != "GET" and (problem := deps.db.availability.problem):
                raise NotRecorded(problem)  # it would only wait, or fail (the watch sees it end)
            return await handler(request, deps)
        except errors.IntakeError as error:
            wait = getattr(error, "retry_after", None)
            headers = {"Retry-After": str(wait)} if wait else None
            return _error(STATUS[type(error)], error.body(), headers=headers)
        except Exception as error:
            if database_down(error):  # logged once a minute by store.availability
                body = {"error": "database_unavailable", "message": NOT_DONE}
                return _error(503, body, headers={"Retry-After": str(RETRY_AFTER)})
            reference = uuid.uuid4().hex[:8]
            log.exception(
                "unexpected error %s answering %s %s", reference, request.method, request.path
            )
            message = f"something went wrong on our side (reference {reference})"
            return _error(500, {"error": "internal_error", "message": message})

    return answer


async def handle_openapi(request: web.Request) -> web.StreamResponse:
    """The API's OpenAPI document; reading it needs no token."""
    return web.json_response(openapi_document())


async def handle_deal_post(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    submitted = await intake.submit(deps, intake.parse_deal(await _body(request)))
    if not submitted.created:
        return web.json_response(submitted.deal, status=200)
    deps.metrics.deals_submitted.inc()
    location = f"/api/deals/{submitted.deal['id']}"
    return web.json_response(submitted.deal, status=201, headers={"Location": location})


async def handle_preview_post(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    """The plan a deal would get; nothing is stored."""
    return web.json_response(intake.preview(deps, intake.parse_deal(await _body(request))))


async def _body(request: web.Request, limit: int = intake.MAX_BODY_BYTES) -> bytes:
    try:
        return await intake.read_body(request.content, request.content_length, limit)
    except (web.RequestPayloadError, HttpProcessingError, ConnectionError) as error:
        # broken framing or encoding, or the client went away
        detail = " ".join(str(error).split())
        raise errors.UnreadableBody(f"the request body could not be read: {detail}") from None


async def handle_deal_get(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    return web.json_response(await intake.find_deal(deps, request.match_info["ref"]))


async def handle_deal_patch(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    changes = intake.parse_object(await _body(request), "the fields to change")
    return web.json_response(await intake.revise(deps, request.match_info["ref"], changes))


async def handle_withdraw_post(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    body = intake.parse_object(await _body(request), "the reason", empty={})
    return web.json_response(await intake.withdraw(deps, request.match_info["ref"], body))


async def handle_hubspot_post(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    return await _crm_post("hubspot", request, deps)


async def handle_salesforce_post(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    return await _crm_post("salesforce", request, deps)


async def _crm_post(crm: Crm, request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    body = await _body(request, intake.MAX_CRM_BODY_BYTES)
    signed = CrmRequest(request.method, _addresses(request), request.headers, body)
    answer = await crm_intake.receive(deps, crm, signed)
    return web.json_response(answer.body, status=answer.status)


def _addresses(request: web.Request) -> list[str]:
    """The URLs the sender may have called, for a signature over the URL: as this server
    sees it, and as a proxy in front of it says it was (X-Forwarded-Proto and -Host), on
    https too (a proxy ending TLS may not say)."""
    hosts = [h for h in (request.headers.get("X-Forwarded-Host"), request.host) if h]
    schemes = [s for s in (request.headers.get("X-Forwarded-Proto"), "https", request.scheme) if s]
    found = [f"{s}://{h}{request.raw_path}" for s in schemes for h in hosts]
    return list(dict.fromkeys(found))


async def handle_deals_get(request: web.Request, deps: ServeDeps) -> web.StreamResponse:
    external_id = request.query.get("external_id")
    return web.json_response(await intake.find_by_external_id(deps, external_id))


_METHODS = (
    (re.compile(r"deals"), "GET, POST"),
    (re.compile(r"deals/preview"), "POST"),
    (re.compile(r"deals/[^/]+"), "GET, PATCH"),
    (re.compile(r"deals/[^/]+/withdraw"), "POST"),
    (re.compile(r"intake/(hubspot|salesforce)"), "POST"),
    (re.compile(r"openapi\.json"), "GET"),
)


async def handle_unknown_request(request: web.Request) -> web.StreamResponse:
    """A JSON 405 for a known path with another method, a JSON 404 for any other path."""
    tail = request.match_info["tail"]
    for path, allowed in _METHODS:
        if path.fullmatch(tail):
            message = f"{request.path} answers {allowed}, not {request.method}"
            body = {"error": "method_not_allowed", "message": message}
            return _error(405, body, headers={"Allow": allowed})
    message = (
        f"there is no {request.path}; the API is POST /api/deals and GET /api/deals/{{id}} "
        "(all of it: GET /api/openapi.json)"
    )
    return _error(404, {"error": "not_found", "message": message})


def _error(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    response = web.json_response(body, status=status, headers=headers)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dealdesk"'
    if status == 413:
        response.force_close()  # the rest of the body is never read
    return response
