"""Topics of an episode from its block tree: the same code for posts and for feed items.

After the ``関連リンク`` heading, every item of a top-level bullet list that opens with a link
starts a topic; everything up to the next topic is its summary. The ``お便り投稿フォーム`` link ends
the list. Summaries are cleaned of the labels the show's older layouts used (``タイトル:``,
``要約:``) and of the ``引用元: <url>`` line naming the topic's own article.

A title pasted with blank lines in it (``- [`` + a quote of several paragraphs + ``](url)``) is no
link to CommonMark: the item holds ``[`` and the first paragraph, the next paragraphs end with
``](url)``. When an ``引用元:`` line below names that URL and no topic has it, those paragraphs are
read as that topic, its title the pasted text with whitespace runs (blank lines too) collapsed.
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
_SPAN_LOOKAHEAD = 12  # paragraphs a title pasted with blank lines may span


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
    for block in _join_spanning_titles(blocks[start:]):
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


def _join_spanning_titles(blocks: list[Block]) -> list[Block]:
    """``blocks`` with each title pasted over blank lines joined back into a list item opening with its link."""
    cited = [match.group(1) for block in blocks if isinstance(block, Paragraph) for match in _cited(block.text)]
    if not cited:
        return blocks
    known = [
        item[0].lead.url
        for block in blocks
        if isinstance(block, ListBlock)
        for item in block.items
        if item and isinstance(item[0], Paragraph) and item[0].lead is not None
    ]
    orphans = [url for url in cited if not any(_same_url(url, topic) for topic in known)]
    if not orphans:
        return blocks
    out: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if isinstance(block, ListBlock) and not block.ordered:
            joined = _spanning_title(block, blocks, index, orphans)
            if joined is not None:
                opening, used = joined
                if len(block.items) > 1:
                    out.append(ListBlock(False, block.start, block.items[:-1]))
                out.append(ListBlock(False, 1, [[opening]]))
                index += used
                continue
        out.append(block)
        index += 1
    return out


def _spanning_title(
    block: ListBlock, blocks: list[Block], index: int, orphans: list[str]
) -> tuple[Paragraph, int] | None:
    """For ``block`` (``blocks[index]``) whose last item opens with an unclosed ``[``: the paragraph opening
    with the link that the following paragraphs close, and the number of blocks it spans; else None."""
    item = block.items[-1] if block.items else []
    paragraphs = [part for part in item if isinstance(part, Paragraph)]
    if not paragraphs or len(paragraphs) < len(item) or paragraphs[0].lead or not paragraphs[0].text.startswith("["):
        return None
    pieces = [part.text for part in paragraphs]
    for end in range(index + 1, min(len(blocks), index + 1 + _SPAN_LOOKAHEAD)):
        following = blocks[end]
        if not isinstance(following, Paragraph):
            return None
        pieces.append(following.text)
        if "](" not in following.text:
            continue
        text = "\n".join(pieces)
        opened = leading_link(text)
        if opened is None:
            continue
        link, rest = opened
        if not any(_same_url(url, link.url) for url in orphans) or not _cited_below(blocks, end, rest, link.url):
            return None
        return Paragraph(text, link, rest), end - index + 1
    return None


def _cited_below(blocks: list[Block], end: int, rest: str, url: str) -> bool:
    """True when an ``引用元:`` line naming ``url`` follows (in ``rest`` or before the next list)."""
    texts = [rest]
    for block in blocks[end + 1 :]:
        if isinstance(block, ListBlock):
            break
        if isinstance(block, Paragraph):
            texts.append(block.text)
    return any(_same_url(match.group(1), url) for text in texts for match in _cited(text))


def _cited(text: str) -> list[re.Match[str]]:
    """The ``引用元: <url>`` lines of a paragraph's text."""
    return list(_SOURCE_LINE.finditer(text)) if "引用元" in text else []


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
