"""The letters cog: ``/otayori`` for listeners, ``/letters`` for hosts, form submissions and the outbox job."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import re
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import MISSING

from bot import i18n
from bot.episodes.catalogue import episode_number
from bot.episodes.model import Episode
from bot.letters.custom_ids import FORM_PREFIX, is_episode_option_value
from bot.letters.export import ExportFormat, export_letters
from bot.letters.model import (
    HOST_SETTABLE,
    LISTED,
    Blocked,
    Letter,
    LetterNotFound,
    RateLimited,
    Status,
    Submission,
    TransitionError,
)
from bot.letters.outbox import OutboxKind, OutboxWorker
from bot.letters.ratelimit import RateLimits
from bot.letters.text import InvalidLetter, Problem, clean_letter
from bot.output import escape_text
from bot.ui.answer import answer
from bot.ui.checks import require_host
from bot.ui.errors import UserFacingError, report_error
from bot.ui.options import PositiveNumber
from bot.ui.pager import Pager
from bot.ui.safety import ERROR_LIMIT, quoted
from bot.ui.translator import ls
from cogs.letters.buttons import LETTERS_CHANGED, HostButton, LetterButton, host_message
from cogs.letters.confirm import Confirm
from cogs.letters.form import Draft, FormValues, RetryView, open_form, refusal, values_from_payload
from cogs.letters.host import letter_line
from cogs.letters.texts import status_label
from cogs.letters.transport import DiscordTransport

if TYPE_CHECKING:
    from bot.app import ZundaBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["ZundaBot"]

OUTBOX_JOB = "letters-outbox"
OUTBOX_INTERVAL = 60
#: Answer within Discord's 3 s: when a letter is not committed this long after the interaction was
#: created, defer and follow up after the commit.
DEFER_AFTER = 1.5
PAGE_SIZE = 10
#: Keep exports under Discord's upload limit for bots.
MAX_EXPORT_BYTES = 8 * 1024 * 1024

STATUS_CHOICES = [app_commands.Choice(name=ls(f"letters.status.{s.value}"), value=s.value) for s in LISTED]
SETTABLE_CHOICES = [app_commands.Choice(name=ls(f"letters.status.{s.value}"), value=s.value) for s in HOST_SETTABLE]
FORMAT_CHOICES = [app_commands.Choice(name=ls(f"letters.format.{f.value}"), value=f.value) for f in ExportFormat]


def parse_since(value: str, zone: tzinfo) -> datetime:
    """``2026-03-01`` (midnight in the show's time zone) or a full ISO 8601 time."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = (int(part) for part in text.split("-"))
            return datetime.combine(datetime(year, month, day).date(), time(), tzinfo=zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def human_size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class Letters(commands.Cog, name="Letters"):
    """Letters from listeners to the hosts."""

    otayori = app_commands.Group(
        name=ls("letters.cmd.otayori"), description=ls("letters.cmd.otayori.desc"), guild_only=True
    )
    letters = app_commands.Group(
        name=ls("letters.cmd.letters"),
        description=ls("letters.cmd.letters.desc"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: ZundaBot) -> None:
        self.bot = bot
        self.transport = DiscordTransport(bot, bot.store.deliveries.thread_for)
        self.worker = OutboxWorker(bot.store.letters, self.transport)
        settings = bot.settings
        self.limits = RateLimits(
            short=settings.letter_rate_short,
            short_window=float(settings.letter_rate_short_window),
            daily=settings.letter_rate_daily,
        )

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HostButton, LetterButton)
        self.bot.add_job(
            self.deliver, "interval", seconds=OUTBOX_INTERVAL, id=OUTBOX_JOB, max_instances=1, coalesce=True
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HostButton, LetterButton)
        if self.bot.scheduler.get_job(OUTBOX_JOB) is not None:
            self.bot.scheduler.remove_job(OUTBOX_JOB)

    # ---- delivery ---------------------------------------------------------------------------

    async def deliver(self) -> None:
        """Drain the outbox (periodic job, after each letter, and at connect)."""
        try:
            report = await self.worker.run()
        except Exception:
            log.exception("letters: delivering the outbox failed")
            return
        if report.posted or report.failed:
            log.info("letters: posted %d, updated %d, failed %d", report.posted, report.updated, report.failed)

    def kick(self) -> None:
        if not self.bot.closing:
            self.bot.track(self.deliver())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.kick()

    @commands.Cog.listener(f"on_{LETTERS_CHANGED}")
    async def on_letters_changed(self) -> None:
        """A button changed a letter: deliver the edits it queued."""
        self.kick()

    @commands.Cog.listener()
    async def on_settings_changed(self, guild_id: int, changed_at: datetime) -> None:
        """A new hosts' channel receives the letters waiting for one at once."""
        await self.deliver()

    async def status_fields(self, guild_id: int, locale: object | None) -> list[tuple[str, str]]:
        """Letters per status and the delivery backlog, for ``/status``."""
        counts = await self.bot.store.letters.counts(guild_id)
        total = sum(counts.values())
        parts = [f"{status_label(s, locale)} {counts[s]}" for s in LISTED if counts.get(s)]
        summary = "・".join(parts) + "\n" if parts else ""
        summary += i18n.t("letters.health.total", locale, total=total)
        backlog = await self.bot.store.letters.backlog(guild_id)
        channel = await self.transport.channel_for(guild_id)
        lines = [
            i18n.t("letters.health.channel", locale, channel=f"<#{channel}>")
            if channel
            else i18n.t("letters.health.no_channel", locale)
        ]
        if backlog.pending:
            oldest = f"<t:{int(datetime.fromisoformat(backlog.oldest).timestamp())}:R>" if backlog.oldest else "—"
            lines.append(i18n.t("letters.health.pending", locale, pending=backlog.pending, oldest=oldest))
            if backlog.last_error:
                error = quoted(backlog.last_error, ERROR_LIMIT)
                lines.append(i18n.t("letters.health.error", locale, error=error))
        else:
            lines.append(i18n.t("letters.health.none", locale))
        return [
            (i18n.t("letters.health.counts", locale), summary),
            (i18n.t("letters.health.backlog", locale), "\n".join(lines)),
        ]

    # ---- the form ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        """Every letter form submission arrives here (forms opened before a restart included)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        if not str(data.get("custom_id", "")).startswith(FORM_PREFIX):
            return
        try:
            await self.bot.track(self.submit(interaction, values_from_payload(data)))
        except Exception as exc:
            await report_error(interaction, exc, where="letter form")

    async def submit(self, interaction: Interaction, values: FormValues) -> None:
        """Validate, store (durably), then confirm; a refused letter is shown back so nothing is lost."""
        locale = interaction.locale
        if interaction.guild_id is None:
            raise UserFacingError(i18n.t("error.guild_only", locale))
        try:
            clean = clean_letter(values.radio_name, values.body, fallback_name=interaction.user.display_name)
        except InvalidLetter as exc:
            draft = Draft(exc.draft_name, exc.draft_body, values.episode, values.notify)
            await self._refuse(interaction, i18n.t("letters.invalid.head", locale), exc.problems, draft)
            return
        episode = await self._chosen_episode(values.episode)
        submission = Submission(
            guild_id=interaction.guild_id,
            author_id=interaction.user.id,
            radio_name=clean.radio_name,
            body=clean.body,
            episode_key=episode.key if episode else None,
            episode_number=episode.number if episode else None,
            notify=values.notify,
        )
        draft = Draft(values.radio_name.strip(), clean.body, values.episode, values.notify)
        if self.bot.closing:
            await self._refuse(interaction, i18n.t("error.shutting_down", locale), (), draft)
            return
        committing = asyncio.ensure_future(self.bot.store.letters.submit(submission, self.limits))
        budget = DEFER_AFTER - max(0.0, (discord.utils.utcnow() - interaction.created_at).total_seconds())
        if budget > 0:
            await asyncio.wait({committing}, timeout=budget)
        if not committing.done():
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.NotFound:  # answered too late: the letter is still stored, /otayori mine shows it
                letter = await committing
                log.warning("letters: interaction expired before letter #%d could be confirmed", letter.number)
                return
        try:
            letter = await committing
        except Blocked:
            await answer(interaction, i18n.t("letters.blocked", locale))
            return
        except RateLimited as exc:
            when = f"<t:{int(datetime.now(UTC).timestamp() + exc.retry_after) + 1}:R>"
            await self._refuse(interaction, i18n.t("letters.rate_limited", locale, when=when), (), draft)
            return
        except (sqlite3.Error, OSError):  # disk full, read-only file...: not saved, and said so, text kept
            log.exception("letters: a letter could not be stored")
            await self._refuse(interaction, i18n.t("letters.not_saved", locale), (), draft)
            return
        lines = [i18n.t("letters.confirm", locale, number=letter.number)]
        lines.append(i18n.t("letters.confirm.name", locale, name=escape_text(letter.radio_name)))
        if letter.episode_number:
            lines.append(i18n.t("letters.confirm.episode", locale, episode=escape_text(letter.episode_number)))
        if letter.notify:
            lines.append(i18n.t("letters.confirm.notify", locale))
        await answer(interaction, "\n".join(lines))
        self.kick()

    async def _refuse(self, interaction: Interaction, head: str, problems: Sequence[Problem], draft: Draft) -> None:
        shown = refusal(head, problems, draft, interaction.locale)

        async def reopen(retry: discord.Interaction[Any]) -> None:
            await open_form(retry, draft=draft)

        view = RetryView(interaction.user.id, interaction.locale, reopen)
        await answer(interaction, shown.content, embed=shown.embed, file=shown.file or MISSING, view=view)

    # ---- listener commands ------------------------------------------------------------------

    @otayori.command(name=ls("letters.cmd.write"), description=ls("letters.cmd.write.desc"))
    @app_commands.rename(episode=ls("letters.opt.episode"))
    @app_commands.describe(episode=ls("letters.opt.episode.desc"))
    async def write(self, interaction: Interaction, episode: str | None = None) -> None:
        await open_form(interaction, preset=episode.strip() if episode else None)

    @otayori.command(name=ls("letters.cmd.mine"), description=ls("letters.cmd.mine.desc"))
    async def mine(self, interaction: Interaction) -> None:
        guild_id, locale, user_id = self._guild(interaction), interaction.locale, interaction.user.id
        store = self.bot.store.letters
        total = await store.count(guild_id, author_id=user_id)
        if not total:
            await answer(interaction, i18n.t("letters.mine.empty", locale))
            return

        async def render(page: int) -> discord.Embed:
            found = await store.find(guild_id, author_id=user_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
            return discord.Embed(
                title=i18n.t("letters.mine.title", locale, count=total),
                description="\n".join(letter_line(x, locale) for x in found) or "—",
            )

        await self._paged(interaction, total, render)

    @otayori.command(name=ls("letters.cmd.delete"), description=ls("letters.cmd.delete.desc"))
    @app_commands.rename(number=ls("letters.opt.number"))
    @app_commands.describe(number=ls("letters.opt.number.desc"))
    async def delete(self, interaction: Interaction, number: PositiveNumber) -> None:
        guild_id, locale, user_id = self._guild(interaction), interaction.locale, interaction.user.id
        letter = await self.bot.store.letters.get(guild_id, number)
        if letter is None or letter.author_id != user_id:
            raise UserFacingError(i18n.t("letters.delete.not_found", locale, number=number))

        async def yes(press: discord.Interaction[Any]) -> None:
            try:
                await self.bot.store.letters.delete_by_author(guild_id, number, user_id)
            except LetterNotFound:
                text = i18n.t("letters.delete.not_found", locale, number=number)
            else:
                text = i18n.t("letters.delete.done", locale, number=number)
                self.kick()
            await press.response.edit_message(content=text, embed=None, view=None)

        async def no(press: discord.Interaction[Any]) -> None:
            await press.response.edit_message(content=i18n.t("letters.delete.cancelled", locale), embed=None, view=None)

        confirm = Confirm(user_id, i18n.t("letters.delete.yes", locale), i18n.t("letters.delete.no", locale), yes, no)
        preview = discord.Embed(description=escape_text(letter.body[:300]))
        await answer(interaction, i18n.t("letters.delete.confirm", locale, number=number), embed=preview, view=confirm)

    @delete.autocomplete("number")
    async def own_letter_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        found = await self.bot.store.letters.find(interaction.guild_id, author_id=interaction.user.id, limit=100)
        wanted = current.strip().lstrip("#")
        choices = []
        for letter in found:
            if wanted and not str(letter.number).startswith(wanted):
                continue
            text = " ".join(letter.body.split())
            name = f"#{letter.number} {text}"
            choices.append(app_commands.Choice(name=name[:97] + "…" if len(name) > 100 else name, value=letter.number))
        return choices[:25]

    # ---- host commands ----------------------------------------------------------------------

    @letters.command(name=ls("letters.cmd.list"), description=ls("letters.cmd.list.desc"))
    @app_commands.rename(status=ls("letters.opt.status"), episode=ls("letters.opt.episode"))
    @app_commands.describe(status=ls("letters.opt.status.desc"), episode=ls("letters.opt.filter_episode.desc"))
    @app_commands.choices(status=STATUS_CHOICES)
    async def list_letters(
        self, interaction: Interaction, status: str | None = None, episode: str | None = None
    ) -> None:
        await require_host(interaction)
        guild_id, locale = self._guild(interaction), interaction.locale
        wanted = Status(status) if status else None
        episode_key = (await self._episode(episode, locale))[0] if episode else None
        store = self.bot.store.letters
        total = await store.count(guild_id, status=wanted, episode_key=episode_key)
        if not total:
            await answer(interaction, i18n.t("letters.list.empty", locale))
            return

        async def render(page: int) -> discord.Embed:
            found = await store.find(
                guild_id, status=wanted, episode_key=episode_key, limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
            return discord.Embed(
                title=i18n.t("letters.list.title", locale, count=total),
                description="\n".join(letter_line(x, locale) for x in found)[:4096] or "—",
            )

        await self._paged(interaction, total, render)

    @letters.command(name=ls("letters.cmd.show"), description=ls("letters.cmd.show.desc"))
    @app_commands.rename(number=ls("letters.opt.number"))
    @app_commands.describe(number=ls("letters.opt.number.desc"))
    async def show(self, interaction: Interaction, number: PositiveNumber) -> None:
        await require_host(interaction)
        letter = await self._letter(interaction, number)
        embed, view = await host_message(self.bot.store.letters, letter, interaction.locale)
        await answer(interaction, embed=embed, view=view or MISSING)

    @letters.command(name=ls("letters.cmd.status"), description=ls("letters.cmd.status.desc"))
    @app_commands.rename(number=ls("letters.opt.number"), new_status=ls("letters.opt.new_status"))
    @app_commands.describe(number=ls("letters.opt.number.desc"), new_status=ls("letters.opt.new_status.desc"))
    @app_commands.choices(new_status=SETTABLE_CHOICES)
    async def set_status(self, interaction: Interaction, number: PositiveNumber, new_status: str) -> None:
        await require_host(interaction)
        guild_id, locale = self._guild(interaction), interaction.locale
        target = Status(new_status)
        try:
            await self.bot.store.letters.set_status(guild_id, number, target, actor_id=interaction.user.id)
        except LetterNotFound:
            raise UserFacingError(i18n.t("letters.not_found", locale, number=number)) from None
        except TransitionError as exc:
            key = "letters.status.same" if exc.reason == "same" else "letters.status.is_deleted"
            raise UserFacingError(i18n.t(key, locale, number=number, status=status_label(target, locale))) from None
        await answer(
            interaction, i18n.t("letters.status.done", locale, number=number, status=status_label(target, locale))
        )
        self.kick()

    @letters.command(name=ls("letters.cmd.export"), description=ls("letters.cmd.export.desc"))
    @app_commands.rename(fmt=ls("letters.opt.format"), status=ls("letters.opt.status"), since=ls("letters.opt.since"))
    @app_commands.describe(
        fmt=ls("letters.opt.format.desc"), status=ls("letters.opt.status.desc"), since=ls("letters.opt.since.desc")
    )
    @app_commands.choices(fmt=FORMAT_CHOICES, status=STATUS_CHOICES)
    async def export(
        self, interaction: Interaction, fmt: str, status: str | None = None, since: str | None = None
    ) -> None:
        await require_host(interaction)
        guild_id, locale = self._guild(interaction), interaction.locale
        zone = self.bot.settings.zone
        try:
            start = parse_since(since, zone) if since else None
        except ValueError:
            raise UserFacingError(i18n.t("letters.bad_date", locale, value=quoted(since or ""))) from None
        wanted = Status(status) if status else None
        found = await self.bot.store.letters.for_export(guild_id, status=wanted, since=start)
        if not found:
            await answer(interaction, i18n.t("letters.export.empty", locale))
            return
        form = ExportFormat(fmt)
        now = datetime.now(UTC)
        filters = {"status": status, "since": start.isoformat() if start else None}
        data = await asyncio.to_thread(export_letters, found, form, zone, exported_at=now, filters=filters)
        if len(data) > MAX_EXPORT_BYTES:
            raise UserFacingError(i18n.t("letters.export.too_big", locale, size=human_size(len(data))))
        name = f"otayori-{guild_id}-{now.astimezone(zone):%Y%m%d-%H%M}.{form.suffix}"
        file = discord.File(io.BytesIO(data), filename=name)
        await answer(interaction, i18n.t("letters.export.done", locale, count=len(found)), file=file)

    @letters.command(name=ls("letters.cmd.aired"), description=ls("letters.cmd.aired.desc"))
    @app_commands.rename(number=ls("letters.opt.number"), episode=ls("letters.opt.episode"))
    @app_commands.describe(number=ls("letters.opt.number.desc"), episode=ls("letters.opt.aired_episode.desc"))
    async def aired(self, interaction: Interaction, number: PositiveNumber, episode: str) -> None:
        await require_host(interaction)
        guild_id, locale = self._guild(interaction), interaction.locale
        await interaction.response.defer(ephemeral=True, thinking=True)
        key, episode_number = await self._episode(episode, locale)
        try:
            letter, queued = await self.bot.store.letters.mark_aired(
                guild_id, number, episode_key=key, episode_number=episode_number, actor_id=interaction.user.id
            )
        except LetterNotFound:
            raise UserFacingError(i18n.t("letters.not_found", locale, number=number)) from None
        except TransitionError:
            raise UserFacingError(i18n.t("letters.status.is_deleted", locale, number=number)) from None
        lines = [i18n.t("letters.aired.done", locale, number=number, episode=escape_text(episode_number))]
        if queued:
            report = await self.worker.deliver_letter(letter)
            outcome = report.outcomes.get(OutboxKind.NOTIFY)
            lines.append(i18n.t(f"letters.aired.{outcome}" if outcome else "letters.aired.pending", locale))
        elif not letter.notify:
            lines.append(i18n.t("letters.aired.not_requested", locale))
        await answer(interaction, "\n".join(lines))
        self.kick()

    @write.autocomplete("episode")
    @list_letters.autocomplete("episode")
    @aired.autocomplete("episode")
    async def episode_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        choices = await self.bot.store.letters.episode_choices(episode_number(current) or current.strip(), 25)
        result = []
        for choice in choices:
            if len(choice.number) > 100:
                continue
            result.append(app_commands.Choice(name=choice.label(), value=choice.number))
        return result

    # ---- helpers ----------------------------------------------------------------------------

    def _guild(self, interaction: discord.Interaction[Any]) -> int:
        if interaction.guild_id is None:
            raise UserFacingError(i18n.t("error.guild_only", interaction.locale))
        return interaction.guild_id

    async def _letter(self, interaction: Interaction, number: int) -> Letter:
        letter = await self.bot.store.letters.get(self._guild(interaction), number)
        if letter is None:
            raise UserFacingError(i18n.t("letters.not_found", interaction.locale, number=number))
        return letter

    async def _chosen_episode(self, value: str | None) -> Episode | None:
        """The episode picked in the form: by its option value (a form opened before this, by its number)."""
        if not value:
            return None
        store = self.bot.store
        if is_episode_option_value(value):
            key = await store.letters.episode_for_option(value)
            return await store.episodes.get(key) if key else None
        return await store.episodes.by_number(value)

    async def _episode(self, value: str, locale: object | None) -> tuple[str, str]:
        number = episode_number(value)
        episode = await self.bot.store.episodes.by_number(number) if number else None
        if episode is None:
            raise UserFacingError(i18n.t("letters.episode_not_found", locale, episode=quoted(value)))
        return episode.key, episode.number

    async def _paged(
        self, interaction: Interaction, total: int, render: Callable[[int], Awaitable[discord.Embed]]
    ) -> None:
        """Answer with page 0 of ``total`` letters; when there are more, page through fresh reads (never shared)."""
        first = await render(0)
        pages = math.ceil(total / PAGE_SIZE)
        if pages <= 1:
            await answer(interaction, embed=first)
            return

        async def load(page: int) -> dict[str, Any]:
            return {"embeds": [(await render(page)).to_dict()]}

        shown = {"embeds": [first.to_dict()]}
        pager = Pager(
            lambda _: shown, pages, owner_id=interaction.user.id, locale=interaction.locale, load=load, shareable=False
        )
        await pager.start(interaction)
