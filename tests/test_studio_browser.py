"""The studio in a real headless Chromium: what a person sees and does in the page, through the real bot.

Chromium comes from the distribution (``apt-get install chromium``; .ci/run installs it) and is driven with
Playwright pointed at it; no browser is downloaded. Without Chromium (or Playwright) these tests skip.
Set ``ZUNDABOT_SCREENSHOT=docs/studio.png`` to write the README's screenshot there.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli.studio import StudioOptions, StudioSession, open_studio
from bot.config import Settings
from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.render import main_card

playwright_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
#: How long an assertion waits for the page (the machine may be busy: the bot answers within Discord's 3 s).
playwright_api.expect.set_options(timeout=10_000)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.timeout(90),
]


@pytest.fixture
async def session() -> AsyncIterator[StudioSession]:
    settings = Settings(_env_file=None, content_dir=ROOT / "content" / "episodes", log_level="INFO")  # type: ignore[call-arg]
    async with open_studio(settings, StudioOptions(port=0, backfill=1)) as running:
        yield running


@pytest.fixture
async def page(session: StudioSession) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = await browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="ja-JP", timezone_id="Asia/Tokyo"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(session.url)
        await page.wait_for_selector("body[data-ready=true]")
        yield page
        await browser.close()
        assert errors == []


def expect(locator: Any) -> Any:
    return playwright_api.expect(locator)


async def open_channel(page: Any, name: str) -> None:
    await page.locator("#channel-list .channel", has_text=name).first.click()
    await expect(page.locator("#channel-title")).to_contain_text(name)


async def run_command(page: Any, typed: str, **options: str) -> None:
    """Type ``/name`` in the composer, pick the first suggestion, fill the options and send."""
    composer = page.locator("#composer-input")
    await expect(page.locator("#command-form")).to_be_hidden()
    await composer.fill(typed)
    await expect(page.locator("#suggestions li").first).to_be_visible()
    await composer.press("Enter")
    await expect(page.locator("#command-form")).to_be_visible()
    for name, value in options.items():
        await page.locator(f"#command-form [name={name}]").fill(value)
    await page.locator("#command-form button[type=submit]").click()


async def test_page_shows_the_server_and_the_announced_episode(session: StudioSession, page: Any) -> None:
    await expect(page.locator("#notice")).to_contain_text("本物の Discord には接続していません")
    channels = page.locator("#channel-list .channel")
    await expect(channels.filter(has_text="雑談")).to_be_visible()
    await expect(channels.filter(has_text="番組フォーラム")).to_be_visible()
    await expect(channels.filter(has_text="ホスト控室")).to_have_count(0)  # hidden from listeners
    await open_channel(page, "お知らせ")
    announcement = page.locator("article.message").filter(has=page.locator(".embed")).first
    await expect(announcement.locator(".embed-title")).to_contain_text("20260616")
    await expect(announcement.locator(".mention").first).to_have_text("@新着通知")
    await expect(announcement.locator(".ping-note")).to_contain_text("@新着通知")
    await expect(announcement).to_have_class(re.compile("pinged"))  # the listener has the role
    await expect(announcement.locator(".thread-link")).to_be_visible()
    await expect(announcement.locator(".app-tag")).to_have_text("アプリ")
    await expect(page.locator("#composer-input")).to_have_attribute("placeholder", re.compile("送信できません"))
    shot = os.environ.get("ZUNDABOT_SCREENSHOT")
    target = Path(shot) if shot else Path(session.posts).parent / "studio.png"
    await page.screenshot(path=str(target))
    assert target.read_bytes().startswith(b"\x89PNG")


async def test_search_with_a_japanese_word_shows_the_result_embed(page: Any) -> None:
    await run_command(page, "/検索", query="推論")
    answer = page.locator("article.message.ephemeral").last
    await expect(answer.locator(".reply-line")).to_contain_text("ずんだファン が使用しました /検索")
    await expect(answer.locator(".embed")).to_contain_text("推論")
    await expect(answer.locator(".embed strong", has_text="推論").first).to_be_visible()  # the matched word in bold
    await expect(answer.locator(".ephemeral-note")).to_have_text("👁 あなただけに表示されています")


async def test_letter_written_by_a_listener_is_adopted_by_the_host(session: StudioSession, page: Any) -> None:
    await run_command(page, "/お便り 書く")
    dialog = page.locator("dialog#modal")
    await expect(dialog.locator("h2")).to_have_text("お便りを書く")
    await (
        dialog.locator(".field", has_text="本文")
        .locator("textarea")
        .fill("毎朝の通勤で聞いています。推論の回が好きです！")
    )
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_be_hidden()
    confirmation = page.locator("article.message.ephemeral").last
    await expect(confirmation).to_contain_text("を受け付けたのだ")
    await expect(confirmation.locator(".ephemeral-note")).to_be_visible()

    await page.locator("#viewer-select").select_option(str(session.server.host.id))
    await open_channel(page, "ホスト控室")
    letter = page.locator("article.message").filter(has_text="毎朝の通勤で聞いています").last
    await expect(letter.locator(".embed")).to_be_visible()
    await letter.locator("button.button", has_text="採用").click()
    await expect(letter.locator(".embed")).to_contain_text("採用")
    assert [m.embeds for m in session.server.hosts.messages if "採用" in str(m.embeds)]


async def test_a_new_post_is_announced_with_its_thread(session: StudioSession, page: Any) -> None:
    control = page.locator("section.control[data-control=post]")
    today = datetime.now(session.settings.zone).strftime("%Y%m%d")
    await expect(control.locator("textarea")).to_have_value(re.compile("スタジオで書いた回"))
    await control.locator("button", has_text="Save the post").click()
    await expect(control.locator(".control-status")).to_contain_text("saved")
    await open_channel(page, "お知らせ")
    announcement = page.locator("article.message").filter(has_text=f"スタジオで書いた回 {today}")
    await expect(announcement.locator(".embed-title")).to_be_visible(timeout=30_000)
    thread = announcement.locator(".thread-link")
    await expect(thread).to_contain_text(f"スタジオで書いた回 {today}")
    await thread.click()
    await expect(page.locator("#messages")).to_contain_text("ここに話題の要約を書くのだ")
    await expect(page.locator("#messages strong", has_text="太字")).to_be_visible()
    await open_channel(page, "番組フォーラム")
    await expect(page.locator(".post-card", has_text=f"スタジオで書いた回 {today}")).to_be_visible()


async def test_hostile_text_is_shown_as_text_and_markdown_renders(session: StudioSession, page: Any) -> None:
    await open_channel(page, "雑談")
    composer = page.locator("#composer-input")
    await composer.fill(
        "<img src=x onerror=\"document.title='pwned'\"> **太字** ||ネタバレ|| [罠](javascript:alert(1)) `code` <t:0:F>"
    )
    await composer.press("Enter")
    message = page.locator("article.message").last
    await expect(message).to_contain_text('<img src=x onerror="document.title=')
    await expect(message.locator("strong")).to_have_text("太字")
    await expect(message.locator(".spoiler")).to_have_text("ネタバレ")
    await expect(message.locator("code")).to_have_text("code")
    await expect(message.locator(".timestamp")).to_contain_text("1970年1月1日木曜日 9:00")  # the viewer's zone
    assert await message.locator("img").count() == 0
    assert await message.locator("a[href^=javascript]").count() == 0
    assert await page.title() != "pwned"
    assert session.server.general.messages[-1].author.id == session.server.listener.id
    long = {"embeds": [{"title": "長い説明", "description": "あ" * 3900}]}
    session.emulator.messaging.create(session.server.general, session.emulator.bot, long, check_permissions=False)
    warned = page.locator("article.message").filter(has_text="長い説明")
    await expect(warned.locator(".limit-note")).to_contain_text("embed 1 description 3900/4096")


async def test_english_client_sees_english_names_and_answers(page: Any) -> None:
    await page.locator("#locale-select").select_option("en-US")
    await expect(page.locator("#notice")).to_contain_text("Nothing goes to the real Discord")
    composer = page.locator("#composer-input")
    await composer.fill("/sear")
    await expect(page.locator("#suggestions li").first).to_contain_text("/search")
    await composer.press("Enter")
    await page.locator("#command-form [name=query]").fill("SQLite")
    await page.locator("#command-form button[type=submit]").click()
    answer = page.locator("article.message.ephemeral").last
    await expect(answer.locator(".ephemeral-note")).to_have_text("👁 Only you can see this")
    await expect(answer.locator(".embed")).to_contain_text("SQLite")


async def test_autocomplete_picks_an_episode_and_the_answer_pages(page: Any) -> None:
    composer = page.locator("#composer-input")
    await composer.fill("/エピソード")
    await expect(page.locator("#suggestions li").first).to_contain_text("/エピソード")
    await composer.press("Enter")
    field = page.locator("#command-form [name=episode]")
    await field.fill("6")
    choice = page.locator("#command-form .choices li").first
    await expect(choice).to_contain_text("20260616")  # the bot's autocomplete answer
    await choice.click()
    await expect(field).to_have_value(re.compile("20260616"))
    await page.locator("#command-form button[type=submit]").click()
    answer = page.locator("article.message.ephemeral").last
    await expect(answer.locator(".embed-title").first).to_contain_text("20260616")
    before = await answer.locator(".embed").first.inner_text()
    await answer.locator("button.button", has_text="▶").click()
    await expect(answer.locator(".embed").first).not_to_have_text(before)


async def test_settings_are_for_the_admin_only(session: StudioSession, page: Any) -> None:
    composer = page.locator("#composer-input")
    await composer.fill("/設定")
    await expect(page.locator("#suggestions li").first).to_have_text("使えるコマンドがありません")
    await page.locator("#viewer-select").select_option(str(session.server.admin.id))
    await expect(page.locator("#channel-list .channel", has_text="ホスト控室")).to_be_visible()
    await composer.fill("/設定 告知")
    await composer.press("Enter")
    await page.locator("#command-form select[name=channel]").select_option(str(session.server.general.id))
    await page.locator("#command-form button[type=submit]").click()
    await expect(page.locator("article.message.ephemeral").last).to_contain_text("#雑談")
    await run_command(page, "/設定 表示")
    answer = page.locator("article.message.ephemeral").last
    await expect(answer.locator(".embed")).to_contain_text("#雑談")
    await expect(answer.locator(".ephemeral-note")).to_be_visible()


async def test_an_edited_post_edits_its_announcement_in_place(session: StudioSession, page: Any) -> None:
    await open_channel(page, "お知らせ")
    announcement = page.locator("article.message").filter(has=page.locator(".embed-title", has_text="20260616"))
    await expect(announcement).to_have_count(1)
    control = page.locator("section.control[data-control=post]")
    await control.locator("select[name=file]").select_option("2026-06-16-6.md")
    text = control.locator("textarea[name=text]")
    await expect(text).to_have_value(re.compile("title: ずんだ研究所テックラジオ 20260616"))
    edited = (await text.input_value()).replace("テックラジオ 20260616", "テックラジオ 20260616 特別編")
    await text.fill(edited)
    await control.locator("button", has_text="Save the post").click()
    await expect(control.locator(".control-status")).to_contain_text("saved 2026-06-16-6.md")
    await expect(announcement.locator(".embed-title")).to_contain_text("特別編", timeout=30_000)
    await expect(page.locator("article.message .embed-title", has_text="20260616")).to_have_count(1)  # not posted twice
    await expect(announcement.locator(".edited")).to_be_visible()


async def test_a_post_that_cannot_be_read_is_refused_and_nothing_is_written(session: StudioSession, page: Any) -> None:
    control = page.locator("section.control[data-control=post]")
    await control.locator("textarea[name=text]").fill("no front matter here")
    await control.locator("button", has_text="Save the post").click()
    await expect(control.locator(".control-status")).to_contain_text("the post cannot be read")
    await expect(control.locator("textarea[name=text]")).to_have_value("no front matter here")  # nothing lost
    name = await control.locator("input[name=name]").input_value()
    assert not (session.posts / name).exists()


async def test_the_announcements_letter_button_opens_the_form_for_that_episode(page: Any) -> None:
    await open_channel(page, "お知らせ")
    announcement = page.locator("article.message").filter(has=page.locator(".embed-title", has_text="20260616"))
    await announcement.locator("button.button", has_text="お便りを送る").click()
    dialog = page.locator("dialog#modal")
    await expect(dialog.locator("h2")).to_have_text("お便りを書く")
    await expect(
        dialog.locator(".field", has_text="関連するエピソード").locator("select option:checked")
    ).to_contain_text("6")
    await dialog.locator("button", has_text="キャンセル").click()
    await expect(dialog).to_be_hidden()


async def test_a_v2_card_shows_its_text_sections_image_and_working_buttons(session: StudioSession, page: Any) -> None:
    episode = read_post(ROOT / "content" / "episodes" / "2026-06-16-6.md", site=Site())
    card = main_card(replace(episode, image_url="https://zund-arm-on.com/images/6.png"))
    session.emulator.messaging.create(session.server.general, session.emulator.bot, card, check_permissions=False)
    await open_channel(page, "雑談")
    shown = page.locator("article.message").filter(has=page.locator(".container")).last
    await expect(shown.locator(".container h2")).to_contain_text("20260616")
    await expect(shown.locator(".container img.thumbnail")).to_have_attribute(
        "src", "https://zund-arm-on.com/images/6.png"
    )
    await expect(shown.locator(".container .separator")).to_have_count(2)
    await expect(shown.locator(".container").get_by_text("LLMアプリの評価データを少人数で作る方法")).to_be_visible()
    await expect(shown.locator("a.button, button.button", has_text="example.com").first).to_be_visible()
    await shown.locator("button.button", has_text="お便りを送る").click()
    dialog = page.locator("dialog#modal")
    await expect(dialog.locator("h2")).to_have_text("お便りを書く")
    await dialog.locator("button", has_text="キャンセル").click()
