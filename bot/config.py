"""Settings from the environment and ``.env``, validated once at start.

Every field maps to an upper-case environment variable of the same name (``DISCORD_TOKEN``...).
``.env.example`` documents each of them; keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.episodes.site import Site
from bot.episodes.sources import FeedSource, FolderSource, Source
from bot.search.names import SynonymsError, load_synonyms

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
#: The sample posts shipped with zundabot: CONTENT_DIR's default only while FEED_URL is not set.
SAMPLE_CONTENT_DIR = Path("content/episodes")
#: The operator's synonyms for search (names across scripts); a missing file at this default means none.
DEFAULT_SYNONYMS = Path("content/synonyms.txt")
#: Permalink placeholders that differ from one post to the next (the post's slug).
PER_EPISODE_PLACEHOLDERS = (":slug", ":title")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    """All runtime settings of zundabot."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        case_sensitive=False,
        validate_default=True,
    )

    # Discord connection
    discord_token: SecretStr | None = None
    discord_api_base: str = DEFAULT_API_BASE
    discord_gateway_url: str = DEFAULT_GATEWAY_URL
    dev_guild_id: int | None = None
    shard_count: int | None = Field(default=None, ge=1)

    # Storage
    database_path: Path = Path("data/zundabot.sqlite3")

    # Episode sources
    content_dir: Path | None = SAMPLE_CONTENT_DIR
    feed_url: str | None = None
    site_url: AnyHttpUrl = AnyHttpUrl("https://zund-arm-on.com")
    permalink: str = "/episode/:slug"
    timezone: str = "Asia/Tokyo"
    poll_interval: int = Field(default=300, ge=10)
    poll_jitter: int = Field(default=30, ge=0)
    feed_timeout: float = Field(default=20.0, gt=0)
    feed_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    feed_failure_alert: int = Field(default=3, ge=1)

    # Announcements (environment defaults for a single-server deployment)
    announce_channel_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    announce_role_id: int | None = None
    announce_backfill: int = Field(default=0, ge=0)

    # Search
    search_synonyms: Path | None = DEFAULT_SYNONYMS

    # Letters
    letters_channel_id: int | None = None
    host_role_id: int | None = None
    letter_rate_short: int = Field(default=3, ge=1)
    letter_rate_short_window: int = Field(default=600, ge=1)
    letter_rate_daily: int = Field(default=20, ge=1)

    # Operations
    log_level: LogLevel = "INFO"
    log_format: Literal["text", "json"] = "text"
    health_file: Path | None = None
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)

    @field_validator("announce_channel_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("content_dir", "feed_url", mode="before")
    @classmethod
    def _off(cls, value: object) -> object:
        return off(value)

    @field_validator("search_synonyms", mode="before")
    @classmethod
    def _no_synonyms(cls, value: object) -> object:
        return off(value)

    @field_validator("search_synonyms")
    @classmethod
    def _synonyms_file(cls, value: Path | None) -> Path | None:
        """The synonyms file is read and checked at start: a bad line is an error naming it."""
        if value is not None and (value != DEFAULT_SYNONYMS or value.exists()):
            try:
                load_synonyms(value)
            except SynonymsError as exc:
                raise ValueError(str(exc)) from None
        return value

    def synonyms(self) -> dict[str, tuple[str, ...]]:
        """The operator's synonyms (SEARCH_SYNONYMS), checked at start; none when the default file is absent."""
        path = self.search_synonyms
        if path is None or (path == DEFAULT_SYNONYMS and not path.exists()):
            return {}
        try:
            return load_synonyms(path)
        except SynonymsError as exc:
            raise SettingsError(f"SEARCH_SYNONYMS: {exc}") from None

    @field_validator("feed_url")
    @classmethod
    def _feed_location(cls, value: str | None) -> str | None:
        return None if value is None else feed_location(value)

    @model_validator(mode="after")
    def _samples_only_without_feed(self) -> Self:
        """The sample posts are the default posts folder only when there is no feed: with FEED_URL set
        and CONTENT_DIR unset, sample posts would be merged with the feed and shadow real episodes."""
        if "content_dir" not in self.model_fields_set and self.feed_url is not None:
            self.content_dir = None
        return self

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Tokyo)") from None
        return value

    @field_validator("permalink")
    @classmethod
    def _permalink_has_slug(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/' (for example /episode/:slug)")
        if not any(name in value for name in PER_EPISODE_PLACEHOLDERS):
            raise ValueError(
                "must hold :slug or :title, which differ per episode (for example /episode/:slug); "
                "without them every episode gets the same address"
            )
        return value

    @field_validator("discord_api_base", "discord_gateway_url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return value.rstrip("/") if value.startswith("http") else value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def site(self) -> str:
        """SITE_URL without a trailing slash."""
        return str(self.site_url).rstrip("/")

    def make_site(self) -> Site:
        """The site episodes are published on, from SITE_URL, PERMALINK and TIMEZONE."""
        return Site(url=self.site, permalink=self.permalink, zone=self.zone)

    def make_sources(self, content_dir: Path | None, feed: str | None, site: Site) -> list[Source]:
        """A posts folder source for ``content_dir`` and a feed source for ``feed`` (each when given), reading
        episodes of ``site`` with the feed limits of FEED_TIMEOUT and FEED_MAX_BYTES."""
        sources: list[Source] = []
        if content_dir is not None:
            sources.append(FolderSource(content_dir, site))
        if feed:
            sources.append(FeedSource(feed, site, timeout=self.feed_timeout, max_bytes=self.feed_max_bytes))
        return sources

    def token(self) -> str:
        """The Discord token, or raise :class:`SettingsError` naming the setting."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise SettingsError(
                "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal "
                "in .env (DISCORD_TOKEN=...) or in the environment."
            )
        return self.discord_token.get_secret_value().strip()


def off(value: object) -> object:
    """``off``, ``none`` or ``-`` (any case) turn an optional setting off (``None``); anything else is kept."""
    if isinstance(value, str) and value.strip().lower() in {"off", "none", "-"}:
        return None
    return value


def feed_location(value: str) -> str:
    """A feed location as FEED_URL takes it: an http(s) URL with a host, or an existing local file (a path or a
    ``file://`` URL); raises :class:`ValueError` saying what is wrong."""
    text = value.strip()
    scheme, separator, rest = text.partition("://")
    if separator and scheme.lower() in {"http", "https"}:
        if not urlsplit(text).hostname:
            raise ValueError("the URL has no host")
        return scheme.lower() + separator + rest
    if separator and scheme.lower() != "file":
        raise ValueError(f"unsupported URL scheme {scheme!r}: use an http(s):// URL or a local file")
    if not text:
        raise ValueError("empty (use an http(s):// URL or an existing file)")
    path = Path(rest if separator else text)
    if not path.is_file():
        problem = "is a folder" if path.is_dir() else "does not exist"
        raise ValueError(f"the feed file {path} {problem} (use an http(s):// URL or an existing file)")
    return text


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it and says how to fix it."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; turn pydantic's report into one short :class:`SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name, *where = error["loc"]
            setting = str(name).upper()
            # a list setting (ANNOUNCE_CHANNEL_IDS) reports the position of the bad item after its name
            item = "".join(f" item {part + 1}" if isinstance(part, int) else f" {part}" for part in where)
            shown = "" if "TOKEN" in setting else f" (got {error.get('input')!r})"
            lines.append(f"{setting}{item}: {error['msg']}{shown}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines) + "\nSee .env.example.") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{env_file_named(overrides)} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}): save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SettingsError(f"cannot read {exc.filename or env_file_named(overrides)}: {exc.strerror or exc}") from None


def env_file_named(overrides: dict[str, object]) -> str:
    """The settings file being read (``.env`` unless a test passes ``_env_file``), as an absolute path."""
    chosen = overrides.get("_env_file", Settings.model_config.get("env_file"))
    return str(Path(str(chosen)).resolve())
