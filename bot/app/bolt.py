"""The Bolt app: request verification, the listeners of the handlers package with their
ServeDeps, and one error handler for anything unexpected."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.logger.messages import (
    warning_client_prioritized_and_token_skipped,
    warning_token_skipped,
)
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.app.settings import Settings
from bot.core.outage import NOT_DONE, NOT_RECORDED, NotRecorded, database_down
from bot.interactions.deps import ServeDeps
from bot.slack.gateway import SlackTrouble
from store.availability import Use

log = logging.getLogger(__name__)


class BotTokenAuthorize(AsyncAuthorize):
    """Every request is authorized with the one bot token, without asking Slack.

    Bolt's single-workspace authorization calls ``auth.test`` until it first succeeds;
    while Slack's Web API is down (just after a restart, say) it answers every click
    and command "reinstall this app" with HTTP 200, so Slack never retries and the click
    is lost, or, on a network error, HTTP 500. dealdesk's listeners need no bot identity,
    so there is nothing to ask: a request Slack signed is answered whatever the state of
    Slack's Web API (the answers that need it wait in the outbox).
    """

    def __init__(self, token: str | Callable[[], str]) -> None:
        """``token``: the token, or where to read it (the gateway's, which SIGHUP may
        replace)."""
        self._token = token if callable(token) else (lambda: token)

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self._token(),
            user_id=user_id,
        )


class _TokenFromAuthorize(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, given a client or
    an authorize too, warns on every start that the token "will be unused". It is used:
    each request is authorized with the gateway's token (BotTokenAuthorize). The warning
    only alarms whoever reads the log, so it is left out."""

    UNTRUE = frozenset({warning_client_prioritized_and_token_skipped(), warning_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.UNTRUE


BOLT_LOG = logging.getLogger("slack_bolt")
BOLT_LOG.addFilter(_TokenFromAuthorize())


def build_app(settings: Settings, deps: ServeDeps, *, socket_mode: bool = False) -> AsyncApp:
    secret = settings.slack_signing_secret
    shared = deps.gateway.client
    app = AsyncApp(
        signing_secret=secret.get_secret_value() if secret else None,
        # the gateway's connection pool and SLACK_API_URL; the token comes from authorize
        client=AsyncWebClient(
            base_url=shared.base_url,
            timeout=shared.timeout,
            session=shared.session,
            retry_handlers=shared.retry_handlers,
        ),
        authorize=BotTokenAuthorize(lambda: shared.token or ""),
        request_verification_enabled=not socket_mode,
        logger=BOLT_LOG,
    )

    @app.error
    async def handle_unexpected(
        error: Exception, body: dict[str, Any], respond: Any, response: BoltResponse | None
    ) -> None:
        """Log with a reference and tell the person, in the HTTP answer itself when the
        request is not answered yet: that needs nothing from Slack's Web API, which may be
        the very thing that failed. Slack never gets a 5xx from dealdesk."""
        reference = uuid.uuid4().hex[:8]
        kind = body.get("type") or body.get("command")
        if isinstance(error, SlackTrouble):  # Slack's answer, not our bug: one line
            log.warning("Slack refused %s handling a %s request: %s", error.method, kind, error)
            message = (
                "Slack is not answering dealdesk just now, so that could not open; nothing "
                "was lost, please try again in a minute."
            )
        elif database_down(error):  # logged once a minute by store.availability
            if isinstance(error, NotRecorded):  # a write too slow: the database never saw it fail
                deps.db.availability.failed(Use.WRITE, error)
            message = NOT_RECORDED if kind == "block_actions" else NOT_DONE
        else:
            log.exception("unexpected error %s handling a %s request", reference, kind)
            message = (
                f"Something went wrong on our side (reference {reference}). Nothing was "
                "lost; please try again, or tell your deal desk admin the reference."
            )
        if response is not None:  # not acknowledged yet: this is the answer
            response.status = 200
            response.body = ""
            if body.get("command"):
                response.body = json.dumps({"response_type": "ephemeral", "text": message})
                response.headers["content-type"] = ["application/json;charset=utf-8"]
                return
        if respond is not None:
            try:
                await respond(text=message, response_type="ephemeral", replace_original=False)
            except Exception as failed:  # Slack is down too: the log has it
                log.warning("could not tell the person about %s: %s", reference, failed)

    handlers.register(app, deps)
    return app
