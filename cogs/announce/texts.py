"""The announcement feature's user-facing texts (Japanese first, English)."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "announce.cmd": {"default": "announce", "ja": "告知する", "en": "announce"},
        "announce.cmd.desc": {
            "ja": "告知を投稿したり、試しに見たりします（ホスト用）",
            "en": "Post an announcement, or try one out (hosts)",
        },
        "announce.cmd.post": {"default": "post", "ja": "投稿", "en": "post"},
        "announce.cmd.post.desc": {
            "ja": "回をこのサーバーの告知チャンネルに投稿します（過去の回も可）",
            "en": "Post an episode to this server's announcement channel (old ones too)",
        },
        "announce.cmd.test": {"default": "test", "ja": "テスト", "en": "test"},
        "announce.cmd.test.desc": {
            "ja": "次の告知をそのまま自分だけに表示します（公開されません）",
            "en": "Show the next announcement exactly, only to you (nothing is published)",
        },
        "announce.opt.test_episode.desc": {
            "ja": "回の番号（省略すると次に告知される最新の回）",
            "en": "Episode number (default: the newest, the next to be announced)",
        },
        "announce.opt.channel": {"default": "channel", "ja": "チャンネル", "en": "channel"},
        "announce.opt.channel.desc": {
            "ja": "ここに投稿して確かめる（省略すると自分だけに表示・メンションは通知されません）",
            "en": "Post it here to check (default: only you see it; the mention notifies nobody)",
        },
        "announce.test.private": {
            "ja": "{episode}の告知は、このように投稿されるのだ（あなたにだけ見えているのだ）:",
            "en": "This is how the announcement of {episode} will be posted (only you can see it):",
        },
        "announce.test.posted": {
            "ja": "{episode}の告知を {link} にテスト投稿したのだ"
            "（公開・フォロー先への配信・メンションの通知はしていないのだ）。",
            "en": "Posted a test of {episode}'s announcement at {link} (not published, not sent to followers, "
            "nobody notified).",
        },
        "announce.test.not_yours": {
            "ja": "{channel} にはあなたが書き込めないので、そこにはテスト投稿できないのだ。",
            "en": "You cannot post in {channel}, so the test cannot go there.",
        },
        "announce.test.failed": {
            "ja": "テスト投稿できなかったのだ: {error}",
            "en": "The test could not be posted: {error}",
        },
        "announce.opt.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "announce.opt.episode.desc": {
            "ja": "回の番号（省略すると最新の回）",
            "en": "Episode number (default: the latest)",
        },
        "announce.queued": {
            "ja": "「{title}」を告知チャンネルに投稿するのだ。少し待っててほしいのだ。",
            "en": "Posting “{title}” to the announcement channel shortly.",
        },
        "announce.queued_later": {
            "ja": "「{title}」は {when} 公開なので、その時に投稿するのだ。",
            "en": "“{title}” is published {when}; it will be posted then.",
        },
        "announce.exists": {
            "ja": "「{title}」はもう告知チャンネルに投稿済み（または投稿中）なのだ。",
            "en": "“{title}” has already been posted (or is being posted).",
        },
        "announce.no_channel": {
            "ja": "告知チャンネルが未設定なのだ。先に `/設定 告知` で設定してほしいのだ。",
            "en": "No announcement channel is set: use `/settings announce` first.",
        },
        "announce.no_episode": {
            "ja": "エピソード「{number}」が見つからないのだ。",
            "en": "Episode “{number}” was not found.",
        },
        "announce.feed_alert": {
            "ja": "⚠️ フィード `{source}` の取得が {failures} 回続けて失敗しているのだ。間隔をあけて再試行を続けるのだ。"
            "\n最後のエラー: {error}",
            "en": "⚠️ Polling the feed `{source}` has failed {failures} times in a row; retrying with backoff."
            "\nLast error: {error}",
        },
        "announce.status": {"ja": "告知", "en": "Announcements"},
        "announce.status.rejected": {
            "ja": "⛔ Discord が受け付けなかった告知が {count} 回分あるのだ（{episodes}）: {error}\n"
            "記事を直すか `/告知する 投稿` でもう一度送れるのだ",
            "en": "⛔ {count} announcement(s) refused by Discord ({episodes}): {error}\n"
            "Fix the post or send it again with `/announce post`",
        },
        "announce.status.none": {
            "ja": "告知チャンネル未設定（`/設定 告知`）",
            "en": "No announcement channel (`/settings announce`)",
        },
        "announce.status.ok": {"ja": "✅ {channel} 正常", "en": "✅ {channel} healthy"},
        "announce.status.failing": {
            "ja": "⚠️ {channel} への投稿が {failures} 回続けて失敗しているのだ: {error}\n次に試すのは {retry}",
            "en": "⚠️ {channel} failing ({failures} in a row): {error}\nNext try: {retry}",
        },
        "announce.status.counts": {
            "ja": "告知済み {done} 回分・送信待ち {pending} 回分",
            "en": "{done} delivered, {pending} pending",
        },
        "announce.status.last": {"ja": "最新の告知: {episode}（{when}）", "en": "Last announced: {episode} ({when})"},
        "announce.status.cycle": {"ja": "最終チェック: {when}", "en": "Last check: {when}"},
        "announce.status.cycle_error": {"ja": "前回のチェックでエラー: {error}", "en": "Last check failed: {error}"},
        "announce.status.held": {"ja": "公開待ち: {count} 回分（次は {when}）", "en": "Held: {count} (next {when})"},
    }
)
