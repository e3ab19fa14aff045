"""What ``/deal delegate`` reads from its text, the end of its last day, and its answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cards.delegation import DelegationReply, build_delegation_reply
from bot.commands.delegate import DelegateCommand, end_of_day, parse_delegate
from bot.core.errors import UserInputError

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("<@U0TOM|tom> until 2026-12-04", DelegateCommand("U0TOM", date(2026, 12, 4))),
        ("<@U0TOM> until 2026-12-04", DelegateCommand("U0TOM", date(2026, 12, 4))),
        ("<@W0TOM|Tom Baker>   UNTIL   2026-12-04", DelegateCommand("W0TOM", date(2026, 12, 4))),
        ("<@U0TOM|tom>", DelegateCommand("U0TOM")),
        ("off", DelegateCommand(None)),
        ("OFF", DelegateCommand(None)),
    ],
)
def test_what_is_read(text: str, read: DelegateCommand) -> None:
    assert parse_delegate(text) == read


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "delegate"),
        ("@tom", "delegate"),
        ("tom until 2026-12-04", "delegate"),
        ("<#C0SALES|sales>", "delegate"),
        ("<@U0TOM> 2026-12-04", "until"),
        ("<@U0TOM> until", "until"),
        ("<@U0TOM> until 2026-12-04 please", "until"),
        ("<@U0TOM> until 2026-13-40", "until"),
        ("<@U0TOM> until 2026-02-30", "until"),
        ("<@U0TOM> until 20261204", "until"),
        ("off now", "delegate"),
    ],
)
def test_what_is_refused_says_how_to_write_it(text: str, field: str) -> None:
    with pytest.raises(UserInputError) as refused:
        parse_delegate(text)
    assert refused.value.field == field
    assert "YYYY-MM-DD" in refused.value.message


@pytest.mark.parametrize(
    ("zone", "ends"),
    [
        ("America/Chicago", datetime(2026, 12, 5, 6, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 12, 5, 0, 0, tzinfo=UTC)),
        ("Asia/Tokyo", datetime(2026, 12, 4, 15, 0, tzinfo=UTC)),
    ],
)
def test_the_last_day_ends_at_the_next_local_midnight(zone: str, ends: datetime) -> None:
    assert end_of_day(date(2026, 12, 4), ZoneInfo(zone)) == ends


def test_across_a_change_to_summer_time_it_is_still_midnight() -> None:
    ends = end_of_day(date(2026, 3, 7), ZoneInfo("America/New_York"))
    assert ends.astimezone(ZoneInfo("America/New_York")).hour == 0
    assert ends == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (
            DelegationReply("U0TOM", date(2026, 12, 4), moved=2),
            "🤝 Your approvals go to <@U0TOM> until Fri, Dec 4; 2 pending approvals moved. "
            "You both get a message about it.",
        ),
        (
            DelegationReply("U0TOM", date(2027, 1, 8), moved=1),
            "🤝 Your approvals go to <@U0TOM> until Fri, Jan 8, 2027; 1 pending approval moved. "
            "You both get a message about it.",
        ),
        (
            DelegationReply("U0TOM", date(2026, 12, 24), roles=("Chief Financial Officer",)),
            "🤝 Your approvals as Chief Financial Officer go to <@U0TOM> until Thu, Dec 24; "
            "nothing was pending. You both get a message about it.",
        ),
        (
            DelegationReply("U0TOM", moved=3, roles=("VP Sales", "Legal <review>", "CEO")),
            "🤝 Your approvals as VP Sales, Legal &lt;review&gt; and CEO go to <@U0TOM> until "
            "you turn it off with `/deal delegate off`; 3 pending approvals moved. "
            "You both get a message about it.",
        ),
        (
            DelegationReply("U0TOM"),
            "🤝 Your approvals go to <@U0TOM> until you turn it off with `/deal delegate off`; "
            "nothing was pending. You both get a message about it.",
        ),
        (
            DelegationReply("U0TOM", ended=True),
            "✅ Your delegation to <@U0TOM> is off: new approvals come to you again. What they "
            "already hold stays with them.",
        ),
        (DelegationReply(None, ended=True), "You have no delegation on, so nothing changed."),
    ],
)
def test_the_answer(reply: DelegationReply, says: str) -> None:
    built = build_delegation_reply(reply, TODAY).to_dict()
    assert built["text"] == says
    assert [block["text"]["text"] for block in built["blocks"]] == [says]
