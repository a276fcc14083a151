"""Full-text search: ranking and the SQL of a query (see :mod:`bot.store.search` for the design).

bm25 with titles weighted far above sites and summaries (:data:`WEIGHTS`, chosen on the corpus recall test: a
long title holding both words of a two-word query must beat a short one holding one); ties go to the newer
episode, then to its topics in their order. bm25 first scans every match of every phrase of the query to
weigh it; for a word all of whose tokens match :data:`COMMON_MATCHES` documents or more, that scan costs more
than the search (60 ms for エージェント on a 100,000-episode archive) and weighing such a word says little
anyway, so those queries are ranked by recency instead: title matches first, newest first, then the other
matches, newest first.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot.search.model import Filters, Hit, SearchResult
from bot.search.names import merge
from bot.search.query import FEW_HITS, Query, Word, name_tokens, parse_query, phrase_fts, required
from bot.search.readings import pieces as reading_pieces
from bot.search.readings import reads, spellings
from bot.search.sounds import MAX_NAMES, named, sounds
from bot.search.sounds import parts as sound_parts
from bot.search.worker import off_loop
from bot.store.search.docids import POSITION_BITS, rowid_range
from bot.store.search.functions import mc_token, site_token
from bot.store.search.index import SearchIndex

#: A word all of whose tokens match this many documents or more is common: a query with one is ranked by
#: recency, title matches first.
COMMON_MATCHES = 10_000
#: A word held by this share of the index or more is too common to list partial matches by alone, when another
#: word of the query is held nowhere (on the corpus: エージェント, AI, LLM, 解説 are; RAG, MCP, SDK, DMM are not).
COMMON_SHARE = 0.1
#: ...but never fewer documents than this (in a small archive every word is in a tenth of it).
LEAST_COMMON = 20
#: A word fewer documents than this hold as typed is also searched as the names it sounds like and the kanji
#: words it reads as (リーダーボード, in 6 documents, also finds Leaderboard); when it is held at all, only names
#: as few documents hold (Jarvis sounds like no サービス).
HEARD_BELOW = 20
#: Documents counted at most when looking for a query's rarest word.
COUNTED_MATCHES = 1_000
#: Tokens of a word checked for commonness (a longer word is common when its first ones all are).
PROBED_TOKENS = 6
#: Scores of the recency ranking (lower is better, as with bm25).
TITLE_TIER = -1.0
OTHER_TIER = 0.0
#: Extra hits fetched so that dropping episode documents (see :meth:`SearchQueries.search`) still fills a page.
DEDUPE_MARGIN = 10
#: A Latin word typed without the space or dot between its two words (nextjs, langgraphjs): letters, no digit.
_RUN_TOGETHER = re.compile(r"[a-z]{5,24}")
#: The shortest of the two words such a word is split into (js of nextjs).
MIN_SPLIT = 2
#: bm25 column weights: title, body, site, meta.
WEIGHTS = (20.0, 1.0, 2.0, 0.0)

#: With a query's exclusions: an episode document (offset 0 in its block) is kept only when none of its topics
#: (the rest of its block) matches an excluded word. Its text (the description) lists the topic titles, so it
#: would otherwise bring back, as a "whole episode" hit, topics the exclusion removed. The blocks holding an
#: excluded word are found once per query (SQLite materialises the uncorrelated subquery); an FTS5 lookup per
#: candidate episode document took 30 ms for ``AI -OpenAI`` on the corpus.
_NO_EXCLUDED_TOPIC = f"""
    AND (rowid & {(1 << POSITION_BITS) - 1} OR rowid NOT IN (
        SELECT t.rowid - (t.rowid & {(1 << POSITION_BITS) - 1}) FROM search_fts t WHERE t.search_fts MATCH ?
    ))"""


def column(expression: str, columns: str) -> str:
    return f"{{{columns}}} : ({expression})"


def _hits_sql(ranked: str, order: str) -> str:
    """The hits for the documents of query ``ranked`` (columns ``doc``, ``score``), ordered by ``order``."""
    mask = (1 << POSITION_BITS) - 1
    return f"""
        WITH ranked AS ({ranked})
        SELECT ranked.doc, ranked.score, e.key, e.number, e.published, e.page_url, e.title AS episode_title,
            e.description, t.position, t.title AS topic_title, t.url, t.summary, t.site
        FROM ranked
        JOIN search_episodes s ON s.docbase = ranked.doc - (ranked.doc & {mask})
        JOIN episodes e ON e.key = s.key
        LEFT JOIN topics t ON t.episode_key = s.key AND t.position = (ranked.doc & {mask}) - 1
        ORDER BY {order}
        """


def _after(first: SearchResult, then: SearchResult, limit: int) -> SearchResult:
    """``first``'s hits, then those of ``then`` it lacks (at most ``limit``; episode documents are dropped when one
    of their topics is listed)."""
    seen = {(hit.episode_key, hit.position) for hit in first.hits}
    hits = [*first.hits, *(hit for hit in then.hits if (hit.episode_key, hit.position) not in seen)]
    with_topics = {hit.episode_key for hit in hits if hit.is_topic}
    kept = [hit for hit in hits if hit.is_topic or hit.episode_key not in with_topics]
    return SearchResult(
        tuple(kept[:limit]),
        more=first.more or then.more or len(kept) > limit,
        by_relevance=first.by_relevance if first.hits else then.by_relevance,
    )


class SearchQueries(SearchIndex):
    """Full-text search over the index; ``synonyms`` are the operator's (:func:`bot.search.names.load_synonyms`)."""

    synonyms: Mapping[str, tuple[str, ...]] = {}

    @staticmethod
    def _meta(filters: Filters) -> str | None:
        """The ``meta`` column filter for the MC and site options, or ``None``."""
        meta = []
        if filters.mc:
            meta.append(f'"{mc_token(filters.mc)}"')
        if filters.site:
            meta.append(f'"{site_token(filters.site)}"')
        return column(" AND ".join(meta), "meta") if meta else None

    async def search(self, query: Query | str, filters: Filters | None = None, *, limit: int = 100) -> SearchResult:
        """The best ``limit`` hits for ``query`` (a string is parsed with :func:`parse_query`).

        Ranked by relevance (bm25) unless a word of the query is common, then by recency with title matches
        first (see the module docstring). What the words match exactly (as typed) comes first, then what their
        other forms match whole, then what a compound matches only by its parts (オープン and クロー for
        オープンクロー), then — when these are fewer than :data:`FEW_HITS` — the relaxed query's partial matches:
        of five words or more, those missing only one first, then those holding the rarest word, then the rest.
        Each of the first three tiers asks only for what the earlier ones did not list in full, when one term has
        new alternatives (:meth:`Query.match_besides`): a phrase of common bigrams is not scanned again. An
        episode document is dropped when one of its topics is among the hits, so the same match is not listed
        twice, and with exclusions (``-word``) when one of its topics holds an excluded word. Never raises for any
        query text.
        """
        parsed = await off_loop(parse_query, query) if isinstance(query, str) else query
        filters = filters or Filters()
        low, high = rowid_range(filters)
        low = max(low, self._visible_low())
        if parsed.empty or limit <= 0 or low > high:
            return SearchResult()
        await self.flush()
        tried = None
        if parsed.pasted:  # a paste is most often found as pasted: only a sentence from memory needs the rest
            exact = parsed.exact()
            tried = exact.match_positive() or ""
            pasted = await self._ranked(exact, tried, filters, (low, high), limit, await self._words_are_rare(exact))
            if pasted.hits:
                return replace(pasted, searched=exact)
        parsed = await self.widened(parsed)
        strict = parsed.match_positive()
        if strict is None:
            return SearchResult()
        rare = await self._words_are_rare(parsed)
        result = SearchResult()
        asked = {tried}  # the paste, which found nothing
        listed: list[set[str]] | None = []  # each term's alternatives whose matches are all listed
        for tiered in (parsed.exact(), parsed.whole(), parsed):
            if result.hits and len(result.hits) >= limit:
                break
            tier = tiered.match_besides(listed or ())  # ``None``: nothing more to ask
            complete = tier is None or tier in asked
            if tier is not None and not complete:
                asked.add(tier)
                step = await self._ranked(parsed, tier, filters, (low, high), limit, rare)
                result, complete = _after(result, step, limit), not step.more
            if listed is not None and complete:
                terms = tiered.alternatives()
                listed = [seen | set(mine) for seen, mine in zip(listed or [set() for _ in terms], terms, strict=True)]
            else:
                listed = None
        relaxed = parsed.relaxed_positive() if self._fill(parsed, len(result.hits), limit) else None
        if relaxed is not None:
            strict_hits = {(hit.episode_key, hit.position) for hit in result.hits}
            counts = await self._word_counts(parsed)
            common = await self._common_count() if 0 in counts else COUNTED_MATCHES
            for tier in self._partial_tiers(parsed, relaxed, counts, common):
                if tier is not None and len(result.hits) < limit:
                    result = _after(result, await self._ranked(parsed, tier, filters, (low, high), limit, rare), limit)
            kept = sum((hit.episode_key, hit.position) in strict_hits for hit in result.hits)
            result = replace(result, partial_from=kept if kept < len(result.hits) else None)
        return replace(result, searched=parsed)

    @staticmethod
    def _fill(query: Query, strict_hits: int, limit: int) -> bool:
        """Whether partial matches follow the ``strict_hits``: when there are none, or fewer than
        :data:`FEW_HITS` and a partial match must still hold two words or more (of three or more: one of two
        words alone is too little to list after documents holding both)."""
        return not strict_hits or (strict_hits < min(FEW_HITS, limit) and required(len(query.content_words())) >= 2)

    async def _word_counts(self, query: Query) -> list[int]:
        """How many documents hold each content word (in any of its forms), counted up to
        :data:`COUNTED_MATCHES`."""
        return await self._counts([word.fts() for word in query.content_words()], COUNTED_MATCHES)

    async def _counts(self, expressions: Sequence[str], at_most: int) -> list[int]:
        """How many documents match each of ``expressions``, each counted up to ``at_most``, in one query."""
        if not expressions:
            return []
        rows = await self.db.fetchall(
            "SELECT j.key, (SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH j.value LIMIT ?)) "
            "FROM json_each(?) j ORDER BY j.key",
            (at_most, json.dumps(list(expressions))),
        )
        return [int(count) for _, count in rows]

    async def _common_count(self) -> int:
        """The documents a word is held by when a tenth of the index holds it (:data:`COMMON_SHARE`), at least
        :data:`LEAST_COMMON` and at most :data:`COUNTED_MATCHES`."""
        return max(LEAST_COMMON, min(COUNTED_MATCHES, int(await self.indexed() * COMMON_SHARE)))

    @staticmethod
    def _partial_tiers(query: Query, relaxed: str, counts: Sequence[int], common: int) -> list[str | None]:
        """The expressions of the partial matches, in the order they are listed.

        Of five words or more, those missing only one first; then those holding the rarest word, which tells
        most of what was meant; then the rest. When a word is held nowhere (a name the archive does not have,
        mistyped or made up), it was most likely the point of the query: there are none when one other word
        would do and ``common`` documents hold it (「Quindrelo エージェント」 lists no topic about agents;
        「タイデービー DMM」 still lists those about DMM).
        """
        words = query.content_words()
        known = [index for index, count in enumerate(counts) if count]
        if len(known) < len(words):
            if len(known) < required(len(words)):
                return []
            if required(len(words)) == 1 and all(counts[index] >= common for index in known):
                return []
        tiers = [query.relaxed_positive(at_least=len(words) - 1)] if len(words) - 1 > required(len(words)) else []
        if not known:
            return [*tiers, relaxed]
        rarest = min(known, key=lambda index: (counts[index], index))
        return [*tiers, query.relaxed_positive(rarest), relaxed]

    async def layer_counts(self, query: Query) -> list[tuple[str, str, int]]:
        """For ``zundabot search --explain``: every form of every content word of the (widened) query, with the
        layer it is looked up in (``bigrams`` or ``variants``) and how many documents hold it."""
        await self.flush()
        found: list[tuple[str, str, int]] = []
        for word in query.content_words():
            forms = [
                ("bigrams", " ".join(token.text for token in phrase), phrase_fts(phrase)) for phrase in word.phrases
            ]
            forms += [("variants", mark, f'"{mark}"') for mark in word.marks]
            for layer, label, expression in forms:
                count = await self.db.scalar("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (expression,))
                found.append((layer, label, int(count or 0)))
        return found

    async def widened(self, query: Query) -> Query:
        """``query`` with its content words also matching their synonyms and the names the archive pairs them
        with (:mod:`bot.search.names`)."""
        keys = query.synonym_keys()
        if not keys:
            return query
        rows = await self.db.fetchall(
            "SELECT p.name_key, p.other FROM json_each(?) k JOIN search_pairs p ON p.name_key = k.value",
            (json.dumps(keys),),
        )
        mined: dict[str, tuple[str, ...]] = {}
        for row in rows:
            mined[row["name_key"]] = (*mined.get(row["name_key"], ()), row["other"])
        return await self._rare_words_as_meant(query.with_synonyms(merge(self.synonyms, mined)))

    async def _rare_words_as_meant(self, query: Query) -> Query:
        """``query`` with each rare word also matching what it may have been meant as: by reading, sound, spelling
        or as two words typed together.

        Each content word fewer than :data:`HEARD_BELOW` documents hold whole in any of its forms also matches
        the kanji words it is the reading of, when typed in kana (:mod:`bot.search.readings`), and
        the names of the other script that sound like it, or, when no document holds it, like its part that can be
        heard (:mod:`bot.search.sounds`: a word the archive holds is heard whole, or its other parts would be lost:
        画像モデル is not Model; a part many documents hold is not heard: MCPサーバー構築 is not Java); a word no
        document holds, also the names of its own script it may be a misspelling of (シュミレーター →
        シミュレーター), and a Latin word no document holds, the two words it was typed together from
        (:meth:`_split`)."""
        unheld = []
        held = set()
        split: dict[str, str] = {}
        candidates = [(word, sound_parts(word.shown), reads(word.shown)) for word in query.content_words()]
        candidates = [(word, parts, kana) for word, parts, kana in candidates if parts or kana]
        counts = await self._counts([word.forms_fts() for word, _, _ in candidates], HEARD_BELOW)
        for (word, parts, kana), count in zip(candidates, counts, strict=True):
            if not count and (found := await self._split(word)):
                split[word.text] = found
            if count:
                held.add(word.text)
                parts = parts[:1] if parts[:1] == (word.shown,) else ()  # heard whole only
            else:  # a part many documents hold as typed is that word (the MCP and サーバー of MCPサーバー構築)
                rare = await self._rare([part for part in parts if part != word.shown], FEW_HITS)
                parts = tuple(part for part in parts if part == word.shown or part in rare)
            if count < HEARD_BELOW and (parts or kana):
                unheld.append((word, parts))
        if not unheld and not split:
            return query
        spelled = await self._spelled([word for word, _ in unheld if reads(word.shown)])
        heard = await self._heard({word.text: parts for word, parts in unheld if parts}, held)
        for text in held & heard.keys():  # a name few documents hold sounds like no common word (Jarvis, サービス)
            heard[text] = await self._rare(heard[text], HEARD_BELOW)
        names = {
            word.text: [
                *((name, "reading") for name in spelled.get(word.text, ())),
                *((name, "sound") for name in heard.get(word.text, ())),
            ]
            for word, _ in unheld
        }
        for text, found in split.items():
            names[text] = [(found, "split"), *names.get(text, [])]
        return query.sounding(names, held)

    async def _split(self, word: Word) -> str | None:
        """For a Latin word no document holds (nextjs), the two words it was typed together from (next js, as the
        archive writes Next.js) that most documents hold side by side, if any."""
        if not _RUN_TOGETHER.fullmatch(word.shown):
            return None
        pairs = [f"{word.shown[:cut]} {word.shown[cut:]}" for cut in range(MIN_SPLIT, len(word.shown) - MIN_SPLIT + 1)]
        counts = await self._counts([phrase_fts(name_tokens(pair)) for pair in pairs], FEW_HITS)
        best = max(range(len(pairs)), key=lambda index: (counts[index], -index))  # most held; the first of a tie
        return pairs[best] if counts[best] else None

    async def _spelled(self, words: Sequence[Word]) -> dict[str, list[str]]:
        """For each kana word, its spellings with the kanji of the readings it holds that the archive holds."""
        if not words:
            return {}
        keys = sorted({piece for word in words for piece in reading_pieces(word.shown)})
        rows = await self.db.fetchall(
            "SELECT reading, word FROM search_readings WHERE reading IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),),
        )
        by_reading: dict[str, list[str]] = {}
        for row in rows:
            by_reading.setdefault(row["reading"], []).append(row["word"])
        written = await off_loop(
            lambda: [(word.text, spelling) for word in words for spelling in spellings(word.shown, by_reading)]
        )
        counts = await self._counts([phrase_fts(name_tokens(spelling)) for _, spelling in written], 1)
        found: dict[str, list[str]] = {word.text: [] for word in words}
        for (text, spelling), count in zip(written, counts, strict=True):
            if count and len(found[text]) < MAX_NAMES:
                found[text].append(spelling)
        return found

    async def _heard(self, heard: Mapping[str, tuple[str, ...]], held: Collection[str]) -> dict[str, list[str]]:
        """For each word (its text → its sound parts), the archive's names of the other script it sounds like, and
        for a word no document holds (not in ``held``), those of its own script it may be a misspelling of."""
        if not heard:
            return {}
        keys = sorted({sound for found in heard.values() for part in found for sound in sounds(part)})
        rows = await self.db.fetchall(
            "SELECT sound, name FROM search_sounds WHERE sound IN (SELECT value FROM json_each(?))", (json.dumps(keys),)
        )
        by_sound: dict[str, list[str]] = {}
        for row in rows:
            by_sound.setdefault(row["sound"], []).append(row["name"])
        return await off_loop(named, heard, by_sound, {text for text in heard if text not in held})

    async def _rare(self, names: Sequence[str], fewer_than: int) -> list[str]:
        """Those of ``names`` fewer than ``fewer_than`` documents hold as written."""
        counts = await self._counts([phrase_fts(name_tokens(name)) for name in names], fewer_than)
        return [name for name, count in zip(names, counts, strict=True) if count < fewer_than]

    async def _held_by(self, expression: str, at_most: int = FEW_HITS) -> int:
        """How many documents match ``expression``, counted up to ``at_most``."""
        return (await self._counts([expression], at_most))[0]

    async def _ranked(
        self, parsed: Query, positive: str, filters: Filters, rowids: tuple[int, int], limit: int, by_relevance: bool
    ) -> SearchResult:
        """The best ``limit`` hits of the documents matching ``positive`` (an FTS5 expression over the
        query's words), without the query's exclusions, within ``filters`` and the ``rowids`` range; by bm25
        when ``by_relevance`` (:meth:`_words_are_rare`), else newest first, title matches first."""
        low, high = rowids
        expression = parsed.excluding(positive)
        meta = self._meta(filters)
        full = f"({expression}) AND {meta}" if meta else expression
        excluded = parsed.excluded_fts()
        where = "search_fts MATCH ? AND rowid >= ? AND rowid <= ?" + (_NO_EXCLUDED_TOPIC if excluded else "")
        bounds = (low, high, excluded) if excluded else (low, high)
        wanted = limit + DEDUPE_MARGIN
        if by_relevance:
            weights = ", ".join(str(weight) for weight in WEIGHTS)
            in_title = "rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)"
            ranked = (
                f"SELECT rowid AS doc, bm25(search_fts, {weights}) AS score, {in_title} AS in_title "
                f"FROM search_fts WHERE {where} ORDER BY in_title DESC, score, doc LIMIT ?"
            )
            rows = await self.db.fetchall(
                _hits_sql(ranked, "ranked.in_title DESC, ranked.score, ranked.doc"),
                (column(positive, "title"), full, *bounds, wanted),
            )
            complete = len(rows) < wanted
        else:
            titled = column(positive, "title")  # a title match is a match, unless filters or exclusions add to it
            titles_only = titled if full == positive else f"({titled}) AND ({full})"
            in_titles = await self._newest(titles_only, where, bounds, wanted)
            newest = await self._newest(full, where, bounds, wanted + len(in_titles))
            first = set(in_titles)
            order = [[doc, TITLE_TIER] for doc in in_titles]
            order += [[doc, OTHER_TIER] for doc in newest if doc not in first]
            ranked = (
                "SELECT json_extract(j.value, '$[0]') AS doc, json_extract(j.value, '$[1]') AS score, j.key AS ord "
                "FROM json_each(?) j"
            )
            rows = await self.db.fetchall(_hits_sql(ranked, "ranked.ord"), (json.dumps(order[:wanted]),))
            complete = len(newest) < wanted + len(in_titles)
        hits = [self._hit(row) for row in rows]
        with_topics = {hit.episode_key for hit in hits if hit.is_topic}
        kept = tuple(hit for hit in hits if hit.is_topic or hit.episode_key not in with_topics)
        more = not complete or len(kept) > limit
        return SearchResult(kept[:limit], more=more, by_relevance=by_relevance)

    async def _newest(self, expression: str, where: str, bounds: tuple[object, ...], limit: int) -> list[int]:
        """Rowids of the newest ``limit`` documents matching ``expression`` and ``where`` (its ``bounds``)."""
        rows = await self.db.fetchall(
            f"SELECT rowid FROM search_fts WHERE {where} ORDER BY rowid LIMIT ?", (expression, *bounds, limit)
        )
        return [row[0] for row in rows]

    async def _words_are_rare(self, query: Query) -> bool:
        """Whether every phrase bm25 would weigh (each term as typed and every form of its words:
        :meth:`Query.weighed_phrases`) has a token (among its first :data:`PROBED_TOKENS`) matching fewer than
        :data:`COMMON_MATCHES` documents. A word typed rare may have a common form (せいせい as 生成, which 129,000
        documents of a 100,000-episode archive hold: 200 ms to weigh).

        Then bm25 is cheap: it first scans every match of each phrase to weigh it, and a phrase is scanned
        by leaping over the matches of its rarest token. A word whose tokens are all common (エージェント:
        half of a 100,000-episode archive) would cost far more to weigh than to find. One query checks every
        token not checked since the index was last counted (:meth:`.index.SearchIndex.learnt`), each reading at
        most :data:`COMMON_MATCHES` entries of its list (prefixes through the prefix indexes).
        """
        if await self.indexed() < COMMON_MATCHES:  # no token can be that common
            return True
        terms = [[token.fts() for token in phrase[:PROBED_TOKENS]] for phrase in query.weighed_phrases()]
        known = self.learnt()  # a page turn searches again, and popular words share their tokens
        unknown = [token for token in dict.fromkeys(token for term in terms for token in term) if token not in known]
        if unknown:
            rows = await self.db.fetchall(
                "SELECT t.value FROM json_each(?) t WHERE (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                "t.value ORDER BY rowid LIMIT 1 OFFSET ?) IS NOT NULL",
                (json.dumps(unknown), COMMON_MATCHES),
            )
            common = {row[0] for row in rows}
            known.update((token, token in common) for token in unknown)
        return all(any(not known[token] for token in term) for term in terms)

    @staticmethod
    def _hit(row: sqlite3.Row) -> Hit:
        topic = row["position"] is not None
        return Hit(
            episode_key=row["key"],
            number=row["number"],
            published=datetime.fromisoformat(row["published"]),
            page_url=row["page_url"],
            episode_title=row["episode_title"],
            position=row["position"] if topic else None,
            title=row["topic_title"] if topic else row["episode_title"],
            url=row["url"] if topic else row["page_url"],
            text=row["summary"] if topic else row["description"],
            site=row["site"] if topic else "",
            score=float(row["score"]),
        )
