"""The texts of ``/status`` and ``/settings`` (Japanese first, English)."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "cmd.status": {"default": "status", "ja": "ステータス", "en": "status"},
        "cmd.status.desc": {"ja": "ボットの稼働状況を表示します（ホスト用）", "en": "Show the bot's health (hosts)"},
        "cmd.settings": {"default": "settings", "ja": "設定", "en": "settings"},
        "cmd.settings.desc": {"ja": "このサーバーでのボットの設定", "en": "The bot's settings in this server"},
        "cmd.settings.show": {"default": "show", "ja": "表示", "en": "show"},
        "cmd.settings.show.desc": {"ja": "現在の設定を表示します", "en": "Show the current settings"},
        "status.title": {"ja": "zundabot ステータス", "en": "zundabot status"},
        "status.version": {"ja": "バージョン", "en": "Version"},
        "status.uptime": {"ja": "稼働時間", "en": "Uptime"},
        "status.latency": {"ja": "Gateway 遅延", "en": "Gateway latency"},
        "status.guilds": {"ja": "サーバー数", "en": "Servers"},
        "status.episodes": {"ja": "保存済みエピソード", "en": "Episodes in store"},
        "status.sources": {"ja": "取り込み元", "en": "Sources"},
        "status.source_ok": {"ja": "最終成功 {when}", "en": "last success {when}"},
        "status.source_never": {"ja": "まだ一度も読めていないのだ", "en": "no successful poll yet"},
        "status.source_error": {
            "ja": "エラー（{failures} 回連続）: {error}",
            "en": "error ({failures} in a row): {error}",
        },
        "status.no_sources": {"ja": "（まだ取り込みなし）", "en": "(nothing polled yet)"},
        "cmd.settings.announce": {"default": "announce", "ja": "告知", "en": "announce"},
        "cmd.settings.announce.desc": {
            "ja": "新しいエピソードを告知するチャンネルとメンションするロール",
            "en": "Channel for new-episode announcements and the role to mention",
        },
        "cmd.settings.letters": {"default": "letters", "ja": "お便り", "en": "letters"},
        "cmd.settings.letters.desc": {
            "ja": "お便りが届くホスト用チャンネルとホストのロール",
            "en": "Hosts' channel that receives letters, and the host role",
        },
        "cmd.settings.clear": {"default": "clear", "ja": "解除", "en": "clear"},
        "cmd.settings.clear.desc": {
            "ja": "告知またはお便りの設定を解除します",
            "en": "Turn off announcements or letters",
        },
        "opt.channel": {"default": "channel", "ja": "チャンネル", "en": "channel"},
        "opt.channel.announce": {
            "ja": "告知先（テキスト・アナウンス・フォーラム）",
            "en": "Text, announcement or forum channel",
        },
        "opt.channel.letters": {"ja": "お便りを受け取るチャンネル", "en": "Channel that receives letters"},
        "opt.role": {"default": "role", "ja": "ロール", "en": "role"},
        "opt.role.announce": {"ja": "告知でメンションするロール（省略可）", "en": "Role to mention (optional)"},
        "opt.host_role": {"default": "host_role", "ja": "ホストロール", "en": "host_role"},
        "opt.host_role.desc": {
            "ja": "お便りを管理できるロール（省略可）",
            "en": "Role allowed to manage letters (optional)",
        },
        "opt.what": {"default": "what", "ja": "対象", "en": "what"},
        "opt.what.desc": {"ja": "解除する設定", "en": "Which setting to turn off"},
        "choice.announce": {"ja": "告知", "en": "Announcements"},
        "choice.letters": {"ja": "お便り", "en": "Letters"},
        "settings.title": {"ja": "このサーバーの設定", "en": "Settings of this server"},
        "settings.unset": {"ja": "未設定", "en": "not set"},
        "settings.announce_channel": {"ja": "告知チャンネル", "en": "Announcement channel"},
        "settings.announce_role": {"ja": "告知でメンションするロール", "en": "Role mentioned in announcements"},
        "settings.letters_channel": {"ja": "お便りチャンネル", "en": "Letters channel"},
        "settings.host_role": {"ja": "ホストロール", "en": "Host role"},
        "settings.saved": {"ja": "設定を保存したのだ。", "en": "Settings saved."},
        "settings.cleared": {"ja": "設定を解除したのだ。", "en": "Setting turned off."},
        "settings.media_channel": {
            "ja": "{channel} はメディアチャンネルなので告知できないのだ。"
            "テキスト・アナウンス・フォーラムチャンネルを選んでほしいのだ。",
            "en": "{channel} is a media channel, where announcements cannot go. Choose a text, announcement or "
            "forum channel.",
        },
        "settings.missing_perms": {
            "ja": "⚠️ ボットには {channel} で次の権限が足りないのだ: {permissions}",
            "en": "⚠️ The bot lacks these permissions in {channel}: {permissions}",
        },
    }
)
