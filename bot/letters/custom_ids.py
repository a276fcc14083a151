"""The custom ids of the letters feature's components, in one place (they outlive restarts: never change them).

* ``zb:letter:<episode number>`` — 「お便りを送る」 under an announcement or an episode page: opens the form.
* ``zb:lh:<action>:<letter id>`` — a triage button on the hosts' message of a letter.
* ``zb:lf:<random token>`` — a letter form (modal).

The form's episode select names an episode by :func:`episode_option_value` of its key: unique even
where episode numbers repeat (seasons), and short enough for Discord (100 characters).
"""

from __future__ import annotations

import hashlib
import re

LETTER_PREFIX = "zb:letter:"
LETTER_NUMBER = re.compile(r"[^:]{1,80}")
#: ``DynamicItem`` template of the 「お便りを送る」 button.
LETTER_TEMPLATE = LETTER_PREFIX + r"(?P<number>[^:]{1,80})"

HOST_PREFIX = "zb:lh:"
#: ``DynamicItem`` template of a hosts' triage button.
HOST_TEMPLATE = HOST_PREFIX + r"(?P<action>adopt|hold|read|reject|block|unblock):(?P<id>[0-9]{1,19})"

FORM_PREFIX = "zb:lf:"


def letter_custom_id(number: str) -> str | None:
    """``zb:letter:<number>``, or ``None`` when the number cannot be carried in a custom id."""
    return f"{LETTER_PREFIX}{number}" if LETTER_NUMBER.fullmatch(number) else None


def host_custom_id(action: str, letter_id: int) -> str:
    return f"{HOST_PREFIX}{action}:{letter_id}"


_HOST = re.compile(HOST_TEMPLATE)


def host_letter_id(custom_id: str) -> int | None:
    """The letter a triage button's custom id names (how an unrecorded post is recognised), else ``None``."""
    match = _HOST.fullmatch(custom_id)
    return int(match["id"]) if match else None


EPISODE_OPTION_PREFIX = "e:"


def episode_option_value(key: str) -> str:
    """The select option value of an episode: a digest of its (unique) key."""
    return EPISODE_OPTION_PREFIX + hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


def is_episode_option_value(value: str) -> bool:
    return value.startswith(EPISODE_OPTION_PREFIX)
