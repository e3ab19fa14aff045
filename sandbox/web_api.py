"""Slack's Web API over HTTP, answered from a :class:`~sandbox.workspace.Workspace`:
requests read as Slack reads them (query, form or JSON body, the token in the header or the
form), answers as Slack gives them (``ok: false`` with the error, HTTP 200)."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final

from aiohttp import web

from sandbox.objects import SlackError
from sandbox.workspace import Workspace

JSON_FIELDS: Final = ("blocks", "view", "attachments", "metadata")
"""Arguments a form-encoded request carries as JSON text."""


async def read_params(request: web.Request) -> tuple[dict[str, Any], str | None, str | None]:
    """(arguments, token, problem): query and body merged, JSON fields decoded."""
    params: dict[str, Any] = dict(request.query)
    authorization = request.headers.get("Authorization", "")
    token = authorization.removeprefix("Bearer ").strip() if authorization else None
    problem = None
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = json.loads(await request.text())
            except ValueError:
                body, problem = {}, "invalid_json"
            if not isinstance(body, dict):
                body, problem = {}, "json_not_object"
            body.pop("token", None)  # Slack ignores a token inside a JSON body
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update({k: v if isinstance(v, str) else repr(v) for k, v in form.items()})
        else:
            problem = "invalid_post_type"
    form_token = params.pop("token", None)
    if token is None and isinstance(form_token, str):
        token = form_token
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):  # else left a string, refused like Slack does
                params[key] = json.loads(params[key])
    return params, token, problem


def answer(
    workspace: Workspace,
    expected_token: str,
    method: str,
    params: dict[str, Any],
    token: str | None,
    problem: str | None,
) -> dict[str, Any]:
    """Slack's answer to one call: the method's result, or ``{"ok": false, "error": …}``."""
    try:
        if method not in workspace.methods:
            raise SlackError("unknown_method", req_method=method)
        if token is None:
            raise SlackError("not_authed")
        if token != expected_token:
            raise SlackError("invalid_auth")
        if problem is not None:
            raise SlackError(problem)
        return workspace.call(method, params)
    except SlackError as error:
        return error.body()
