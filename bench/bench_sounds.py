"""How often made-up words find a name by their sound, against how often real readings do (issue 16: nonsense
finds nothing, a name typed in the other script finds it).

    .venv/bin/python -m bench.bench_sounds [--strings N] [--seed S]

The names and sounds are mined from the corpus (``ZUNDABOT_CORPUS``) as the store mines them. Made-up words are
random strings of katakana morae (3 to 7) none of whose bigrams occurs in the archive, which is the issue's
"nonsense", random strings of morae that may share bigrams with it, and word-like Latin strings (consonant and
vowel pairs) that the archive does not hold. Each is looked up as the store does for a word no document holds:
by the other script (:func:`bot.search.sounds.heard_as`), and also as a misspelling of its own script. The real
readings are the hand-written names of ``tests.forgiving_queries.SOUNDED``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.episodes.posts import read_post
from bot.episodes.site import Site
from bot.search import sounds
from bot.text import fold_kana, normalize
from tests.conftest import CORPUS_DIR
from tests.forgiving_queries import SOUNDED

MORAE = (
    *"アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン",
    *"ガギグゲゴザジズゼゾダデドバビブベボパピプペポ",
    *("ー", "ッ", "キャ", "シュ", "チョ", "ミェ", "ニョ", "ファ", "ティ", "ディ", "ウィ"),
)


def archive(folder: Path) -> tuple[str, dict[str, list[str]]]:
    """The corpus's text (normalised, kana folded) and its names by sound."""
    texts = []
    for path in sorted(folder.glob("*.md")):
        episode = read_post(path, site=Site())
        texts += [episode.title, episode.description]
        texts += [text for topic in episode.topics for text in (topic.title, topic.summary)]
    by_sound: dict[str, list[str]] = {}
    for sound, name in {pair for text in texts for pair in sounds.names_in(text)}:
        by_sound.setdefault(sound, []).append(name)
    return fold_kana(normalize("\n".join(texts))), by_sound


def made_up(draw: Callable[[], str], keep: Callable[[str], bool], count: int) -> Iterable[str]:
    made = 0
    while made < count:
        word = draw()
        if keep(word):
            made += 1
            yield word


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strings", type=int, default=1500, help="made-up strings of each kind")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if not any(CORPUS_DIR.glob("*.md")):
        parser.error(f"no posts in the corpus folder {CORPUS_DIR} (set ZUNDABOT_CORPUS)")
    text, by_sound = archive(CORPUS_DIR)
    bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
    rng = random.Random(args.seed)

    def kana() -> str:
        return "".join(rng.choice(MORAE) for _ in range(rng.randint(3, 7))).lstrip("ーッ")

    def latin() -> str:
        pairs = (rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
        return "".join(pairs) + rng.choice(("", "n", "x", "t", "r"))

    def unheld(word: str) -> bool:
        folded = fold_kana(normalize(word))
        return len(folded) >= 3 and folded not in text

    def no_bigram(word: str) -> bool:
        folded = fold_kana(normalize(word))
        return unheld(word) and not any(folded[i : i + 2] in bigrams for i in range(len(folded) - 1))

    kinds = {
        "katakana, no bigram in the archive": list(made_up(kana, no_bigram, args.strings)),
        "katakana, any": list(made_up(kana, unheld, args.strings)),
        "Latin, word-like": list(made_up(latin, unheld, args.strings)),
    }
    print("| made-up words | strings | a name in the other script | also a misspelling of its own |")
    print("| --- | ---: | ---: | ---: |")
    for kind, words in kinds.items():
        other = sum(bool(sounds.heard_as(word, by_sound)) for word in words)
        either = sum(bool(sounds.heard_as(word, by_sound, misspelt=True)) for word in words)
        print(f"| {kind} | {len(words)} | {other / len(words):.1%} | {either / len(words):.1%} |")
    real = [(typed, name) for typed, name in SOUNDED if sounds.sounds(typed)]
    hits = sum(
        any(name in hit.casefold() for hit in sounds.heard_as(typed, by_sound, misspelt=True)) for typed, name in real
    )
    print(f"\nReal readings (tests.forgiving_queries.SOUNDED, whole words): {hits} of {len(real)} find their name.")


if __name__ == "__main__":
    main()
