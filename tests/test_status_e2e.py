"""/status and the feed-failure warning never show the operator's feed credentials or server paths."""

from __future__ import annotations

import re

from discord_emulator import DiscordEmulator
from tests.harness import BotRunner, Community, settled

#: A feed URL with credentials, on a local port nothing listens on (the poll fails at once, offline).
SECRET_FEED = "https://user:pass@127.0.0.1:9/feed.xml?token=abc#frag"


def plain(text: str) -> str:
    """``text`` with markdown escapes removed, as a reader sees it."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_no_secrets(text: str, runner: BotRunner) -> None:
    shown = plain(text)
    for secret in ("user", "pass", "token", "abc", "frag", str(runner.posts.parent)):
        assert secret not in shown, (secret, shown)


async def test_status_and_feed_warning_hide_credentials_and_paths(
    emulator: DiscordEmulator, community: Community, bot_runner: BotRunner
) -> None:
    bot = await bot_runner.start(feed_url=SECRET_FEED, feed_failure_alert=1, letters_channel_id=community.hosts.id)
    await settled(emulator, bot)
    status = await emulator.slash(community.host, community.general, "status")
    assert status.ephemeral
    [sources] = [f["value"] for f in status.embeds[0]["fields"] if f["name"] == "取り込み元"]
    assert_no_secrets(sources, bot_runner)
    assert "**feed\\:https\\://127\\.0\\.0\\.1\\:9/feed\\.xml**" in sources
    assert "**folder\\:posts**" in sources
    assert "エラー" in sources  # the failure is shown, without the secrets it held
    assert "127\\.0\\.0\\.1\\:9/feed\\.xml" in sources.split("エラー", 1)[1]

    warning = await emulator.wait_for_message(community.hosts)
    assert_no_secrets(warning.content, bot_runner)
    assert "`https://127.0.0.1:9/feed.xml`" in warning.content
    assert emulator.pings(warning).nobody


def test_public_source_and_error() -> None:
    from bot.ui.safety import public_error, public_source

    assert public_source("feed:https://u:p@host.example:8443/f.xml?t=1#x") == "feed:https://host.example:8443/f.xml"
    assert public_source("feed:/srv/show/feed.xml") == "feed:feed.xml"
    assert public_source("feed:file:///srv/show/feed.xml") == "feed:feed.xml"
    assert public_source("folder:/home/op/site/_posts") == "folder:_posts"
    error = public_error(
        "cannot read /home/op/site/_posts/x.md; see https://a:b@h.example/p?k=v [l](https://e)",
        "folder:/home/op/site/_posts",
    )
    assert plain(error) == "cannot read _posts/x.md; see https://h.example/p [l](https://e)"
    assert "](" not in re.sub(r"\\.", "", error)
