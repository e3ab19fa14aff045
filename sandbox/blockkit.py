"""Slack's Block Kit limits, and a checker that refuses what real Slack refuses.

``block_kit_problems(surface, payload)`` returns one line per problem, worded the way
Slack words its ``invalid_blocks`` / ``invalid_arguments`` errors
(``must be less than 3001 characters [json-pointer:/blocks/0/text/text]``); an empty
list means Slack would accept the payload. ``FakeSlack`` uses it to refuse bad
messages and views; builder tests use it directly.

The numbers come from the limits Slack documents (collected in
``/work/shared/slack-reference/blockkit/limits.json``). The limit itself is allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

Surface = Literal["message", "modal", "home"]

# --- Slack's limits: the one table ------------------------------------------------
MESSAGE_BLOCKS_MAX: Final = 50
VIEW_BLOCKS_MAX: Final = 100  # modal and home
MODAL_TITLE_MAX: Final = 24
MODAL_SUBMIT_MAX: Final = 24
MODAL_CLOSE_MAX: Final = 24
PRIVATE_METADATA_MAX: Final = 3000
CALLBACK_ID_MAX: Final = 255
EXTERNAL_ID_MAX: Final = 255
BLOCK_ID_MAX: Final = 255
ACTION_ID_MAX: Final = 255
TEXT_MAX: Final = 3000  # any text object without a tighter limit
HEADER_TEXT_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
SECTION_FIELDS_MAX: Final = 10
SECTION_FIELD_TEXT_MAX: Final = 2000
ACTIONS_ELEMENTS_MAX: Final = 25
CONTEXT_ELEMENTS_MAX: Final = 10
CONTEXT_ACTIONS_ELEMENTS_MAX: Final = 5
INPUT_LABEL_MAX: Final = 2000
INPUT_HINT_MAX: Final = 2000
IMAGE_URL_MAX: Final = 3000
IMAGE_ALT_TEXT_MAX: Final = 2000
IMAGE_TITLE_MAX: Final = 2000
MARKDOWN_TEXT_MAX: Final = 12000
BUTTON_TEXT_MAX: Final = 75
BUTTON_VALUE_MAX: Final = 2000
BUTTON_URL_MAX: Final = 3000
BUTTON_ACCESSIBILITY_LABEL_MAX: Final = 75
PLACEHOLDER_MAX: Final = 150
SELECT_OPTIONS_MAX: Final = 100
SELECT_OPTION_GROUPS_MAX: Final = 100
CHOICE_OPTIONS_MAX: Final = 10  # checkboxes, radio_buttons
OVERFLOW_OPTIONS_MAX: Final = 5
OPTION_TEXT_MAX: Final = 75
OPTION_VALUE_MAX: Final = 150
OPTION_DESCRIPTION_MAX: Final = 75
OPTION_URL_MAX: Final = 3000
OPTION_GROUP_LABEL_MAX: Final = 75
OPTION_GROUP_OPTIONS_MAX: Final = 100
CONFIRM_TITLE_MAX: Final = 100
CONFIRM_TEXT_MAX: Final = 300
CONFIRM_BUTTON_MAX: Final = 30  # confirm and deny
TEXT_INPUT_LENGTH_MAX: Final = 3000  # plain_text_input min_length / max_length
BUTTON_STYLES: Final = frozenset({"primary", "danger"})
# ----------------------------------------------------------------------------------

SELECTS: Final = frozenset(
    f"{multi}{kind}_select"
    for multi in ("", "multi_")
    for kind in ("static", "external", "users", "conversations", "channels")
)
ACTION_ELEMENTS: Final = SELECTS | {
    "button",
    "overflow",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "workflow_button",
}
ACCESSORY_ELEMENTS: Final = ACTION_ELEMENTS | {"image"}
INPUT_ELEMENTS: Final = (ACTION_ELEMENTS - {"button", "overflow", "workflow_button"}) | {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "file_input",
}


def block_kit_problems(surface: Surface, payload: Any) -> list[str]:
    """What Slack would refuse in ``payload``.

    ``surface="message"``: ``payload`` is the list of blocks, or a message dict with
    ``blocks``. ``surface="modal"`` or ``"home"``: ``payload`` is the view dict.
    """
    check = _Checker()
    if surface == "message":
        blocks = payload.get("blocks", []) if isinstance(payload, Mapping) else payload
        check.blocks(blocks, "/blocks", MESSAGE_BLOCKS_MAX)
    else:
        check.view(payload, surface)
    return check.problems


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def fail(self, pointer: str, message: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    # --- primitives -------------------------------------------------------------
    def string(
        self, value: Any, limit: int, pointer: str, *, required: bool = False, minimum: int = 0
    ) -> None:
        if value is None:
            if required:
                self.fail(pointer, "missing required field")
        elif not isinstance(value, str):
            self.fail(pointer, "must be a string")
        elif len(value) > limit:
            self.fail(pointer, f"must be less than {limit + 1} characters")
        elif len(value) < minimum:
            self.fail(pointer, f"must be more than {minimum - 1} characters")

    def items(self, value: Any, limit: int, pointer: str, *, minimum: int = 0) -> list[Any]:
        if value is None and minimum == 0:
            return []
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) > limit:
            self.fail(pointer, f"no more than {limit} items allowed")
        if len(value) < minimum:
            self.fail(pointer, f"must provide at least {minimum} items")
        return value

    def obj(self, value: Any, pointer: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(pointer, "must be an object")
            return None
        return value

    def text(
        self,
        value: Any,
        pointer: str,
        limit: int = TEXT_MAX,
        *,
        plain: bool = False,
        required: bool = True,
    ) -> None:
        if value is None:
            if required:
                self.fail(pointer, "missing required field")
            return
        text = self.obj(value, pointer)
        if text is None:
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if text.get("type") not in kinds:
            self.fail(f"{pointer}/type", f"must be {' or '.join(kinds)}")
        self.string(text.get("text"), limit, f"{pointer}/text", required=True, minimum=1)

    # --- views and blocks ---------------------------------------------------------
    def view(self, value: Any, surface: Surface) -> None:
        view = self.obj(value, "/view")
        if view is None:
            return
        if view.get("type") != surface:
            self.fail("/view/type", f"must be {surface}")
        if surface == "modal":
            self.text(view.get("title"), "/view/title", MODAL_TITLE_MAX, plain=True)
            has_input = any(
                isinstance(b, Mapping) and b.get("type") == "input"
                for b in view.get("blocks") or []
            )
            self.text(
                view.get("submit"),
                "/view/submit",
                MODAL_SUBMIT_MAX,
                plain=True,
                required=has_input,
            )
            self.text(view.get("close"), "/view/close", MODAL_CLOSE_MAX, plain=True, required=False)
        else:
            for key in ("submit", "close"):
                if view.get(key) is not None:
                    self.fail(f"/view/{key}", "home view cannot have submit or close")
        self.string(view.get("private_metadata"), PRIVATE_METADATA_MAX, "/view/private_metadata")
        self.string(view.get("callback_id"), CALLBACK_ID_MAX, "/view/callback_id")
        self.string(view.get("external_id"), EXTERNAL_ID_MAX, "/view/external_id")
        self.blocks(view.get("blocks"), "/view/blocks", VIEW_BLOCKS_MAX)

    def blocks(self, value: Any, pointer: str, limit: int) -> None:
        if value is None:
            return
        for i, item in enumerate(self.items(value, limit, pointer)):
            block = self.obj(item, f"{pointer}/{i}")
            if block is not None:
                self.block(block, f"{pointer}/{i}")

    def block(self, block: Mapping[str, Any], p: str) -> None:
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, BLOCK_ID_MAX, f"{p}/block_id")
            if block_id in self.block_ids:
                self.fail(f"{p}/block_id", f"duplicate block_id {block_id!r}")
            self.block_ids.add(str(block_id))
        checker = _BLOCKS.get(str(block.get("type")))
        if checker is None:
            self.fail(f"{p}/type", f"unsupported block type {block.get('type')!r}")
        else:
            checker(self, block, p)

    def section(self, block: Mapping[str, Any], p: str) -> None:
        if block.get("text") is None and not block.get("fields"):
            self.fail(p, "must define either `text` or `fields`")
        self.text(block.get("text"), f"{p}/text", SECTION_TEXT_MAX, required=False)
        for i, field in enumerate(
            self.items(block.get("fields"), SECTION_FIELDS_MAX, f"{p}/fields")
        ):
            self.text(field, f"{p}/fields/{i}", SECTION_FIELD_TEXT_MAX)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{p}/accessory", ACCESSORY_ELEMENTS)

    def header(self, block: Mapping[str, Any], p: str) -> None:
        self.text(block.get("text"), f"{p}/text", HEADER_TEXT_MAX, plain=True)

    def actions(self, block: Mapping[str, Any], p: str) -> None:
        """Slack wants action ids unique within their block (the same id may recur in
        other blocks: that is how a list of items each with an Approve button works)."""
        seen: set[str] = set()
        elements = self.items(
            block.get("elements"), ACTIONS_ELEMENTS_MAX, f"{p}/elements", minimum=1
        )
        for i, item in enumerate(elements):
            self.element(item, f"{p}/elements/{i}", ACTION_ELEMENTS)
            action_id = item.get("action_id") if isinstance(item, Mapping) else None
            if action_id is None:
                continue
            if action_id in seen:
                self.fail(f"{p}/elements/{i}/action_id", f"duplicate action_id {action_id!r}")
            seen.add(str(action_id))

    def context_actions(self, block: Mapping[str, Any], p: str) -> None:
        limit = CONTEXT_ACTIONS_ELEMENTS_MAX
        self.items(block.get("elements"), limit, f"{p}/elements", minimum=1)

    def context(self, block: Mapping[str, Any], p: str) -> None:
        elements = self.items(
            block.get("elements"), CONTEXT_ELEMENTS_MAX, f"{p}/elements", minimum=1
        )
        for i, item in enumerate(elements):
            if isinstance(item, Mapping) and item.get("type") == "image":
                self.image(item, f"{p}/elements/{i}")
            else:
                self.text(item, f"{p}/elements/{i}")

    def image(self, block: Mapping[str, Any], p: str) -> None:
        if block.get("slack_file") is None:
            self.string(block.get("image_url"), IMAGE_URL_MAX, f"{p}/image_url", required=True)
        self.string(block.get("alt_text"), IMAGE_ALT_TEXT_MAX, f"{p}/alt_text", required=True)
        self.text(block.get("title"), f"{p}/title", IMAGE_TITLE_MAX, plain=True, required=False)

    def input(self, block: Mapping[str, Any], p: str) -> None:
        self.text(block.get("label"), f"{p}/label", INPUT_LABEL_MAX, plain=True)
        self.text(block.get("hint"), f"{p}/hint", INPUT_HINT_MAX, plain=True, required=False)
        self.element(block.get("element"), f"{p}/element", INPUT_ELEMENTS)

    def markdown(self, block: Mapping[str, Any], p: str) -> None:
        self.string(block.get("text"), MARKDOWN_TEXT_MAX, f"{p}/text", required=True, minimum=1)

    def rich_text(self, block: Mapping[str, Any], p: str) -> None:
        self.items(block.get("elements"), 10_000, f"{p}/elements", minimum=1)

    def nothing(self, block: Mapping[str, Any], p: str) -> None:
        """Blocks with nothing dealdesk-relevant to check (divider, video, file, table)."""

    # --- elements -------------------------------------------------------------------
    def element(self, value: Any, p: str, allowed: frozenset[str]) -> None:
        element = self.obj(value, p)
        if element is None:
            return
        kind = str(element.get("type"))
        if kind not in allowed:
            self.fail(f"{p}/type", f"element type {kind!r} is not allowed here")
            return
        self.string(element.get("action_id"), ACTION_ID_MAX, f"{p}/action_id")
        if kind == "image":
            self.image(element, p)
            return
        if kind == "button":
            self.button(element, p)
        placeholder = element.get("placeholder")
        self.text(placeholder, f"{p}/placeholder", PLACEHOLDER_MAX, plain=True, required=False)
        if element.get("confirm") is not None:
            self.confirm(element["confirm"], f"{p}/confirm")
        if kind in SELECTS:
            self.select(element, p)
        elif kind == "overflow":
            self.options(element.get("options"), f"{p}/options", OVERFLOW_OPTIONS_MAX, minimum=1)
        elif kind in ("checkboxes", "radio_buttons"):
            limit = CHOICE_OPTIONS_MAX
            self.options(element.get("options"), f"{p}/options", limit, minimum=1, plain=False)
        elif kind == "plain_text_input":
            self.text_input(element, p)

    def button(self, element: Mapping[str, Any], p: str) -> None:
        self.text(element.get("text"), f"{p}/text", BUTTON_TEXT_MAX, plain=True)
        self.string(element.get("value"), BUTTON_VALUE_MAX, f"{p}/value")
        self.string(element.get("url"), BUTTON_URL_MAX, f"{p}/url")
        label = element.get("accessibility_label")
        self.string(label, BUTTON_ACCESSIBILITY_LABEL_MAX, f"{p}/accessibility_label")
        if "style" in element and element["style"] not in BUTTON_STYLES:
            self.fail(f"{p}/style", "must be one of primary, danger")

    def select(self, element: Mapping[str, Any], p: str) -> None:
        if element.get("type") not in ("static_select", "multi_static_select"):
            return
        options, groups = element.get("options"), element.get("option_groups")
        if (options is None) == (groups is None):
            self.fail(p, "must provide exactly one of `options` or `option_groups`")
        self.options(options, f"{p}/options", SELECT_OPTIONS_MAX)
        for i, item in enumerate(
            self.items(groups, SELECT_OPTION_GROUPS_MAX, f"{p}/option_groups")
        ):
            group = self.obj(item, f"{p}/option_groups/{i}")
            if group is not None:
                gp = f"{p}/option_groups/{i}"
                self.text(group.get("label"), f"{gp}/label", OPTION_GROUP_LABEL_MAX, plain=True)
                self.options(group.get("options"), f"{gp}/options", OPTION_GROUP_OPTIONS_MAX)

    def options(
        self, value: Any, p: str, limit: int, *, minimum: int = 0, plain: bool = True
    ) -> None:
        for i, item in enumerate(self.items(value, limit, p, minimum=minimum)):
            option = self.obj(item, f"{p}/{i}")
            if option is None:
                continue
            self.text(option.get("text"), f"{p}/{i}/text", OPTION_TEXT_MAX, plain=plain)
            self.string(option.get("value"), OPTION_VALUE_MAX, f"{p}/{i}/value", required=True)
            self.text(
                option.get("description"),
                f"{p}/{i}/description",
                OPTION_DESCRIPTION_MAX,
                plain=plain,
                required=False,
            )
            self.string(option.get("url"), OPTION_URL_MAX, f"{p}/{i}/url")

    def confirm(self, value: Any, p: str) -> None:
        confirm = self.obj(value, p)
        if confirm is None:
            return
        self.text(confirm.get("title"), f"{p}/title", CONFIRM_TITLE_MAX, plain=True)
        self.text(confirm.get("text"), f"{p}/text", CONFIRM_TEXT_MAX)
        self.text(confirm.get("confirm"), f"{p}/confirm", CONFIRM_BUTTON_MAX, plain=True)
        self.text(confirm.get("deny"), f"{p}/deny", CONFIRM_BUTTON_MAX, plain=True)
        if "style" in confirm and confirm["style"] not in BUTTON_STYLES:
            self.fail(f"{p}/style", "must be one of primary, danger")

    def text_input(self, element: Mapping[str, Any], p: str) -> None:
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(f"{p}/{key}", "must be an integer")
            elif not 0 <= value <= TEXT_INPUT_LENGTH_MAX:
                self.fail(f"{p}/{key}", f"must be at most {TEXT_INPUT_LENGTH_MAX}")
        self.string(element.get("initial_value"), TEXT_INPUT_LENGTH_MAX, f"{p}/initial_value")


_BLOCKS: Final[dict[str, Callable[[_Checker, Mapping[str, Any], str], None]]] = {
    "section": _Checker.section,
    "header": _Checker.header,
    "actions": _Checker.actions,
    "context": _Checker.context,
    "context_actions": _Checker.context_actions,
    "image": _Checker.image,
    "input": _Checker.input,
    "markdown": _Checker.markdown,
    "rich_text": _Checker.rich_text,
    "divider": _Checker.nothing,
    "video": _Checker.nothing,
    "file": _Checker.nothing,
    "table": _Checker.nothing,
}
