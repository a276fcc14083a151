"""Settings: read from the environment and .env, validated, with short errors naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import get_origin

import pytest

from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper() in {field.upper() for field in Settings.model_fields}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_env() -> None:
    settings = load_settings()
    assert settings.poll_interval == 300
    assert settings.site == "https://zund-arm-on.com"
    assert settings.announce_channel_ids == []
    assert settings.discord_token is None
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is not set"):
        settings.token()


def test_env_file_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=abc.def\nANNOUNCE_CHANNEL_IDS=1, 2 3\nDEV_GUILD_ID=\nlog_level=debug\nCONTENT_DIR=off\n"
    )
    monkeypatch.setenv("POLL_INTERVAL", "60")
    settings = load_settings()
    assert settings.token() == "abc.def"
    assert settings.announce_channel_ids == [1, 2, 3]
    assert settings.dev_guild_id is None  # empty means default
    assert settings.log_level == "DEBUG"
    assert settings.poll_interval == 60
    assert settings.content_dir is None


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("POLL_INTERVAL", "soon", "POLL_INTERVAL"),
        ("POLL_INTERVAL", "1", "POLL_INTERVAL"),
        ("TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("SITE_URL", "not a url", "SITE_URL"),
        ("ANNOUNCE_CHANNEL_IDS", "12,abc", "ANNOUNCE_CHANNEL_IDS item 2: .*'abc'"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("PERMALINK", "episode/:slug", "must start with '/'"),
        ("DISCORD_API_BASE", "discord.com", "DISCORD_API_BASE"),
        ("FEED_URL", "ftp://example.com/feed.xml", "FEED_URL: .*unsupported URL scheme 'ftp'"),
        ("FEED_URL", "https:///feed.xml", "FEED_URL: .*no host"),
        ("FEED_URL", "missing.xml", "FEED_URL: .*missing.xml does not exist"),
        ("FEED_URL", "file:///no/such/feed.xml", "FEED_URL: .*/no/such/feed.xml does not exist"),
        ("FEED_URL", ".", "FEED_URL: .*is a folder"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=fragment) as info:
        load_settings()
    assert ".env.example" in str(info.value)


def test_every_list_setting_names_itself_and_the_bad_item(monkeypatch: pytest.MonkeyPatch) -> None:
    lists = [name.upper() for name, field in Settings.model_fields.items() if get_origin(field.annotation) is list]
    assert lists == ["ANNOUNCE_CHANNEL_IDS"]
    for name in lists:
        monkeypatch.setenv(name, "abc")
        with pytest.raises(SettingsError) as info:
            load_settings()
        monkeypatch.delenv(name)
        [line] = [line.strip() for line in str(info.value).splitlines() if "abc" in line]
        assert line.startswith(f"{name} item 1: ")


def test_feed_url_takes_http_urls_and_existing_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    accepted = {
        "https://zund-arm-on.com/feed.xml": "https://zund-arm-on.com/feed.xml",
        "HTTP://127.0.0.1:8080/feed": "http://127.0.0.1:8080/feed",
        "feed.xml": "feed.xml",
        str(tmp_path / "feed.xml"): str(tmp_path / "feed.xml"),
        f"file://{tmp_path / 'feed.xml'}": f"file://{tmp_path / 'feed.xml'}",
        "off": None,
    }
    for value, expected in accepted.items():
        monkeypatch.setenv("FEED_URL", value)
        assert load_settings().feed_url == expected, value


def test_env_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=abc\nHOST_ROLE_ID=\xff\xfe\n")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value) == f"{tmp_path / '.env'} is not valid UTF-8 (byte 0xff at offset 31): save it as UTF-8"


def test_site_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_URL", "https://example.org/podcast/")
    monkeypatch.setenv("PERMALINK", "/:year/:month/:slug/")
    site = load_settings().make_site()
    assert site.url == "https://example.org/podcast"
    assert site.absolute("/audio/a b.mp3") == "https://example.org/audio/a b.mp3"


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k.upper() not in {f.upper() for f in Settings.model_fields}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_run_without_token_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_exits_2_and_never_echoes_the_token(tmp_path: Path) -> None:
    result = run_cli("run", env={"DISCORD_TOKEN": "secret-token-123", "SHARD_COUNT": "zero"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SHARD_COUNT" in result.stderr
    assert "secret-token-123" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env_file", "env", "expected"),
    [
        (b"DISCORD_TOKEN=t\xe9st\n", {}, ".env is not valid UTF-8 (byte 0xe9 at offset 15)"),
        (b"", {"ANNOUNCE_CHANNEL_IDS": "abc"}, "ANNOUNCE_CHANNEL_IDS item 1: "),
        (b"FEED_URL=ftp://example.com/feed.xml\n", {}, "FEED_URL: Value error, unsupported URL scheme 'ftp'"),
        (b"", {"FEED_URL": "nowhere/feed.xml"}, "the feed file nowhere/feed.xml does not exist"),
    ],
)
def test_zundabot_run_refuses_bad_settings_at_start(
    tmp_path: Path, env_file: bytes, env: dict[str, str], expected: str
) -> None:
    (tmp_path / ".env").write_bytes(env_file)
    result = run_cli("run", env={"DISCORD_TOKEN": "secret-token-123", **env}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("zundabot: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret-token-123" not in result.stderr + result.stdout


def test_every_setting_is_documented() -> None:
    """.env.example and the README's configuration table name every setting, and nothing else."""
    names = {name.upper() for name in Settings.model_fields}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert documented == names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []


def test_env_example_is_a_valid_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()
    assert settings.discord_token is None  # left empty in the example: `run` will ask for it
    assert settings.content_dir is not None


def test_sample_posts_are_the_default_only_without_a_feed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    assert load_settings().content_dir == Path("content/episodes")
    monkeypatch.setenv("FEED_URL", str(feed))
    assert load_settings().content_dir is None  # the samples would shadow the feed's real episodes
    (tmp_path / ".env").write_text("CONTENT_DIR=\n", encoding="utf-8")  # empty means the default
    assert load_settings().content_dir is None
    (tmp_path / ".env").write_text("CONTENT_DIR=posts\n", encoding="utf-8")  # both, when asked for
    assert load_settings().content_dir == Path("posts")
    monkeypatch.setenv("FEED_URL", "off")
    assert load_settings().content_dir == Path("posts")
    (tmp_path / ".env").unlink()
    assert load_settings().content_dir == Path("content/episodes")


@pytest.mark.parametrize("permalink", ["/episode/", "/:year/", "/:year/:month/:day/", "/episode/:categories/"])
def test_permalink_without_a_per_episode_part_is_refused(tmp_path: Path, permalink: str) -> None:
    result = run_cli("ingest", "--content-dir", ".", env={"PERMALINK": permalink}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("zundabot: ")
    assert "PERMALINK: " in result.stderr
    assert "must hold :slug or :title" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("permalink", ["/episode/:slug", "/:year/:month/:day/:title/", "/:categories/:title.html"])
def test_permalinks_with_a_per_episode_part_are_taken(monkeypatch: pytest.MonkeyPatch, permalink: str) -> None:
    monkeypatch.setenv("PERMALINK", permalink)
    assert load_settings().permalink == permalink
