"""The lookup cog: ``/search``, ``/episode``, ``/latest``, ``/topics``, ``/random``, ``/stats``."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.search import variants
from bot.search.model import Filters, InvalidDate, SearchRequest, Stats, parse_date
from bot.search.present import (
    episode_pages,
    page_count,
    random_topic_payload,
    search_page,
    stats_payload,
    topics_pages,
)
from bot.search.query import parse_query
from bot.search.worker import off_loop
from bot.text import normalize
from bot.ui.answer import answer
from bot.ui.errors import UserFacingError
from bot.ui.pager import Pager, message_kwargs
from bot.ui.safety import quoted
from bot.ui.translator import ls
from cogs.lookup import texts as texts
from cogs.lookup.answer import SEARCH_LIMIT, SearchButton, buttons, in_time
from cogs.lookup.choices import Choices, safe_choices, to_choices

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)

STATS_TTL = 300.0
#: Seconds between background flushes of the search index queue (lookups also flush first).
FLUSH_EVERY = 20
FLUSH_JOB = "search-flush"


class Lookup(commands.Cog):
    """Search and lookup of past episodes and topics."""

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        self._stats: tuple[float, Stats] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SearchButton)
        await off_loop(variants.analyse, "起動")  # load the analyser's dictionary now, not at a search
        # Index what ingestion queued soon after it commits (and, at once, whatever a previous run left), so
        # that no listener's lookup pays for it and autocomplete, which does not wait, is current.
        self.bot.add_job(
            self.bot.store.search.flush,
            "interval",
            seconds=FLUSH_EVERY,
            id=FLUSH_JOB,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            replace_existing=True,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self.bot.settings.zone

    async def _defer_if_indexing(self, interaction: discord.Interaction[ZundaBot]) -> None:
        """Defer (privately) when ingested changes wait to be indexed: after a large ingest the lookup's flush
        can take longer than the 3 seconds Discord waits for an answer. Autocomplete does not wait for it."""
        if await self.bot.store.search.pending():
            await interaction.response.defer(ephemeral=True, thinking=True)

    # -- /search --------------------------------------------------------------------------------------------

    @app_commands.command(name=ls("lookup.cmd.search"), description=ls("lookup.cmd.search.desc"))
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.rename(
        query=ls("lookup.opt.query"),
        mc=ls("lookup.opt.mc"),
        site=ls("lookup.opt.site"),
        since=ls("lookup.opt.since"),
        until=ls("lookup.opt.until"),
    )
    @app_commands.describe(
        query=ls("lookup.opt.query.desc"),
        mc=ls("lookup.opt.mc.desc"),
        site=ls("lookup.opt.site.desc"),
        since=ls("lookup.opt.since.desc"),
        until=ls("lookup.opt.until.desc"),
    )
    async def search(
        self,
        interaction: discord.Interaction[ZundaBot],
        query: str,
        mc: str | None = None,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        locale = interaction.locale
        try:
            filters = Filters.from_input(zone=self.zone, mc=mc, site=site, since=since, until=until)
        except InvalidDate as exc:
            raise UserFacingError(i18n.t("lookup.bad_date", locale, value=quoted(exc.value))) from None
        parsed = await off_loop(parse_query, query)  # the analyser runs off the loop
        if parsed.empty:
            raise UserFacingError(i18n.t("lookup.empty_query", locale))
        await self._defer_if_indexing(interaction)
        result = await in_time(interaction, self.bot.store.search.search(parsed, filters, limit=SEARCH_LIMIT))
        if not result.hits:
            await answer(interaction, i18n.t("lookup.no_results", locale, query=quoted(query)))
            return
        first = await off_loop(search_page, result, parsed, 0, zone=self.zone, locale=locale, filters=filters)
        asked = SearchRequest(interaction.user.id, query, mc=mc, site=site, since=since, until=until)
        try:
            request_id = await self.bot.store.search_requests.remember(asked)
        except (sqlite3.Error, OSError):  # disk full, read-only file...: the first page still answers
            log.exception("could not keep a search request; answering its first page without buttons")
            kwargs = message_kwargs(first)
            kwargs["content"] = "\n".join(filter(None, [kwargs["content"], i18n.t("lookup.not_kept", locale)]))
            await answer(interaction, **kwargs)
            return
        view = buttons(request_id, 0, page_count(len(result.hits)), shared=False, locale=locale)
        await answer(interaction, **message_kwargs(first), view=view)

    @search.autocomplete("query")
    async def _query_choices(self, interaction: discord.Interaction[ZundaBot], current: str) -> Choices:
        async def produce() -> Choices:
            titles = await self.bot.store.search.suggest_titles(current, fresh=False)
            return to_choices([(title, title) for title in titles])

        return await safe_choices("query", produce)

    @search.autocomplete("mc")
    async def _mc_choices(self, interaction: discord.Interaction[ZundaBot], current: str) -> Choices:
        async def produce() -> Choices:
            wanted = normalize(current).strip()
            names = [name for name, _ in await self.bot.store.search.mcs() if wanted in normalize(name)]
            return to_choices([(name, name) for name in names])

        return await safe_choices("mc", produce)

    @search.autocomplete("site")
    async def _site_choices(self, interaction: discord.Interaction[ZundaBot], current: str) -> Choices:
        async def produce() -> Choices:
            sites = await self.bot.store.search.sites(current)
            return to_choices([(f"{site} ({count})", site) for site, count in sites])

        return await safe_choices("site", produce)

    # -- /episode, /latest ------------------------------------------------------------------------------------

    @app_commands.command(name=ls("lookup.cmd.episode"), description=ls("lookup.cmd.episode.desc"))
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.rename(episode=ls("lookup.opt.episode"))
    @app_commands.describe(episode=ls("lookup.opt.episode.desc"))
    async def episode(self, interaction: discord.Interaction[ZundaBot], episode: str) -> None:
        await self._defer_if_indexing(interaction)
        key = await self.bot.store.search.find_episode_key(episode, self.zone)
        found = await self.bot.store.episodes.get(key) if key else None
        if found is None:
            raise UserFacingError(i18n.t("lookup.no_episode", interaction.locale, value=quoted(episode)))
        pages = await off_loop(episode_pages, found, zone=self.zone, locale=interaction.locale)
        await Pager.of(pages, owner_id=interaction.user.id, locale=interaction.locale).start(interaction)

    @episode.autocomplete("episode")
    async def _episode_choices(self, interaction: discord.Interaction[ZundaBot], current: str) -> Choices:
        return await safe_choices("episode", lambda: self._episode_options(current))

    async def _episode_options(self, current: str) -> Choices:
        found = await self.bot.store.search.suggest_episodes(current, self.zone, fresh=False)
        return to_choices([(choice.label(self.zone), choice.number) for choice in found])

    @app_commands.command(name=ls("lookup.cmd.latest"), description=ls("lookup.cmd.latest.desc"))
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def latest(self, interaction: discord.Interaction[ZundaBot]) -> None:
        newest = await self.bot.store.episodes.latest(1)
        if not newest:
            raise UserFacingError(i18n.t("lookup.archive_empty", interaction.locale))
        pages = await off_loop(episode_pages, newest[0], zone=self.zone, locale=interaction.locale)
        await Pager.of(pages, owner_id=interaction.user.id, locale=interaction.locale).start(interaction)

    # -- /topics ------------------------------------------------------------------------------------------------

    @app_commands.command(name=ls("lookup.cmd.topics"), description=ls("lookup.cmd.topics.desc"))
    @app_commands.rename(episode=ls("lookup.opt.episode"), date=ls("lookup.opt.date"))
    @app_commands.describe(episode=ls("lookup.opt.episode.desc"), date=ls("lookup.opt.date.desc"))
    async def topics(
        self, interaction: discord.Interaction[ZundaBot], episode: str | None = None, date: str | None = None
    ) -> None:
        locale = interaction.locale
        store = self.bot.store
        if date and date.strip():
            try:
                day = parse_date(date)
            except InvalidDate:
                raise UserFacingError(i18n.t("lookup.bad_date", locale, value=quoted(date))) from None
            keys = await store.search.episodes_on(day, self.zone)
            found = await store.episodes.get_many(keys)
            episodes = [found[key] for key in keys if key in found]
            if not episodes:
                raise UserFacingError(i18n.t("lookup.no_episodes_on", locale, value=day.isoformat()))
        elif episode and episode.strip():
            await self._defer_if_indexing(interaction)
            key = await store.search.find_episode_key(episode, self.zone)
            one = await store.episodes.get(key) if key else None
            if one is None:
                raise UserFacingError(i18n.t("lookup.no_episode", locale, value=quoted(episode)))
            episodes = [one]
        else:
            episodes = await store.episodes.latest(1)
            if not episodes:
                raise UserFacingError(i18n.t("lookup.archive_empty", locale))
        pages = topics_pages(episodes, zone=self.zone, locale=locale)
        await Pager.of(pages, owner_id=interaction.user.id, locale=locale).start(interaction)

    @topics.autocomplete("episode")
    async def _topics_episode_choices(self, interaction: discord.Interaction[ZundaBot], current: str) -> Choices:
        return await safe_choices("topics episode", lambda: self._episode_options(current))

    # -- /random, /stats ----------------------------------------------------------------------------------------

    @app_commands.command(name=ls("lookup.cmd.random"), description=ls("lookup.cmd.random.desc"))
    async def random(self, interaction: discord.Interaction[ZundaBot]) -> None:
        topic = await self.bot.store.search.random_topic()
        if topic is None:
            raise UserFacingError(i18n.t("lookup.archive_empty", interaction.locale))
        page = random_topic_payload(topic, zone=self.zone, locale=interaction.locale)
        await Pager.of([page], owner_id=interaction.user.id, locale=interaction.locale).start(interaction)

    @app_commands.command(name=ls("lookup.cmd.stats"), description=ls("lookup.cmd.stats.desc"))
    async def stats(self, interaction: discord.Interaction[ZundaBot]) -> None:
        now = time.monotonic()
        visible = await self.bot.store.episodes.count()  # a scheduled episode that came out renews the cache
        if self._stats is None or now - self._stats[0] > STATS_TTL or self._stats[1].episodes != visible:
            self._stats = (now, await self.bot.store.search.stats(self.zone))
        page = stats_payload(self._stats[1], zone=self.zone, locale=interaction.locale)
        await Pager.of([page], owner_id=interaction.user.id, locale=interaction.locale).start(interaction)

    async def status_fields(self, guild_id: int, locale: object | None) -> list[tuple[str, str]]:
        """For ``/status``: how many documents the search index holds."""
        documents = await self.bot.store.search.document_count()
        value = i18n.t("lookup.status_value", locale, documents=documents)
        return [(i18n.t("lookup.status", locale), value)]
