"""Validation of request bodies as Discord does it: messages, embeds, components, modals, commands.

Every check adds to a :class:`FormErrors`, so one answer reports all problems in Discord's 50035 shape.
Lengths are counted in code points (Python ``len``), as Discord counts them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from .errors import FormErrors
from .mentions import validate_allowed_mentions
from .models import MessageFlag, iter_components

Path = tuple[str | int, ...]
JsonDict = dict[str, Any]

CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
ACTION_ROWS = 5
ROW_WIDTH = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
V2_COMPONENTS = 40
#: Characters of text a V2 message may show across all its text displays (discord.py's LayoutView documents it).
V2_TEXT = 4000
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
CHOICES = 25
COMMAND_TOTAL = 8000
CHOICE_TEXT = 100
NONCE = 25

BUTTON = 2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
MODAL_CHILD_TYPES = frozenset({3, 4, 5, 6, 7, 8, 19, 21, 22, 23})
V2_TOP_LEVEL = frozenset({1, 9, 10, 12, 13, 14, 17})


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_length(
    errors: FormErrors, path: Path, value: object, maximum: int, minimum: int = 0, *, required: bool = False
) -> None:
    if value is None:
        if required:
            errors.required(path)
        return
    if not isinstance(value, str):
        errors.add(path, "BASE_TYPE_STRING", "Must be a string.")
        return
    if required and minimum == 0:
        minimum = 1
    if len(value) > maximum:
        errors.max_length(path, maximum)
    elif len(value) < minimum:
        if minimum > 1:
            errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {minimum} and {maximum} in length.")
        else:
            errors.required(path)


def _check_int(errors: FormErrors, path: Path, value: object, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        errors.add(path, "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
    elif value < low:
        errors.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")
    elif value > high:
        errors.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_path(value: object, path: Path = ()) -> Path | None:
    """Where ``value`` holds a string with an unpaired UTF-16 surrogate (not Unicode text), or None."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        items: Iterable[tuple[str | int, object]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = lone_surrogate_path(key, (*path, key)) if isinstance(key, str) else None
        found = found or lone_surrogate_path(item, (*path, key))
        if found is not None:
            return found
    return None


# --- embeds -------------------------------------------------------------------------------------


def embed_size(embed: JsonDict) -> int:
    """Characters an embed counts towards the 6000 limit (trimmed, as Discord trims them)."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    for item in embed.get("fields") or []:
        if isinstance(item, dict):
            total += len(_text(item.get("name"))) + len(_text(item.get("value")))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += len(_text(footer.get("text")))
    author = embed.get("author")
    if isinstance(author, dict):
        total += len(_text(author.get("name")))
    return total


def validate_embed(embed: object, errors: FormErrors, path: Path) -> None:
    if not isinstance(embed, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    for key, limit in (("title", EMBED_TITLE), ("description", EMBED_DESCRIPTION)):
        if len(_text(embed.get(key))) > limit:
            errors.max_length((*path, key), limit)
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS:
        errors.max_length((*path, "fields"), EMBED_FIELDS)
    for index, item in enumerate(fields):
        if not isinstance(item, dict):
            errors.add((*path, "fields", index), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for key, limit in (("name", EMBED_FIELD_NAME), ("value", EMBED_FIELD_VALUE)):
            text = _text(item.get(key))
            if not text:
                errors.required((*path, "fields", index, key))
            elif len(text) > limit:
                errors.max_length((*path, "fields", index, key), limit)
    footer = embed.get("footer")
    if isinstance(footer, dict) and len(_text(footer.get("text"))) > EMBED_FOOTER:
        errors.max_length((*path, "footer", "text"), EMBED_FOOTER)
    author = embed.get("author")
    if isinstance(author, dict) and len(_text(author.get("name"))) > EMBED_AUTHOR:
        errors.max_length((*path, "author", "name"), EMBED_AUTHOR)


def normalise_embeds(embeds: list[JsonDict]) -> list[JsonDict]:
    """What Discord stores: every embed sent by a bot becomes ``rich``."""
    return [{**embed, "type": "rich"} for embed in embeds]


# --- message components -------------------------------------------------------------------------


def _validate_button(button: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]]) -> None:
    style = button.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
        return
    _check_length(errors, (*path, "label"), button.get("label"), BUTTON_LABEL)
    if style == 5:
        if not button.get("url"):
            errors.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        else:
            _check_length(errors, (*path, "url"), button.get("url"), 512)
        if button.get("custom_id") is not None:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id is not allowed for link buttons",
            )
        return
    if style == 6:
        if not button.get("sku_id"):
            errors.required((*path, "sku_id"))
        return
    if button.get("url") is not None:
        errors.add((*path, "url"), "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url is only allowed on link buttons")
    if not button.get("label") and not button.get("emoji"):
        errors.add((*path, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required")
    _validate_custom_id(button, errors, path, custom_ids)


def _validate_custom_id(
    component: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]]
) -> None:
    custom_id = component.get("custom_id")
    _check_length(errors, (*path, "custom_id"), custom_id, CUSTOM_ID, 1, required=True)
    if isinstance(custom_id, str):
        custom_ids.append((custom_id, (*path, "custom_id")))


def _validate_options(
    options: object, errors: FormErrors, path: Path, *, minimum: int, maximum: int, keys: tuple[str, ...]
) -> int:
    if not isinstance(options, list) or not options:
        if minimum:
            errors.required(path)
        return 0
    if len(options) > maximum:
        errors.max_length(path, maximum)
    elif len(options) < minimum:
        errors.min_length(path, minimum)
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            errors.add((*path, index), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for key in keys:
            _check_length(errors, (*path, index, key), option.get(key), CHOICE_TEXT, 1, required=True)
        _check_length(errors, (*path, index, "description"), option.get("description"), CHOICE_TEXT)
    return len(options)


def _validate_select(
    select: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]], *, in_modal: bool
) -> None:
    _validate_custom_id(select, errors, path, custom_ids)
    _check_length(errors, (*path, "placeholder"), select.get("placeholder"), 150)
    _check_int(errors, (*path, "min_values"), select.get("min_values"), 0, 25)
    _check_int(errors, (*path, "max_values"), select.get("max_values"), 1, 25)
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.add((*path, "min_values"), "SELECT_COMPONENT_MIN_GREATER_THAN_MAX", "min_values exceeds max_values")
    if select.get("type") == 3:
        options = select.get("options")
        count = _validate_options(options, errors, (*path, "options"), minimum=1, maximum=25, keys=("label", "value"))
        if count and isinstance(high, int) and high > count:
            errors.add(
                (*path, "max_values"),
                "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
                "max_values must be less than or equal to the number of options",
            )
        if isinstance(options, list):
            _check_select_options(options, high, errors, (*path, "options"))
    if in_modal and select.get("disabled"):
        errors.add((*path, "disabled"), "COMPONENT_DISABLED_NOT_ALLOWED", "Modals cannot have disabled components")
    if in_modal and select.get("required", True) and low == 0:
        errors.add(
            (*path, "min_values"),
            "SELECT_COMPONENT_REQUIRED_MIN_VALUES",
            "A required select needs min_values of at least 1",
        )


def _check_select_options(options: list[object], max_values: object, errors: FormErrors, path: Path) -> None:
    """Option values are unique, and no more options are default than may be chosen (one for single-select)."""
    seen: set[object] = set()
    defaults = 0
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        value = option.get("value")
        if value in seen:
            errors.add(
                (*path, index, "value"),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Select option values must be unique",
            )
        seen.add(value)
        defaults += bool(option.get("default"))
    if isinstance(max_values, int) and defaults > max_values:
        errors.add(
            path,
            "SELECT_COMPONENT_TOO_MANY_DEFAULTS",
            f"At most {max_values} options can be default (max_values)",
        )


def _validate_action_row(row: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]]) -> None:
    children = row.get("components")
    if not isinstance(children, list) or not children:
        errors.required((*path, "components"))
        return
    buttons = [c for c in children if isinstance(c, dict) and c.get("type") == BUTTON]
    selects = [c for c in children if isinstance(c, dict) and c.get("type") in SELECT_TYPES]
    if len(children) > ROW_WIDTH or (selects and len(children) > 1):
        errors.add(
            (*path, "components"),
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for index, child in enumerate(children):
        child_path = (*path, "components", index)
        if child in buttons:
            _validate_button(child, errors, child_path, custom_ids)
        elif child in selects:
            _validate_select(child, errors, child_path, custom_ids, in_modal=False)
        else:
            errors.add(
                (*child_path, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
            )


def _count_components(components: list[object]) -> int:
    total = 0
    for component in components:
        if not isinstance(component, dict):
            continue
        total += 1
        total += _count_components(component.get("components") or [])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            total += 1
    return total


def _validate_v2(
    component: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]], *, top: bool
) -> None:
    kind = component.get("type")
    if top and kind not in V2_TOP_LEVEL:
        errors.add((*path, "type"), "UNION_TYPE_CHOICES", f"Component type {kind} is not allowed at the top level")
        return
    if kind == 1:
        _validate_action_row(component, errors, path, custom_ids)
    elif kind == 10:
        _check_length(errors, (*path, "content"), component.get("content"), 4000, 1, required=True)
    elif kind == 9:
        texts = component.get("components") or []
        if not 1 <= len(texts) <= 3:
            errors.add((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 3 in length.")
        for index, text in enumerate(texts):
            _validate_v2(text, errors, (*path, "components", index), custom_ids, top=False)
        accessory = component.get("accessory")
        if not isinstance(accessory, dict):
            errors.required((*path, "accessory"))
        elif accessory.get("type") == BUTTON:
            _validate_button(accessory, errors, (*path, "accessory"), custom_ids)
    elif kind == 17:
        for index, child in enumerate(component.get("components") or []):
            _validate_v2(child, errors, (*path, "components", index), custom_ids, top=True)


def _check_v2_text(components: list[object], errors: FormErrors, path: Path) -> None:
    """All text displays of a V2 message together show at most 4000 characters."""
    total = sum(
        len(c["content"])
        for c in iter_components(_dicts(components))
        if c.get("type") == 10 and isinstance(c.get("content"), str)
    )
    if total > V2_TEXT:
        errors.add(path, "COMPONENTS_TEXT_LENGTH_EXCEEDED", f"The text of all components exceeds {V2_TEXT} characters")


def _check_component_ids(components: list[object], errors: FormErrors, path: Path) -> None:
    """A component ``id`` given by the bot is unique within the message (0 means "number it for me")."""
    seen: set[int] = set()
    for component in iter_components(_dicts(components)):
        number = component.get("id")
        if isinstance(number, int) and number:
            if number in seen:
                errors.add(path, "COMPONENT_ID_DUPLICATED", f"Component id {number} is used more than once")
            seen.add(number)


def _dicts(components: list[object]) -> list[JsonDict]:
    return [c for c in components if isinstance(c, dict)]


def _check_unique(custom_ids: list[tuple[str, Path]], errors: FormErrors) -> None:
    seen: set[str] = set()
    for custom_id, path in custom_ids:
        if custom_id in seen:
            errors.add(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        seen.add(custom_id)


def validate_message_components(components: object, flags: int, errors: FormErrors, path: Path) -> None:
    if components is None:
        return
    if not isinstance(components, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    custom_ids: list[tuple[str, Path]] = []
    if flags & MessageFlag.IS_COMPONENTS_V2:
        if _count_components(components) > V2_COMPONENTS:
            errors.max_length(path, V2_COMPONENTS)
        _check_v2_text(components, errors, path)
        _check_component_ids(components, errors, path)
        for index, component in enumerate(components):
            if isinstance(component, dict):
                _validate_v2(component, errors, (*path, index), custom_ids, top=True)
    else:
        if len(components) > ACTION_ROWS:
            errors.max_length(path, ACTION_ROWS)
        for index, row in enumerate(components):
            if not isinstance(row, dict) or row.get("type") != 1:
                errors.add((*path, index, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
                continue
            _validate_action_row(row, errors, (*path, index), custom_ids)
    _check_unique(custom_ids, errors)


def check_flags(flags: int, settable: int, errors: FormErrors, path: Path) -> None:
    """Only the ``settable`` flags may be sent (a forum post's first message takes fewer than a message)."""
    extra = flags & ~settable
    if extra:
        errors.add(path, "MESSAGE_FLAGS_INVALID", f"Flags {extra} cannot be set on this message")


def check_flags_kept(before: int, after: int, errors: FormErrors) -> None:
    """IS_COMPONENTS_V2 can be set by an edit, never removed (resources/message, Edit Message)."""
    if before & MessageFlag.IS_COMPONENTS_V2 and not after & MessageFlag.IS_COMPONENTS_V2:
        errors.add(
            ("flags",),
            "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG",
            "The IS_COMPONENTS_V2 flag cannot be removed from a message",
        )


def assign_component_ids(components: list[JsonDict]) -> None:
    """Number components without an ``id`` sequentially, skipping ids already used (as Discord does)."""
    every = iter_components(components)
    used = {c["id"] for c in every if isinstance(c.get("id"), int) and c["id"] != 0}
    next_id = 1
    for component in every:
        if not component.get("id"):
            while next_id in used:
                next_id += 1
            component["id"] = next_id
            used.add(next_id)


# --- messages -----------------------------------------------------------------------------------


def validate_message(body: JsonDict, errors: FormErrors, path: Path = ()) -> None:
    """Check a create/edit message body (content, embeds, components, nonce, allowed_mentions)."""
    content = body.get("content")
    if content is not None:
        if not isinstance(content, str):
            errors.add((*path, "content"), "BASE_TYPE_STRING", "Must be a string.")
        elif len(content) > CONTENT_LIMIT:
            errors.max_length((*path, "content"), CONTENT_LIMIT)
    embeds = body.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            errors.add((*path, "embeds"), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        else:
            if len(embeds) > EMBEDS_PER_MESSAGE:
                errors.max_length((*path, "embeds"), EMBEDS_PER_MESSAGE)
            for index, embed in enumerate(embeds):
                validate_embed(embed, errors, (*path, "embeds", index))
            total = sum(embed_size(e) for e in embeds if isinstance(e, dict))
            if total > EMBED_TOTAL:
                errors.add(
                    (*path, "embeds"),
                    "MAX_EMBED_SIZE_EXCEEDED",
                    f"Embed size exceeds maximum size of {EMBED_TOTAL}",
                )
    flags = body.get("flags") or 0
    if not isinstance(flags, int):
        errors.add((*path, "flags"), "NUMBER_TYPE_COERCE", f"Value {flags!r} is not int.")
        flags = 0
    if flags & MessageFlag.IS_COMPONENTS_V2:
        for key in ("content", "embeds", "sticker_ids", "poll"):
            if body.get(key):
                errors.add(
                    (*path, key),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content', 'embeds', 'sticker_ids' and 'poll' fields cannot be used when "
                    "using MessageFlags.IS_COMPONENTS_V2",
                )
    validate_message_components(body.get("components"), flags, errors, (*path, "components"))
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE:
        errors.max_length((*path, "nonce"), NONCE)
    validate_allowed_mentions(body.get("allowed_mentions"), errors, (*path, "allowed_mentions"))


def is_empty_message(body: JsonDict, *, file_count: int) -> bool:
    """True when nothing visible would be sent (50006)."""
    return not (
        _text(body.get("content"))
        or body.get("embeds")
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or file_count
    )


# --- interaction callbacks ----------------------------------------------------------------------


#: The JSON type of a choice value for a string (3), integer (4) and number (10) option.
CHOICE_VALUE_TYPES: dict[int, tuple[type, ...]] = {3: (str,), 4: (int,), 10: (int, float)}


def validate_choices(data: object, errors: FormErrors, path: Path, *, option_type: int | None = None) -> None:
    """An autocomplete result: at most 25 choices, names 1–100, string values up to 100, values of the type of
    the option being typed in (``option_type``)."""
    if not isinstance(data, dict):
        errors.required(path)
        return
    choices = data.get("choices")
    if not isinstance(choices, list):
        errors.required((*path, "choices"))
        return
    if len(choices) > CHOICES:
        errors.max_length((*path, "choices"), CHOICES)
    for index, choice in enumerate(choices):
        choice_path = (*path, "choices", index)
        if not isinstance(choice, dict):
            errors.add(choice_path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        _check_length(errors, (*choice_path, "name"), choice.get("name"), CHOICE_TEXT, 1, required=True)
        value = choice.get("value")
        if isinstance(value, str):
            _check_length(errors, (*choice_path, "value"), value, CHOICE_TEXT)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            errors.required((*choice_path, "value"))
            continue
        wanted = CHOICE_VALUE_TYPES.get(option_type or 0)
        if wanted is not None and not isinstance(value, wanted):
            errors.add(
                (*choice_path, "value"),
                "AUTOCOMPLETE_CHOICE_VALUE_TYPE_INVALID",
                f"The value must be of the type of the option ({option_type})",
            )


def validate_callback_data(kind: object, data: JsonDict, errors: FormErrors) -> None:
    """The ``data`` of an interaction callback of type ``kind`` (message, autocomplete result or modal)."""
    if kind in (4, 7):
        validate_message(data, errors, ("data",))
    elif kind == 8:
        validate_choices(data, errors, ("data",))
    elif kind == 9:
        validate_modal(data, errors, ("data",))


def _validate_modal_child(child: JsonDict, errors: FormErrors, path: Path, custom_ids: list[tuple[str, Path]]) -> None:
    kind = child.get("type")
    if kind not in MODAL_CHILD_TYPES:
        errors.add((*path, "type"), "UNION_TYPE_CHOICES", f"Component type {kind} is not allowed in a Label")
        return
    if kind == 4:
        _validate_custom_id(child, errors, path, custom_ids)
        if child.get("style") not in (1, 2):
            errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        _check_int(errors, (*path, "min_length"), child.get("min_length"), 0, 4000)
        _check_int(errors, (*path, "max_length"), child.get("max_length"), 1, 4000)
        _check_length(errors, (*path, "value"), child.get("value"), 4000)
        _check_length(errors, (*path, "placeholder"), child.get("placeholder"), 100)
        low, high = child.get("min_length"), child.get("max_length")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            errors.add((*path, "min_length"), "TEXT_INPUT_MIN_GREATER_THAN_MAX", "min_length exceeds max_length")
        value = child.get("value")
        if isinstance(value, str) and isinstance(high, int) and len(value) > high:
            errors.add((*path, "value"), "TEXT_INPUT_VALUE_TOO_LONG", f"The pre-filled value is over {high} long")
    elif kind in SELECT_TYPES:
        _validate_select(child, errors, path, custom_ids, in_modal=True)
    elif kind == 21:
        _validate_custom_id(child, errors, path, custom_ids)
        options = child.get("options")
        _validate_options(options, errors, (*path, "options"), minimum=2, maximum=10, keys=("label", "value"))
        if isinstance(options, list) and sum(1 for o in options if isinstance(o, dict) and o.get("default")) > 1:
            errors.add((*path, "options"), "RADIO_GROUP_MULTIPLE_DEFAULTS", "Only one option can be the default")
    elif kind == 22:
        _validate_custom_id(child, errors, path, custom_ids)
        _validate_options(
            child.get("options"), errors, (*path, "options"), minimum=1, maximum=10, keys=("label", "value")
        )
        _check_int(errors, (*path, "min_values"), child.get("min_values"), 0, 10)
        _check_int(errors, (*path, "max_values"), child.get("max_values"), 1, 10)
    elif kind == 23:
        _validate_custom_id(child, errors, path, custom_ids)
    elif kind == 19:
        _validate_custom_id(child, errors, path, custom_ids)
        _check_int(errors, (*path, "min_values"), child.get("min_values"), 0, 10)
        _check_int(errors, (*path, "max_values"), child.get("max_values"), 1, 10)


def validate_modal(data: object, errors: FormErrors, path: Path, *, allow_action_rows: bool = False) -> None:
    """A modal: custom_id, title ≤ 45, 1–5 top-level Label/Text Display components."""
    if not isinstance(data, dict):
        errors.required(path)
        return
    _check_length(errors, (*path, "custom_id"), data.get("custom_id"), CUSTOM_ID, 1, required=True)
    _check_length(errors, (*path, "title"), data.get("title"), MODAL_TITLE, 1, required=True)
    components = data.get("components")
    if not isinstance(components, list) or not components:
        errors.required((*path, "components"))
        return
    if len(components) > MODAL_COMPONENTS:
        errors.max_length((*path, "components"), MODAL_COMPONENTS)
    custom_ids: list[tuple[str, Path]] = []
    for index, component in enumerate(components):
        component_path = (*path, "components", index)
        if not isinstance(component, dict):
            errors.add(component_path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = component.get("type")
        if kind == 18:
            _check_length(errors, (*component_path, "label"), component.get("label"), 45, 1, required=True)
            _check_length(errors, (*component_path, "description"), component.get("description"), 100)
            child = component.get("component")
            if not isinstance(child, dict):
                errors.required((*component_path, "component"))
            else:
                _validate_modal_child(child, errors, (*component_path, "component"), custom_ids)
        elif kind == 10:
            _check_length(errors, (*component_path, "content"), component.get("content"), 4000, 1, required=True)
        elif kind == 1 and allow_action_rows:
            for child_index, child in enumerate(component.get("components") or []):
                _validate_modal_child(child, errors, (*component_path, "components", child_index), custom_ids)
        elif kind == 1:
            errors.add(
                (*component_path, "type"),
                "MODAL_ACTION_ROW_NOT_ALLOWED",
                "Text inputs and selects in modals must be placed inside a Label (type 18) component",
            )
        else:
            errors.add(
                (*component_path, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (10, 18).',
            )
    _check_unique(custom_ids, errors)


# --- application commands ----------------------------------------------------------------------


def valid_command_name(name: object, *, chat_input: bool) -> bool:
    """``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lower case where a lower case exists.

    Marks (combining characters) are letters of that pattern only in the Devanagari and Thai scripts.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return True
    for char in name:
        if char in "-_'":
            continue
        category = unicodedata.category(char)
        if category[0] == "M":
            if not unicodedata.name(char, "").startswith(("DEVANAGARI", "THAI")):
                return False
        elif category[0] not in "LN":
            return False
        if char.lower() != char:
            return False
    return True


def _check_localized_names_unique(options: list[object], errors: FormErrors, path: Path) -> None:
    """Options of one list need distinct names in every locale (a localized name, else the default name)."""
    items = [(index, option) for index, option in enumerate(options) if isinstance(option, dict)]
    locales = {locale for _, option in items for locale in option.get("name_localizations") or {}}
    for locale in sorted(locales):
        seen: set[object] = set()
        for index, option in items:
            name = (option.get("name_localizations") or {}).get(locale, option.get("name"))
            if name in seen:
                errors.add(
                    (*path, index, "name_localizations", locale),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    f"Option name {name!r} already exists in locale {locale}",
                )
            seen.add(name)


def _longest(item: JsonDict, key: str) -> int:
    """The longest of a field's default and localized texts (what the 8,000-character total counts)."""
    texts = [item.get(key), *(item.get(f"{key}_localizations") or {}).values()]
    return max((len(text) for text in texts if isinstance(text, str)), default=0)


def command_size(item: JsonDict) -> int:
    """Characters of a command towards Discord's 8,000: names, descriptions and choice names and values of the
    command and every option, subcommand and group, each counted by its longest localization."""
    total = _longest(item, "name") + _longest(item, "description")
    for option in item.get("options") or []:
        if isinstance(option, dict):
            total += command_size(option)
    for choice in item.get("choices") or []:
        if isinstance(choice, dict):
            total += _longest(choice, "name") + len(str(choice.get("value", "")))
    return total


def _validate_command_options(options: object, errors: FormErrors, path: Path, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    if len(options) > 25:
        errors.max_length(path, 25)
    names: set[str] = set()
    seen_optional = False
    kinds = {option.get("type") for option in options if isinstance(option, dict)}
    if kinds & {1, 2} and kinds - {1, 2}:
        errors.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_MIXED_WITH_SUBCOMMANDS",
            "Subcommands and subcommand groups cannot be mixed with other options",
        )
    _check_localized_names_unique(options, errors, path)
    for index, option in enumerate(options):
        option_path = (*path, index)
        if not isinstance(option, dict):
            errors.add(option_path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = option.get("type")
        if kind not in range(1, 12):
            errors.add((*option_path, "type"), "BASE_TYPE_CHOICES", "Value must be one of 1..11.")
        name = option.get("name")
        if not valid_command_name(name, chat_input=True):
            errors.add((*option_path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif name in names:
            errors.add(
                (*option_path, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option name already exists",
            )
        if isinstance(name, str):
            names.add(name)
        for locale, localized in (option.get("name_localizations") or {}).items():
            if not valid_command_name(localized, chat_input=True):
                errors.add(
                    (*option_path, "name_localizations", locale),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    "Command name is invalid",
                )
        _check_length(errors, (*option_path, "description"), option.get("description"), 100, 1, required=True)
        if kind in (1, 2):
            if depth >= (2 if kind == 2 else 3):
                errors.add((*option_path, "type"), "APPLICATION_COMMAND_TOO_DEEP", "Subcommands nested too deeply")
            _validate_command_options(option.get("options"), errors, (*option_path, "options"), depth + 1)
            continue
        required = bool(option.get("required"))
        if required and seen_optional:
            errors.add(
                (*option_path, "required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not required
        choices = option.get("choices")
        if choices:
            if len(choices) > CHOICES:
                errors.max_length((*option_path, "choices"), CHOICES)
            if option.get("autocomplete"):
                errors.add(
                    (*option_path, "autocomplete"),
                    "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                    "Autocomplete cannot be set together with choices",
                )
            for choice_index, choice in enumerate(choices):
                if isinstance(choice, dict):
                    _check_length(
                        errors,
                        (*option_path, "choices", choice_index, "name"),
                        choice.get("name"),
                        100,
                        1,
                        required=True,
                    )
                    if isinstance(choice.get("value"), str):
                        _check_length(errors, (*option_path, "choices", choice_index, "value"), choice["value"], 100)


def validate_commands(commands: object, errors: FormErrors) -> None:
    """A bulk overwrite body: a list of commands, names unique per type, limits per type."""
    if not isinstance(commands, list):
        errors.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add((index,), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        validate_command(command, errors, (index,))
        kind = int(command.get("type", 1))
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)
    for kind, limit in ((1, 100), (2, 15), (3, 15)):
        if counts.get(kind, 0) > limit:
            errors.add((), "APPLICATION_COMMANDS_TOO_MANY", f"Too many commands of type {kind} (max {limit})")


def validate_command(command: JsonDict, errors: FormErrors, path: Path) -> None:
    kind = int(command.get("type", 1))
    chat_input = kind == 1
    if not valid_command_name(command.get("name"), chat_input=chat_input):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    for locale, localized in (command.get("name_localizations") or {}).items():
        if not valid_command_name(localized, chat_input=chat_input):
            errors.add(
                (*path, "name_localizations", locale),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
    if chat_input:
        _check_length(errors, (*path, "description"), command.get("description"), 100, 1, required=True)
        for locale, localized in (command.get("description_localizations") or {}).items():
            _check_length(errors, (*path, "description_localizations", locale), localized, 100, 1, required=True)
        _validate_command_options(command.get("options"), errors, (*path, "options"), depth=1)
        if command_size(command) > COMMAND_TOTAL:
            errors.add(
                path,
                "APPLICATION_COMMAND_TOO_LARGE",
                f"Command exceeds maximum size ({COMMAND_TOTAL})",
            )
    elif command.get("options"):
        errors.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED",
            "Only chat input commands take options",
        )
