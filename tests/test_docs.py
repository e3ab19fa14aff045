"""The docs cannot drift from the CLI: every ``dealdesk`` command the README and the docs
site show in a shell block runs here, against a database the simulator filled with the
seeds' TechCorp deal (D-1001), in a folder with the files the pages name. A command that
needs Slack or runs until stopped (``serve``, ``doctor``, ``sandbox``), one named inline
in the text (``dealdesk policy apply``), and the benches' commands are run with
``--help`` added, which still refuses a command or an option that does not exist. Each
must end as the CLI ends a handled case (exit 0 or 1), never with a usage error (exit 2)
or a traceback."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from policies.loader import bundled_policy_path
from tests.support.deals import techcorp

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`((?:dealdesk [a-z]|\.venv/bin/python -m bench\.)[^`]*)`")
NEEDS_SLACK = {"serve", "doctor", "sandbox"}
"""Subcommands that talk to Slack or run until stopped: their options are checked."""
TAKES_MINUTES = {("simulate", "quarter.yml")}
"""Commands that run for minutes (a whole simulated quarter): their options are checked;
tests/forecast runs what they make on a smaller scale."""
PLACEHOLDER = re.compile(r"[A-Z]{2,}(?![a-z])|[<>…|]|\.\.\.")
"""``FILE``, ``<deal id>``, ``a|b``: a command with one is a pattern, not a command."""


@dataclass(frozen=True)
class Shown:
    page: str
    line: str
    run: bool
    """Shown in a shell block: run as written. Named in the text: its ``--help``."""

    @property
    def id(self) -> str:
        return f"{self.page}: {self.line}"


def shown_commands() -> list[Shown]:
    found: dict[str, Shown] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in FENCE.findall(text):
            for line in block.replace("\\\n", " ").splitlines():
                command = _without_comment(_optional_parts_dropped(line)).strip()
                if command.startswith(("dealdesk ", ".venv/bin/python -m bench.")):
                    found[command] = Shown(page.name, command, run=True)
        for span in INLINE.findall(text):
            command = " ".join(_optional_parts_dropped(span).split())
            if not PLACEHOLDER.search(command):
                found.setdefault(command, Shown(page.name, command, run=False))
    return list(found.values())


def _without_comment(line: str) -> str:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return shlex.join(list(lexer))
    except ValueError:
        return line


def _optional_parts_dropped(command: str) -> str:
    """``dealdesk sandbox [--policy FILE]`` → ``dealdesk sandbox``."""
    return re.sub(r"\s*\[[^\]]*\]", "", command)


COMMANDS = shown_commands()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with what the pages name: the example policy as my-policy.yml, revops.yml
    and new.yml (each with its test cases), a deal.json, and a database holding the
    seeds' TechCorp deal."""
    here = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "policies" / "examples", here / "policies" / "examples")
    for name in ("my-policy", "revops", "new", "policy"):
        shutil.copy(bundled_policy_path(), here / f"{name}.yml")
        shutil.copy(bundled_policy_path().with_suffix(".tests.yml"), here / f"{name}.tests.yml")
    deal = techcorp().model_dump(mode="json", exclude_none=True)
    (here / "deal.json").write_text(json.dumps(deal), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate"], env=_env(here))
    assert result.exit_code == 0, result.output
    return here


def _env(folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'dealdesk.db'}",
        "DEALDESK_POLICY": str(folder / "policy.yml"),
        "COLUMNS": "120",
    }


def test_the_pages_show_commands_to_check() -> None:
    """The collector finds what the pages show (so the test below is not vacuous)."""
    lines = {shown.line for shown in COMMANDS}
    assert "dealdesk policy check my-policy.yml" in lines
    assert "dealdesk audit verify" in lines
    assert "dealdesk serve --socket-mode" in lines
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("shown", COMMANDS, ids=lambda shown: shown.id)
def test_a_command_the_docs_show_runs(
    shown: Shown, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    words = shlex.split(shown.line)
    if ">" in words:  # `… > audit.csv`: the output is what the test reads
        words = words[: words.index(">")]
    if words[0] == "dealdesk":
        args = words[1:]
        if not shown.run or (args and args[0] in NEEDS_SLACK) or tuple(args[:2]) in TAKES_MINUTES:
            args.append("--help")
        result = CliRunner().invoke(app, args, env=_env(folder))
        output = result.output
        code = result.exit_code
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), f"{shown.id}\n{output}"
    else:
        module = words[2]
        ran = subprocess.run(
            [sys.executable, "-m", module, *words[3:], "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        output, code = ran.stdout + ran.stderr, ran.returncode
    assert code in (0, 1), f"{shown.id} exited {code}:\n{output}"
    assert "Traceback" not in output, f"{shown.id}\n{output}"
    assert "No such option" not in output, output
    assert "No such command" not in output, output
