"""Every command's --help reads as prose at 80 columns: a one-line summary in the
command lists, then paragraphs that rich wraps, never the source's line breaks."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.app.cli import app

WIDTH = 80
SUMMARY_MAX = 64
"""What fits beside the longest command name in a list at 80 columns."""
BORDER = re.compile(r"^[\s│╭╰─┬┴]*|[\s│╮╯─]*$")
SENTENCE_END = (".", ":", ";", "!", "?", ")", "]")


def command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        if commands := getattr(command, "commands", None):
            for name, sub in sorted(commands.items()):
                walk(sub, (*path, name))

    walk(root, ())
    return paths


def rendered_help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.output


def ragged_lines(text: str) -> list[str]:
    """Lines that end early although the next line's first word, in the same column,
    would have fit on them: a line break the source put there, not the terminal."""
    found = []
    lines = text.splitlines()
    for line, following in itertools.pairwise(lines):
        body, after = BORDER.sub("", line), BORDER.sub("", following)
        if not body or not after or body.endswith(SENTENCE_END):
            continue
        column = len(line) - len(line.lstrip(" │"))
        if len(following) - len(following.lstrip(" │")) != column:
            continue  # a new column or an indented example, not a continuation
        inner = line.rstrip(" │")
        room = WIDTH - 2 - len(inner) - (1 if "│" in line else 0)
        first_word = after.split()[0]
        if not first_word[0].isalnum() or first_word.startswith(("--", "[")):
            continue
        if room > len(first_word) + 1:
            found.append(f"{body!r} / {after!r}")
    return found


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "dealdesk")
def test_help_wraps_as_prose(path: tuple[str, ...]) -> None:
    assert ragged_lines(rendered_help(path)) == []


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "dealdesk")
def test_each_command_has_a_one_line_summary(path: tuple[str, ...]) -> None:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    summary = (command.help or "").strip().split("\n\n")[0]
    assert "\n" not in summary, f"the summary of {' '.join(path)} spans lines: {summary!r}"
    if path:  # one line of its group's command list
        assert len(summary) <= SUMMARY_MAX, f"the summary of {' '.join(path)} is long: {summary!r}"


def test_a_source_line_break_is_caught() -> None:
    ragged = "│ The policy's people, their DMs, the deal channel and App          │\n"
    ragged += "│ Home, with a clock you can move ahead.                         │\n"
    assert ragged_lines(ragged)
