"""The baseline for bench/clicks.py: a Bolt app that only acknowledges the Approve click.

Same Bolt, same aiohttp adapter, same request verification as dealdesk; no work.
Run: python -m bench.bare_app PORT SLACK_API_URL SIGNING_SECRET
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.ids import CardAction


def build(api_url: str, signing_secret: str) -> web.Application:
    bolt = AsyncApp(  # the token is the client's (both would make Bolt warn)
        signing_secret=signing_secret,
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
    )

    @bolt.action(CardAction.APPROVE.value)
    async def approve(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    port, api_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    web.run_app(build(api_url, secret), host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
