"""The texts of scheduled premieres (``/settings premiere``, ``/status``), Japanese first, English."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "premiere.status.title": {"ja": "プレミア公開のイベント", "en": "Premiere events"},
        "premiere.status.ok": {
            "ja": "✅ 予約投稿の回のイベントを {count} 件予定しているのだ",
            "en": "✅ {count} event(s) scheduled for upcoming episodes",
        },
        "premiere.status.missing": {
            "ja": "⚠️ ボットに「イベントの管理」（または「イベントの作成」）の権限がないので、イベントを作れないのだ。"
            "サーバー設定 → ロールでボットのロールに許可してほしいのだ",
            "en": "⚠️ The bot lacks the Manage Events (or Create Events) permission, so it cannot create events. "
            "Allow it for the bot's role in Server Settings → Roles.",
        },
        "premiere.status.error": {
            "ja": "最後のエラー: {error}",
            "en": "Last error: {error}",
        },
        "cmd.settings.premiere": {"default": "premiere", "ja": "プレミア公開", "en": "premiere"},
        "cmd.settings.premiere.desc": {
            "ja": "予約投稿の回を、公開時刻に始まる Discord のイベントとして予告するかどうか",
            "en": "Announce episodes dated in the future as Discord events at their publication time",
        },
        "opt.enabled": {"default": "enabled", "ja": "有効", "en": "enabled"},
        "opt.enabled.desc": {
            "ja": "オンにするとイベントを作り、オフにすると作らないのだ（作ったイベントはそのまま）",
            "en": "On: create events; off: create none (events already made stay)",
        },
        "settings.premiere": {"ja": "プレミア公開のイベント", "en": "Premiere events"},
        "settings.premiere.on": {"ja": "オン", "en": "On"},
        "settings.premiere.off": {"ja": "オフ", "en": "Off"},
        "settings.premiere.missing": {
            "ja": "設定を保存したのだ。ただ、ボットに「イベントの管理」（または「イベントの作成」）の権限がないので、"
            "このままではイベントを作れないのだ。サーバー設定 → ロールでボットのロールに許可してほしいのだ。",
            "en": "Settings saved. The bot lacks the Manage Events (or Create Events) permission, so it cannot "
            "create events yet: allow it for the bot's role in Server Settings → Roles.",
        },
        "settings.premiere.explain": {
            "ja": "未来の日付の記事を見つけると、公開時刻に始まるイベント（場所はその回のページ）を作り、"
            "記事が変われば更新し、取り下げられれば中止するのだ。",
            "en": "For a post dated in the future the bot creates an event starting at its publication time "
            "(at the episode's page), updates it when the post changes and cancels it when the post is withdrawn.",
        },
    }
)
