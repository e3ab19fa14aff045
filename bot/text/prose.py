"""Prose from Jinja2 templates: briefings, digests and reports, worded by admins.

The wording lives in ``bot/text/templates/*.j2`` so a RevOps admin can change it without
touching code; the Block Kit structure still comes from the builders in bot/cards.
Templates render mrkdwn: every value is escaped for Slack (``&``, ``<``, ``>``) unless
marked safe, so a company called ``<!channel> Corp`` pings nobody. Undefined
variables are errors, not blanks. Filters: ``money``, ``percent``, ``date`` (a Slack
date token), ``duration``, ``mention``, ``plural``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from bot.text.mrkdwn import escape_mrkdwn, mention, slack_date
from policies.avatars.formatting import money, percent
from policies.duration import Span, humanize


class _Mrkdwn(Markup):
    """Markup whose escaping is Slack's, not HTML's."""

    @classmethod
    def escape(cls, s: Any) -> _Mrkdwn:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(escape_mrkdwn(str(s)))


def _finalize(value: Any) -> Any:
    """Every value a template prints, escaped for Slack unless marked safe: as plain text
    (what goes into the output), not a Markup object per value."""
    return value if hasattr(value, "__html__") else escape_mrkdwn(str(value))


def _safe(function: Callable[..., str]) -> Callable[..., Markup]:
    """Filters that produce mrkdwn syntax (date tokens, mentions) mark it as safe."""

    def wrapped(*args: Any, **kwargs: Any) -> Markup:
        return Markup(function(*args, **kwargs))

    return wrapped


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.text", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # the templates ship with dealdesk: no stat() of the file per piece
    )
    env.filters.update(
        money=lambda value: money(Decimal(value)),
        percent=lambda value: percent(Decimal(value)),
        date=_safe(lambda moment, fmt="{date_short_pretty} at {time}": slack_date(moment, fmt)),
        duration=_duration,
        mention=_safe(mention),
        plural=_plural,
    )
    return env


def _duration(value: object) -> str:
    """A duration as people read it: ``7d``, ``2h 5m``; business time as written (``5bd``)."""
    if isinstance(value, Span):
        return humanize(value.wall) if value.wall is not None else str(value)
    if isinstance(value, timedelta):
        return humanize(value)
    return humanize(timedelta(seconds=float(str(value))))


def render(template: str, **values: Any) -> str:
    """Render ``template`` (a file name under bot/text/templates) to mrkdwn text."""
    return environment().get_template(template).render(**values).strip()


def render_part(template: str, part: str, **values: Any) -> str:
    """Render one ``{% block part %}`` of ``template`` to mrkdwn text.

    One file holds all the wording of a message, piece by piece; the builder that lays
    the message out asks for each piece where it goes.
    """
    compiled = _part_template(template)
    context = compiled.new_context({**compiled.globals, **values}, shared=True)
    return "".join(compiled.blocks[part](context)).strip()


@lru_cache(maxsize=64)
def _part_template(name: str) -> Template:
    """The template, its globals (``range``, ``namespace``, …) merged into one dict once:
    Jinja keeps them as a chain of dicts, which every piece's context would walk again
    (a briefing run renders hundreds of thousands of pieces)."""
    compiled = environment().get_template(name)
    compiled.globals = dict(compiled.globals)
    return compiled
