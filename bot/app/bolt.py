"""The Bolt app: request verification, the listeners of the handlers package with their
ServeDeps, and one error handler for anything unexpected."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp

import handlers
from bot.app.settings import Settings
from bot.interactions.deps import ServeDeps

log = logging.getLogger(__name__)


def build_app(settings: Settings, deps: ServeDeps, *, socket_mode: bool = False) -> AsyncApp:
    secret = settings.slack_signing_secret
    app = AsyncApp(  # the bot token comes with the client, which points at SLACK_API_URL
        signing_secret=secret.get_secret_value() if secret else None,
        client=deps.gateway.client,
        request_verification_enabled=not socket_mode,
        logger=logging.getLogger("slack_bolt"),
    )

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

    handlers.register(app, deps)
    return app
