"""Thin listeners: parse the request, call one bot/ function, answer.

``register(app)`` adds the Slack listeners to the Bolt app; ``http_routes()`` gives
the HTTP endpoints beside ``/slack/events`` (the intake API, health, metrics).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from handlers import actions, api, commands, events, health, views


def register(app: AsyncApp) -> None:
    actions.register(app)
    views.register(app)
    commands.register(app)
    events.register(app)


def http_routes() -> Iterable[web.RouteDef]:
    return [*api.routes(), *health.routes()]
