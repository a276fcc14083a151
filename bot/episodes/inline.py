"""Inline markdown of post files to canonical inline text (see :mod:`bot.episodes.markdown`).

A single left-to-right scan that follows CommonMark where it changes what a reader sees: code spans,
backslash escapes, entities, links, images, autolinks, raw HTML tags and hard breaks. ``*`` and ``~``
runs are kept as written (the HTML side writes ``<strong>``/``<em>``/``<s>`` back with the same
characters); ``_`` runs that CommonMark reads as emphasis are rewritten with ``*``.
"""

from __future__ import annotations

import html.entities
import re
import unicodedata
from bisect import bisect_right

from bot.episodes.blocks import Link, clean_lines, code_span
from bot.episodes.html import HTML_ELEMENTS, LINE_TAGS, MARKS, SKIPPED_ELEMENTS, wrap
from bot.episodes.urls import resolve, to_uri

ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITIES = {name.rstrip(";"): chars for name, chars in html.entities.html5.items()}
_SPECIAL = re.compile(r"[\\`&<\[!*_~\n]")
_NEEDS_WORK = re.compile(r"[\\`&<\[]")
_LOOSE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_NUMERIC = re.compile(r"&#(x[0-9a-f]{1,6}|[0-9]{1,7});", re.IGNORECASE)
_NAMED = re.compile(r"&([a-z][a-z0-9]{1,31});", re.IGNORECASE)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*)>")
_EMAIL = re.compile(
    r"<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>"
)
_ATTR = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(" + _ATTR + r"*)\s*/?>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_OTHER_TAG = re.compile(
    r"<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->|<\?.*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[.*?\]\]>", re.DOTALL
)
_ATTR_VALUE = re.compile(r"""\s([a-zA-Z_:][a-zA-Z0-9:._-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_BAD_SCHEME = re.compile(r"^(vbscript|javascript|file|data):", re.IGNORECASE)
_GOOD_DATA = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_BACKTICK_RUN = re.compile(r"`+")
_LABEL_SPECIAL = re.compile(r"[\]\[\\`<!]")
_SIMPLE_DEST = re.compile(r"[ \t]*([^\s()<>\\\x00-\x1f\x7f]+)\)")
_MAX_DEPTH = 16
_MAX_TAG = 4096
_MAX_NESTING = 32


class _Delim:
    """A run of ``*`` or ``_`` (emphasis) or ``~`` (strikethrough) that may open or close markup."""

    __slots__ = ("can_close", "can_open", "char", "closed", "left", "opened", "orig", "seq")

    def __init__(self, char: str, count: int, can_open: bool, can_close: bool, seq: int) -> None:
        self.char = char
        self.orig = count
        self.left = count
        self.can_open = can_open
        self.can_close = can_close
        self.opened = 0
        self.closed = 0
        self.seq = seq

    def text(self, plain: bool) -> str:
        if self.char == "~":  # counted in pairs: ``~~`` is one strikethrough delimiter
            return "~~" * (self.orig - self.opened - self.closed if plain else self.orig)
        literal = self.char * (self.orig - self.opened - self.closed)
        if plain:
            return literal
        if self.char == "*":
            return "*" * self.orig
        return "*" * self.closed + literal + "*" * self.opened


def _is_space(char: str) -> bool:
    return char.isspace() and char not in "\x1c\x1d\x1e\x1f\x85"


def _is_punct(char: str) -> bool:
    return char in ASCII_PUNCT or unicodedata.category(char)[0] in "PS"


def _delim(src: str, start: int, end: int, seq: int) -> _Delim:
    char = src[start]
    before = src[start - 1] if start > 0 else " "
    after = src[end] if end < len(src) else " "
    space_before, space_after = _is_space(before), _is_space(after)
    punct_before, punct_after = _is_punct(before), _is_punct(after)
    left = not space_after and (not punct_after or space_before or punct_before)
    right = not space_before and (not punct_before or space_after or punct_after)
    if char in "*~":
        return _Delim(char, end - start, left, right, seq)
    return _Delim(char, end - start, left and (not right or punct_before), right and (not left or punct_after), seq)


def _balance(tokens: list[str | _Delim | _RawEnd]) -> None:
    """CommonMark's emphasis matching: marks how many characters of each run became markup."""
    stack: list[_Delim] = []
    bottoms: dict[tuple[str, bool, int], int] = {}
    for token in tokens:
        if not isinstance(token, _Delim):
            continue
        closer = token
        while closer.can_close and closer.left:
            strike = closer.char == "~"
            key = (closer.char, closer.can_open, 0 if strike else closer.orig % 3)
            floor = bottoms.get(key, -1)
            found = -1
            for index in range(len(stack) - 1, -1, -1):
                opener = stack[index]
                if opener.seq <= floor:
                    break
                if opener.char != closer.char or not opener.can_open or not opener.left:
                    continue
                if (
                    not strike
                    and (opener.can_close or closer.can_open)
                    and (opener.orig + closer.orig) % 3 == 0
                    and not (opener.orig % 3 == 0 and closer.orig % 3 == 0)
                ):
                    continue
                found = index
                break
            if found < 0:
                bottoms[key] = stack[-1].seq if stack else -1
                break
            opener = stack[found]
            use = 2 if not strike and opener.left >= 2 and closer.left >= 2 else 1
            opener.left -= use
            opener.opened += use
            closer.left -= use
            closer.closed += use
            del stack[found + 1 :]
            if not opener.left:
                stack.pop()
        if closer.can_open and closer.left:
            stack.append(closer)


class _RawEnd:
    """The end of a raw HTML element (``<b>``, ``<a href>``, ``<code>``) opened at token ``opened``."""

    __slots__ = ("opened", "tag", "value")

    def __init__(self, tag: str, value: str, opened: int) -> None:
        self.tag = tag
        self.value = value
        self.opened = opened

    def text(self, plain: bool) -> str:
        return ""

    def write(self, inner: str) -> str:
        """The element with its content ``inner``, as the HTML converter writes it."""
        if self.tag == "a":
            label = clean_lines(inner)
            return self.value if to_uri(label) == self.value else f"[{label}]({self.value})"
        if self.tag == "code":
            return code_span(inner)
        return wrap(inner, self.value)


class _Scanner:
    """One pass over a paragraph's source text."""

    def __init__(self, src: str, base: str | None, plain: bool, depth: int = 0) -> None:
        self.src = src
        self.base = base
        self.plain = plain
        self.depth = depth
        self._links: dict[int, tuple[int, int, str] | None] = {}
        self._nesting = 0
        self._budget = 4 * len(src) + 1024  # bounds link scanning on pathological input
        self._last_close = src.rfind("](")
        self.tokens: list[str | _Delim | _RawEnd] = []
        self.has_link = False
        self.has_delims = False
        self.has_raw = False
        self.raw_opened = False
        self.lead: tuple[str, str, int] | None = None  # (label, URL, token index) of an opening link
        self._ticks: dict[int, list[int]] | None = None
        self._seq = 0

    # -- helpers -------------------------------------------------------------------------------

    def _code_end(self, start: int, width: int) -> int:
        """Start of the backtick run closing a code span opened at ``start``, or -1."""
        if self._ticks is None:
            self._ticks = {}
            for match in _BACKTICK_RUN.finditer(self.src):
                self._ticks.setdefault(match.end() - match.start(), []).append(match.start())
        runs = self._ticks.get(width, [])
        index = bisect_right(runs, start + width - 1)
        return runs[index] if index < len(runs) else -1

    def _link_end(self, start: int) -> tuple[int, int, str] | None:
        """For ``[`` at ``start``: (label end, end of link, destination) of an inline link, or None."""
        if start in self._links:
            return self._links[start]
        if self.depth >= _MAX_DEPTH or self._nesting >= _MAX_NESTING or self._budget <= 0:
            self._links[start] = None
            return None
        self._nesting += 1
        try:
            found = self._find_link_end(start)
        finally:
            self._nesting -= 1
        self._links[start] = found
        return found

    def _find_link_end(self, start: int) -> tuple[int, int, str] | None:
        src = self.src
        if self._last_close < start:
            return None
        level = 1
        pos = start + 1
        size = len(src)
        label_end = -1
        while pos < size:
            found = _LABEL_SPECIAL.search(src, pos)
            if found is None:
                break
            self._budget -= found.start() - pos + 1
            if self._budget <= 0:
                return None
            pos = found.start()
            char = src[pos]
            if char == "]":
                level -= 1
                if level == 0:
                    label_end = pos
                    break
                pos += 1
            elif char == "\\":
                pos += 2
            elif char == "`":
                run = self._run(pos, "`")
                close = self._code_end(pos, run)
                pos = close + run if close >= 0 else pos + run
            elif char == "<":
                match = _AUTOLINK.match(src, pos) or _html_tag(src, pos)
                pos = match.end() if match else pos + 1
            elif char == "[":
                if self._link_end(pos) is not None:
                    return None
                level += 1
                pos += 1
            elif char == "!" and src.startswith("[", pos + 1):
                inner = self._link_end(pos + 1)
                pos = inner[1] if inner else pos + 1
            else:
                pos += 1
        if label_end < 0 or not src.startswith("(", label_end + 1):
            return None
        parsed = _destination(src, label_end + 2)
        if parsed is None:
            return None
        return label_end, parsed[1], parsed[0]

    def _run(self, pos: int, char: str) -> int:
        end = pos
        size = len(self.src)
        while end < size and self.src[end] == char:
            end += 1
        return end - pos

    def _link(self, label: str, dest: str, image: bool) -> None:
        depth = self.depth + 1
        if image or self.plain:
            self.has_link = self.has_link or not image
            self.text(inline_plain(label, base=self.base, _depth=depth))
            return
        self.has_link = True
        url = resolve(dest, self.base)
        if (
            url is not None
            and not self.raw_opened
            and not any(not isinstance(token, str) or token.strip() for token in self.tokens)
        ):
            self.lead = (label, url, len(self.tokens))
        text = inline(label, base=self.base, _depth=depth)
        if url is None:
            self.text(text)
        elif text[:4].lower() == url[:4] and to_uri(text) == url:
            self.text(url)
        else:
            self.text(f"[{text}]({url})")

    def text(self, value: str) -> None:
        self.tokens.append(value)

    # -- the scan ------------------------------------------------------------------------------

    def scan(self, start: int = 0) -> None:
        src = self.src
        size = len(src)
        pos = start
        raw: list[tuple[str, str, int]] = []  # open raw HTML elements: (tag, URL or marker, token index)
        while pos < size:
            match = _SPECIAL.search(src, pos)
            if match is None:
                self.text(src[pos:])
                break
            at = match.start()
            if at > pos:
                self.text(src[pos:at])
            char = src[at]
            if char == "\n":
                self.text("\n")
                pos = at + 1
            elif char == "\\":
                following = src[at + 1 : at + 2]
                if following in ASCII_PUNCT and following:
                    self.text(following)
                    pos = at + 2
                elif following == "\n":
                    self.text("\n")
                    pos = at + 2
                else:
                    self.text("\\")
                    pos = at + 1
            elif char == "`":
                width = self._run(at, "`")
                close = self._code_end(at, width)
                if close < 0:
                    self.text("`" * width)
                    pos = at + width
                    continue
                content = src[at + width : close].replace("\n", " ")
                if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                    content = content[1:-1]
                self.text(content if self.plain else code_span(content))
                pos = close + width
            elif char == "&":
                pos = self._entity(at)
            elif char == "<":
                pos = self._angle(at, raw)
            elif char == "[" or (char == "!" and src.startswith("[", at + 1)):
                image = char == "!"
                found = self._link_end(at + 1 if image else at)
                if found is None or (not image and self._label_has_link(at + 1, found[0])):
                    self.text(char)
                    pos = at + 1
                    continue
                label_end, end, dest = found
                self._link(src[at + (2 if image else 1) : label_end], dest, image)
                pos = end
            elif char == "!":
                self.text("!")
                pos = at + 1
            else:
                width = self._run(at, char)
                pos = at + width
                if char == "~":
                    if width < 2:
                        self.text("~")
                        continue
                    if width % 2:
                        self.text("~")
                delim = _delim(src, at, pos, self._seq + 1)
                if char == "~":
                    delim.orig = delim.left = width // 2
                self._seq += 1
                self.tokens.append(delim)
                self.has_delims = True
        while raw:  # the paragraph's end closes what raw HTML left open, as in the rendered page
            self._close_raw(raw)

    def _close_raw(self, raw: list[tuple[str, str, int]]) -> None:
        """Close the innermost open raw element; :meth:`parts` writes it as the HTML side does."""
        tag, value, opened = raw.pop()
        if tag == "a" and not value:
            return
        self.tokens.append(_RawEnd(tag, value, opened))
        self.has_raw = True

    def _label_has_link(self, start: int, end: int) -> bool:
        label = self.src[start:end]
        if "](" not in label:
            return False
        inner = _Scanner(label, self.base, plain=True, depth=self.depth + 1)
        inner.scan()
        return inner.has_link

    def _entity(self, at: int) -> int:
        src = self.src
        if src.startswith("#", at + 1):
            match = _NUMERIC.match(src, at)
            if match:
                digits = match.group(1)
                code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
                self.text(chr(code) if _valid_code(code) else "\ufffd")
                return match.end()
        else:
            match = _NAMED.match(src, at)
            if match and match.group(1) in _ENTITIES:
                self.text(_ENTITIES[match.group(1)])
                return match.end()
        self.text("&")
        return at + 1

    def _angle(self, at: int, raw: list[tuple[str, str, int]]) -> int:
        src = self.src
        auto = _AUTOLINK.match(src, at)
        if auto:
            target = auto.group(1)
            if _BAD_SCHEME.match(target) and not _GOOD_DATA.match(target):
                self.text("<")
                return at + 1
            url = resolve(target, None)
            self.text(url if url and not self.plain else target)
            return auto.end()
        email = _EMAIL.match(src, at)
        if email:
            self.text(email.group(1))
            return email.end()
        tag = _html_tag(src, at)
        if tag is None:
            self.text("<")
            return at + 1
        source = tag.group()
        if source.startswith(("<!", "<?")):
            return tag.end()
        closing = source.startswith("</")
        name = tag.group(1).lower()
        if name not in HTML_ELEMENTS:
            self.text(f"</{name}>" if closing else source)
            return tag.end()
        if name in SKIPPED_ELEMENTS and not closing and not source.endswith("/>"):
            ender = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(src, tag.end())
            return ender.end() if ender else tag.end()
        if name == "br" or name in LINE_TAGS:
            self.text("\n")
        elif name == "img" and not closing:
            self.text(_attribute(source, "alt") or "")
        elif (name in MARKS or name in ("a", "code")) and not self.plain:
            if not closing:
                if name == "a":
                    href = _attribute(source, "href")
                    url = resolve(href, self.base) if href is not None else None
                    raw.append((name, url or "", len(self.tokens)))
                else:
                    raw.append((name, MARKS.get(name, "`"), len(self.tokens)))
                self.raw_opened = True
                self.text("")
            elif any(entry[0] == name for entry in raw):
                while raw[-1][0] != name:
                    self._close_raw(raw)
                self._close_raw(raw)
        return tag.end()

    def parts(self) -> list[str]:
        """The output, one string per token, after emphasis matching and closing raw elements."""
        if self.has_delims:
            _balance(self.tokens)
        plain = self.plain
        parts = [token if isinstance(token, str) else token.text(plain) for token in self.tokens]
        if self.has_raw:
            for index, token in enumerate(self.tokens):
                if isinstance(token, _RawEnd):
                    parts[token.opened] = token.write("".join(parts[token.opened + 1 : index]))
                    parts[token.opened + 1 : index + 1] = [""] * (index - token.opened)
        return parts

    def result(self) -> str:
        return "".join(self.parts())


def _html_tag(src: str, at: int) -> re.Match[str] | None:
    """A raw HTML tag, comment or declaration at ``at`` (at most :data:`_MAX_TAG` characters)."""
    if at + 1 >= len(src):
        return None
    end = min(len(src), at + _MAX_TAG)
    second = src[at + 1]
    if second == "/":
        return _CLOSE_TAG.match(src, at, end)
    if second in "!?":
        return _OTHER_TAG.match(src, at, end)
    return _OPEN_TAG.match(src, at, end)


def _attribute(tag: str, name: str) -> str | None:
    for match in _ATTR_VALUE.finditer(tag):
        if match.group(1).lower() == name:
            value = next((group for group in match.groups()[1:] if group is not None), "")
            return unescape(value)
    return None


def _valid_code(code: int) -> bool:
    return not (
        0xD800 <= code <= 0xDFFF
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFF) in {0xFFFF, 0xFFFE}
        or code <= 0x08
        or code == 0x0B
        or 0x0E <= code <= 0x1F
        or 0x7F <= code <= 0x9F
        or code > 0x10FFFF
    )


def unescape(text: str) -> str:
    """Backslash escapes and entities resolved, as in link destinations and attributes."""
    if "\\" not in text and "&" not in text:
        return text
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)

    def entity(match: re.Match[str]) -> str:
        raw = match.group()
        if raw.startswith("&#"):
            digits = raw[2:-1]
            code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
            return chr(code) if _valid_code(code) else "\ufffd"
        return _ENTITIES.get(raw[1:-1], raw)

    return re.sub(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});", entity, text)


def _destination(src: str, pos: int) -> tuple[str, int] | None:
    """Parse ``dest "title")`` after ``](``: (destination, position after ``)``) or None."""
    simple = _SIMPLE_DEST.match(src, pos)
    if simple is not None and "&" not in simple.group(1):
        dest = simple.group(1)
        if not _BAD_SCHEME.match(dest):
            return dest, simple.end()
    size = len(src)
    while pos < size and src[pos] in " \t\n":
        pos += 1
    if pos >= size:
        return None
    if src[pos] == "<":
        end = pos + 1
        while end < size:
            char = src[end]
            if char in "\n<":
                return None
            if char == ">":
                break
            end += 2 if char == "\\" else 1
        else:
            return None
        dest = unescape(src[pos + 1 : end])
        pos = end + 1
    else:
        start = pos
        level = 0
        while pos < size:
            char = src[pos]
            if char == " " or ord(char) < 0x20 or char == "\x7f":
                break
            if char == "\\" and pos + 1 < size:
                if src[pos + 1] == " ":
                    break
                pos += 2
                continue
            if char == "(":
                level += 1
                if level > 32:
                    return None
            elif char == ")":
                if level == 0:
                    break
                level -= 1
            pos += 1
        if start == pos or level:
            return None
        dest = unescape(src[start:pos])
    if _BAD_SCHEME.match(to_uri(dest)) and not _GOOD_DATA.match(to_uri(dest)):
        return None
    after_dest = pos
    while pos < size and src[pos] in " \t\n":
        pos += 1
    if pos < size and pos != after_dest and src[pos] in "\"'(":
        title_end = _title_end(src, pos)
        if title_end is not None:
            pos = title_end
            while pos < size and src[pos] in " \t\n":
                pos += 1
    if pos < size and src[pos] == ")":
        return dest, pos + 1
    return None


def _title_end(src: str, pos: int) -> int | None:
    opener = src[pos]
    closer = ")" if opener == "(" else opener
    end = pos + 1
    size = len(src)
    while end < size:
        char = src[end]
        if char == closer:
            return end + 1
        if opener == "(" and char == "(":
            return None
        end += 2 if char == "\\" else 1
    return None


def inline(src: str, *, base: str | None = None, _depth: int = 0) -> str:
    """Canonical inline markdown of a paragraph's source (lines already without indentation)."""
    if not _NEEDS_WORK.search(src) and ("_" not in src or not _LOOSE_UNDERSCORE.search(src)):
        return clean_lines(src)
    scanner = _Scanner(src, base, plain=False, depth=_depth)
    scanner.scan()
    return clean_lines(scanner.result())


def inline_plain(src: str, *, base: str | None = None, _depth: int = 0) -> str:
    """The text a reader sees, markup removed, whitespace runs collapsed to one space."""
    scanner = _Scanner(src, base, plain=True, depth=_depth)
    scanner.scan()
    return " ".join(scanner.result().split())


def paragraph(src: str, *, base: str | None = None) -> tuple[str, Link | None, str]:
    """A paragraph's canonical text and, when it opens with an http(s) link, that link (plain
    title) and the canonical text after it."""
    if not _NEEDS_WORK.search(src) and ("_" not in src or not _LOOSE_UNDERSCORE.search(src)):
        return clean_lines(src), None, ""
    scanner = _Scanner(src, base, plain=False)
    scanner.scan()
    parts = scanner.parts()
    text = clean_lines("".join(parts))
    if scanner.lead is None:
        return text, None, ""
    label, url, index = scanner.lead
    title = inline_plain(label, base=base)
    return text, Link(title, url), clean_lines("".join(parts[index + 1 :]))


def leading_link(src: str, *, base: str | None = None) -> tuple[Link, str] | None:
    """When ``src`` opens with an http(s) link: the link (plain title) and the canonical rest."""
    _, link, rest = paragraph(src, base=base)
    return None if link is None else (link, rest)
