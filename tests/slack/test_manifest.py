"""manifest.yml creates the app in one paste: what the code listens for, the scopes it
uses and no more, within the manifest schema's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.app.cli.doctor import SCOPES
from bot.commands import COMMAND, SUBCOMMANDS

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
SLACK_EVENTS = "https://YOUR-HOST/slack/events"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def test_every_request_url_is_the_one_endpoint_serve_answers() -> None:
    app = manifest()
    [command] = app["features"]["slash_commands"]
    settings = app["settings"]
    assert command["url"] == SLACK_EVENTS
    assert settings["event_subscriptions"]["request_url"] == SLACK_EVENTS
    assert settings["interactivity"] == {"is_enabled": True, "request_url": SLACK_EVENTS}
    assert settings["socket_mode_enabled"] is False


def test_the_command_events_and_home_match_the_listeners() -> None:
    app = manifest()
    [command] = app["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is True  # `/deal delegate @user` needs the user's id
    for subcommand in SUBCOMMANDS:
        assert subcommand in command["usage_hint"]
    assert app["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert app["features"]["app_home"]["home_tab_enabled"] is True
    assert app["features"]["app_home"]["messages_tab_enabled"] is True


def test_scopes_are_the_ones_used_and_each_is_explained() -> None:
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == SCOPES
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    for scope in SCOPES:
        [line] = [line for line in lines if line.strip().startswith(f"- {scope} ")]
        assert "# " in line, f"{scope} has no comment saying why"


def test_within_the_manifest_schemas_limits() -> None:
    app = manifest()
    info = app["display_information"]
    [command] = app["features"]["slash_commands"]
    assert 1 <= len(info["name"]) <= 35
    assert 1 <= len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert 1 <= len(app["features"]["bot_user"]["display_name"]) <= 80
    assert len(command["command"]) <= 32
    assert 1 <= len(command["description"]) <= 2000
    assert 1 <= len(command["usage_hint"]) <= 1000
