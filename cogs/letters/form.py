"""The letter form (a modal of Label components) and what a listener sees when a letter is refused."""

from __future__ import annotations

import io
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import ui

from bot import i18n
from bot.episodes.catalogue import EpisodeChoice
from bot.letters.custom_ids import FORM_PREFIX, episode_option_value, is_episode_option_value
from bot.letters.text import MAX_BODY, MAX_NAME, MIN_BODY, Problem
from bot.output import clip, escape_text
from bot.ui.errors import BaseModal, BaseView, UserFacingError
from bot.ui.safety import quoted
from cogs.letters.texts import problem_text

if TYPE_CHECKING:
    from bot.app import ZundaBot

NAME_ID, BODY_ID, EPISODE_ID, NOTIFY_ID = "name", "body", "episode", "notify"
#: How long an opened form is remembered in memory (a form submitted later is still accepted).
FORM_TIMEOUT = 3600.0
RETRY_TIMEOUT = 900.0
#: The listener form holds the latest episodes (a select takes 25 options).
FORM_EPISODES = 24
#: The body input's counter is the letter's own limit, so the client stops a listener where the bot
#: would. A body can still grow past it in normalisation (a few characters decompose under NFC): it
#: is then refused with the whole text shown back.
BODY_INPUT_MAX = MAX_BODY
#: Room left for the escaped draft in an embed description (4096).
DRAFT_ROOM = 4000


@dataclass(frozen=True, slots=True)
class FormValues:
    """What a submitted letter form holds, before validation."""

    radio_name: str
    body: str
    episode: str | None
    notify: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """Values to pre-fill a form with (a refused letter being rewritten)."""

    radio_name: str = ""
    body: str = ""
    episode: str | None = None
    notify: bool = False


def new_form_id() -> str:
    return FORM_PREFIX + secrets.token_hex(8)


def episode_options(
    episodes: Sequence[EpisodeChoice], wanted: str | None, zone: ZoneInfo | None
) -> list[discord.SelectOption]:
    """At most 25 options, each valued by its episode's unique key; the one ``wanted`` (an option value or
    an episode number: the newest such) is the only default. Where numbers repeat, labels add the date."""
    choices = list(episodes)[:25]
    numbers = Counter(c.number for c in choices)
    values = [episode_option_value(c.key) for c in choices]
    default = next((i for i, v in enumerate(values) if v == wanted), None)
    if default is None:
        default = next((i for i, c in enumerate(choices) if c.number == wanted), None)
    return [
        discord.SelectOption(
            label=choice.label(zone if numbers[choice.number] > 1 else None), value=value, default=index == default
        )
        for index, (choice, value) in enumerate(zip(choices, values, strict=True))
    ]


class LetterForm(BaseModal):
    """ラジオネーム, 本文, a related episode (when there are episodes) and the "tell me" checkbox.

    The form only builds the modal. Its submission is read from the interaction payload by the
    letters cog (:func:`values_from_payload`), for forms opened in this process and before a
    restart alike, so there is exactly one way a letter comes in.
    """

    def __init__(
        self,
        *,
        locale: object | None,
        display_name: str,
        episodes: Sequence[EpisodeChoice],
        draft: Draft | None = None,
        custom_id: str | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        super().__init__(
            title=i18n.t("letters.modal.title", locale), custom_id=custom_id or new_form_id(), timeout=FORM_TIMEOUT
        )
        draft = draft or Draft()
        self.name_input: ui.TextInput[LetterForm] = ui.TextInput(
            custom_id=NAME_ID,
            style=discord.TextStyle.short,
            required=False,
            max_length=MAX_NAME,
            placeholder=clip(display_name, 100) or None,
            default=draft.radio_name[:MAX_NAME] or None,
        )
        self.add_item(
            ui.Label(
                text=i18n.t("letters.modal.name", locale),
                description=clip(i18n.t("letters.modal.name.desc", locale, name=display_name), 100),
                component=self.name_input,
            )
        )
        self.body_input: ui.TextInput[LetterForm] = ui.TextInput(
            custom_id=BODY_ID,
            style=discord.TextStyle.paragraph,
            required=True,
            min_length=MIN_BODY,
            max_length=BODY_INPUT_MAX,
            placeholder=i18n.t("letters.modal.body.placeholder", locale),
            default=draft.body[:BODY_INPUT_MAX] or None,
        )
        self.add_item(
            ui.Label(
                text=i18n.t("letters.modal.body", locale),
                description=i18n.t("letters.modal.body.desc", locale, min=MIN_BODY, max=MAX_BODY),
                component=self.body_input,
            )
        )
        self.episode_select: ui.Select[LetterForm] | None = None
        options = episode_options(episodes, draft.episode, zone)
        if options:
            self.episode_select = ui.Select(
                custom_id=EPISODE_ID,
                placeholder=i18n.t("letters.modal.episode.placeholder", locale),
                min_values=0,
                max_values=1,
                required=False,
                options=options,
            )
            self.add_item(
                ui.Label(
                    text=i18n.t("letters.modal.episode", locale),
                    description=i18n.t("letters.modal.episode.desc", locale),
                    component=self.episode_select,
                )
            )
        self.notify_box: ui.Checkbox[LetterForm] = ui.Checkbox(custom_id=NOTIFY_ID, default=draft.notify)
        self.add_item(
            ui.Label(
                text=i18n.t("letters.modal.notify", locale),
                description=clip(i18n.t("letters.modal.notify.desc", locale), 100),
                component=self.notify_box,
            )
        )


async def open_form(
    interaction: discord.Interaction[Any], *, preset: str | None = None, draft: Draft | None = None
) -> None:
    """Open the letter form, with an episode pre-selected or a refused letter pre-filled."""
    if interaction.guild_id is None:
        raise UserFacingError(i18n.t("error.guild_only", interaction.locale))
    bot: ZundaBot = interaction.client
    store = bot.store
    episodes = await store.letters.episode_choices("", FORM_EPISODES)
    wanted = preset if preset is not None else (draft.episode if draft else None)
    offered = {episode_option_value(c.key) for c in episodes} | {c.number for c in episodes}
    if wanted is not None and not is_episode_option_value(wanted) and wanted not in offered:
        found = [c for c in await store.letters.episode_choices(wanted, 25) if c.number == wanted]
        if not found and preset is not None:
            raise UserFacingError(i18n.t("letters.episode_not_found", interaction.locale, episode=quoted(preset)))
        episodes = found + episodes[: FORM_EPISODES - len(found)]
    base = draft or Draft()
    form = LetterForm(
        locale=interaction.locale,
        display_name=interaction.user.display_name,
        episodes=episodes,
        draft=Draft(base.radio_name, base.body, wanted, base.notify),
        zone=bot.settings.zone,
    )
    await interaction.response.send_modal(form)


def _leaves(components: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for component in components:
        if "component" in component:  # Label
            found += _leaves([component["component"]])
        elif "components" in component:  # Action row (older clients)
            found += _leaves(component["components"])
        else:
            found.append(component)
    return found


def values_from_payload(data: Mapping[str, Any]) -> FormValues:
    """Read a submitted letter form from the interaction's raw data (a form opened before a restart)."""
    by_id = {str(leaf.get("custom_id")): leaf for leaf in _leaves(data.get("components", []))}
    episode_values = by_id.get(EPISODE_ID, {}).get("values") or []
    return FormValues(
        radio_name=str(by_id.get(NAME_ID, {}).get("value") or ""),
        body=str(by_id.get(BODY_ID, {}).get("value") or ""),
        episode=str(episode_values[0]) if episode_values else None,
        notify=bool(by_id.get(NOTIFY_ID, {}).get("value", False)),
    )


@dataclass(frozen=True, slots=True)
class Refusal:
    """The answer to a refused letter: message, the text shown back, maybe the full text as a file."""

    content: str
    embed: discord.Embed
    file: discord.File | None


def refusal(head: str, problems: Sequence[Problem], draft: Draft, locale: object | None) -> Refusal:
    """Explain why, and show back what was written so nothing typed is lost.

    The draft (the listener's text without invisible control characters) is shown escaped, so
    nothing renders or pings, and attached whole as a text file when it does not fit.
    """
    lines = [head, *(f"・{problem_text(p, locale)}" for p in problems)]
    written = draft.body
    shown = escape_text(written)
    file = None
    if len(shown) > DRAFT_ROOM:
        shown = shown[:DRAFT_ROOM] + "…"
        file = discord.File(io.BytesIO(written.encode("utf-8")), filename="otayori.txt")
        lines.append(i18n.t("letters.invalid.file", locale))
    lines.append(i18n.t("letters.invalid.kept", locale))
    embed = discord.Embed(title=i18n.t("letters.draft.title", locale), description=shown or "—")
    if draft.radio_name:
        embed.add_field(name=i18n.t("letters.draft.name", locale), value=clip(escape_text(draft.radio_name), 1024))
    return Refusal("\n".join(lines)[:2000], embed, file)


class RetryView(BaseView):
    """「書き直す」: reopen the form pre-filled with the draft (only for the listener who wrote it)."""

    def __init__(
        self, owner_id: int, locale: object | None, reopen: Callable[[discord.Interaction[Any]], Awaitable[None]]
    ) -> None:
        super().__init__(timeout=RETRY_TIMEOUT)
        self.owner_id = owner_id
        self.reopen = reopen
        self.retry.label = i18n.t("letters.retry", locale)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.user.id == self.owner_id

    @ui.button(emoji="✏️", style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction[Any], button: ui.Button[RetryView]) -> None:
        await self.reopen(interaction)
