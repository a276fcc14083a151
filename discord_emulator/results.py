"""What a test gets back from an interaction: the callback, modal, original response and follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .interactions import CallbackType, InteractionRecord, Modal
from .models import Attachment, Message, MessageFlag, iter_components
from .world import World

JsonDict = dict[str, Any]


class InteractionResult:
    """A live view of one interaction: properties always show the current state (after edits)."""

    def __init__(self, record: InteractionRecord, world: World) -> None:
        self.record = record
        self._world = world

    def __repr__(self) -> str:
        kind = None if self.type is None else self.type.name
        return f"<InteractionResult {self.record.type.name} {self.record.name!r} callback={kind}>"

    # --- the callback ----------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def responded(self) -> bool:
        return self.record.callback_type is not None

    @property
    def type(self) -> CallbackType | None:
        kind = self.record.callback_type
        return None if kind is None else CallbackType(kind)

    @property
    def data(self) -> JsonDict | None:
        """The callback's ``data`` exactly as the bot sent it."""
        return self.record.callback_data

    @property
    def deferred(self) -> bool:
        return self.record.callback_type in (5, 6)

    @property
    def rejected(self) -> list[int]:
        """Error codes of callbacks the emulator refused (50035 invalid, 40060 twice, 10062 late)."""
        return list(self.record.rejected)

    @property
    def modal(self) -> Modal | None:
        return self.record.modal

    @property
    def choices(self) -> list[JsonDict]:
        """Autocomplete choices (``[]`` when none were sent)."""
        return list(self.record.choices or [])

    @property
    def choice_names(self) -> list[str]:
        return [str(choice["name"]) for choice in self.choices]

    # --- messages --------------------------------------------------------------------------------

    @property
    def original(self) -> Message | None:
        """The original response (for UPDATE_MESSAGE / DEFERRED_UPDATE_MESSAGE: the component's message)."""
        if self.record.original_id is None:
            return None
        message = self._world.messages.get(self.record.original_id)
        return None if message is None or message.deleted else message

    @property
    def followups(self) -> list[Message]:
        found = (self._world.messages.get(i) for i in self.record.followup_ids)
        return [m for m in found if m is not None and not m.deleted]

    @property
    def messages(self) -> list[Message]:
        """The original response (unless still loading) and the follow-ups, in order."""
        original = self.original
        first = [original] if original is not None and not original.flags & MessageFlag.LOADING else []
        return first + self.followups

    @property
    def message(self) -> Message:
        """The first visible response message; AssertionError (with what happened) if there is none."""
        messages = self.messages
        if not messages:
            raise AssertionError(f"no response message for {self!r} (rejected: {self.record.rejected})")
        return messages[0]

    @property
    def ephemeral(self) -> bool:
        original = self.original
        if original is not None:
            return original.ephemeral
        flags = int((self.record.callback_data or {}).get("flags") or 0)
        return bool(flags & MessageFlag.EPHEMERAL)

    @property
    def content(self) -> str:
        return self.message.content

    @property
    def embeds(self) -> list[JsonDict]:
        return self.message.embeds

    @property
    def components(self) -> list[JsonDict]:
        return self.message.components

    @property
    def custom_ids(self) -> list[str]:
        return [cid for message in self.messages for cid in message.custom_ids]

    @property
    def buttons(self) -> list[JsonDict]:
        return [c for m in self.messages for c in iter_components(m.components) if c.get("type") == 2]

    def button(self, label: str) -> JsonDict:
        for button in self.buttons:
            if button.get("label") == label:
                return button
        raise KeyError(f"no button labelled {label!r} (labels: {[b.get('label') for b in self.buttons]})")

    @property
    def attachments(self) -> list[Attachment]:
        return [a for m in self.messages for a in m.attachments]

    # --- waiting ---------------------------------------------------------------------------------

    async def wait(self, predicate: Callable[[InteractionResult], object], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self._world.wait_until(lambda: predicate(self), timeout, f"a condition on {self!r}")

    async def wait_for_followups(self, count: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        await self.wait(lambda r: len(r.followups) >= count, timeout)
        return self.followups

    async def wait_for_edit(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait until the original response has been edited (or has finished loading)."""

        def edited(result: InteractionResult) -> bool:
            original = result.original
            return original is not None and bool(original.edits) and not original.flags & MessageFlag.LOADING

        await self.wait(edited, timeout)
        original = self.original
        assert original is not None
        return original
