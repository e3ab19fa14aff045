"""Slack's Block Kit limits, named once, and the text operations that keep us inside them.

Values from /work/shared/slack-reference/blockkit/limits.json (CONTRACT.md, Slack surface).
A limit's value itself is allowed. Builders never check lengths themselves: they build
blocks through :mod:`bot.cards.blocks`, which truncates with
:func:`bot.text.mrkdwn.truncate` (plain text) or :func:`bot.text.mrkdwn.truncate_mrkdwn`
(mrkdwn), so long content is cut with an ellipsis and never rejected.
"""

from __future__ import annotations

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
"""Modal and Home views alike."""

HEADER_TEXT_MAX = 150
TEXT_OBJECT_MAX = 3000
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3000

BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255
ACTIONS_ELEMENTS_MAX = 25

CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30

MODAL_TITLE_MAX = 24
MODAL_SUBMIT_MAX = 24
MODAL_CLOSE_MAX = 24
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
PLACEHOLDER_MAX = 150
PLAIN_TEXT_INPUT_MAX = 3000
OPTION_TEXT_MAX = 75

MESSAGE_TEXT_MAX = 4000
"""Slack's recommended ceiling for a message's top-level ``text`` (the notification fallback)."""
