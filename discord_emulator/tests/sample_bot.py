"""A plain discord.py client with a command tree, used by the emulator's own tests (no zundabot code).

Every handler records what happened (received values, errors from Discord) so tests can assert on it.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any, ClassVar

import discord
from discord import app_commands

from discord_emulator.client import FAST_CLIENT_OPTIONS


class FeedbackModal(discord.ui.Modal, title="お便りフォーム"):
    """A modal as Discord wants it now: every input inside a Label."""

    def __init__(self, bot: SampleBot) -> None:
        super().__init__(custom_id="feedback")
        self.bot = bot
        self.body: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            custom_id="body", style=discord.TextStyle.paragraph, max_length=500
        )
        self.topic: discord.ui.Select[FeedbackModal] = discord.ui.Select(
            custom_id="topic",
            options=[
                discord.SelectOption(label="感想", value="comment"),
                discord.SelectOption(label="質問", value="question"),
            ],
        )
        self.tone: discord.ui.RadioGroup[FeedbackModal] = discord.ui.RadioGroup(
            custom_id="tone",
            options=[
                discord.RadioGroupOption(label="明るく", value="bright"),
                discord.RadioGroupOption(label="静かに", value="calm"),
            ],
        )
        self.consent: discord.ui.Checkbox[FeedbackModal] = discord.ui.Checkbox(custom_id="consent")
        self.add_item(discord.ui.Label(text="本文", component=self.body))
        self.add_item(discord.ui.Label(text="種類", component=self.topic))
        self.add_item(discord.ui.Label(text="読み方", component=self.tone))
        self.add_item(discord.ui.Label(text="番組で読んでもよい", component=self.consent))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.received["modal"] = {
            "body": self.body.value,
            "topic": self.topic.values,
            "tone": self.tone.value,
            "consent": self.consent.value,
        }
        await interaction.response.send_message("受け付けました", ephemeral=True)


class LegacyModal(discord.ui.Modal, title="古い形"):
    """A text input added directly: discord.py wraps it in an action row, which Discord now rejects."""

    text: discord.ui.TextInput[LegacyModal] = discord.ui.TextInput(label="本文")


class ButtonView(discord.ui.View):
    def __init__(self, bot: SampleBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="いいね", custom_id="like", style=discord.ButtonStyle.primary)
    async def like(self, interaction: discord.Interaction, button: discord.ui.Button[ButtonView]) -> None:
        self.bot.received["clicked_by"] = interaction.user.id
        await interaction.response.edit_message(content="いいね済み", view=None)

    @discord.ui.button(label="開く", custom_id="open", style=discord.ButtonStyle.secondary)
    async def open(self, interaction: discord.Interaction, button: discord.ui.Button[ButtonView]) -> None:
        await interaction.response.send_modal(FeedbackModal(self.bot))

    @discord.ui.select(
        custom_id="pick",
        options=[discord.SelectOption(label="A", value="a"), discord.SelectOption(label="B", value="b")],
        max_values=2,
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[ButtonView]) -> None:
        self.bot.received["picked"] = select.values
        await interaction.response.send_message(",".join(select.values), ephemeral=True)


class JapaneseNames(app_commands.Translator):
    """Localized names, so tests can call commands by their Japanese names."""

    NAMES: ClassVar[dict[str, str]] = {"letters": "お便り", "list": "一覧", "status": "状態"}

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return self.NAMES.get(string.message) if locale is discord.Locale.japanese else None


class SampleBot(discord.Client):
    """Commands: ping slow search feedback legacy buttons edits export later twice late, letters list."""

    def __init__(self, *, intents: discord.Intents | None = None, guild_id: int | None = None, **options: Any):
        super().__init__(intents=intents or discord.Intents.default(), **(FAST_CLIENT_OPTIONS | options))
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id
        self.received: dict[str, Any] = {}
        self.errors: list[BaseException] = []
        self.events: list[str] = []
        self.late_delay = 0.0
        self.choice_count = 3
        self._register()

    def _register(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="応答を返す")
        @app_commands.rename(text="テキスト")
        async def ping(interaction: discord.Interaction, text: str = "") -> None:
            await interaction.response.send_message(f"pong {text}".strip())

        @tree.command(name="slow", description="考えてから答える")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.05)
            await interaction.followup.send("お待たせ")
            await interaction.followup.send("追伸", ephemeral=True)

        @tree.command(name="search", description="検索")
        async def search(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(f"検索: {query}", ephemeral=True)

        @search.autocomplete("query")
        async def search_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            self.received["typed"] = current
            return [app_commands.Choice(name=f"{current}{i}", value=f"{current}{i}") for i in range(self.choice_count)]

        @tree.command(name="feedback", description="お便りを書く")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal(self))

        @tree.command(name="legacy", description="古い形のモーダル")
        async def legacy(interaction: discord.Interaction) -> None:
            await self._capture(interaction.response.send_modal(LegacyModal()))

        @tree.command(name="buttons", description="ボタン付きメッセージ")
        async def buttons(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("押してね", view=ButtonView(self))

        @tree.command(name="twice", description="二度答える")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("一回目")
            await self._capture(
                interaction._state.http.request(  # a raw second callback, bypassing discord.py's own guard
                    discord.http.Route(
                        "POST",
                        "/interactions/{interaction_id}/{interaction_token}/callback",
                        interaction_id=interaction.id,
                        interaction_token=interaction.token,
                    ),
                    json={"type": 4, "data": {"content": "二回目"}},
                )
            )

        @tree.command(name="late", description="遅れて答える")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.late_delay)
            await self._capture(interaction.response.send_message("遅刻"))

        @tree.command(name="edits", description="応答を編集して消す")
        async def edits(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("第一版")
            original = await interaction.original_response()
            self.received["original"] = original.content
            await interaction.edit_original_response(content="第二版")
            note = await interaction.followup.send("補足", wait=True)
            await note.edit(content="補足(訂正)")
            extra = await interaction.followup.send("消える補足", wait=True)
            await extra.delete()

        @tree.command(name="export", description="ファイルを添付して答える")
        async def export(interaction: discord.Interaction) -> None:
            data = io.BytesIO("id,本文\n1,ありがとう\n".encode())
            await interaction.response.send_message("書き出しました", file=discord.File(data, filename="letters.csv"))

        @tree.command(name="later", description="しばらくしてから追伸")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("すぐの返事")
            await asyncio.sleep(self.late_delay)
            await self._capture(interaction.followup.send("遅い追伸"))

        @tree.command(name="types", description="あらゆる型の引数")
        async def types(
            interaction: discord.Interaction,
            member: discord.Member,
            role: discord.Role,
            channel: discord.TextChannel,
            count: int,
            ratio: float,
            flag: bool,
            file: discord.Attachment,
        ) -> None:
            data = await file.read()
            parts = [
                member.name,
                role.name,
                channel.name,
                count + 1,
                ratio * 2,
                not flag,
                file.filename,
                data.decode(),
            ]
            await interaction.response.send_message("|".join(map(str, parts)))

        letters = app_commands.Group(name="letters", description="お便り")

        @letters.command(name="list", description="一覧")
        @app_commands.describe(status="状態")
        @app_commands.choices(
            status=[
                app_commands.Choice(name="新着", value="new"),
                app_commands.Choice(name="既読", value="read"),
            ]
        )
        async def letters_list(
            interaction: discord.Interaction, status: app_commands.Choice[str], limit: int = 5
        ) -> None:
            await interaction.response.send_message(f"{status.value}:{limit}")

        tree.add_command(letters)

    async def _capture(self, awaitable: Any) -> None:
        try:
            await awaitable
        except discord.HTTPException as exc:
            self.errors.append(exc)

    async def setup_hook(self) -> None:
        self.add_view(ButtonView(self))
        await self.tree.set_translator(JapaneseNames())
        await self.tree.sync()

    async def on_resumed(self) -> None:
        self.events.append("resumed")

    async def on_connect(self) -> None:
        self.events.append("connect")

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.events.append(f"guild_join:{guild.id}")

    async def on_message(self, message: discord.Message) -> None:
        self.events.append(f"message:{message.id}:{message.content}")
