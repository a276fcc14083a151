"""Synthetic posts in the show's format, for ingest benchmarks at archive sizes the show does not have yet.

    .venv/bin/python -m bench.synthetic_posts FOLDER COUNT

Each post is shaped like the show's (front matter, a ``関連リンク`` list of 3-6 topics with summaries of
bold labels, bullet lists and ``引用元`` lines, the letters form link) and about as large (10 KB; the
show's posts average 9 KB); the text is drawn from a fixed vocabulary with a seeded generator, so the
same count gives the same files.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

WORDS = (
    "ずんだもん", "推論", "モデル", "エージェント", "検索", "データ", "学習", "評価", "ベンチマーク",
    "開発者", "セキュリティ", "脆弱性", "オープンソース", "量子化", "メモリ", "速度", "精度", "コスト",
    "クラウド", "サーバー", "ブラウザ", "アプリ", "企業", "研究", "論文", "LLM", "GPT", "Claude", "Gemini",
    "Python", "Rust", "TypeScript", "Kubernetes", "Docker", "GPU", "NVIDIA", "Google", "OpenAI", "API", "MCP",
    "RAG", "手元で", "大規模な", "新しい", "高速な", "安全な", "公開された", "発表した", "改善した",
    "比較した", "紹介する",
)  # fmt: skip


def _sentence(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) + rng.choice(("の", "を", "で", "が", "と", "、", "")) for _ in range(14)) + "。"


def _summary(rng: random.Random, url: str) -> list[str]:
    lines = ["", " ".join(_sentence(rng) for _ in range(rng.randint(2, 5))), ""]
    for _ in range(rng.randint(1, 2)):
        lines += [f"**{rng.choice(WORDS)}:**", ""]
        lines += [f"*   **{rng.choice(WORDS)}:** {_sentence(rng)}" for _ in range(rng.randint(2, 5))]
        lines += [""]
    lines += [" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))), "", f"引用元: {url}", ""]
    return lines


def post(number: int, day: date, rng: random.Random) -> str:
    """The text of synthetic post ``number`` published on ``day``."""
    topics = [(f"{_sentence(rng)[:40]}", f"https://example.com/{number}/{index}") for index in range(rng.randint(3, 6))]
    lines = [
        "---",
        "actor_ids:",
        f"  - {rng.choice(('ずんだもん', '春日部つむぎ', '四国めたん'))}",
        f"audio_file_path: /audio/synthetic_{number}.mp3",
        f"date: {day:%Y-%m-%d} 07:00:00 +0900",
        "description: '" + " ".join(title[:20] for title, _ in topics) + "'",
        "layout: article",
        f"title: 合成放送局 podcast {day:%Y%m%d} 第{number}回",
        "---",
        "",
        "## 関連リンク",
        "",
    ]
    for title, url in topics:
        lines += [f"- [{title}]({url})", *_summary(rng, url)]
    lines += ["- [お便り投稿フォーム](https://forms.gle/example)", "", "（株式会社ずんだもんは架空の登場組織です）", ""]
    return "\n".join(lines)


def write_posts(folder: Path, count: int, *, seed: int = 16) -> list[Path]:
    """Write ``count`` synthetic posts into ``folder`` (one a day, oldest first); returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    first = date(2012, 1, 1)
    paths = []
    for number in range(1, count + 1):
        day = first + timedelta(days=number)
        path = folder / f"{day:%Y-%m-%d}-{number}.md"
        path.write_text(post(number, day, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    paths = write_posts(args.folder, args.count)
    print(f"wrote {len(paths)} posts to {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
