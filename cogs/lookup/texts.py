"""The texts of the lookup commands: Japanese first, English translations."""

from __future__ import annotations

from bot import i18n

i18n.register(
    {
        "lookup.cmd.search": {"default": "search", "ja": "検索", "en": "search"},
        "lookup.cmd.search.desc": {
            "ja": "過去の放送で紹介した話題を言葉で探します",
            "en": "Find topics from past episodes by words",
        },
        "lookup.cmd.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "lookup.cmd.episode.desc": {
            "ja": "エピソードを番号・日付・タイトルで表示します",
            "en": "Show an episode by number, date or title",
        },
        "lookup.cmd.latest": {"default": "latest", "ja": "最新回", "en": "latest"},
        "lookup.cmd.latest.desc": {"ja": "最新のエピソードを表示します", "en": "Show the latest episode"},
        "lookup.cmd.topics": {"default": "topics", "ja": "話題一覧", "en": "topics"},
        "lookup.cmd.topics.desc": {
            "ja": "エピソードまたは日付の話題の一覧を表示します",
            "en": "List the topics of an episode or a date",
        },
        "lookup.cmd.random": {"default": "random", "ja": "ランダム", "en": "random"},
        "lookup.cmd.random.desc": {"ja": "過去の話題をひとつランダムに表示します", "en": "Show a random past topic"},
        "lookup.cmd.stats": {"default": "stats", "ja": "統計", "en": "stats"},
        "lookup.cmd.stats.desc": {"ja": "アーカイブの統計を表示します", "en": "Show archive statistics"},
        "lookup.opt.query": {"default": "query", "ja": "キーワード", "en": "query"},
        "lookup.opt.query.desc": {
            "ja": '探す言葉（スペース区切りで AND、"…" でフレーズ、-言葉 で除外）',
            "en": 'Words to find (space = AND, "…" = phrase, -word = exclude)',
        },
        "lookup.opt.mc": {"default": "mc", "ja": "出演者", "en": "mc"},
        "lookup.opt.mc.desc": {"ja": "この MC の回だけ", "en": "Only episodes with this MC"},
        "lookup.opt.site": {"default": "site", "ja": "サイト", "en": "site"},
        "lookup.opt.site.desc": {"ja": "この引用元サイトの話題だけ", "en": "Only topics from this site"},
        "lookup.opt.since": {"default": "since", "ja": "開始日", "en": "since"},
        "lookup.opt.since.desc": {"ja": "この日以降（YYYY-MM-DD）", "en": "From this date (YYYY-MM-DD)"},
        "lookup.opt.until": {"default": "until", "ja": "終了日", "en": "until"},
        "lookup.opt.until.desc": {"ja": "この日まで（YYYY-MM-DD）", "en": "Until this date (YYYY-MM-DD)"},
        "lookup.opt.episode": {"default": "episode", "ja": "エピソード", "en": "episode"},
        "lookup.opt.episode.desc": {
            "ja": "番号（389）、日付（2025-06-30）またはタイトルの言葉",
            "en": "Number (389), date (2025-06-30) or words of a title",
        },
        "lookup.opt.date": {"default": "date", "ja": "日付", "en": "date"},
        "lookup.opt.date.desc": {"ja": "この日の回（YYYY-MM-DD）", "en": "Episodes of this date (YYYY-MM-DD)"},
        "lookup.bad_date": {
            "ja": "「{value}」は日付として読めなかったのだ。2025-06-30 のように入力してほしいのだ。",
            "en": "Could not read “{value}” as a date. Please use the form 2025-06-30.",
        },
        "lookup.empty_query": {
            "ja": "探す言葉を入れてほしいのだ（除外 -言葉 だけでは探せないのだ）。",
            "en": "Please type something to search for (exclusions alone cannot be searched).",
        },
        "lookup.no_results": {
            "ja": "「{query}」に合う話題は見つからなかったのだ。言葉を減らしたり、別の言い方で試してほしいのだ。",
            "en": "No topics match “{query}”. Try fewer or different words.",
        },
        "lookup.not_kept": {
            "ja": "-# 今は検索を保存できないので、最初のページだけ表示しているのだ。"
            "続きは少し後でもう一度検索してほしいのだ。",
            "en": "-# This search could not be saved right now, so only its first page is shown. "
            "Please search again later for more.",
        },
        "lookup.no_episode": {
            "ja": "「{value}」に当たるエピソードが見つからなかったのだ。",
            "en": "No episode matches “{value}”.",
        },
        "lookup.no_episodes_on": {"ja": "{value} のエピソードはないのだ。", "en": "No episodes on {value}."},
        "lookup.archive_empty": {"ja": "まだエピソードがないのだ。", "en": "There are no episodes yet."},
        "lookup.status": {"ja": "検索", "en": "Search"},
        "lookup.status_value": {
            "ja": "{documents:,} 件の話題と回を検索できるのだ",
            "en": "{documents:,} topics and episodes can be searched",
        },
    }
)
