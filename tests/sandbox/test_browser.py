"""The sandbox as a person uses it, in a real browser: deals in, cards out, clicks, modals,
the clock, App Home, and text that stays text."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, Route, expect

from bot.app.sandbox import RunningSandbox

WAIT = 10_000
"""Milliseconds to wait for the app (a card goes out through the outbox)."""


async def act_as(page: Page, name: str) -> None:
    await page.locator("#people button", has_text=name).click()
    await expect(page.locator("#people button.current")).to_contain_text(name)


async def open_conversation(page: Page, label: str) -> None:
    await page.locator("#sidebar button.conversation", has_text=label).click()
    await expect(page.locator("#sidebar button.conversation.current")).to_contain_text(label)


async def submit_ready_deal(page: Page, preset: str) -> None:
    await page.select_option("#preset", preset)
    await expect(page.locator(".toast")).to_contain_text("went in as D-", timeout=WAIT)


def card(page: Page, company: str) -> Locator:
    """The approval card about ``company`` in the open conversation, whatever its state."""
    header = page.locator(".block.header", has_text=company)
    return page.locator("#conversation article.message").filter(has=header)


def button(scope: Locator, name: str) -> Locator:
    return scope.get_by_role("button", name=name, exact=True)


async def approve_as_lisa(page: Page) -> Locator:
    await submit_ready_deal(page, "techcorp")
    await act_as(page, "Lisa Wong")
    lisa_card = card(page, "TechCorp")
    await expect(lisa_card).to_be_visible(timeout=WAIT)
    await button(lisa_card, "Approve").click()
    await expect(button(lisa_card, "Approve")).to_have_count(0, timeout=WAIT)
    return lisa_card


async def test_the_techcorp_deal_reaches_lisa_and_her_approval_reaches_the_thread(
    page: Page, sandbox: RunningSandbox
) -> None:
    lisa_card = await approve_as_lisa(page)

    await expect(lisa_card).to_contain_text("Approved", timeout=WAIT)
    await open_conversation(page, "#deal-desk")
    parent = page.locator("#conversation article.message").filter(has_text="TechCorp")
    await parent.locator("button.replies").click()
    thread = page.locator("#thread")
    await expect(thread).to_contain_text("Lisa Wong", timeout=WAIT)
    await expect(thread).to_contain_text("approved")


async def test_reject_asks_for_a_reason_and_an_empty_one_is_refused(page: Page) -> None:
    await submit_ready_deal(page, "techcorp")
    await act_as(page, "Lisa Wong")
    lisa_card = card(page, "TechCorp")
    await button(lisa_card, "Reject").click(timeout=WAIT)
    confirm = page.locator("#confirm")
    if await confirm.is_visible():
        await confirm.locator("button[value=yes]").click()
    modal = page.locator(".modal")
    await expect(modal).to_be_visible(timeout=WAIT)

    await modal.locator("footer button.primary").click()
    await expect(modal.locator(".field-error")).to_have_text("Please complete this required field.")
    await modal.locator("textarea").fill("   ")
    await modal.locator("footer button.primary").click()
    error = modal.locator(".field-error")
    await expect(error).to_be_visible(timeout=WAIT)
    await expect(error).not_to_have_text("Please complete this required field.")
    await expect(button(lisa_card, "Reject")).to_have_count(1)  # nothing was decided


async def test_a_slow_reload_answering_after_a_click_on_someone_does_not_undo_it(
    page: Page,
) -> None:
    await act_as(page, "Sarah Chen")
    held: list[Route] = []

    async def hold_sarahs_state(route: Route) -> None:
        if held:
            await route.continue_()
        else:
            held.append(route)

    await page.route("**/sandbox/state?as=U0SARAH*", hold_sarahs_state)
    await page.evaluate("() => { load(); }")  # a reload from the event stream, answered late
    while not held:
        await page.wait_for_timeout(20)

    await act_as(page, "Lisa Wong")
    await held[0].continue_()
    await page.wait_for_timeout(300)  # what would put Sarah back has arrived by now

    await expect(page.locator("#people button.current")).to_contain_text("Lisa Wong")


async def test_a_day_later_priyas_approval_has_moved_to_her_backup(page: Page) -> None:
    await approve_as_lisa(page)
    await act_as(page, "Priya Patel")
    priya_card = card(page, "TechCorp")
    await expect(priya_card).to_be_visible(timeout=WAIT)

    await page.locator("#clock button[data-advance='1d']").click()

    await expect(button(priya_card, "Approve")).to_have_count(0, timeout=WAIT)
    await expect(priya_card).to_contain_text("Omar Haddad")
    await act_as(page, "Omar Haddad")
    omar_card = card(page, "TechCorp")
    await expect(omar_card).to_be_visible(timeout=WAIT)
    await expect(button(omar_card, "Approve")).to_be_visible()


async def test_the_home_tab_lists_pending_approvals(page: Page) -> None:
    await submit_ready_deal(page, "techcorp")
    await act_as(page, "Lisa Wong")
    await expect(card(page, "TechCorp")).to_be_visible(timeout=WAIT)

    await open_conversation(page, "Home")

    home = page.locator("#conversation .home")
    await expect(home).to_contain_text("TechCorp", timeout=WAIT)
    await expect(button(home, "Approve").first).to_be_visible()


async def test_ticked_approvals_on_home_are_approved_together(page: Page) -> None:
    """Checkbox state travels with the click, as Slack sends a view's state."""
    await submit_ready_deal(page, "techcorp")
    await page.locator(".toast").evaluate_all("(toasts) => toasts.forEach((t) => t.remove())")
    await submit_ready_deal(page, "techcorp")
    await act_as(page, "Lisa Wong")
    await open_conversation(page, "Home")
    home = page.locator("#conversation .home")
    await expect(home.locator("input[type=checkbox]")).to_have_count(2, timeout=WAIT)

    for box in await home.locator("input[type=checkbox]").all():
        await box.check()
    await button(home, "Approve selected").click()
    await page.locator("#confirm button[value=yes]").click()

    await expect(home).to_contain_text("Approved 2.", timeout=WAIT)
    await expect(home).to_contain_text("Nothing waits for you.")


async def test_a_company_named_like_markup_is_shown_as_text(page: Page) -> None:
    company = "<!channel> <b>x</b>"
    await page.locator("#new-deal").click()
    modal = page.locator(".modal")
    await expect(modal).to_be_visible(timeout=WAIT)
    inputs = modal.locator(".block.input")
    await inputs.filter(has_text="Company").locator("input").fill(company)
    await inputs.filter(has_text="Annual contract value").locator("input").fill("500000")
    await inputs.filter(has_text="Industry").locator("input").fill("Technology")
    await inputs.filter(has_text="Employees").locator("input").fill("5000")
    await (
        inputs.filter(has_text="Use case")
        .locator("textarea")
        .fill("Consolidate regional CRMs onto one platform")
    )
    await inputs.filter(has_text="Budget and terms").locator("input").first.check()
    await modal.locator("footer button.primary").click()
    await expect(modal).to_have_count(0, timeout=WAIT)

    await act_as(page, "Lisa Wong")
    shown = card(page, company)
    await expect(shown).to_be_visible(timeout=WAIT)
    await expect(shown.locator(".block.header")).to_have_text(f"Approval needed: {company}")
    await expect(page.locator("#conversation .mention.broadcast")).to_have_count(0)
    await expect(page.locator("#conversation b", has_text="x")).to_have_count(0)
    await open_conversation(page, "#deal-desk")
    await expect(page.locator("#conversation")).to_contain_text(company, timeout=WAIT)
    await expect(page.locator("#conversation .mention.broadcast")).to_have_count(0)


MRKDWN_CASES = [
    (
        "*Bold* and _italics_ and ~gone~ and `code`",
        "<b>Bold</b> and <i>italics</i> and <s>gone</s> and <code>code</code>",
    ),
    (
        "<@U0LISA> in <#C0DEALDESK>",
        '<span class="mention" data-user="U0LISA">@Lisa Wong</span>'
        ' in <span class="mention">#deal-desk</span>',
    ),
    (
        "<https://example.com/a?b=1&amp;c=2|the deal>",
        '<a href="https://example.com/a?b=1&amp;'
        'c=2" target="_blank" rel="noopener noreferrer">the deal</a>',
    ),
    ("&lt;b&gt;x&lt;/b&gt; &amp; &lt;!channel&gt;", "&lt;b&gt;x&lt;/b&gt; &amp; &lt;!channel&gt;"),
    ("<!channel> now", '<span class="mention broadcast">@channel</span> now'),
    (
        "<!date^1796486400^{date_num} at {time}|4 Dec>",
        '<time datetime="2026-12-05T16:00:00.000Z">2026-12-05 at 11:00 AM</time>',
    ),
    ("> quoted\nplain", "<blockquote>quoted</blockquote>plain"),
    (
        "Priya Patel's Slack status: :palm_tree: until Mon",
        "Priya Patel&#39;s Slack status: "
        '<span class="emoji" title=":palm_tree:">🌴</span> until Mon',
    ),
    (":wave::skin-tone-3: hi", '<span class="emoji" title=":wave:">👋</span> hi'),
    (
        ":not_an_emoji: stays, as `:palm_tree:` in code",
        ":not_an_emoji: stays, as <code>:palm_tree:</code> in code",
    ),
    ("at 10:30:45 AM", "at 10:30:45 AM"),
]


async def test_mrkdwn_is_shown_as_slack_shows_it(page: Page) -> None:
    """Bold, links, mentions, date tokens in the browser's time zone (New York here), and
    Slack's escaped text shown as the characters it stands for, never as markup."""
    names = {"U0LISA": "Lisa Wong", "C0DEALDESK": "deal-desk"}
    for text, html in MRKDWN_CASES:
        shown = await page.evaluate("([text, names]) => Mrkdwn.toHtml(text, names)", [text, names])
        assert shown == html, text


async def test_plain_text_shows_shortcodes_unless_emoji_is_false(page: Page) -> None:
    shown = await page.evaluate("Mrkdwn.plainHtml(':airplane: <away>')")
    assert shown == '<span class="emoji" title=":airplane:">✈️</span> &lt;away&gt;'
    assert await page.evaluate("Mrkdwn.plainHtml(':airplane:', false)") == ":airplane:"


async def test_a_status_set_on_the_page_shows_beside_the_name(page: Page) -> None:
    await act_as(page, "Lisa Wong")
    await page.select_option("#status", "vacation")
    await expect(page.locator(".toast")).to_contain_text("Lisa Wong's status", timeout=WAIT)
    status = page.locator("#people button.current .status")
    await expect(status).to_have_text("🌴")
    await expect(status).to_have_attribute("title", re.compile(r"^On vacation until "))
    await expect(page.locator("#my-status")).to_contain_text("🌴 On vacation")
    await page.select_option("#status", "clear")
    await expect(status).to_have_count(0, timeout=WAIT)


async def test_the_policy_page_shows_the_matrix_as_dealdesk_draws_it(page: Page) -> None:
    await page.get_by_role("button", name="Authority matrix").click()

    svg = page.locator("#conversation figure.policy svg")
    await expect(svg).to_be_visible(timeout=WAIT)
    for words in ("1. Qualification", "2. Deal approval", "3. Reviews", "Lisa Wong · cfo"):
        await expect(svg).to_contain_text(words)
    await expect(page.locator("#title")).to_have_text("The policy")

    await act_as(page, "Lisa Wong")  # a reload from the event stream keeps the page
    await expect(svg).to_be_visible()
    await open_conversation(page, "Home")
    await expect(page.locator("#conversation figure.policy")).to_have_count(0)
