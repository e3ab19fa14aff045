"""``GET /healthz`` (does the database answer, does Slack take our messages?) and
``GET /metrics`` (Prometheus text)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from bot import monitoring
from bot.server import RUNTIME_KEY


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", handle_health_get), web.get("/metrics", handle_metrics_get)]


async def handle_health_get(request: web.Request) -> web.Response:
    """200 ``ok`` or ``degraded`` (with the reasons), 503 ``down`` (no database)."""
    runtime = request.app[RUNTIME_KEY]
    health = await monitoring.check_health(runtime.deps.db, runtime.deps.clock.now())
    return web.json_response(health.to_json(), status=503 if health.status == "down" else 200)


async def handle_metrics_get(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    text = await monitoring.scrape(runtime.metrics.registry, runtime.deps)
    return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
