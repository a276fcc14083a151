"""The forgiving search, layer by layer: kana folding, normal forms, readings, the archive's name pairs, the
synonyms file, filler dropping, minimum-should-match; properties; recall of half-remembered queries on the
corpus, and nonsense that finds nothing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import SettingsError, load_settings
from bot.episodes.model import Episode, Topic
from bot.search import readings, sounds, variants
from bot.search.model import SearchResult
from bot.search.names import SynonymsError, mine_pairs, parse_synonyms, plausible
from bot.search.query import PASTE, Query, analyse_term, parse_query, required
from bot.search.snippet import snippet
from bot.search.sounds import RULES_VERSION
from bot.store.db import Database
from bot.store.migrations import MIGRATIONS, SEARCH_READINGS, SEARCH_SOUNDS, SEARCH_SOUNDS_V2, Migration
from bot.store.search import mining
from bot.store.search.functions import body_text, title_text
from bot.store.search.mining import mined_key
from bot.store.store import Store
from bot.text import fold_kana, index_text, normalize
from tests.factories import make_episode
from tests.forgiving_queries import KINDS, NONSENSE, READ, SOUNDED, build_forgiving_cases
from tests.test_search_recall import read_corpus

#: Half-remembered queries must find their topic in the top 5 at least this often (issue 16: 9 in 10).
FORGIVING_BAR = 0.9
#: Names typed as they sound (:data:`tests.forgiving_queries.SOUNDED`): measured 0.88 on the corpus.
SOUNDED_BAR = 0.85
#: Kanji words typed in kana (:data:`tests.forgiving_queries.READ`): measured 0.88 on the corpus.
READ_BAR = 0.75


def episode(number: int, *topics: Topic, **changes: object) -> Episode:
    return replace(make_episode(number, topics=0, **changes), topics=topics)


def topic(title: str, summary: str = "要約") -> Topic:
    return Topic(title, f"https://example.com/{abs(hash(title))}", summary)


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    async with await Store.open(":memory:") as opened:
        yield opened


async def titles(store: Store, query: str) -> list[str]:
    return [hit.title for hit in (await store.search.search(query)).hits if hit.is_topic]


async def understood(store: Store, query: str) -> tuple[list[str], str | None]:
    """The titles ``query`` finds, and what it was understood as (the 「…で検索しました」 line)."""
    result = await store.search.search(query)
    return [hit.title for hit in result.hits], result.searched.understood() if result.searched else None


# -- kana folding ---------------------------------------------------------------------------------------------


def test_kana_folding_is_one_for_one_and_reaches_the_index() -> None:
    assert fold_kana("ぐーぐる と ゔぁ ゝゞ") == "グーグル ト ヴァ ヽヾ"
    assert len(fold_kana("ぷろんぷと")) == len("ぷろんぷと")
    assert index_text(fold_kana("ぷろんぷと")) == index_text("プロンプト")
    assert title_text("プロンプト入門").split()[:4] == index_text("プロンプト入門").split()[:4]


async def test_hiragana_and_katakana_find_each_other(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("プロンプトの書き方")),
            episode(2, topic("グーグルの新モデル")),
            episode(3, topic("ねこの日")),
        ]
    )
    assert await titles(store, "ぷろんぷと") == ["プロンプトの書き方"]
    assert await titles(store, "ぐーぐる") == ["グーグルの新モデル"]
    assert await titles(store, "ネコ") == ["ねこの日"]


# -- normal forms and readings (the analyser layer) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("サーバ", "サーバー"),
        ("プリンタ", "プリンター"),
        ("シュミレーション", "シミュレーション"),
        ("打込む", "打ち込む"),
    ],
)
def test_the_analyser_gives_normal_forms(written: str, normal: str) -> None:
    [morpheme] = variants.analyse(written)
    assert morpheme.normal == normal
    assert variants.key(normal) in variants.forms(morpheme)
    assert variants.title_tokens(written) == [variants.key(normal) + variants.MARK]


def test_latin_words_get_their_reading_and_katakana_their_latin_form() -> None:
    [nvidia] = variants.analyse("NVIDIA")
    assert variants.forms(nvidia) == ("エヌビディア",)
    [google] = variants.analyse("グーグル")
    assert variants.forms(google) == ("google",)
    assert variants.body_tokens("新しい NVIDIA の GPU")[0] == "エヌビディア" + variants.MARK


def test_a_words_variant_tokens_do_not_depend_on_the_words_analysed_with_it() -> None:
    """The analyser reads ``Is`` as アイエス alone and イズ between ``Was`` and ``It``: a document must get the
    same tokens whatever was analysed with it, or removing it from the contentless index removes other tokens."""
    variants._cache.clear()
    alone = variants.body_tokens("Is")
    variants._cache.clear()
    together = variants.body_tokens("Was Is It")
    assert together == [*variants.body_tokens("Was"), *alone, *variants.body_tokens("It")]
    assert alone == ["アイエス" + variants.MARK]


def test_variant_tokens_never_look_like_bigram_tokens() -> None:
    text = "サーバとシュミレーションとNVIDIA"
    bigrams = set(index_text(fold_kana(text)).split())
    marked = set(body_text(text).split()) - bigrams
    assert marked
    assert all(token.endswith(variants.MARK) for token in marked)
    assert not any(variants.MARK in token for token in bigrams)


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("新しいサーバの構成", "サーバー"),
        ("プリンターが壊れた", "プリンタ"),
        ("メモリ管理と開発手法", "メモリー管理"),  # the long-vowel mark at a word's end, inside a compound
        ("ルータを設定する", "ルーター設定"),
        ("メモリー管理と開発手法", "メモリ管理"),
        ("シミュレーションで検証", "シュミレーション"),
        ("コードを打ち込む", "打込む"),
        ("コードを打ち込んだ", "打込む"),  # okurigana, and a verb by the stem all its forms begin with
        ("ずんだもんの読み上げアプリ", "読上げアプリ"),
        ("約1,720億パラメータのモデル", "1720億パラメータ"),  # a number typed without its thousands separators
        ("NVIDIAの決算", "エヌビディア"),
        ("エヌビディアの決算", "NVIDIA"),
        ("Googleの発表", "ぐーぐる"),
        ("グーグルの発表", "Google"),
    ],
)
async def test_spelling_variants_and_names_across_scripts_meet(store: Store, document: str, query: str) -> None:
    await store.episodes.upsert_many([episode(1, topic(document)), episode(2, topic("関係のない話題"))])
    assert await titles(store, query) == [document]


async def test_a_variant_in_a_summary_is_found_and_bolded_in_the_original(store: Store) -> None:
    await store.episodes.upsert(episode(1, topic("構成の見直し", "古いサーバを新しくしたのだ。")))
    result = await store.search.search("サーバー")
    assert [hit.title for hit in result.hits] == ["構成の見直し"]
    assert result.searched is not None
    assert "**サーバ**" in snippet(result.hits[0].text, result.searched)
    hiragana = await store.search.search("さーば")
    assert "**サーバ**" in snippet(hiragana.hits[0].text, hiragana.searched or parse_query("さーば"))


# -- names the archive pairs, and the synonyms file --------------------------------------------------------------


def test_mined_pairs_keep_readings_and_leave_explanations_out() -> None:
    text = (
        "NVIDIA（エヌビディア）と Anthropic（アンソロピック）、アリババ（Alibaba）。"
        "API（ツール）と AI（エージェント）、MCP（モデル）"
    )
    assert sorted(mine_pairs(text)) == [
        ("Alibaba", "アリババ"),
        ("Anthropic", "アンソロピック"),
        ("NVIDIA", "エヌビディア"),
    ]
    assert plausible("Cerebras", "セレブラス")
    assert not plausible("CLI", "コマンドライン")


async def test_a_name_the_archive_pairs_finds_topics_written_only_the_other_way(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("資金調達のニュース", "セレブラス（Cerebras）が資金を集めた。")),
            episode(2, topic("Cerebras の新チップ", "ウェハースケールのチップ。")),
        ]
    )
    assert await titles(store, "セレブラス") == ["資金調達のニュース", "Cerebras の新チップ"]
    assert await titles(store, "せれぶらす") == ["資金調達のニュース", "Cerebras の新チップ"]


def test_synonyms_file_groups_and_errors() -> None:
    groups = parse_synonyms(
        "# names\nNVIDIA, エヌビディア, エヌヴィディア\n\nChatGPT、チャットジーピーティー  # comment\n"
    )
    assert groups["nvidia"] == ("エヌビディア", "エヌヴィディア")
    assert groups[variants.key("エヌヴィディア")] == ("NVIDIA", "エヌビディア")
    assert groups["chatgpt"] == ("チャットジーピーティー",)
    for text, problem in [
        ("NVIDIA", "line 1: a group needs at least two names"),
        ("ok, fine\nA,,B", "line 2: an empty name"),
        ("a, " + "x" * 60, "longer than 50"),
        ("a, !!!", "has no letters or digits"),
    ]:
        with pytest.raises(SynonymsError, match=problem):
            parse_synonyms(text, "synonyms.txt")


async def test_synonyms_widen_a_query(store: Store) -> None:
    await store.episodes.upsert_many([episode(1, topic("ずんだもんの新曲")), episode(2, topic("無関係"))])
    assert await titles(store, "Zundamon") == []
    store.search.synonyms = parse_synonyms("Zundamon, ずんだもん")
    assert await titles(store, "Zundamon") == ["ずんだもんの新曲"]
    assert await titles(store, "zundamon") == ["ずんだもんの新曲"]


def test_a_bad_synonyms_file_stops_the_start_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "synonyms.txt"
    bad.write_text("NVIDIA, エヌビディア\nひとつだけ\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"SEARCH_SYNONYMS.*line 2: a group needs at least two names"):
        load_settings(_env_file=None, search_synonyms=str(bad))
    with pytest.raises(SettingsError, match=r"SEARCH_SYNONYMS.*cannot read"):
        load_settings(_env_file=None, search_synonyms=str(tmp_path / "missing.txt"))
    good = tmp_path / "good.txt"
    good.write_text("NVIDIA, エヌビディア\n", encoding="utf-8")
    assert load_settings(_env_file=None, search_synonyms=str(good)).synonyms()["nvidia"] == ("エヌビディア",)
    assert load_settings(_env_file=None, search_synonyms="off").synonyms() == {}


# -- names by their sound ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "kana"),
    [
        ("Obsidian", "オブシディアン"),
        ("Selenium", "せれにうむ"),
        ("PlanetScale", "プラネットスケール"),
        ("BlackSuit", "ブラックスーツ"),
        ("Copilot Cowork", "コパイロットコワーク"),
        ("Agent Teams", "エージェントチームズ"),
        ("SageMaker", "セージメーカー"),
        ("computer use", "コンピューターユース"),
        ("Bedrock", "ベッドロック"),
        ("GitHub", "ギットハブ"),
        ("MySQL", "マイエスキューエル"),
        ("KADOKAWA", "かどかわ"),
        ("Llama", "ラマ"),
        ("Vibium", "ヴィビウム"),
        ("Tiny Team", "タイニーチーム"),
        ("Agency Agents", "エージェンシーエージェンツ"),
        ("Gemini CLI", "ジェミニCLI"),
        ("NeuralGCM", "ニューラルGCM"),
        ("Claude Code", "クロードcode"),
        ("Qwen", "クウェン"),  # a w after a consonant with the vowel between (twitter → ツイッター)
        ("Whisk", "ウィスク"),
        ("OpenSearch", "オープンサーチ"),  # ear before a consonant as アー
        ("Agentspace", "エージェントスペース"),  # ts before a consonant as ト and ス
        ("hotspot", "ホットスポット"),
        ("Tsunami", "ツナミ"),  # ts before a vowel as ツ
        ("Opus", "オーパス"),  # a closed u as ア
        ("Rust", "ラスト"),
        ("Ubuntu", "ウブントゥ"),  # and as ウ
        ("Prompt Caching", "プロンプトキャッシング"),  # a ch as シ
        ("architecture", "アーキテクチャ"),  # as ク
        ("Chroma", "クロマ"),
        ("torchtune", "トーチチューン"),  # a ch closing its syllable as チ, with its i
        ("Sketch", "スケッチ"),
    ],
)
def test_a_latin_name_and_its_katakana_reading_sound_alike(latin: str, kana: str) -> None:
    assert set(sounds.sounds(latin)) & set(sounds.sounds(kana))
    assert sounds.alike(kana, ["Unrelated", latin, "ラマダン"]) == [latin]
    assert sounds.alike(latin, [kana, "Other"]) == [kana]


def test_what_has_no_sound_and_what_sounds_too_far() -> None:
    assert sounds.sounds("推論") == ()
    assert sounds.sounds("セレニウム作者") == ()  # mixed scripts: heard part by part
    assert sounds.parts("セレニウム作者") == ("セレニウム",)
    assert sounds.parts("減らすBedrock") == ("Bedrock",)
    # glued from katakana and Latin: heard whole first, then run by run (the runs' names only when the whole has none)
    assert sounds.parts("ジェミニCLI") == ("ジェミニCLI", "ジェミニ", "CLI")
    assert sounds.named({"w": sounds.parts("ジェミニcli")}, {"snkr": ["Gemini CLI"], "sn": ["Gemini"]}) == {
        "w": ["Gemini CLI"]
    }
    assert sounds.named({"w": sounds.parts("ジェミニcli")}, {"sn": ["Gemini"]}) == {"w": ["Gemini"]}
    assert sounds.sounds("ア") == ()  # no consonant to look up by
    assert sounds.sounds("x" * 60) == ()
    assert sounds.alike("ヌペポ", ["New Paper", "NPU"]) == []  # two consonants need a near-perfect match
    assert sounds.alike("コスト", ["QUEST"]) == []
    # katakana adds a vowel after a closing consonant, never a random one: ヒヌユテッ is not Hint (ヒント)
    assert sounds.alike("ヒヌユテッ", ["Hints"]) == []
    assert sounds.alike("ヒント", ["Hint"]) == ["Hint"]
    assert sounds.alike("ポルメニョ", ["Pollen", "Apple No"]) == []
    # a kana name of three morae or fewer must sound exactly like it: ジペエ is not ZIP, ラマ is Llama
    assert sounds.alike("ジペエ", ["ZIP"]) == []
    assert sounds.alike("ラマ", ["Llama"]) == ["Llama"]
    assert sounds.alike("プラネットスケール", ["PlanetScale", "planetscale", "PLANETSCALE"]) == ["PlanetScale"]
    # a guess at a spelling English reads two ways (its ch as シ) must sound all but exactly alike
    assert sounds.alike("シュトラーゼン", ["Orchestration"]) == []
    assert sounds.alike("オーケストレーション", ["Orchestration"]) == ["Orchestration"]
    spellings = ["Copilot", "Kopilot", "Copilott", "Co Pilot", "Copylot"]
    assert len(sounds.alike("コパイロット", spellings)) == sounds.MAX_NAMES


def test_the_names_of_a_text_with_their_sounds() -> None:
    found = set(sounds.names_in("PlanetScaleの新機能 Agent Teams（エージェントチームズ）とGPT-4o"))
    names = {name for _, name in found}
    assert {"PlanetScale", "Agent", "Teams", "Agent Teams", "エージェントチームズ", "GPT"} <= names
    assert all(sound in sounds.sounds(name) for sound, name in found)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_has_names_and_sounds_without_raising(text: str) -> None:
    for sound, name in sounds.names_in(text):
        assert len(sound) >= sounds.MIN_SOUND
        assert sounds.alike(name, [name]) == []  # the other script only
    assert sounds.sounds(fold_kana(text)) == sounds.sounds(text)


async def test_a_name_typed_in_the_other_script_finds_the_topic(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("ObsidianでメモをAIに渡す", "ノートを整理した。")),
            episode(2, topic("Selenium作者の新しいブラウザ自動化ツール", "テストを書く。")),
            episode(3, topic("ヴィビウムを試した", "ブラウザを操る。")),
            episode(4, topic("ドラマの話", "オブジェクトの話。")),
            episode(5, topic("画像モデルを比べる", "要約")),
            episode(6, topic("A Model of Everything", "要約")),
            episode(7, topic("Gemini CLI: your open-source AI agent", "要約")),
            episode(8, topic("Gemini 2.5 Flash", "要約")),
        ]
    )
    assert await understood(store, "おぶしでぃあん") == (["ObsidianでメモをAIに渡す"], "Obsidian（おぶしでぃあん）")
    assert not (await store.search.search("おぶしでぃあん")).partial
    assert await titles(store, "セレニウム作者") == ["Selenium作者の新しいブラウザ自動化ツール"]
    assert await titles(store, "Vibium") == ["ヴィビウムを試した"]
    # a word the archive holds as typed is never widened to what sounds like it
    assert await titles(store, "ドラマ") == ["ドラマの話"]
    # a word few documents hold is also heard, but whole: 画像モデル is not the Model its part sounds like
    assert await titles(store, "モデル") == ["画像モデルを比べる", "A Model of Everything"]
    assert await titles(store, "画像モデル") == ["画像モデルを比べる"]
    # a part many documents hold as typed is not heard as another word (サーバー is no Java)
    await store.episodes.upsert_many(
        [episode(9, topic("Javaの新機能", "要約")), *(episode(n, topic(f"サーバー{n}", "要約")) for n in range(10, 16))]
    )
    assert await titles(store, "サーバー構築") == []
    # a name glued from both scripts is heard whole: Gemini CLI, not every Gemini
    assert await titles(store, "ジェミニCLI") == ["Gemini CLI: your open-source AI agent"]
    assert await titles(store, "ぬぺぽぴゅ") == []


@pytest.mark.parametrize(
    ("typed", "letters"),
    [("エムシーピー", "mcp"), ("えーつーえー", "a2a"), ("エーツーユーアイ", "a2ui"), ("ジーピーティーフォー", "gpt4")],
)
def test_letters_read_out_in_katakana_are_the_letters(typed: str, letters: str) -> None:
    assert sounds.spelled_out(typed) == letters


def test_what_is_not_letters_read_out() -> None:
    assert sounds.spelled_out("プロンプト") is None
    assert sounds.spelled_out("アイ") is None  # one letter alone is a word (愛, アイ)
    assert sounds.spelled_out("エーヌペポ") is None  # all of it, or nothing


async def test_an_acronym_read_out_in_katakana_finds_it(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("Agent2Agent プロトコル（A2A）を発表", "要約")),
            episode(2, topic("「A2UI」でアプリを作る", "要約")),
        ]
    )
    assert await titles(store, "エーツーエー プロトコル") == ["Agent2Agent プロトコル（A2A）を発表"]
    assert await titles(store, "えーつーゆーあい") == ["「A2UI」でアプリを作る"]


async def test_a_long_word_is_found_as_pasted_or_else_read_as_a_sentence_from_memory(store: Store) -> None:
    title = "日常のタスクを45個自動化した東大院生のClaudeCode活用術と毎日の記録"
    assert len(title) > PASTE
    await store.episodes.upsert_many(
        [episode(1, topic(title, "毎日の作業を自動化した記録。")), episode(2, topic("東大の入試", "要約"))]
    )
    assert await understood(store, title) == ([title], None)  # as pasted: searched exactly, nothing to say
    remembered = "東大の院生がClaude Codeで毎日のタスクを45個も自動化した全記録"
    assert len(remembered) > PASTE
    found, said = await understood(store, remembered)
    assert found[0] == title
    assert said is not None


async def test_a_latin_name_typed_without_its_dot_or_space_finds_it(store: Store) -> None:
    await store.episodes.upsert_many(
        [episode(1, topic("Next.jsの脆弱性まとめ", "要約")), episode(2, topic("Deep Researchを試す", "要約"))]
    )
    assert await understood(store, "nextjs") == (["Next.jsの脆弱性まとめ"], "next js（nextjs）")
    assert await titles(store, "deepresearch") == ["Deep Researchを試す"]
    assert await titles(store, "xyzzyplugh") == []


def test_a_misspelling_sounds_like_a_name_of_its_own_script() -> None:
    assert sounds.alike("シュミレーター", ["シミュレーター"]) == []  # only for a word no document holds
    assert sounds.alike("シュミレーター", ["シミュレーター", "シュミレーター"], misspelt=True) == ["シミュレーター"]
    assert sounds.alike("nemotoron", ["Nemotron"], misspelt=True) == ["Nemotron"]
    # Latin letters sound alike loosely: a misspelling must also be spelled alike (lugen is not Lucene)
    assert sounds.alike("lugen", ["Lucene"], misspelt=True) == []
    assert sounds.alike("クシュトークン", ["アクセストークン"], misspelt=True) == []  # another word ending alike
    # a misspelling only near the best name: コピーライト sounds like コーパイロット too, but far less than コパイロット
    assert sounds.alike("コーパイロット", ["コピーライト", "コパイロット", "Copilot"], misspelt=True) == [
        "コパイロット",
        "Copilot",
    ]


async def test_a_misspelt_name_finds_the_right_spelling(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("匿名掲示板シミュレーター", "スレを生成する")),
            episode(2, topic("オープンソースLLM「Nemotron 3」発表", "要約")),
            episode(3, topic("ドラムの練習", "要約")),
        ]
    )
    assert await understood(store, "シュミレーター") == (
        ["匿名掲示板シミュレーター"],
        "シミュレーター（シュミレーター）",
    )
    assert await titles(store, "nemotoron3") == ["オープンソースLLM「Nemotron 3」発表"]
    assert await titles(store, "ドラマ") == []  # a word is not widened to another of its own script it is not


# -- kanji words typed in kana ------------------------------------------------------------------------------------


def test_kanji_runs_give_their_readings_whole_and_word_by_word() -> None:
    found = set(readings.readings_in("日本語の大規模言語モデルと推論、タコの精巣"))
    assert {("ダイキボゲンゴ", "大規模言語"), ("ダイキボ", "大規模"), ("ゲンゴ", "言語")} <= found
    assert {("スイロン", "推論"), ("セイソウ", "精巣"), ("ニホンゴ", "日本語")} <= found
    assert all(reading.isascii() is False and word for reading, word in found)
    assert list(readings.readings_in("カタカナとlatinだけ")) == []


def test_kana_is_spelled_with_the_kanji_of_the_readings_it_holds() -> None:
    by_reading = {"スイロン": ["推論"], "セイソウ": ["精巣", "清掃"], "ネコ": ["猫"], "デル": ["出る"]}
    assert readings.spellings("すいろんもでる", by_reading) == ["推論モデル"]  # a short reading inside is no word
    assert readings.spellings("たこのせいそう", by_reading)[:2] == ["タコノ精巣", "タコノ清掃"]
    assert readings.spellings("ねこ", by_reading) == ["猫"]  # a short reading may be the whole word
    okurigana = readings.spellings("てつづききおく", {"テツヅキ": ["手続"], "キオク": ["記憶"]})
    assert okurigana[:2] == ["手続記憶", "手続キ記憶"]  # as mined, then as the analyser writes 手続 (手続き)
    assert readings.spellings("ぬぺぽぴゅ", by_reading) == []
    assert "スイロン" in readings.pieces("すいろんもでる")
    assert "モデ" not in readings.pieces("すいろんもでる")  # parts of 3 kana or more only
    assert readings.reads("すいろん")
    assert not readings.reads("推論")


@given(st.text(alphabet="あいうえおかきくけこさしすせそーん", max_size=20))
@settings(max_examples=200, deadline=None)
def test_spelling_any_kana_never_raises_and_keeps_it_whole(kana: str) -> None:
    by_reading = {"アイ": ["愛"], "カキ": ["柿", "牡蠣"], "サシス": ["刺簾"], "ウエオ": ["上尾"]}
    for spelled in readings.spellings(kana, by_reading):
        assert len(spelled) <= len(kana)
        assert any(word in spelled for words in by_reading.values() for word in words)
    assert len(readings.spellings(kana, by_reading)) <= readings.MAX_SPELLINGS


async def test_a_kanji_word_typed_in_kana_finds_it_and_says_so(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("小型推論モデルの発表", "考える速さを比べた。")),
            episode(2, topic("北海道の珍味「タコの精巣」を料理", "レア食材。")),
            episode(3, topic("生成AIで画像を作る", "手順の紹介。")),
            episode(4, topic("スイロンという名前の猫", "要約")),
            episode(5, topic("Chain機構と手続き記憶", "要約")),
        ]
    )
    assert await understood(store, "すいろんもでる") == (["小型推論モデルの発表"], "推論モデル（すいろんもでる）")
    assert await titles(store, "たこのせいそう") == ["北海道の珍味「タコの精巣」を料理"]
    assert await titles(store, "せいせいAI") == ["生成AIで画像を作る"]
    # a word few documents hold as typed: those first, then the kanji it can be read as; shown as typed
    held = await store.search.search("すいろん")
    assert [hit.title for hit in held.hits] == ["スイロンという名前の猫", "小型推論モデルの発表"]
    assert held.searched is not None
    assert held.searched.understood() == "スイロン（すいろん）"  # as the archive holds it, not as 推論
    assert "    in few documents as typed; also by reading: 推論" in held.searched.explain()
    # a run of kanji the archive writes with okurigana (手続き記憶: 手続 and 記憶 mined) is spelled with it too
    assert await titles(store, "てつづききおく") == ["Chain機構と手続き記憶"]
    assert await titles(store, "ぬぺぽぴゅせいそう") == []


@pytest.mark.parametrize(
    ("migration", "stored", "typed", "added", "typed_later"),
    [
        (SEARCH_SOUNDS, "PlanetScaleの新機能", "プラネットスケール", "BlackSuitの攻撃", "ぶらっくすーつ"),
        (SEARCH_READINGS, "即席で作る要約", "そくせき", "量子計算の入門", "りょうしけいさん"),
    ],
)
async def test_names_and_readings_of_stored_topics_are_mined_by_the_migration_and_the_flush(
    tmp_path: Path, migration: Migration, stored: str, typed: str, added: str, typed_later: str
) -> None:
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=MIGRATIONS.index(migration))  # the database as it was before the migration
    await Store(db).episodes.upsert(episode(1, topic(stored)))
    await db.close()
    async with await Store.open(path) as store:
        assert await titles(store, typed) == [stored]
        await store.episodes.upsert(episode(2, topic(added)))
        assert await titles(store, typed_later) == [added]
        await store.search.rebuild()
        assert await titles(store, typed_later) == [added]


async def test_names_stored_under_an_old_sound_are_heard_again_after_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=MIGRATIONS.index(SEARCH_SOUNDS_V2))
    await Store(db).episodes.upsert(episode(1, topic("Gemini and Whisk with Veo 2")))
    await Store(db).search.flush()
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM search_sounds")
        await conn.execute("INSERT INTO search_sounds (sound, name) VALUES ('hsk', 'Whisk')")  # the old rules' sound
    await db.close()
    async with await Store.open(path) as store:
        assert await titles(store, "ウィスク") == ["Gemini and Whisk with Veo 2"]


async def test_names_mined_by_older_rules_are_mined_again_at_the_next_start(tmp_path: Path) -> None:
    """A store whose sounds were mined by other rules (``sounds.RULES_VERSION``) mines them again when opened."""
    path = tmp_path / "db.sqlite3"
    async with await Store.open(path) as store:
        await store.episodes.upsert(episode(1, topic("Google Agentspace が一般提供に")))
        await store.search.flush()
        async with store.db.transaction() as conn:
            await conn.execute("DELETE FROM search_sounds")
            await conn.execute("INSERT INTO search_sounds (sound, name) VALUES ('sntps', 'Agentspace')")  # ts as t
        await store.kv.set(mined_key("search_sounds"), str(RULES_VERSION - 1))
        assert await titles(store, "エージェントスペース") == []
    async with await Store.open(path) as store:
        assert await titles(store, "エージェントスペース") == ["Google Agentspace が一般提供に"]
        assert await store.kv.get(mined_key("search_sounds")) == str(RULES_VERSION)


async def test_a_large_flush_mines_its_names_in_a_helper_process_with_the_rows_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The names of a large flush are mined by a helper process while this one indexes: the same rows."""
    monkeypatch.setattr(mining, "GROUP", 3)
    summary = "Obsidian と生成AIの量子計算"
    many = [episode(n, topic(f"NVIDIA（エヌビディア）の推論モデル{n}", f"{summary} {n}回目")) for n in range(1, 41)]

    async def mined(path: Path) -> list[list[tuple[str, str]]]:
        async with await Store.open(path) as store:
            await store.episodes.upsert_many(many)
            await store.search.flush()
            assert await titles(store, "えぬびでぃあ 推論モデル7") == ["NVIDIA（エヌビディア）の推論モデル7"]
            return [
                [tuple(row) for row in await store.db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
                for table in mining.MINED_TABLES
            ]

    monkeypatch.setattr(mining, "MIN_SHARED", 10**9)
    alone = await mined(tmp_path / "one.sqlite3")
    monkeypatch.setattr(mining, "MIN_SHARED", 20)
    with caplog.at_level(logging.DEBUG, logger="bot.two_cores"):
        shared = await mined(tmp_path / "two.sqlite3")
    assert shared == alone
    assert all(alone)  # pairs, sounds and readings were mined
    [done] = [r.args for r in caplog.records if r.getMessage().startswith("helper process did")]
    assert isinstance(done, tuple)
    assert done[0] > 0
    assert done[1] == "mining names"
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))  # the helper cannot start
    caplog.clear()
    assert await mined(tmp_path / "three.sqlite3") == alone
    assert any("the helper process for mining names failed" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    monkeypatch.setattr(mining, "MIN_SHARED", 20)
    monkeypatch.setattr(mining, "GROUP", 3)
    async with await Store.open(tmp_path / "two.sqlite3") as store:  # a rebuild mines the same through the helper
        await store.search.rebuild()
        assert [
            [tuple(row) for row in await store.db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in mining.MINED_TABLES
        ] == alone


async def test_a_flush_that_fails_while_mining_keeps_its_queue_and_raises_the_error_itself(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while the names are mined: the error as SQLite raised it, nothing indexed, nothing lost."""
    await store.episodes.upsert(episode(1, topic("NVIDIA（エヌビディア）の推論モデル")))
    real = mining._write

    async def full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(mining, "_write", full)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        await store.search.flush()
    assert await store.search.pending()
    monkeypatch.setattr(mining, "_write", real)
    assert await titles(store, "えぬびでぃあ") == ["NVIDIA（エヌビディア）の推論モデル"]
    assert not await store.search.pending()


async def test_a_rebuild_mines_the_names_the_flush_mined_episode_descriptions_included(store: Store) -> None:
    """The mined tables after a rebuild are those the flush made, of episodes' descriptions too; a withdrawn
    episode's names are left out."""

    async def mined() -> list[list[tuple[str, str]]]:
        return [
            [tuple(row) for row in await store.db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in mining.MINED_TABLES
        ]

    described = episode(1, topic("新しい推論モデル"), description="Cursor（カーソル）と量子計算の話。")
    await store.episodes.upsert(described)
    await store.search.flush()
    flushed = await mined()
    assert {"Cursor", "カーソル"} <= {other for _, other in flushed[0]}
    await store.search.rebuild()
    assert await mined() == flushed
    withdrawn = episode(2, topic("Zed（ゼッド）の新版"), source="posts/zed.md")
    await store.episodes.upsert(withdrawn)
    await store.episodes.withdraw(["posts/zed.md"])
    await store.search.rebuild()
    assert await mined() == flushed


# -- natural phrasing: filler dropping and minimum-should-match ---------------------------------------------------


async def test_a_phrase_typed_all_in_hiragana_finds_its_loanwords(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("コツを掴むプロンプト設計", "要約")),
            episode(2, topic("プロンプト集", "要約")),
            episode(3, topic("KADOKAWAの発表", "データの公開について。")),
            episode(4, topic("エージェントを作る入門", "要約")),
            episode(5, topic("エージェントの比較", "要約")),
        ]
    )
    assert await titles(store, "えーじぇんとをつくる") == ["エージェントを作る入門"]  # を joins, つくる is 作る
    assert await understood(store, "ぷろんぷとのこつ") == (
        ["コツを掴むプロンプト設計"],
        "プロンプト コツ（ぷろんぷとのこつ）",
    )
    assert await titles(store, "かどかわのでーたのはなし") == ["KADOKAWAの発表"]


@pytest.mark.parametrize(
    ("typed", "words", "dropped"),
    [
        ("MCPのガイド", ["mcp", "ガイド"], ["の"]),
        ("エージェントについて話してた回", ["エージェント"], ["に", "つい", "て", "話し", "て", "た", "回"]),
        ("あの推論モデルの話", ["推論モデル"], ["あの", "の", "話"]),
        ("推論モデル", ["推論モデル"], []),
        ("話題13", ["話題13"], []),  # no particle: one word, nothing dropped
        # the analyser's cuts of an unknown word in kana are one word, read as katakana (生成 typed unconverted)
        ("ぬぺぽぴゅの回", ["ヌペポピュ"], ["の", "回"]),
        ("せいせいAI", ["セイセイ", "ai"], []),
        ("いい感じのツール", ["ツール"], ["いい", "感じ", "の"]),  # one short piece alone is still dropped
        ("じゅんこくさんAI", ["ジュンコクサン", "ai"], []),  # a word and the suffixes cut from it
        ("バグの話", ["バグ"], ["の", "話"]),  # a short word typed in katakana is a word
        # typed all in hiragana: split where a particle joins loanwords, each read as katakana
        ("ぷろんぷとのこつ", ["プロンプト", "コツ"], ["の"]),
        ("えーじぇんとについて", ["エージェント"], ["について"]),
        ("えーじぇんとのはなし", ["エージェント"], ["の", "はなし"]),
        ("かどかわのでーた", ["カドカワ", "データ"], ["の"]),  # でーた is no filler, whatever the analyser reads
        ("えーじぇんとをつくる", ["エージェント", "つくる"], ["を"]),  # を joins too; the verb after it is a verb
        ("しゅくだいをやる", ["シュクダイ"], ["を", "やる"]),
        ("きのこ", ["キノコ"], []),  # a word holding の is one word
        ("テストケースを作るエージェント", ["テストケース", "作る", "エージェント"], ["を"]),  # a verb is a word alone
        ("のーと", ["ノート"], []),
        ("とくしゅトークン", ["とくしゅトークン"], []),  # a term does not begin with a particle (と)
        ("執事みたいって話してた回", ["執事"], ["みたい", "って", "話し", "て", "た", "回"]),
        ("とかいうやつ", [], ["とかいう", "やつ"]),  # nothing but filler, in hiragana
        ("MCPって結局なんだっけ", ["mcp"], ["って", "結局", "な", "ん", "だ", "っけ"]),
        # no particle, but an inflected adjective and a filler verb: a phrase, not one compound (RAG is no ラグ)
        ("深く検索するRAG", ["深い", "検索", "rag"], ["する"]),
        ("生成する", ["生成"], ["する"]),
        ("のMCP", ["mcp"], ["の"]),  # unless what follows is no kana
        # when the listener heard it is filler too
        ("最近のGeminiの話", ["gemini"], ["最近", "の", "の", "話"]),
        ("この前のClaudeの話", ["claude"], ["この", "前", "の", "の", "話"]),
        ("先週やってたSoraの回", ["sora"], ["先週", "やっ", "て", "た", "の", "回"]),
        ("前処理の話", ["前処理"], ["の", "話"]),  # a word holding 前 is a word
        # a prefix in kanji is part of its word (a 非推論モデル is no 推論モデル); one in kana is politeness
        ("新発表って何だっけ", ["新発表"], ["って", "何", "だ", "っけ"]),
        ("非推論モデルのやつ", ["非推論モデル"], ["の", "やつ"]),
        ("お便りの話", ["便り"], ["お", "の", "話"]),
        # a number and its counter: never glued to the word before it; one of something is no number to find
        ("GPU一枚で", ["gpu"], ["一", "枚", "で"]),
        ("GPU1枚で", ["gpu"], ["1", "枚", "で"]),
        ("タスクを45個も自動化", ["タスク", "45", "自動化"], ["を", "個", "も"]),
    ],
)
def test_particles_auxiliaries_and_filler_are_dropped(typed: str, words: list[str], dropped: list[str]) -> None:
    found, left_out = analyse_term(normalize(typed))
    assert [word.shown for word in found] == words
    assert list(left_out) == dropped


async def test_filler_typed_as_a_term_of_its_own_is_left_out(store: Store) -> None:
    await store.episodes.upsert_many(
        [episode(1, topic("MCPサーバーを作る", "要約")), episode(2, topic("MCPの話をしよう", "要約"))]
    )
    for typed in ("MCP の話", "MCP について", "MCP とかいうやつ", "MCP って何"):
        query = parse_query(typed)
        assert [term.text for term in query.positive] == ["mcp"]
        assert query.left_out
        assert query.understood() == "mcp"
        assert sorted(await titles(store, typed)) == ["MCPの話をしよう", "MCPサーバーを作る"]
    assert [term.typed for term in parse_query("の話").positive] == ["の話"]  # only filler: searched as typed


def test_minimum_should_match() -> None:
    assert [required(n) for n in range(1, 7)] == [1, 1, 2, 3, 3, 4]
    query = parse_query("推論 画像 生成 -動画")
    relaxed = query.relaxed_fts()
    assert relaxed is not None
    assert relaxed.count(" AND ") == 3  # three pairs of two of the three words
    assert relaxed.endswith('NOT (("動画"))')
    assert parse_query("推論").relaxed_fts() is None
    assert parse_query('推論 "画像 生成"').relaxed_positive() is None  # one free word: nothing to relax


async def test_partial_matches_follow_when_few_topics_hold_every_word(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("推論の高速化")),
            episode(2, topic("画像生成の比較")),
            episode(3, topic("推論と画像")),
            episode(4, topic("音楽の推論と画像")),
            episode(5, topic("画像を速く推論する", "音楽はない")),
            episode(6, topic("推論の高速化と音楽")),
        ]
    )
    strict = await store.search.search("推論 画像")  # two words: one of them alone is no match to list
    assert sorted(hit.title for hit in strict.hits) == ["推論と画像", "画像を速く推論する", "音楽の推論と画像"]
    assert strict.partial_from is None
    assert not strict.partial
    partial = await store.search.search("推論 高速化 歌詞")
    assert partial.partial
    assert partial.partial_from == 0
    assert [hit.title for hit in partial.hits] == ["推論の高速化", "推論の高速化と音楽"]
    # one topic holds all three words; then those holding two, first those with the rarest word (高速化)
    filled = await store.search.search("推論 高速化 音楽")
    assert [hit.title for hit in filled.hits][:2] == ["推論の高速化と音楽", "推論の高速化"]
    assert filled.partial_from == 1
    assert (await store.search.search("推論 ぬぺぽぴゅ zqxjvk")).hits == ()  # two of three words are nonsense
    # a single letter is too little for a partial match: the Q of a made-up Zuxqen-Q finds no Amazon Q
    await store.episodes.upsert_many([episode(7, topic("Amazon Q Developerの新機能"))])
    assert await titles(store, "Amazon Q") == ["Amazon Q Developerの新機能"]
    assert (await store.search.search("Zuxqen-Q")).hits == ()
    assert '"q"' not in (parse_query("zuxqen q").relaxed_positive() or "")
    assert parse_query("q 1").relaxed_positive() is None


async def test_a_partial_match_missing_one_of_five_words_comes_before_those_missing_two(store: Store) -> None:
    """The rarest word (歌詞) leads the partial matches that hold three of the five words, but a topic holding
    four of them, without it, is listed first."""
    await store.episodes.upsert_many(
        [
            *(episode(n, topic(f"歌詞と音楽と推論{n}", "要約")) for n in range(1, 7)),
            episode(7, topic("音楽の推論と画像の高速化", "要約")),
            *(episode(n, topic(f"画像の高速化{n}", "要約")) for n in range(8, 20)),
        ]
    )
    result = await store.search.search("歌詞 音楽 推論 画像 高速化")
    assert result.partial
    assert result.hits[0].title == "音楽の推論と画像の高速化"


async def test_a_name_few_documents_hold_is_not_widened_to_a_common_word_it_sounds_like(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("Jarvis AIの噂", "要約")),
            episode(2, topic("ジャービスが来る", "要約")),
            *(episode(n, topic(f"新しいサービス{n}", "要約")) for n in range(3, 30)),
        ]
    )
    assert sorted(await titles(store, "Jarvis")) == ["Jarvis AIの噂", "ジャービスが来る"]  # no サービス


async def test_a_word_a_few_documents_hold_also_finds_the_name_it_sounds_like_after_them(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            *(episode(n, topic(f"日本語LLMのリーダーボード{n}", "要約")) for n in range(1, 7)),
            episode(7, topic("Leaderboard for Japanese LLMs", "要約")),
            *(episode(n, topic(f"ニュース{n}", "要約")) for n in range(8, 30)),
        ]
    )
    found = await titles(store, "リーダーボード")
    assert found[-1] == "Leaderboard for Japanese LLMs"  # after the six that hold it as typed
    assert len(found) == 7


async def test_when_the_listener_heard_it_is_not_searched_for(store: Store) -> None:
    await store.episodes.upsert_many(
        [episode(1, topic("Gemini 3 Flash を発表", "速いモデル")), episode(2, topic("最近のニュース", "いろいろ"))]
    )
    assert await understood(store, "最近のGeminiの話") == (
        ["Gemini 3 Flash を発表"],
        "gemini（最近のgeminiの話）",
    )  # the query as normalised


async def test_a_name_typed_in_kana_keeps_its_version_number(store: Store) -> None:
    """ジェミニ3 is Gemini 3, not every Gemini; クロード4.5 finds Claude Opus 4.5 (the name and the version apart,
    after them side by side); 4.5 is never 45."""
    await store.episodes.upsert_many(
        [
            episode(1, topic("Gemini 3 Flash を発表", "要約")),
            episode(2, topic("Gemini 2.5 Pro を比べる", "要約")),
            episode(3, topic("Claude Opus 4.5 を試す", "要約")),
            episode(4, topic("Claude で45個のタスクを自動化", "要約")),
            episode(5, topic("Qwen2.5 の論文", "要約")),
            episode(6, topic("Qwen3 の論文", "要約")),
        ]
    )
    for typed in ("ジェミニ3", "じぇみに3"):
        assert await understood(store, typed) == (["Gemini 3 Flash を発表"], f"Gemini3（{typed}）")
    assert await titles(store, "クロード4.5") == ["Claude Opus 4.5 を試す"]
    assert await titles(store, "くうぇん2.5") == ["Qwen2.5 の論文"]
    assert await titles(store, "4.5") == ["Claude Opus 4.5 を試す"]


def test_a_name_joined_by_dots_or_hyphens_is_one_word() -> None:
    for typed in ("GPT-4.5", "llm-jp-3", "Next.js"):
        [word] = parse_query(typed).content_words()
        assert word.pieces == ()
    [word] = parse_query("GPT-4.5").content_words()
    assert all("45" not in token.text for phrase in word.phrases for token in phrase)  # 4 and 5, never 45


async def test_a_word_held_nowhere_leaves_no_partial_matches_of_a_common_word_alone(store: Store) -> None:
    """A made-up or misheard name with a word a tenth of the archive holds lists nothing; with a rarer word,
    what holds that word (the name may be misheard: タイデービー for TiDB)."""
    await store.episodes.upsert_many(
        [
            *(episode(n, topic(f"エージェント{n}の話", "要約")) for n in range(1, 31)),
            episode(31, topic("DMMプラットフォームの基盤", "要約")),
        ]
    )
    assert (await store.search.search("Quindrelo エージェント")).hits == ()
    partial = await store.search.search("Quindrelo DMM")
    assert [hit.title for hit in partial.hits] == ["DMMプラットフォームの基盤"]
    assert partial.partial


async def test_a_compound_typed_without_its_particle_finds_its_words_apart(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("「ななしいんく」から卒業", "個人勢に")),
            episode(2, topic("MCPの公式ガイド")),
            episode(3, topic("ガイドブック")),
        ]
    )
    assert await titles(store, "ななしいんく卒業") == ["「ななしいんく」から卒業"]
    assert await titles(store, "MCPガイド") == ["MCPの公式ガイド"]
    assert [word.shown for word in parse_query("MCPガイド").positive[0].words] == ["mcpガイド"]


def test_a_tier_asks_only_what_the_earlier_tiers_did_not_list() -> None:
    """A tier asks for what the alternatives of its one grown term add, with the other terms as they are (the
    earlier tiers' matches are listed); when two terms grew, for everything."""
    query = parse_query("エージェントマスタ")
    whole = query.whole()
    [[own]] = query.exact().alternatives()
    assert query.match_besides(()) == query.match_positive()
    assert whole.match_besides([{own}]) == "(" + " OR ".join(f"({a})" for a in whole.alternatives()[0][1:]) + ")"
    assert f"({own})" not in cast(str, whole.match_besides([{own}]))[1:-1].split(" OR ")
    [forms] = whole.alternatives()
    assert query.match_besides([{*forms}]) == f"(({query.alternatives()[0][-1]}))"  # its pieces alone
    assert whole.match_besides([{*forms}]) is None
    two = parse_query('エージェント "推論"')  # a quoted phrase is searched as typed in every tier
    [[agent], [reasoning]] = two.exact().alternatives()
    assert two.whole().match_besides([{agent}, {reasoning}]) == (
        f"(({two.whole().alternatives()[0][1]})) AND ({two.positive[1].match_fts()})"  # only エージェント grew
    )
    both = parse_query("エージェント マスタ")
    [[agent], [master]] = both.exact().alternatives()
    assert both.whole().match_besides([{agent}, {master}]) == both.whole().match_positive()  # both grew


async def test_a_compound_lists_its_exact_then_its_other_forms_then_its_parts_asking_each_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("エージェントマスターになる", "本文")),
            episode(2, topic("エージェントの達人", "ゲームマスターの話")),
            episode(3, topic("エージェントマスタの講座", "本文")),
        ]
    )
    asked: list[str] = []
    real = store.search._ranked

    async def ranked(parsed: Query, positive: str, *args: Any) -> SearchResult:
        asked.append(positive)
        return await real(parsed, positive, *args)

    monkeypatch.setattr(store.search, "_ranked", ranked)
    assert await titles(store, "エージェントマスタ") == [
        "エージェントマスタの講座",  # as typed
        "エージェントマスターになる",  # another form of the word
        "エージェントの達人",  # its parts
    ]
    [exact, forms, parts] = asked
    assert exact not in forms.split(" OR ")  # as typed: asked once
    assert '"ター")' in forms  # マスター, another form
    assert '"トマ"' not in parts  # the parts alone: the whole word's forms were asked before


async def test_topics_whose_titles_hold_every_word_come_first(store: Store) -> None:
    await store.episodes.upsert_many(
        [
            episode(1, topic("AI エージェントを仕組みから理解する", "入門")),
            episode(2, topic("Agents for agent builders", "エージェントの作り方、エージェントの仕組み、agents")),
        ]
    )
    assert await titles(store, "エージェント 仕組み") == [
        "AI エージェントを仕組みから理解する",
        "Agents for agent builders",
    ]


def test_what_was_understood() -> None:
    assert parse_query("ぷろんぷと").understood() == "プロンプト（ぷろんぷと）"
    assert (
        parse_query("エージェントについて話してた回").understood() == "エージェント（エージェントについて話してた回）"
    )
    assert parse_query("推論 GPT-4o").understood() is None
    assert parse_query("画像を比べた").understood() == "画像 比べる（画像を比べた）"  # a verb is shown whole
    assert parse_query("エージェントのしくみ").understood() == "エージェント しくみ（エージェントのしくみ）"  # in kana
    assert parse_query('"ぷろんぷと"').understood() is None  # a quoted phrase is searched as typed
    lines = parse_query("あの推論モデルの話 -画像").explain()
    assert "  content word: 推論モデル  (bigrams: 推論 論モ モデ デル)" in lines
    assert "  dropped: あの の 話" in lines
    assert "excluded: 画像" in lines


# -- properties ---------------------------------------------------------------------------------------------------


def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, body, content='', prefix='1', tokenize=\"ascii tokenchars '+#'\")"
    )
    return conn


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80)
    | st.text(alphabet=st.sampled_from('ぷろんぷとのについてあの話回サーバーNVIDIA推論 -"「」'), max_size=40)
)
def test_any_text_parses_and_every_expression_is_valid(text: str) -> None:
    query = parse_query(text)
    query.understood()
    query.explain()
    conn = fts()
    try:
        for expression in (query.fts(), query.match_fts(), query.relaxed_fts()):
            if expression is not None:
                conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (expression,)).fetchall()
    finally:
        conn.close()


TITLE_PIECES = st.sampled_from(
    [
        "推論",
        "モデル",
        "の",
        "サーバ",
        "シュミレーション",
        "NVIDIA",
        "グーグル",
        "ぷろんぷと",
        "GPT-4o",
        "について",
        "話",
        "画像",
        " ",
        "、",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TITLE_PIECES, min_size=1, max_size=6).map("".join))
async def test_a_topics_own_title_always_finds_it(title: str) -> None:
    if parse_query(title).empty:
        return
    async with await Store.open(":memory:") as store:
        await store.episodes.upsert_many([episode(1, topic(title)), episode(2, topic("無関係な別の話題"))])
        hits = (await store.search.search(title, limit=5)).hits
        assert any(hit.is_topic and hit.title == title for hit in hits), title


# -- the corpus -----------------------------------------------------------------------------------------------------


@pytest.mark.corpus
async def test_half_remembered_queries_find_their_topic(
    corpus_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    episodes = await asyncio.to_thread(read_corpus, corpus_dir)
    cases = await asyncio.to_thread(build_forgiving_cases, episodes)
    assert len(cases) >= 150
    found: dict[str, list[bool]] = defaultdict(list)
    misses = []
    async with await Store.open(tmp_path / "corpus.sqlite3") as store:
        await store.episodes.upsert_many(episodes)
        for case in cases:
            hits = (await store.search.search(case.query, limit=5)).hits
            ok = any(
                (hit.episode_key, hit.position) == (case.episode_key, case.position)
                or (hit.is_topic and normalize(hit.title) == normalize(case.title))
                for hit in hits
            )
            found[case.category].append(ok)
            if not ok:
                misses.append(f"{case.category}: {case.query!r} should find {case.title[:60]!r}")
        nonsense = {query: len((await store.search.search(query)).hits) for query in NONSENSE}
    lines = [
        f"{kind:13} {sum(found[kind]):3d}/{len(found[kind]):3d}  {sum(found[kind]) / len(found[kind]):.3f}"
        for kind in KINDS
    ]
    every = [ok for oks in found.values() for ok in oks]
    recall = sum(every) / len(every)
    with capsys.disabled():
        print("\nforgiving recall@5 on the corpus\n  " + "\n  ".join(lines) + f"\n  {'all':13} {recall:.3f}")
    assert set(KINDS) == set(found)
    assert recall >= FORGIVING_BAR, misses
    assert len(NONSENSE) >= 20
    assert {query: count for query, count in nonsense.items() if count} == {}


@pytest.mark.corpus
async def _found_by_words(
    corpus_dir: Path, tmp_path: Path, queries: tuple[tuple[str, str], ...]
) -> tuple[float, list[str]]:
    """Recall@5 of ``queries`` (query, words a hit must hold) on the corpus, and the queries missed."""
    episodes = await asyncio.to_thread(read_corpus, corpus_dir)
    misses = []
    async with await Store.open(tmp_path / "corpus.sqlite3") as store:
        await store.episodes.upsert_many(episodes)
        for query, words in queries:
            hits = (await store.search.search(query, limit=5)).hits
            if not any(words in normalize(f"{hit.title} {hit.text}") for hit in hits):
                misses.append(query)
    return 1 - len(misses) / len(queries), misses


@pytest.mark.parametrize(
    ("kind", "queries", "bar"),
    [("names by their sound", SOUNDED, SOUNDED_BAR), ("kanji words typed in kana", READ, READ_BAR)],
)
async def test_names_by_their_sound_and_kanji_words_typed_in_kana_find_them(
    corpus_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    queries: tuple[tuple[str, str], ...],
    bar: float,
) -> None:
    recall, misses = await _found_by_words(corpus_dir, tmp_path, queries)
    with capsys.disabled():
        print(f"\n{kind}: recall@5 {recall:.3f} of {len(queries)} (missed: {', '.join(misses)})")
    assert recall >= bar, misses
