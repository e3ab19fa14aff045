"""Thin listeners: parse the request, call one bot/ function, answer.

``register(app, deps)`` adds the Slack listeners to the Bolt app, each reaching ``deps``
through Bolt's context; ``http_routes(deps)`` gives the HTTP endpoints beside
``/slack/events`` (the intake API, health, metrics). The composition root (bot.app)
calls both; nothing here imports it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.interactions.deps import ServeDeps
from handlers import actions, api, commands, events, health, views
from handlers.context import DEPS


def register(app: AsyncApp, deps: ServeDeps) -> None:
    @app.middleware
    async def provide_deps(context: AsyncBoltContext, next: Any) -> BoltResponse | None:
        context[DEPS] = deps
        result: BoltResponse | None = await next()
        return result

    actions.register(app)
    views.register(app)
    commands.register(app)
    events.register(app)


def http_routes(deps: ServeDeps) -> list[web.RouteDef]:
    return [*api.routes(deps), *health.routes(deps)]
