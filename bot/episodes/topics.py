"""Topics of an episode from its block tree: the same code for posts and for feed items.

After the ``関連リンク`` heading, every item of a top-level bullet list that opens with a link
starts a topic; everything up to the next topic is its summary. The ``お便り投稿フォーム`` link ends
the list. Summaries are cleaned of the labels the show's older layouts used (``タイトル:``,
``要約:``) and of the ``引用元: <url>`` line naming the topic's own article.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from bot.episodes.blocks import Block, Heading, Link, ListBlock, Paragraph, render
from bot.episodes.mdparse import leading_link, parse_blocks
from bot.episodes.model import Topic
from bot.episodes.urls import to_uri

LINKS_HEADING = "関連リンク"
LETTERS_FORM = "お便り投稿フォーム"
_TITLE_LABEL = re.compile(r"^(?:\*\*)?タイトル(?:\*\*)?\s*[:：]")
_SUMMARY_LABEL = re.compile(r"^(?:\*\*)?要約(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*")
_SOURCE_LINE = re.compile(r"^引用元[ \t]*[:：][ \t]*(\S+)[ \t]*$", re.MULTILINE)
_ESCAPED = re.compile(r"(?m)^(?:\\n|\\ )|\\n\\n要約")
_SPLIT_LOOKAHEAD = 3


def extract_topics(blocks: list[Block]) -> list[Topic]:
    """The topics listed after the ``関連リンク`` heading of a post body's blocks."""
    start = next(
        (
            index + 1
            for index, block in enumerate(blocks)
            if isinstance(block, Heading) and block.text.strip() == LINKS_HEADING
        ),
        None,
    )
    if start is None:
        return []
    found: list[tuple[Link, list[Block]]] = []
    for block in blocks[start:]:
        if isinstance(block, ListBlock) and not block.ordered:
            if _take_list(block, found):
                break
        elif found:
            found[-1][1].append(block)
    return [Topic(link.title, link.url, clean_summary(summary, link.url)) for link, summary in found]


def _take_list(block: ListBlock, found: list[tuple[Link, list[Block]]]) -> bool:
    """Add the topics of a top-level bullet list; True when the letters form ended the topics."""
    items = block.items
    index = 0
    loose: list[list[Block]] = []
    while index < len(items):
        opened = _opening_link(items, index)
        if opened is None:
            loose.append(items[index])
            index += 1
            continue
        link, rest, used = opened
        if loose and found:
            found[-1][1].append(ListBlock(False, 1, loose))
        loose = []
        if LETTERS_FORM in link.title:
            return True
        summary: list[Block] = [Paragraph(rest)] if rest else []
        summary.extend(items[index + used - 1][1:])
        found.append((link, summary))
        index += used
    if loose and found:
        found[-1][1].append(ListBlock(False, 1, loose))
    return False


def _opening_link(items: list[list[Block]], index: int) -> tuple[Link, str, int] | None:
    """The link opening item ``index``: (link, rest of its paragraph, items used) or None.

    A title pasted over several lines can contain a line starting with ``- ``, which splits the
    link into several list items; they are joined back with `` - ``.
    """
    first = items[index][0] if items[index] else None
    if not isinstance(first, Paragraph):
        return None
    if first.lead is not None:
        return first.lead, first.rest, 1
    if not first.text.startswith("["):
        return None
    text = first.text
    for used in range(2, min(_SPLIT_LOOKAHEAD + 1, len(items) - index) + 1):
        following = items[index + used - 1][0] if items[index + used - 1] else None
        if not isinstance(following, Paragraph):
            return None
        text = f"{text} - {following.text}"
        opened = leading_link(text)
        if opened is not None:
            return opened[0], opened[1], used
    return None


def clean_summary(blocks: list[Block], url: str) -> str:
    """Canonical markdown of a topic's summary blocks, without labels or its own 引用元 line."""
    text = render(blocks)
    if "\\" in text and _ESCAPED.search(text):
        text = render(parse_blocks(_decode_escaped(text)))
    return _drop_source(_drop_labels(text), url)


def _drop_labels(text: str) -> str:
    """Remove a leading ``タイトル: ...`` line and a leading ``要約:`` label."""
    if _TITLE_LABEL.match(text):
        text = text.partition("\n")[2].lstrip("\n")
    match = _SUMMARY_LABEL.match(text)
    if match:
        text = text[match.end() :].lstrip()
    return text


def _drop_source(text: str, url: str) -> str:
    """Remove ``引用元: <url>`` lines that name the topic's own URL (and the blank line they leave)."""
    if "引用元" not in text:
        return text
    parts: list[str] = []
    pos = 0
    for match in _SOURCE_LINE.finditer(text):
        if not _same_url(match.group(1), url):
            continue
        end = match.end() + 1 if text.startswith("\n", match.end()) else match.end()
        before = text[pos : match.start()]
        if before.endswith("\n\n") and text.startswith("\n", end):
            end += 1
        parts.append(before)
        pos = end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts).strip("\n")


def _same_url(cited: str, url: str) -> bool:
    """True when the 引用元 URL is the topic's URL (compared as URIs, trailing slash ignored)."""
    uri = to_uri(cited)
    return uri == url or unquote(uri).rstrip("/") == unquote(url).rstrip("/")


def _decode_escaped(text: str) -> str:
    """Undo text pasted as an escaped string literal (``\\n`` for newlines, ``\\`` line joins)."""
    text = text.replace("\n\\ ", " ").replace("\\ \\ ", " ")
    text = re.sub(r"\n(?=\\n)", "", text)
    text = text.replace("\\n", "\n").strip()
    if text.endswith('"'):
        text = text[:-1]
    return text.removeprefix('"')
