"""``GET /healthz`` (does the database answer?) and ``GET /metrics`` (Prometheus text)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from bot import monitoring
from bot.server import RUNTIME_KEY


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", handle_health_get), web.get("/metrics", handle_metrics_get)]


async def handle_health_get(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    problem = await monitoring.database_problem(runtime.deps.db)
    if problem is None:
        return web.json_response({"status": "ok", "database": "ok"})
    body = {
        "status": "unavailable",
        "database": problem,
        "error": "database_unavailable",
        "message": f"the database did not answer: {problem}",
    }
    return web.json_response(body, status=503)


async def handle_metrics_get(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    text = await monitoring.scrape(runtime.metrics.registry, runtime.deps)
    return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
