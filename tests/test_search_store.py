"""The search index: kept equal to the live rows by triggers, filters, ranking and the lookup queries."""

from __future__ import annotations

import random
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.episodes.model import Episode, Topic
from bot.search.model import Filters, InvalidDate
from bot.store.db import Database
from bot.store.migrations import MIGRATIONS, SEARCH_COMPACT_INDEX, SEARCH_V5
from bot.store.search import functions as search_functions
from bot.store.search import queries as search_queries
from bot.store.search.docids import POSITION_BITS
from bot.store.search.functions import body_text, mc_token, site_token, title_text
from bot.store.search.schema import VERSION_KEY
from bot.store.store import Store
from bot.text import INVISIBLE, index_text
from tests.factories import make_episode

ZONE = ZoneInfo("Asia/Tokyo")
MASK = (1 << POSITION_BITS) - 1


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await Store.open(":memory:")
    yield opened
    await opened.close()


def topic(title: str, summary: str = "", url: str = "https://example.com/a") -> Topic:
    return Topic(title, url, summary)


def episode(number: int, *topics: Topic, **changes: object) -> Episode:
    """``make_episode`` with exactly these topics."""
    return replace(make_episode(number, topics=0, **changes), topics=topics)


async def numbers(store: Store, query: str, filters: Filters | None = None) -> list[str]:
    return [f"{hit.number}/{hit.position}" for hit in (await store.search.search(query, filters)).hits]


async def index_dump(store: Store) -> Counter[tuple[str, int, str, str]]:
    """Every (episode key, document offset, column, term) occurrence in the index (after a flush)."""
    await store.search.flush()
    await store.db.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, search_fts, 'instance')"
    )
    rows = await store.db.fetchall(
        f"SELECT s.key, v.doc & {MASK} AS offset, v.col, v.term FROM temp.search_vocab v "
        f"JOIN search_episodes s ON s.docbase = v.doc - (v.doc & {MASK})"
    )
    orphans = await store.db.scalar(
        f"SELECT count(*) FROM temp.search_vocab v WHERE NOT EXISTS "
        f"(SELECT 1 FROM search_episodes s WHERE s.docbase = v.doc - (v.doc & {MASK}))"
    )
    assert orphans == 0
    return Counter((row["key"], row["offset"], row["col"], row["term"]) for row in rows)


def expected_dump(episodes: list[Episode]) -> Counter[tuple[str, int, str, str]]:
    """What the index must hold for these live episodes, computed independently of the triggers."""
    expected: Counter[tuple[str, int, str, str]] = Counter()

    def add(key: str, offset: int, column: str, text: str) -> None:
        for term in text.split():
            expected[(key, offset, column, term)] += 1

    for episode in episodes:
        meta = " ".join(mc_token(name) for name in episode.actors)
        add(episode.key, 0, "body", body_text(f"{episode.title}\n{episode.description}"))
        add(episode.key, 0, "meta", meta)
        for position, item in enumerate(episode.topics):
            add(episode.key, position + 1, "title", title_text(item.title))
            add(episode.key, position + 1, "body", body_text(item.summary))
            add(episode.key, position + 1, "site", index_text(item.site))
            add(episode.key, position + 1, "meta", f"{meta} {site_token(item.site)}" if item.site else meta)
    return expected


async def test_new_episodes_are_searchable(store: Store) -> None:
    await store.episodes.upsert(make_episode(1))
    await store.episodes.upsert(episode(2, topic("推論モデルの新作", "要約")))
    assert await numbers(store, "推論") == ["2/0"]
    assert await numbers(store, "話題1-0") == ["1/0"]


async def test_changes_replace_the_old_words(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("古いタイトル")))
    await store.episodes.upsert(episode(1, topic("新しい見出し")))
    assert await numbers(store, "古い") == []
    assert await numbers(store, "見出し") == ["1/0"]


async def test_withdrawn_episodes_disappear_and_come_back(store: Store) -> None:
    fireworks = episode(1, topic("花火大会"), source="2026-01-02-1.md")
    await store.episodes.upsert(fireworks)
    await store.episodes.withdraw(["2026-01-02-1.md"])
    assert await numbers(store, "花火") == []
    assert await index_dump(store) == Counter()
    await store.episodes.upsert(fireworks)
    assert await numbers(store, "花火") == ["1/0"]


async def test_deleted_episodes_leave_nothing_behind(store: Store) -> None:
    await store.episodes.upsert_many([make_episode(1), make_episode(2)])
    async with store.db.transaction() as conn:
        await conn.execute("DELETE FROM episodes WHERE number = '1'")
    assert await index_dump(store) == expected_dump([make_episode(2)])


async def test_direct_edits_of_rows_are_followed(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("花火")))
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE topics SET title = '線香花火' WHERE position = 0")
        await conn.execute("UPDATE episodes SET actors = '[\"春日部つむぎ\"]'")
    edited = episode(1, topic("線香花火"), actors=("春日部つむぎ",))
    assert await index_dump(store) == expected_dump([edited])
    assert await numbers(store, "線香", Filters(mc="春日部つむぎ")) == ["1/0"]


EPISODE_NUMBERS = st.integers(min_value=1, max_value=6)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), EPISODE_NUMBERS, st.integers(0, 3), st.sampled_from(["推論", "画像", "GPT-4o"])),
        st.tuples(st.just("withdraw"), EPISODE_NUMBERS, st.just(0), st.just("")),
        st.tuples(st.just("delete"), EPISODE_NUMBERS, st.just(0), st.just("")),
        st.tuples(st.just("move"), EPISODE_NUMBERS, st.integers(-2, 2), st.just("")),
        st.tuples(st.just("flush"), st.just(0), st.just(0), st.just("")),
    ),
    max_size=14,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
async def test_index_always_equals_the_live_rows(operations: list[tuple[str, int, int, str]]) -> None:
    async with await Store.open(":memory:") as store:
        live: dict[int, Episode] = {}
        for op, number, amount, word in operations:
            if op == "upsert":
                written = episode(
                    number,
                    *(topic(f"{word}{number}-{i}", f"要約{i} {word}") for i in range(amount)),
                    actors=("ずんだもん", "春日部つむぎ")[: 1 + amount % 2],
                    source=f"{number}.md",
                )
                await store.episodes.upsert(written)
                live[number] = written
            elif op == "withdraw":
                await store.episodes.withdraw([f"{number}.md"])
                live.pop(number, None)
            elif op == "delete":
                async with store.db.transaction() as conn:
                    await conn.execute("DELETE FROM episodes WHERE number = ?", (str(number),))
                live.pop(number, None)
            elif op == "flush":  # otherwise changes pile up in the queue until the final dump
                await store.search.flush()
            elif number in live:  # move: re-date a live episode, possibly onto another's second
                moved = replace(live[number], published=make_episode(number + amount).published)
                await store.episodes.upsert(moved)
                live[number] = moved
        assert await index_dump(store) == expected_dump(list(live.values()))
        before = await index_dump(store)
        await store.search.rebuild()
        assert await index_dump(store) == before


async def test_same_second_episodes_get_their_own_documents(store: Store) -> None:
    when = make_episode(1).published
    await store.episodes.upsert_many([episode(n, topic(f"同時刻{n}"), published=when) for n in (1, 2, 3)])
    assert sorted(await numbers(store, "同時刻")) == ["1/0", "2/0", "3/0"]
    bases = [row[0] for row in await store.db.fetchall("SELECT docbase FROM search_episodes")]
    assert len(set(bases)) == 3


async def test_migration_indexes_rows_already_present(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=MIGRATIONS.index(SEARCH_V5))
    await Store(db).episodes.upsert(episode(5, topic("移行前の話題")))
    await db.close()
    async with await Store.open(path) as store:
        assert await numbers(store, "移行前") == ["5/0"]


async def test_the_compact_index_migration_reindexes_the_stored_episodes(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=MIGRATIONS.index(SEARCH_COMPACT_INDEX))
    old = [episode(7, topic("移行前の推論", "要約"), topic("量子計算")), episode(8, topic("旧索引の話題"))]
    await Store(db).episodes.upsert_many(old)
    await db.close()
    async with await Store.open(path) as store:
        assert await store.db.scalar("PRAGMA user_version") == len(MIGRATIONS)
        assert await index_dump(store) == expected_dump(old)
        assert await numbers(store, "推論") == ["7/0"]
        await store.episodes.upsert(episode(9, topic("移行後の推論")))
        assert await numbers(store, "推論") == ["9/0", "7/0"]
        assert await index_dump(store) == expected_dump([*old, episode(9, topic("移行後の推論"))])


async def test_a_new_tokenizer_version_rebuilds_the_index(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Store.open(path) as store:
        await store.episodes.upsert(episode(1, topic("再構築")))
        await store.search.flush()
        await store.kv.set(VERSION_KEY, "0")
        async with store.db.transaction() as conn:
            await conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        assert await numbers(store, "再構築") == []
    async with await Store.open(path) as store:
        assert await numbers(store, "再構築") == ["1/0"]
        assert not await store.search.ensure_current()


async def test_an_index_of_tokenizer_1_is_rebuilt_without_the_invisible_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 split words at zero-width spaces; the rebuild at the next start indexes them whole, and later
    changes remove exactly what the new version indexed (a contentless index needs the very same tokens)."""
    path = tmp_path / "v1.sqlite3"
    hidden = episode(1, topic("推\u200b論の\u00adモデル", "ゼロ幅\u2060スペース"), description="推\ufeff論")
    with monkeypatch.context() as patch:
        patch.setattr(search_functions, "index_text", lambda text: index_text(re.sub(f"[{INVISIBLE}]", " ", text)))
        async with await Store.open(path) as store:
            await store.episodes.upsert(hidden)
            await store.search.flush()
            assert await numbers(store, "推論") == []
            await store.kv.set(VERSION_KEY, "1")
    async with await Store.open(path) as store:
        assert await numbers(store, "推論") == ["1/0"]
        assert await numbers(store, "推\u200c論 ゼロ幅スペース") == ["1/0"]
        assert await index_dump(store) == expected_dump([hidden])
        changed = episode(1, topic("別の\u200b話題"))
        await store.episodes.upsert(changed)
        assert await index_dump(store) == expected_dump([changed])
        assert await numbers(store, "推論") == []


async def test_topics_beyond_the_document_block_are_not_indexed(store: Store) -> None:
    huge = episode(1, *(topic(f"t{i}", url=f"https://x.test/{i}") for i in range(MASK + 3)))
    await store.episodes.upsert(huge)
    assert await store.search.document_count() == 1 + MASK
    assert await numbers(store, f"t{MASK - 2}") == [f"1/{MASK - 2}"]
    assert await numbers(store, f"t{MASK + 1}") == []


# -- queries -----------------------------------------------------------------------------------------------


async def test_widths_and_kana_forms_find_the_same_topics(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("GPT-4oの画像生成", "ガゾウ")))
    for query in ["ＧＰＴ－４ｏ", "gpt4o", "GPT 4o", "ｶﾞｿﾞｳ", "画像", "像", "gpt-4"]:
        assert await numbers(store, query) == ["1/0"], query


async def test_and_phrase_and_exclusion(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("Claude Code 入門", "推論")),
            episode(2, topic("Code Claude 逆順", "推論 画像")),
        ]
    )
    assert sorted(await numbers(store, "claude code")) == ["1/0", "2/0"]
    assert await numbers(store, '"claude code"') == ["1/0"]
    assert await numbers(store, "推論 -画像") == ["1/0"]


@pytest.mark.parametrize("common", [False, True])
async def test_exclusion_also_drops_episodes_whose_topics_hold_the_word(
    store: Store, monkeypatch: pytest.MonkeyPatch, common: bool
) -> None:
    if common:  # the recency ranking of common words takes the same care
        monkeypatch.setattr(search_queries, "COMMON_MATCHES", 1)
    await store.episodes.upsert_many(
        [
            # the description lists the topic titles: 推論 matches it, モデル only the first topic's summary
            episode(1, topic("推論の高速化", "モデルを小さくする"), topic("画像"), description="推論の高速化、画像"),
            episode(2, topic("画像"), topic("音声", "モデルの話"), description="推論の回、画像、音声"),
            episode(3, topic("推論の基礎", "計算の話"), description="推論の基礎"),
            episode(4, description="推論だけの古い回"),  # no topics: the episode itself is the hit
            episode(5, topic("推論"), description="推論とモデルの回"),
        ]
    )
    result = await store.search.search("推論 -モデル")
    assert result.by_relevance is not common
    assert sorted((hit.number, hit.position) for hit in result.hits) == [("3", 0), ("4", None), ("5", 0)]
    assert sorted(await numbers(store, "推論 -存在しない")) == sorted(await numbers(store, "推論"))
    assert sorted(await numbers(store, '推論 -"モデルの話" -基礎')) == ["1/0", "4/None", "5/0"]


async def test_titles_rank_above_summaries_and_recency_breaks_ties(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("別の話", "量子の話題がここに")),
            episode(2, topic("量子の話", "本文")),
            episode(3, topic("量子の話", "本文")),
        ]
    )
    assert await numbers(store, "量子") == ["3/0", "2/0", "1/0"]


async def test_episode_documents_give_way_to_their_topics(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("蒸気機関"), description="蒸気機関の回"),
            episode(2, description="蒸気機関の回"),
        ]
    )
    result = await store.search.search("蒸気機関")
    assert [(hit.number, hit.is_topic) for hit in result.hits] == [("1", True), ("2", False)]
    episode_hit = result.hits[1]
    assert episode_hit.url == episode_hit.page_url
    assert episode_hit.text == "蒸気機関の回"


async def test_filters(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("共通語", url="https://zenn.dev/a"), actors=("ずんだもん",)),
            episode(2, topic("共通語", url="https://www.qiita.com/b"), actors=("春日部つむぎ",)),
            episode(3, topic("共通語", url="https://zenn.dev/c"), actors=("お嬢様ずんだもん",)),
        ]
    )
    assert await numbers(store, "共通語", Filters(mc="ずんだもん")) == ["1/0"]
    assert await numbers(store, "共通語", Filters.from_input(zone=ZONE, site="www.Qiita.com")) == ["2/0"]
    assert await numbers(store, "共通語", Filters(site="zenn.dev")) == ["3/0", "1/0"]
    day2 = make_episode(2).published.astimezone(ZONE).date().isoformat()
    assert await numbers(store, "共通語", Filters.from_input(zone=ZONE, since=day2)) == ["3/0", "2/0"]
    assert await numbers(store, "共通語", Filters.from_input(zone=ZONE, until=day2)) == ["2/0", "1/0"]
    assert await numbers(store, "共通語", Filters.from_input(zone=ZONE, since=day2, until=day2)) == ["2/0"]
    assert await numbers(store, "共通語", Filters.from_input(zone=ZONE, since=day2, until="2000-01-01")) == []
    assert await numbers(store, "共通語", Filters(mc="いない人")) == []


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("1960-01-01", None, ["3/0", "2/0", "1/0"]),
        ("1969-12-31", None, ["3/0", "2/0", "1/0"]),
        ("0001-01-01", "9999-12-31", ["3/0", "2/0", "1/0"]),
        (None, "9999-12-31", ["3/0", "2/0", "1/0"]),
        ("2106-03-01", None, []),
        ("9999-12-31", None, []),
        (None, "1970-01-01", []),
        (None, "0001-01-01", []),
        ("1969-12-31", "DAY2", ["2/0", "1/0"]),
        ("DAY2", "9999-12-31", ["3/0", "2/0"]),
    ],
)
async def test_any_date_filters_without_overflow(
    store: Store, since: str | None, until: str | None, expected: list[str]
) -> None:
    await store.episodes.upsert_many([episode(n, topic("共通語")) for n in (1, 2, 3)])
    for zone in (ZONE, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")):
        day2 = make_episode(2).published.astimezone(zone).date().isoformat()
        filters = Filters.from_input(
            zone=zone, since=since and since.replace("DAY2", day2), until=until and until.replace("DAY2", day2)
        )
        assert await numbers(store, "共通語", filters) == expected, zone


async def test_episodes_on_any_date(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("一")))
    for day in (date.min, date(1969, 12, 31), date(2106, 2, 8), date.max):
        assert await store.search.episodes_on(day, ZONE) == []


@pytest.mark.parametrize("value", ["2025-13-01", "昨日", "2025-02-30", "99999999", "2025/1"])
def test_bad_dates_are_reported(value: str) -> None:
    with pytest.raises(InvalidDate):
        Filters.from_input(zone=ZONE, since=value)


@pytest.mark.parametrize("value", ["2025-06-30", "2025/6/30", "2025年6月30日", "20250630", "２０２５－０６－３０"])
def test_date_spellings(value: str) -> None:
    assert Filters.from_input(zone=ZONE, since=value).since == Filters.from_input(zone=ZONE, since="2025-06-30").since


async def test_common_words_rank_by_recency_titles_first(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_queries, "COMMON_MATCHES", 3)
    monkeypatch.setattr(search_queries, "DEDUPE_MARGIN", 0)
    await store.episodes.upsert_many(
        [episode(n, topic("見出しに共通" if n == 1 else "別", "共通")) for n in range(1, 7)]
    )
    result = await store.search.search("共通", limit=2)
    assert not result.by_relevance
    assert result.more
    assert [hit.number for hit in result.hits] == ["1", "6"]  # the title match, then the newest
    result = await store.search.search("共通")
    assert [hit.number for hit in result.hits] == ["1", "6", "5", "4", "3", "2"]
    assert not result.more
    both = await store.search.search("共通 見出し")  # one match, but one of its words is common
    assert [hit.number for hit in both.hits] == ["1"]
    assert not both.by_relevance
    assert (await store.search.search("見出し")).by_relevance


async def test_a_word_typed_rare_with_a_common_form_ranks_by_recency(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """せいせい is in no document as typed, but its form 生成 is common: weighing that would cost what weighing 生成
    costs, so the search ranks by recency as for 生成 typed."""
    monkeypatch.setattr(search_queries, "COMMON_MATCHES", 3)
    await store.episodes.upsert_many([episode(n, topic(f"画像の生成{n}", "要約")) for n in range(1, 7)])
    typed = await store.search.search("せいせい")
    assert [hit.number for hit in typed.hits][:3] == ["6", "5", "4"]
    assert not typed.by_relevance
    assert not (await store.search.search("生成")).by_relevance


async def test_the_document_count_is_taken_again_after_each_flush(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("一つ目")))
    await store.search.flush()
    assert await store.search.indexed() == 2  # the episode's document and its topic's
    await store.episodes.upsert(episode(2, topic("二つ目"), topic("三つ目")))
    await store.search.flush()
    assert await store.search.indexed() == 5
    await store.search.rebuild()
    assert await store.search.indexed() == 5


async def test_which_tokens_are_common_is_asked_once_until_the_index_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page turn searches again: the tokens' commonness is remembered until the next count of the index."""
    monkeypatch.setattr(search_queries, "COMMON_MATCHES", 3)
    await store.episodes.upsert_many([episode(n, topic(f"画像の生成{n}", "要約")) for n in range(1, 5)])
    probes: list[object] = []
    real = store.db.fetchall

    async def fetchall(sql: str, params: Any = ()) -> list[sqlite3.Row]:
        if "OFFSET ?" in sql:
            probes.append(params[0])
        return await real(sql, params)

    monkeypatch.setattr(store.db, "fetchall", fetchall)
    first = await store.search.search("生成")
    assert len(probes) == 1
    assert await store.search.search("生成") == first  # asked nothing again, answered the same
    assert len(probes) == 1
    assert not first.by_relevance
    await store.episodes.upsert(episode(5, topic("まったく別の話", "要約")))
    assert (await store.search.search("生成")).hits[0].number == "4"
    assert len(probes) == 2  # the index changed: asked again
    await store.episodes.upsert_many([episode(n, topic(f"話題{n}", "要約")) for n in range(6, 10)])
    assert (await store.search.search("話題")).by_relevance is False  # common now, though unknown before
    assert len(probes) == 3


async def test_common_words_by_recency_keep_the_filters_and_exclusions_on_title_matches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_queries, "COMMON_MATCHES", 2)
    await store.episodes.upsert_many(
        [
            episode(1, topic("共通の見出し", "要約"), actors=("ずんだもん",)),
            episode(2, topic("共通の見出し 除外語", "要約"), actors=("春日部つむぎ",)),
            episode(3, topic("別", "共通"), actors=("春日部つむぎ",)),
            episode(4, topic("別", "共通"), actors=("ずんだもん",)),
        ]
    )
    assert not (await store.search.search("共通")).by_relevance
    assert await numbers(store, "共通") == ["2/0", "1/0", "4/0", "3/0"]  # titles first, then the newest
    assert await numbers(store, "共通", Filters(mc="春日部つむぎ")) == ["2/0", "3/0"]
    assert await numbers(store, "共通 -除外語") == ["1/0", "4/0", "3/0"]


async def test_more_and_limit(store: Store) -> None:
    await store.episodes.upsert_many([episode(n, topic("共通")) for n in range(1, 8)])
    result = await store.search.search("共通", limit=3)
    assert len(result.hits) == 3
    assert result.more
    assert not (await store.search.search("共通", limit=7)).more
    assert (await store.search.search("共通", limit=0)).hits == ()


# -- other lookups -----------------------------------------------------------------------------------------


async def test_suggest_titles(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("推論モデル入門"), topic("x" * 150 + "推論")),
            episode(2, topic("推論モデル入門"), topic("画像")),
        ]
    )
    titles = await store.search.suggest_titles("推論")
    assert titles[0] == "推論モデル入門"
    assert len(titles) == 2
    assert all(len(title) <= 100 for title in titles)
    assert await store.search.suggest_titles("") == ["推論モデル入門", "画像", "x" * 99 + "…"]


async def test_suggest_episodes(store: Store) -> None:
    await store.episodes.upsert_many([episode(n, topic(f"話題{n}")) for n in (1, 12, 13, 130)])
    assert [c.number for c in await store.search.suggest_episodes("13", ZONE)] == ["13", "130"]
    assert [c.number for c in await store.search.suggest_episodes("＃１２", ZONE)] == ["12"]
    day = make_episode(12).published.astimezone(ZONE)
    assert [c.number for c in await store.search.suggest_episodes(f"{day:%Y-%m-%d}", ZONE)] == ["12"]
    assert [c.number for c in await store.search.suggest_episodes(f"{day:%Y/%m}", ZONE)] == ["13", "12", "1"]
    by_words = await store.search.suggest_episodes("話題13", ZONE)
    assert [c.number for c in by_words] == ["13"]  # 2-character words match whole: not "話題130"
    assert by_words[0].label(ZONE) == f"#13 {make_episode(13).published.astimezone(ZONE):%Y-%m-%d} 話題13"
    assert [c.number for c in await store.search.suggest_episodes("", ZONE, limit=2)] == ["130", "13"]
    assert [c.number for c in await store.search.suggest_episodes("話題", ZONE)] == ["130", "13", "12", "1"]


async def test_find_episode_key(store: Store) -> None:
    await store.episodes.upsert_many([episode(n, topic(f"固有{n}")) for n in (1, 2)])
    assert await store.search.find_episode_key("第2回", ZONE) == make_episode(2).key
    day = make_episode(1).published.astimezone(ZONE)
    assert await store.search.find_episode_key(f"{day:%Y%m%d}", ZONE) == make_episode(1).key
    assert await store.search.find_episode_key("固有2", ZONE) == make_episode(2).key
    assert await store.search.find_episode_key("存在しない", ZONE) is None
    assert await store.search.find_episode_key("999", ZONE) is None


async def test_random_topic_only_from_live_episodes(store: Store) -> None:
    assert await store.search.random_topic() is None
    await store.episodes.upsert_many([make_episode(1, source="1.md"), episode(2, topic("残る"), source="2.md")])
    await store.episodes.withdraw(["1.md"])
    rng = random.Random(7)
    picks = {(await store.search.random_topic(rng)).title for _ in range(20)}  # type: ignore[union-attr]
    assert picks == {"残る"}


async def test_stats_sites_and_mcs(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("a", url="https://zenn.dev/1"), actors=("ずんだもん",)),
            episode(2, topic("b", url="https://zenn.dev/2"), actors=("ずんだもん", "春日部つむぎ")),
            episode(40, topic("c", url="https://qiita.com/3"), actors=("春日部つむぎ",)),
        ]
    )
    stats = await store.search.stats(ZONE)
    assert stats.episodes == 3
    assert stats.topics == 3
    assert stats.top_sites == (("zenn.dev", 2), ("qiita.com", 1))
    assert stats.per_mc == (("ずんだもん", 2), ("春日部つむぎ", 2))
    assert stats.busiest_months == (("2024-01", 2), ("2024-02", 1))
    assert stats.first == make_episode(1).published
    assert await store.search.sites("zen") == [("zenn.dev", 2)]
    assert await store.search.sites("%") == []
    empty = await Store.open(":memory:")
    try:
        assert (await empty.search.stats(ZONE)).episodes == 0
    finally:
        await empty.close()


async def test_topics_of_and_episodes_on(store: Store) -> None:
    third = episode(3, topic("一"), topic("二"))
    await store.episodes.upsert(third)
    assert [item.title for item in await store.search.topics_of(third.key)] == ["一", "二"]
    day = third.published.astimezone(ZONE).date()
    assert await store.search.episodes_on(day, ZONE) == [third.key]
    assert await store.search.episodes_on(day + timedelta(days=1), ZONE) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(max_size=600)
    | st.text(alphabet=st.sampled_from('推論モデルｶﾞ猫GPT-4o"*():^-　ＡＩ AND OR NEAR 🎉「」'), max_size=80)
)
async def test_no_text_makes_a_lookup_fail(text: str) -> None:
    async with await Store.open(":memory:") as store:
        await store.episodes.upsert_many([episode(1, topic("推論モデル GPT-4o", "猫と画像")), make_episode(2)])
        result = await store.search.search(text, Filters(mc=text or None, site=text or None))
        assert isinstance(result.hits, tuple)
        await store.search.search(text)
        await store.search.suggest_titles(text)
        await store.search.suggest_episodes(text, ZONE)
        await store.search.find_episode_key(text, ZONE)
        await store.search.sites(text)
