"""``dealdesk serve``: the Bolt app and the HTTP API on one aiohttp server, plus the workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

import handlers
from bot.app import interpreter
from bot.app.bolt import build_app
from bot.app.settings import Settings, load_settings
from bot.app.wiring import Runtime, build_runtime
from bot.core.deps import open_deps
from bot.web.signatures import slack_signed

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)


def build_web_app(runtime: Runtime, bolt: AsyncApp) -> web.Application:
    """``/slack/events`` for Bolt, the handlers' HTTP routes, and the workers running for
    as long as the application does."""
    web_app = web.Application(client_max_size=1024 * 1024)
    metrics = runtime.deps.metrics
    configured = runtime.settings.slack_signing_secret
    secret = configured.get_secret_value() if configured else None

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        with runtime.traffic.request():
            try:
                bolt_request = await to_bolt_request(request)
            except (ValueError, TypeError, AttributeError, KeyError) as error:
                # Bolt reads the body before it checks the signature: a body that is not
                # JSON or a form of Slack's shapes fails there
                return await _unreadable(request, secret, error, runtime.deps.clock.now())
            response = await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
        metrics.ack_seconds.observe(time.perf_counter() - started)
        return response

    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_routes(handlers.http_routes(runtime.deps))
    web_app.cleanup_ctx.append(_background(runtime))
    return web_app


async def _unreadable(
    request: web.Request, secret: str | None, error: Exception, now: datetime
) -> web.Response:
    """A body that is not JSON or a form of Slack's shapes: 401 unless Slack signed it
    (then 400). Slack never sends one; whoever did learns nothing else."""
    body = await request.read()
    if secret is None or not slack_signed(secret, request.headers, body, now):
        return web.Response(status=401, text="invalid request")
    log.warning("a signed request to /slack/events could not be read: %r", error)
    return web.Response(status=400, text="the request body could not be read")


def _background(runtime: Runtime) -> Callable[[web.Application], AsyncIterator[None]]:
    async def run(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(loop(stop)) for loop in runtime.workers]
        yield
        await _listeners_finished()
        stop.set()
        runtime.delivery.wake()
        _, pending = await asyncio.wait(tasks, timeout=10)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await runtime.close()

    return run


_BOLT_LISTENER = "run_ack_function_asynchronously"
"""The coroutine Bolt runs a listener in, after the request that started it was answered."""


async def _listeners_finished(wait: float = 5.0) -> None:
    """Let listeners still working after their ack (Bolt runs them in side tasks) finish
    before the workers and the database stop under them."""
    running = [
        task
        for task in asyncio.all_tasks()
        if not task.done() and _BOLT_LISTENER in getattr(task.get_coro(), "__qualname__", "")
    ]
    if running:
        await asyncio.wait(running, timeout=wait)


async def serve(settings: Settings, *, socket_mode: bool = False) -> None:
    """Run until SIGINT or SIGTERM."""
    interpreter.tune()
    async with open_deps(settings.database_url, settings.dealdesk_policy) as deps:
        runtime = build_runtime(settings, deps)
        bolt = build_app(settings, runtime.deps, socket_mode=socket_mode)
        web_app = build_web_app(runtime, bolt)
        interpreter.started()
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        socket_handler: AsyncSocketModeHandler | None = None
        try:  # the workers started by setup() stop even when listening or connecting fails
            site = web.TCPSite(runner, settings.host, settings.port)
            await site.start()
            log.info("dealdesk listening on http://%s:%s", settings.host, settings.port)
            if socket_mode:
                socket_handler = await _connect_socket_mode(settings, bolt)
            _reload_on_sighup(runtime, settings.dealdesk_policy)
            await until_signalled()
        finally:
            if socket_handler is not None:
                await socket_handler.close_async()  # type: ignore[no-untyped-call]
            await runner.cleanup()


def _reload_on_sighup(runtime: Runtime, policy: Path) -> None:
    """SIGHUP re-reads the policy file (a bad one is refused and logged; the old one
    stays) and the Slack bot token from the settings (environment and .env)."""
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[bool]] = set()

    def reload() -> None:
        for work in (runtime.policy_watch.reload_file(policy), _reread_token(runtime)):
            task = loop.create_task(work)
            reloads.add(task)
            task.add_done_callback(reloads.discard)

    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, reload)


async def _reread_token(runtime: Runtime) -> bool:
    try:
        settings = load_settings()
    except Exception as error:  # a bad .env: say so, keep serving with the old settings
        log.error("SIGHUP: the settings could not be read again (%s); nothing changed", error)
        return False
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    return await runtime.use_token(token)


async def _connect_socket_mode(settings: Settings, bolt: AsyncApp) -> AsyncSocketModeHandler:
    # Imported here: HTTP mode (most deployments) never loads the Socket Mode client.
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("connected to Slack over Socket Mode")
    return handler


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopped.set)
    await stopped.wait()
