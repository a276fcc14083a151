"""Exports: JSON for the script generator, CSV that Excel opens with Japanese intact, Markdown."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.letters.export import CSV_COLUMNS, JSON_FORMAT, ExportFormat, export_letters, neutralise_formula
from bot.letters.model import Status
from tests.factories import make_letter as letter

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOSTILE = '=HYPERLINK("http://evil")\n@everyone <@&123> **太字** "引用" , カンマ\u200d\u202e'


def test_json_is_raw_and_complete() -> None:
    letters = [letter(1, HOSTILE), letter(2, status=Status.AIRED, aired_episode_number="390", aired_episode_key="k")]
    data = json.loads(export_letters(letters, ExportFormat.JSON, JST, exported_at=NOW, filters={"status": None}))
    assert data["format"] == JSON_FORMAT
    assert data["count"] == 2
    first = data["letters"][0]
    assert first["body"] == HOSTILE  # exactly what the listener wrote
    assert first["created_at"] == "2026-03-01T12:00:00+09:00"
    assert first["episode"] == {"number": "389", "key": "https://zund-arm-on.com/episode/389"}
    assert "author_id" not in first
    assert data["letters"][1]["aired_episode"] == {"number": "390", "key": "k"}


def test_csv_opens_in_excel_with_japanese_and_no_formulas() -> None:
    raw = export_letters(
        [letter(1, HOSTILE), letter(2, radio_name="-ハイフン")], ExportFormat.CSV, JST, exported_at=NOW
    )
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = rows[1][CSV_COLUMNS.index("body")]
    assert body == "'" + HOSTILE
    assert rows[2][CSV_COLUMNS.index("radio_name")] == "'-ハイフン"
    assert rows[1][CSV_COLUMNS.index("status_label")] == "新着"
    assert b"\r\n" in raw


def test_markdown_quotes_bodies() -> None:
    text = export_letters([letter(3, "# 見出し\n- リスト")], ExportFormat.MARKDOWN, JST, exported_at=NOW).decode()
    assert "## #3 ずんだ好き" in text
    assert "> # 見出し\n> - リスト" in text
    assert "- 受付: 2026-03-01 12:00" in text


def test_markdown_names_servers_when_several_and_escapes_radio_names() -> None:
    letters = [letter(1, guild_id=111, radio_name="# **名前**"), letter(1, guild_id=222)]
    text = export_letters(letters, ExportFormat.MARKDOWN, JST, exported_at=NOW).decode()
    assert "## サーバー 111 #1 \\# \\*\\*名前\\*\\*" in text
    assert "## サーバー 222 #1 ずんだ好き" in text


def test_formula_neutralisation() -> None:
    assert neutralise_formula("+1") == "'+1"
    assert neutralise_formula("普通の文") == "普通の文"
