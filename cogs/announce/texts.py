"""The announcement feature's user-facing texts (Japanese first, English)."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "announce.cmd": {"default": "announce", "ja": "告知する", "en": "announce"},
        "announce.cmd.desc": {
            "ja": "エピソードをこのサーバーの告知チャンネルに投稿します（ホスト用・過去回も可）",
            "en": "Post an episode to this server's announcement channel (hosts; old ones too)",
        },
        "announce.opt.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "announce.opt.episode.desc": {
            "ja": "エピソード番号（省略時は最新回）",
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
            "ja": "⛔ Discord が受け付けなかった告知 {count} 件（{episodes}）: {error}\n"
            "投稿を直すか `/告知する` で再送できるのだ",
            "en": "⛔ {count} announcement(s) refused by Discord ({episodes}): {error}\n"
            "Fix the post or resend with `/announce`",
        },
        "announce.status.none": {
            "ja": "告知チャンネル未設定（`/設定 告知`）",
            "en": "No announcement channel (`/settings announce`)",
        },
        "announce.status.ok": {"ja": "✅ {channel} 正常", "en": "✅ {channel} healthy"},
        "announce.status.failing": {
            "ja": "⚠️ {channel} で失敗（{failures} 回連続）: {error}\n次の再試行: {retry}",
            "en": "⚠️ {channel} failing ({failures} in a row): {error}\nNext try: {retry}",
        },
        "announce.status.counts": {
            "ja": "告知済み {done} 件・未完了 {pending} 件",
            "en": "{done} delivered, {pending} pending",
        },
        "announce.status.last": {"ja": "最新の告知: {episode}（{when}）", "en": "Last announced: {episode} ({when})"},
        "announce.status.cycle": {"ja": "最終チェック: {when}", "en": "Last check: {when}"},
        "announce.status.cycle_error": {"ja": "前回のチェックでエラー: {error}", "en": "Last check failed: {error}"},
        "announce.status.held": {"ja": "公開待ち: {count} 件（次: {when}）", "en": "Held: {count} (next {when})"},
    }
)
