"""The texts of ``/status`` and ``/settings`` (Japanese first, English)."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "cmd.status": {"default": "status", "ja": "ステータス", "en": "status"},
        "cmd.status.desc": {"ja": "ボットの稼働状況を表示します（ホスト用）", "en": "Show the bot's health (hosts)"},
        "cmd.settings": {"default": "settings", "ja": "設定", "en": "settings"},
        "cmd.settings.desc": {
            "ja": "このサーバーでのボットの設定を変えます",
            "en": "The bot's settings in this server",
        },
        "cmd.settings.show": {"default": "show", "ja": "表示", "en": "show"},
        "cmd.settings.show.desc": {"ja": "現在の設定を表示します", "en": "Show the current settings"},
        "status.title": {"ja": "zundabot ステータス", "en": "zundabot status"},
        "status.version": {"ja": "バージョン", "en": "Version"},
        "status.uptime": {"ja": "稼働時間", "en": "Uptime"},
        "status.latency": {"ja": "Discord との応答時間", "en": "Response time from Discord"},
        "status.guilds": {"ja": "サーバー数", "en": "Servers"},
        "status.episodes": {"ja": "保存済みエピソード", "en": "Episodes in store"},
        "status.sources": {"ja": "取り込み元", "en": "Sources"},
        "status.source_ok": {"ja": "最後に読めたのは {when}", "en": "last success {when}"},
        "status.source_never": {"ja": "まだ一度も読めていないのだ", "en": "no successful poll yet"},
        "status.source_error": {
            "ja": "{failures} 回続けて読めていないのだ。エラー: {error}",
            "en": "error ({failures} in a row): {error}",
        },
        "status.no_sources": {"ja": "（まだ取り込みなし）", "en": "(nothing polled yet)"},
        "cmd.settings.announce": {"default": "announce", "ja": "告知", "en": "announce"},
        "cmd.settings.announce.desc": {
            "ja": "新しい回を告知するチャンネルとメンションするロールを決めます",
            "en": "Channel for new-episode announcements and the role to mention",
        },
        "cmd.settings.letters": {"default": "letters", "ja": "お便り", "en": "letters"},
        "cmd.settings.letters.desc": {
            "ja": "お便りが届くホスト用チャンネルとホストのロールを決めます",
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
            "ja": "⚠️ ボットには {channel} で次の権限が足りないのだ: {permissions}\n"
            "チャンネルの編集 →「権限」で、ボットのロールに許可してほしいのだ。",
            "en": "⚠️ The bot lacks these permissions in {channel}: {permissions}\n"
            "Allow them for the bot's role under Edit Channel → Permissions.",
        },
        "settings.hosts_guidance": {
            "ja": "💡 ホストロールの人には、このままでは `/お便り管理` がコマンドの一覧に出ないのだ。"
            "サーバー管理者が「サーバー設定」→「連携サービス」→ zundabot を開き、"
            "`/お便り管理` の「ロールとメンバー」にホストロールを追加して許可してほしいのだ。"
            "許可したかどうかは `/ステータス` で確かめられるのだ。",
            "en": "💡 Members with the host role do not see `/letters` in their command list yet. A server manager "
            "opens Server Settings → Integrations → zundabot and adds the host role to `/letters` under "
            "Roles & Members. `/status` shows whether it is done.",
        },
        "status.hosts": {"ja": "ホスト用コマンドの表示", "en": "Hosts' commands"},
        "status.hosts.sees": {"ja": "✅ {command}: {role} に表示されているのだ", "en": "✅ {command}: shown to {role}"},
        "status.hosts.hidden": {
            "ja": "⚠️ {command}: {role} には表示されていないのだ",
            "en": "⚠️ {command}: not shown to {role}",
        },
        "status.hosts.how": {
            "ja": "-# 「サーバー設定」→「連携サービス」→ zundabot で、コマンドごとにホストロールを許可できるのだ",
            "en": "-# Allow the host role per command under Server Settings → Integrations → zundabot",
        },
        "status.hosts.no_role": {
            "ja": "ホストロールがまだ決まっていないのだ（`/設定 お便り` で決められるのだ）",
            "en": "No host role yet (choose one with `/settings letters`)",
        },
        "status.hosts.unknown": {
            "ja": "Discord から確かめられなかったのだ",
            "en": "Discord did not say",
        },
        # Permission names as Discord's own client shows them.
        "perm.view_channel": {"ja": "チャンネルを見る", "en": "View Channels"},
        "perm.send_messages": {"ja": "メッセージを送信", "en": "Send Messages"},
        "perm.embed_links": {"ja": "埋め込みリンク", "en": "Embed Links"},
        "perm.send_messages_in_threads": {"ja": "スレッドでメッセージを送信", "en": "Send Messages in Threads"},
        "perm.create_public_threads": {"ja": "公開スレッドの作成", "en": "Create Public Threads"},
        "perm.create_posts": {"ja": "投稿の作成", "en": "Create Posts"},
        "perm.read_message_history": {"ja": "メッセージ履歴を読む", "en": "Read Message History"},
        "cmd.settings.language": {"default": "language", "ja": "言語", "en": "language"},
        "cmd.settings.language.desc": {
            "ja": "告知など、みんなに見えるメッセージの言語を選びます",
            "en": "Choose the language of the messages everyone sees (announcements)",
        },
        "opt.language": {"default": "language", "ja": "言語", "en": "language"},
        "opt.language.desc": {"ja": "日本語または英語", "en": "Japanese or English"},
        "choice.ja": {"ja": "日本語", "en": "Japanese (日本語)"},
        "choice.en": {"ja": "英語（English）", "en": "English"},
        "cmd.settings.headline": {"default": "headline", "ja": "告知の見出し", "en": "headline"},
        "cmd.settings.headline.desc": {
            "ja": "告知の一行目の文を決めます（省略すると元に戻します）",
            "en": "Set the first line of announcements (leave empty to restore the default)",
        },
        "opt.template": {"default": "template", "ja": "文", "en": "template"},
        "opt.template.desc": {
            "ja": "例: 第{number}回「{title}」を公開したのだ！ 使える記号: {title} {number} {mcs} {date}",
            "en": "e.g. New episode {number}: {title} — placeholders: {title} {number} {mcs} {date}",
        },
        "settings.language": {"ja": "みんなに見えるメッセージの言語", "en": "Language of public messages"},
        "settings.language.ja": {"ja": "日本語", "en": "Japanese"},
        "settings.language.en": {"ja": "英語", "en": "English"},
        "settings.headline": {"ja": "告知の見出し", "en": "Announcement headline"},
        "settings.headline.default": {"ja": "標準（{text}）", "en": "default ({text})"},
        "settings.headline.preview": {
            "ja": "次の告知の見出しはこうなるのだ（{episode}の場合）:\n> {text}",
            "en": "The next announcement's headline will read (for {episode}):\n> {text}",
        },
        "settings.headline.preview_episode": {"ja": "第{number}回", "en": "episode {number}"},
        "cmd.settings.card": {"default": "card", "ja": "告知の形式", "en": "card"},
        "cmd.settings.card.desc": {
            "ja": "告知を埋め込みにするか、カード（Components V2）にするかをチャンネルごとに選びます",
            "en": "Choose, per channel, whether announcements are embeds or cards (Components V2)",
        },
        "opt.card_style": {"default": "style", "ja": "形式", "en": "style"},
        "opt.card_style.desc": {"ja": "告知の見た目", "en": "How announcements look"},
        "opt.channel.card": {
            "ja": "対象のチャンネル（省略すると告知チャンネル）",
            "en": "Channel (default: the announcement channel)",
        },
        "choice.card.embed": {"ja": "埋め込み（これまでどおり）", "en": "Embed (as before)"},
        "choice.card.v2": {"ja": "カード（Components V2）", "en": "Card (Components V2)"},
        "settings.card": {"ja": "告知の形式", "en": "Announcement layout"},
        "settings.card.saved": {
            "ja": "{channel} の告知の形式を「{style}」にしたのだ。次の回の告知から変わるのだ"
            "（もう告知した回は、編集されても今の形式のままなのだ）。",
            "en": "Announcements in {channel} are now: {style}. The next episode takes it (episodes already "
            "announced keep their layout, edits included).",
        },
        "settings.card.forum": {
            "ja": "⚠️ フォーラムの投稿の最初のメッセージには Discord がカードを受け付けないので、"
            "このチャンネルでは埋め込みで告知するのだ。",
            "en": "⚠️ Discord does not take a card as the first message of a forum post, so this channel keeps "
            "getting embeds.",
        },
        "settings.card.no_channel": {
            "ja": "告知チャンネルがまだないのだ。`/設定 告知` で決めるか、チャンネルを指定してほしいのだ。",
            "en": "There is no announcement channel yet: choose one with `/settings announce`, or name a channel.",
        },
        "settings.headline.empty": {"ja": "見出しの文が空なのだ。", "en": "The headline is empty."},
        "settings.headline.too_long": {
            "ja": "見出しが長すぎるのだ（{detail} 文字まで）。",
            "en": "The headline is too long (at most {detail} characters).",
        },
        "settings.headline.mention": {
            "ja": "見出しにメンションは入れられないのだ。メンションするロールは `/設定 告知` で選んでほしいのだ。",
            "en": "A headline cannot hold mentions: choose the role to mention with `/settings announce`.",
        },
        "settings.headline.braces": {
            "ja": "「{{」と「}}」の組み合わせが合っていないのだ。記号は {{title}} のように書いてほしいのだ。",
            "en": "The braces do not match: write placeholders like {{title}}.",
        },
        "settings.headline.unknown": {
            "ja": "{detail} は使えない記号なのだ。使えるのは {{title}}（題名）{{number}}（回の番号）"
            "{{mcs}}（出演者）{{date}}（公開日）なのだ。",
            "en": "{detail} is not a placeholder. Use {{title}}, {{number}}, {{mcs}} (the MCs) or {{date}}.",
        },
    }
)
