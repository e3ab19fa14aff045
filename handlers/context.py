"""How a Slack listener finds its ServeDeps: ``register`` puts them in Bolt's context."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.interactions.deps import ServeDeps

DEPS = "deps"


def deps_of(context: AsyncBoltContext) -> ServeDeps:
    deps: ServeDeps = context[DEPS]
    return deps
