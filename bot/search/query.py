"""What a listener types → an FTS5 match expression that can never be a syntax error.

Grammar (everything else is literal text):

* words separated by spaces must all match (AND);
* ``"..."`` (also “...”, 「...」, 『...』) is a phrase: its words in this order;
* ``-word`` / ``-"..."`` excludes topics containing it (and episodes containing it or having a topic that
  does).

Each word or phrase becomes an FTS5 phrase of quoted tokens from :mod:`bot.text`, so FTS syntax characters
(``*``, ``(``, ``:``, ``^``), keywords (AND, OR, NEAR) and emoji are just text: they either tokenise to
searchable tokens or vanish. Japanese substring semantics come from the bigram tokens: the last character
of a term is dropped when the bigram before it already covers it, and a single character becomes a prefix
query; the last word of a Latin term, from 3 letters on, is a prefix query (``Claud`` finds ``Claude``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import Token, normalize, scan

#: Longest query considered (characters after normalisation); the rest of a long paste is ignored.
MAX_QUERY_CHARS = 500
#: At most this many words or phrases take part in a query.
MAX_TERMS = 16
#: A Latin word at the end of a term matches as a prefix from this length on (``llm`` finds ``llms``;
#: ``ai`` is only ``ai``: short prefixes match too many words to be useful or cheap).
MIN_LATIN_PREFIX = 3
#: At most this many tokens per phrase: a long pasted sentence matches by its first 32 tokens (about 33
#: Japanese characters), plenty to find it and cheap to check.
MAX_PHRASE_TOKENS = 32

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_SPLIT = re.compile(r"(-?)([\"“”「『])|(\S+)")


@dataclass(frozen=True, slots=True)
class QueryToken:
    """One token of a term; ``prefix`` matches every indexed token that starts with ``text``."""

    text: str
    prefix: bool = False

    def fts(self) -> str:
        return f'"{self.text}"' + (" *" if self.prefix else "")

    def matches(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase of the query: its text as typed (normalised) and its tokens in order."""

    text: str
    tokens: tuple[QueryToken, ...]
    negated: bool = False

    def fts(self) -> str:
        return " + ".join(token.fts() for token in self.tokens)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. ``positive`` terms must all match; ``negative`` ones must not."""

    text: str
    positive: tuple[Term, ...] = ()
    negative: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to search for (only symbols, emoji or exclusions were typed)."""
        return not self.positive

    def fts(self) -> str | None:
        """The FTS5 MATCH expression, or ``None`` when the query has nothing to search for."""
        if not self.positive:
            return None
        expression = " AND ".join(f"({term.fts()})" for term in self.positive)
        excluded = self.excluded_fts()
        return f"({expression}) NOT ({excluded})" if excluded else expression

    def excluded_fts(self) -> str | None:
        """The FTS5 MATCH expression of the excluded terms (any of them), or ``None`` when there are none."""
        return " OR ".join(f"({term.fts()})" for term in self.negative) or None


def query_tokens(normalized_term: str) -> tuple[QueryToken, ...]:
    """The tokens a term must match, consecutively (see the module docstring for the end-of-term rules)."""
    scanned: list[Token] = scan(normalized_term)
    if not scanned:
        return ()
    result = [QueryToken(token.text) for token in scanned]
    last = scanned[-1]
    if last.cjk:
        if len(scanned) >= 2 and scanned[-2].cjk and not scanned[-2].last_in_run:
            result.pop()  # the bigram before it already covers the run's last character
        else:
            result[-1] = QueryToken(last.text, prefix=True)
    elif len(last.text) >= MIN_LATIN_PREFIX:
        result[-1] = QueryToken(last.text, prefix=True)
    return tuple(result[:MAX_PHRASE_TOKENS])


def _raw_terms(text: str) -> list[tuple[str, bool]]:
    """Split into (term text, negated) pairs, honouring quotes; an unclosed quote runs to the end."""
    terms: list[tuple[str, bool]] = []
    pos = 0
    while pos < len(text):
        match = _SPLIT.search(text, pos)
        if match is None:
            break
        if match.group(2):
            closing = _QUOTES.get(match.group(2), '"')
            end = text.find(closing, match.end())
            if end < 0:
                end = len(text)
            terms.append((text[match.end() : end], bool(match.group(1))))
            pos = end + 1
        else:
            word = match.group(3)
            negated = word.startswith("-") and len(word) > 1
            terms.append((word[1:] if negated else word, negated))
            pos = match.end()
    return terms


def parse_query(text: str) -> Query:
    """Parse what a user typed; never raises, whatever the input."""
    normalized = normalize(text).strip()[:MAX_QUERY_CHARS]
    positive: list[Term] = []
    negative: list[Term] = []
    seen: set[tuple[tuple[QueryToken, ...], bool]] = set()
    for raw, negated in _raw_terms(normalized):
        term_text = raw.strip()
        tokens = query_tokens(term_text)
        if not tokens or (tokens, negated) in seen:
            continue
        seen.add((tokens, negated))
        (negative if negated else positive).append(Term(term_text, tokens, negated))
        if len(positive) + len(negative) >= MAX_TERMS:
            break
    return Query(normalized, tuple(positive), tuple(negative))
