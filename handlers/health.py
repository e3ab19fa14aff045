"""``GET /healthz`` (does the database answer, does Slack take our messages?) and
``GET /metrics`` (Prometheus text)."""

from __future__ import annotations

import functools

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from bot.interactions.deps import ServeDeps
from bot.web import monitoring


def routes(deps: ServeDeps) -> list[web.RouteDef]:
    return [
        web.get("/healthz", functools.partial(handle_health_get, deps=deps)),
        web.get("/metrics", functools.partial(handle_metrics_get, deps=deps)),
    ]


async def handle_health_get(request: web.Request, deps: ServeDeps) -> web.Response:
    """200 ``ok`` or ``degraded`` (with the reasons), 503 ``down`` (no database)."""
    health = await monitoring.check_health(
        deps.db, deps.clock.now(), slack=deps.gateway.token.problem
    )
    return web.json_response(health.to_json(), status=503 if health.status == "down" else 200)


async def handle_metrics_get(request: web.Request, deps: ServeDeps) -> web.Response:
    text = await monitoring.scrape(deps.metrics.registry, deps)
    return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
