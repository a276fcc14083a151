"""Discord's rules as the emulator implements them, checked without a network: limits, permissions, pings."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from discord_emulator.errors import ApiError, FormErrors
from discord_emulator.mentions import DEFAULT_PARSE_MESSAGE, DEFAULT_PARSE_WEBHOOK, compute_pings
from discord_emulator.messaging import Messaging
from discord_emulator.permissions import (
    ALL_PERMISSIONS,
    Overwrite,
    Permission,
    apply_implicit,
    apply_overwrites,
    base_permissions,
)
from discord_emulator.ratelimit import RateLimitConfig, RateLimiter
from discord_emulator.snowflake import SnowflakeGenerator, snowflake_time
from discord_emulator.validation import (
    embed_size,
    valid_command_name,
    validate_choices,
    validate_commands,
    validate_message,
    validate_modal,
)
from discord_emulator.world import World


def errors_of(check: object) -> dict[str, object]:
    errors = FormErrors()
    check(errors)  # type: ignore[operator]
    return errors.to_dict()


def test_snowflakes_increase_and_carry_their_time() -> None:
    moments = iter([1_700_000_000.0] * 3 + [1_700_000_000.5])
    ids = SnowflakeGenerator(clock=lambda: next(moments))
    made = [ids.next() for _ in range(4)]
    assert made == sorted(set(made))
    assert snowflake_time(made[0]) == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert discord.utils.snowflake_time(made[3]) == snowflake_time(made[3])


def test_embed_limits_count_code_points_after_trimming() -> None:
    assert embed_size({"title": "  ずんだ  ", "fields": [{"name": "名", "value": "値"}], "footer": {"text": "f"}}) == 6
    fits = {"embeds": [{"description": "あ" * 4096}, {"description": "い" * 1904}]}
    assert errors_of(lambda e: validate_message(fits, e)) == {}
    over = {"embeds": [{"description": "あ" * 4096}, {"description": "い" * 1905}]}
    assert errors_of(lambda e: validate_message(over, e))["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"  # type: ignore[index]
    many = {"embeds": [{"title": "x"}] * 11}
    assert "embeds" in errors_of(lambda e: validate_message(many, e))
    fields = {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}
    assert "fields" in errors_of(lambda e: validate_message(fields, e))["embeds"]["0"]  # type: ignore[index]


def test_message_components_follow_layout_rules() -> None:
    def row(*children: dict[str, object]) -> dict[str, object]:
        return {"type": 1, "components": list(children)}

    button = {"type": 2, "style": 1, "label": "ok", "custom_id": "a"}
    select = {"type": 3, "custom_id": "s", "options": [{"label": "x", "value": "x"}]}
    assert errors_of(lambda e: validate_message({"components": [row(button), row(select)]}, e)) == {}
    too_wide = {"components": [row(*({**button, "custom_id": str(i)} for i in range(6)))]}
    assert "components" in errors_of(lambda e: validate_message(too_wide, e))["components"]["0"]  # type: ignore[index]
    mixed = {"components": [row(button, select)]}
    assert errors_of(lambda e: validate_message(mixed, e))
    six_rows = {"components": [row({**button, "custom_id": str(i)}) for i in range(6)]}
    assert errors_of(lambda e: validate_message(six_rows, e))["components"]["_errors"]  # type: ignore[index]
    long_id = {"components": [row({**button, "custom_id": "x" * 101})]}
    assert errors_of(lambda e: validate_message(long_id, e))
    link = {"type": 2, "style": 5, "label": "site", "url": "https://example.com"}
    assert errors_of(lambda e: validate_message({"components": [row(link)]}, e)) == {}
    assert errors_of(lambda e: validate_message({"components": [row({**link, "custom_id": "x"})]}, e))
    long_label = {"components": [row({**button, "label": "l" * 81})]}
    assert errors_of(lambda e: validate_message(long_label, e))


def test_modals_need_labels_and_at_most_five_components() -> None:
    text_input = {"type": 4, "custom_id": "body", "style": 1, "label": None}
    label = {"type": 18, "label": "本文", "component": text_input}
    modal = {"custom_id": "m", "title": "お便り", "components": [label]}
    assert errors_of(lambda e: validate_modal(modal, e, ("data",))) == {}
    legacy = {**modal, "components": [{"type": 1, "components": [text_input]}]}
    assert errors_of(lambda e: validate_modal(legacy, e, ("data",)))
    assert errors_of(lambda e: validate_modal(legacy, e, ("data",), allow_action_rows=True)) == {}
    assert errors_of(lambda e: validate_modal({**modal, "title": "t" * 46}, e, ("data",)))
    six = {
        **modal,
        "components": [{**label, "component": {**text_input, "custom_id": str(i)}} for i in range(6)],
    }
    assert errors_of(lambda e: validate_modal(six, e, ("data",)))
    radio = {"type": 21, "custom_id": "r", "options": [{"label": "a", "value": "a"}]}
    assert errors_of(lambda e: validate_modal({**modal, "components": [{**label, "component": radio}]}, e, ("data",)))


def test_autocomplete_choices_and_command_names() -> None:
    ok = {"choices": [{"name": "n" * 100, "value": "v" * 100}] * 25}
    assert errors_of(lambda e: validate_choices(ok, e, ("data",))) == {}
    assert errors_of(lambda e: validate_choices({"choices": ok["choices"] * 2}, e, ("data",)))
    assert errors_of(lambda e: validate_choices({"choices": [{"name": "n", "value": "v" * 101}]}, e, ("data",)))
    assert valid_command_name("お便り", chat_input=True)
    assert valid_command_name("letters-list", chat_input=True)
    assert not valid_command_name("Letters", chat_input=True)
    assert not valid_command_name("two words", chat_input=True)
    assert valid_command_name("Two Words", chat_input=False)
    duplicate = [{"name": "ping", "description": "d"}, {"name": "ping", "description": "d"}]
    assert errors_of(lambda e: validate_commands(duplicate, e))
    bad_order = [
        {
            "name": "c",
            "description": "d",
            "options": [
                {"type": 3, "name": "a", "description": "d"},
                {"type": 3, "name": "b", "description": "d", "required": True},
            ],
        }
    ]
    assert errors_of(lambda e: validate_commands(bad_order, e))


def test_permission_overwrites_apply_in_discord_order() -> None:
    guild, role, user = 1, 2, 3
    everyone = int(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES)
    base = base_permissions(is_owner=False, everyone=everyone, role_permissions=[0])
    overwrites = [
        Overwrite(guild, 0, deny=Permission.SEND_MESSAGES),
        Overwrite(role, 0, allow=Permission.SEND_MESSAGES),
    ]
    assert apply_overwrites(base, overwrites, guild_id=guild, role_ids=[role], user_id=user) & Permission.SEND_MESSAGES
    member_deny = [*overwrites, Overwrite(user, 1, deny=Permission.SEND_MESSAGES)]
    computed = apply_overwrites(base, member_deny, guild_id=guild, role_ids=[role], user_id=user)
    assert not computed & Permission.SEND_MESSAGES
    assert base_permissions(is_owner=True, everyone=0, role_permissions=[]) == ALL_PERMISSIONS
    admin = base_permissions(is_owner=False, everyone=0, role_permissions=[Permission.ADMINISTRATOR])
    assert (
        apply_overwrites(admin, [Overwrite(guild, 0, deny=ALL_PERMISSIONS)], guild_id=guild, role_ids=[], user_id=user)
        == ALL_PERMISSIONS
    )
    assert apply_implicit(int(Permission.SEND_MESSAGES), thread=False) == 0
    without_send = apply_implicit(int(Permission.VIEW_CHANNEL | Permission.ATTACH_FILES), thread=False)
    assert without_send == Permission.VIEW_CHANNEL


def test_threads_need_send_messages_in_threads() -> None:
    world = World()
    guild = world.create_guild(
        "g", bot_permissions=int(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES), everyone_permissions=0
    )
    channel = world.create_channel(guild, "c")
    messaging = Messaging(world)
    message = messaging.create(channel, world.bot, {"content": "x"})
    with pytest.raises(ApiError) as refused:
        messaging.thread_from_message(channel, message, {"name": "t"})
    assert refused.value.code == 50013
    world.update_role(guild.bot_role, permissions=guild.bot_role.permissions | Permission.CREATE_PUBLIC_THREADS)  # type: ignore[union-attr]
    thread = messaging.thread_from_message(channel, message, {"name": "t"})
    with pytest.raises(ApiError) as in_thread:
        messaging.create(thread, world.bot, {"content": "y"})
    assert in_thread.value.code == 50013
    assert world.permissions_in(thread, world.bot.id) & Permission.VIEW_CHANNEL


def test_pings_respect_allowed_mentions() -> None:
    text = "<@10> <@!11> <@&20> <@&21> @here"

    def pings(
        rules: dict[str, object] | None,
        *,
        everyone: bool = True,
        default: tuple[str, ...] = DEFAULT_PARSE_MESSAGE,
    ):
        return compute_pings(
            text=text,
            allowed_mentions=rules,
            default_parse=default,
            can_mention_everyone=everyone,
            known_user_ids={10, 11},
            mentionable_role_ids={20},
            known_role_ids={20, 21},
        )

    loud = pings(None)
    assert (loud.user_ids, loud.role_ids, loud.everyone) == ({10, 11}, {20, 21}, True)
    assert pings({"parse": []}).nobody
    assert pings({"parse": ["users"]}).user_ids == {10, 11}
    assert pings({"users": ["11"]}).user_ids == {11}
    limited = pings(None, everyone=False)
    assert (limited.role_ids, limited.everyone) == ({20}, False)
    webhook = pings(None, default=DEFAULT_PARSE_WEBHOOK)
    assert (webhook.user_ids, webhook.role_ids, webhook.everyone) == ({10, 11}, frozenset(), False)
    reply = compute_pings(
        text="",
        allowed_mentions={"parse": [], "replied_user": True},
        default_parse=DEFAULT_PARSE_MESSAGE,
        can_mention_everyone=True,
        known_user_ids={10},
        mentionable_role_ids=set(),
        known_role_ids=set(),
        reply_author_id=10,
    )
    assert reply.user_ids == {10}


def test_rate_limiter_windows() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimitConfig(message_limit=2, message_window=5.0, global_limit=3), clock=lambda: now[0])
    route = "POST /channels/{channel_id}/messages"
    assert limiter.check(route, "1", global_exempt=False)[0] is None
    assert limiter.check(route, "2", global_exempt=False)[0] is None
    assert limiter.check(route, "1", global_exempt=False)[0] is None
    limited, _ = limiter.check(route, "1", global_exempt=True)
    assert limited is not None
    assert limited.scope == "user"
    assert limited.retry_after == pytest.approx(5.0)
    global_hit, _ = limiter.check("GET /users/@me", "", global_exempt=False)
    assert global_hit is not None
    assert global_hit.is_global
    now[0] = 5.0
    assert limiter.check(route, "1", global_exempt=False)[0] is None
    assert limiter.count() == 2
    assert limiter.count(route) == 1
