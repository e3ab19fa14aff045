"""A secret the policy names by its variable (``secret_env``) is found as every setting
is: in the environment, else in the ``.env`` file that ``dealdesk serve`` reads too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import Settings
from tests.api.conftest import with_people
from tests.api.test_lookup import created
from tests.slack.flows import eventually
from tests.support.app_server import running_app
from tests.support.fake_slack import FakeSlack
from tests.webhooks.test_outbound import SECRET, Receiver, policy_with_receiver, receiver

__all__ = ["receiver"]  # the fixture

NAME = "DEALDESK_TEST_DOTENV_SECRET"


@pytest.fixture
def in_folder_with_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(NAME, raising=False)
    (tmp_path / ".env").write_text(f"{NAME}={SECRET}\n", encoding="utf-8")
    return tmp_path


def test_the_environment_first_then_the_env_file(
    in_folder_with_dotenv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().secret(NAME) == SECRET
    assert Settings().secret("DEALDESK_TEST_SET_NOWHERE") == ""

    monkeypatch.setenv(NAME, "from-the-environment")

    assert Settings().secret(NAME) == "from-the-environment"


async def test_a_webhook_secret_set_only_in_the_env_file_signs_its_deliveries(
    in_folder_with_dotenv: Path, database_url: str, receiver: Receiver
) -> None:
    policy = policy_with_receiver(in_folder_with_dotenv, receiver, NAME)
    async with FakeSlack() as slack, running_app(database_url, policy, with_people(slack)) as app:
        submitted = await created(app)

        await eventually(
            lambda: [e for e in receiver.accepted if e["type"] == "deal.submitted"] or None,
            "the deal's submission at the receiver",
        )

    assert receiver.bad_signatures == 0
    assert [e["data"]["deal"]["id"] for e in receiver.accepted][:1] == [submitted["id"]]
