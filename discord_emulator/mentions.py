"""Which users, roles and @everyone a message actually pings, following ``allowed_mentions`` rules."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from .errors import FormErrors
from .models import Pings, iter_components

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)")

#: allowed_mentions when the body has none: regular messages parse everything,
#: interaction responses and webhooks only users (resources/message, allowed mentions defaults).
DEFAULT_PARSE_MESSAGE = ("users", "roles", "everyone")
DEFAULT_PARSE_WEBHOOK = ("users",)
_PARSE_TYPES = frozenset(DEFAULT_PARSE_MESSAGE)


def mentionable_text(content: str, components: list[dict[str, Any]]) -> str:
    """The text Discord scans for mentions: content plus text displays of components."""
    parts = [content]
    parts.extend(str(c.get("content", "")) for c in iter_components(components) if c.get("type") == 10)
    return "\n".join(parts)


def validate_allowed_mentions(value: object, errors: FormErrors, path: tuple[str | int, ...]) -> None:
    """Reject shapes Discord rejects (unknown parse types, parse together with an explicit list)."""
    if value is None:
        return
    if not isinstance(value, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    parse = value.get("parse") or []
    if not isinstance(parse, list):
        errors.add((*path, "parse"), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    for index, item in enumerate(parse):
        if item not in _PARSE_TYPES:
            errors.add(
                (*path, "parse", index),
                "BASE_TYPE_CHOICES",
                f"Value must be one of {sorted(_PARSE_TYPES)}.",
            )
    for kind in ("users", "roles"):
        explicit = value.get(kind) or []
        if explicit and kind in parse:
            errors.add(
                (*path, "parse"),
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f'parse:["{kind}"] is mutually exclusive with {kind}: [...]',
            )
        if len(explicit) > 100:
            errors.max_length((*path, kind), 100)


def compute_pings(
    *,
    text: str,
    allowed_mentions: dict[str, Any] | None,
    default_parse: Collection[str],
    can_mention_everyone: bool,
    known_user_ids: Collection[int],
    mentionable_role_ids: Collection[int],
    known_role_ids: Collection[int],
    reply_author_id: int | None = None,
) -> Pings:
    """Who is notified by ``text`` sent with ``allowed_mentions`` (None: the context's default)."""
    rules = allowed_mentions if allowed_mentions is not None else {"parse": list(default_parse)}
    parse = set(rules.get("parse") or [])
    allowed_users = {int(u) for u in rules.get("users") or []}
    allowed_roles = {int(r) for r in rules.get("roles") or []}

    users: set[int] = set()
    for match in USER_MENTION.finditer(text):
        user_id = int(match.group(1))
        if user_id in known_user_ids and ("users" in parse or user_id in allowed_users):
            users.add(user_id)
    roles: set[int] = set()
    for match in ROLE_MENTION.finditer(text):
        role_id = int(match.group(1))
        if role_id not in known_role_ids or not ("roles" in parse or role_id in allowed_roles):
            continue
        if role_id in mentionable_role_ids or can_mention_everyone:
            roles.add(role_id)
    everyone = bool(EVERYONE_MENTION.search(text)) and "everyone" in parse and can_mention_everyone
    if reply_author_id is not None:
        replied = rules.get("replied_user", allowed_mentions is None)
        if replied:
            users.add(reply_author_id)
    return Pings(user_ids=frozenset(users), role_ids=frozenset(roles), everyone=everyone)
