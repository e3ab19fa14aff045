"""The Bolt app: request verification, the runtime in every listener's context, one error
handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.runtime import Runtime

log = logging.getLogger(__name__)

RUNTIME = "runtime"
"""The key of the Runtime in a listener's ``context``."""


def build_app(
    runtime: Runtime, register: Callable[[AsyncApp], None], *, socket_mode: bool = False
) -> AsyncApp:
    """The Bolt app with ``register``'s listeners (the handlers package, passed in so that
    imports point one way: handlers → bot)."""
    settings = runtime.settings
    secret = settings.slack_signing_secret
    app = AsyncApp(  # the bot token comes with the client, which points at SLACK_API_URL
        signing_secret=secret.get_secret_value() if secret else None,
        client=runtime.gateway.client,
        request_verification_enabled=not socket_mode,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    async def provide_runtime(context: AsyncBoltContext, next: Any) -> BoltResponse | None:
        context[RUNTIME] = runtime
        result: BoltResponse | None = await next()
        return result

    @app.error
    async def handle_unexpected(error: Exception, body: dict[str, Any], respond: Any) -> None:
        reference = uuid.uuid4().hex[:8]
        log.exception(
            "unexpected error %s handling a %s request",
            reference,
            body.get("type") or body.get("command"),
            exc_info=error,
        )
        if respond is not None:
            await respond(
                text=f"Something went wrong on our side (reference {reference}). "
                "Nothing was lost; please try again, or tell your deal desk admin "
                "the reference.",
                response_type="ephemeral",
                replace_original=False,
            )

    register(app)
    return app
