"""The DM a follower gets: which topics of an announced episode hold their words, with links.

Pure: a :class:`Notice` (what the outbox stores) becomes the exact create-message body.
"""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.escaping import escape_text, one_line
from bot.follow.model import Notice, NoticeTopic
from bot.render import escape_markdown, safe_url, truncate

#: Topics listed in one DM (an episode has about eight); the rest are counted.
MAX_TOPICS = 10
TITLE_LIMIT = 120
WORDS_LIMIT = 80
MESSAGE_LIMIT = 2000
#: Message flag: no link previews (a DM of links would otherwise be a wall of embeds).
SUPPRESS_EMBEDS = 1 << 2

i18n.register(
    {
        "follow.notice.head": {
            "ja": "🔔 フォロー中の言葉が **{episode}** に出てきたのだ！",
            "en": "🔔 Words you follow came up in **{episode}**!",
        },
        "follow.notice.more": {"ja": "ほか {count} 件", "en": "{count} more"},
        "follow.notice.announcement": {"ja": "📣 告知: {link}", "en": "📣 Announcement: {link}"},
        "follow.notice.thread": {"ja": "🧵 スレッド: {link}", "en": "🧵 Thread: {link}"},
        "follow.notice.page": {"ja": "🎧 エピソード: {link}", "en": "🎧 Episode: {link}"},
        "follow.notice.foot": {
            "ja": "-# フォローの確認・解除は `/フォロー 一覧` なのだ。",
            "en": "-# See or stop your follows with `/follow list`.",
        },
        "follow.notice.episode": {"ja": "第{number}回「{title}」", "en": "#{number} “{title}”"},
        "follow.notice.episode_untitled": {"ja": "「{title}」", "en": "“{title}”"},
        "follow.thread.mention": {
            "ja": "{mention} フォロー中の言葉がこの回に出てきたのだ（DM が閉じているのでここでお知らせ）: {topics}",
            "en": "{mention} Words you follow came up in this episode (your DMs are closed): {topics}",
        },
    }
)


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    tail = f"/{message_id}" if message_id is not None else ""
    return f"https://discord.com/channels/{guild_id}/{channel_id}{tail}"


def episode_label(number: str, title: str, locale: str) -> str:
    shown = escape_markdown(truncate(" ".join(title.split()), TITLE_LIMIT))
    if number:
        return i18n.t("follow.notice.episode", locale, number=escape_markdown(number), title=shown)
    return i18n.t("follow.notice.episode_untitled", locale, title=shown)


def _topic_line(topic: NoticeTopic) -> str:
    title = escape_markdown(truncate(" ".join(topic.title.split()), TITLE_LIMIT))
    url = safe_url(topic.url)
    shown = f"[{title}](<{url}>)" if url else title
    words = escape_text(one_line("、".join(topic.words), WORDS_LIMIT))
    return f"・{shown}（{words}）"


def notice_content(notice: Notice) -> str:
    """The DM's text (at most 2000 characters)."""
    locale = notice.locale
    head = i18n.t("follow.notice.head", locale, episode=episode_label(notice.number, notice.title, locale))
    tail: list[str] = []
    if notice.linked and notice.message_id is not None:
        link = jump_url(notice.guild_id, notice.channel_id, notice.message_id)
        tail.append(i18n.t("follow.notice.announcement", locale, link=link))
    if notice.linked and notice.thread_id is not None:
        tail.append(i18n.t("follow.notice.thread", locale, link=jump_url(notice.guild_id, notice.thread_id)))
    page = safe_url(notice.page_url)
    if page:
        tail.append(i18n.t("follow.notice.page", locale, link=f"<{page}>"))
    tail.append(i18n.t("follow.notice.foot", locale))
    budget = MESSAGE_LIMIT - len(head) - sum(len(line) + 1 for line in tail) - 40
    lines: list[str] = []
    shown = 0
    for topic in notice.topics[:MAX_TOPICS]:
        line = _topic_line(topic)
        if len(line) + 1 > budget:
            break
        lines.append(line)
        budget -= len(line) + 1
        shown += 1
    if shown < len(notice.topics):
        lines.append(i18n.t("follow.notice.more", locale, count=len(notice.topics) - shown))
    return "\n".join([head, *lines, *tail])


def notice_body(notice: Notice) -> dict[str, Any]:
    """The create-message body of the DM (nonce added by the transport): no pings, no previews."""
    return {"content": notice_content(notice), "allowed_mentions": {"parse": []}, "flags": SUPPRESS_EMBEDS}


def thread_mention_content(notice: Notice) -> str:
    """The opt-in alternative to a DM: one line in the episode's thread that mentions only this listener."""
    titles = "、".join(escape_markdown(truncate(" ".join(t.title.split()), 60)) for t in notice.topics[:5])
    text = i18n.t("follow.thread.mention", notice.locale, mention=f"<@{notice.user_id}>", topics=titles)
    return truncate(text, MESSAGE_LIMIT)
