"""Request bodies checked against Discord's own OpenAPI description (``spec/openapi.json``).

The schema of a request is looked up by method and route template in the spec's ``paths``. Objects are closed:
a key the spec does not list is refused, except the keys in :data:`TOLERATED` (discord.py sends them, Discord
ignores them). A violation becomes Discord's answer, 400 with code 50035 and an ``errors`` tree naming the field.
The spec is read once, on the first validation; validators are compiled once per (method, route, variant).
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .errors import FormErrors

JsonDict = dict[str, Any]
SPEC_PATH = Path(__file__).with_name("spec") / "openapi.json"

#: Keys discord.py sends where the spec lists none, and Discord ignores: (spec schema name, key).
#: Each is accepted as anything; every other unlisted key is refused (``UNKNOWN_FIELD``).
TOLERATED: frozenset[tuple[str, str]] = frozenset(
    {
        # discord.py's app_commands send ``nsfw`` on every command (a documented command field the spec lacks).
        ("ApplicationCommandUpdateRequest", "nsfw"),
        ("ApplicationCommandCreateRequest", "nsfw"),
        ("ApplicationCommandPatchRequestPartial", "nsfw"),
        # discord.py's Embed.to_dict() keeps ``flags`` (a field of received embeds) in every embed it sends.
        ("RichEmbed", "flags"),
        # discord.py builds edits with the helper that builds new messages, ``tts`` included.
        ("MessageEditRequestPartial", "tts"),
        ("IncomingWebhookUpdateRequestPartial", "tts"),
        ("IncomingWebhookUpdateForInteractionCallbackRequestPartial", "tts"),
        # ForumChannel.create_thread sends the thread type (11) and the starter message's ``tts``.
        ("CreateForumThreadRequest", "type"),
        ("BaseCreateMessageCreateRequest", "tts"),
        # An edit keeps attachments by sending them back as discord.py received them (Attachment.to_dict()).
        *(
            ("MessageAttachmentRequest", key)
            for key in ("size", "url", "proxy_url", "spoiler", "height", "width", "content_type")
        ),
    }
)

#: Values the API docs list and Discord accepts where the spec's enumerations lag behind: (schema, values).
ADDED_VALUES: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    # GUILD_MEDIA (16): discord.py's ForumChannel option type asks for forum and media channels.
    ("ChannelTypes", (("GUILD_MEDIA", 16),)),
)

#: The command schemas whose ``default_member_permissions`` also takes a string (as the docs say).
COMMAND_SCHEMAS = (
    "ApplicationCommandCreateRequest",
    "ApplicationCommandUpdateRequest",
    "ApplicationCommandPatchRequestPartial",
)
#: Every permission bit the spec allows in ``default_member_permissions``.
ALL_PERMISSIONS = 2**54 - 1

#: URL schemes Discord accepts where the spec says ``format: uri`` (embeds, link buttons, media).
URL_SCHEMES = frozenset({"http", "https", "attachment", "discord"})
SNOWFLAKE_PATTERN = r"^(0|[1-9][0-9]*)$"
_SNOWFLAKE = re.compile(SNOWFLAKE_PATTERN)


# --- formats ------------------------------------------------------------------------------------

_formats = FormatChecker(formats=())


@_formats.checks("uri")
def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme not in URL_SCHEMES:
        return False
    return bool(parts.netloc) if parts.scheme in ("http", "https") else bool(parts.netloc or parts.path)


@_formats.checks("date-time")
def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@_formats.checks("int32")
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**31) <= value < 2**31


@_formats.checks("int64")
def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**63) <= value < 2**63


@_formats.checks("permissions")
def _is_permissions(value: object) -> bool:
    return not isinstance(value, str) or not value.isdigit() or int(value) <= ALL_PERMISSIONS


@_formats.checks("snowflake")
def _is_snowflake(value: object) -> bool:
    return not isinstance(value, str) or (_SNOWFLAKE.match(value) is not None and int(value) < 2**64)


# --- the spec -----------------------------------------------------------------------------------


def _close(node: object, name: str | None = None) -> None:
    """Make every object schema with ``properties`` refuse other keys (but the tolerated ones)."""
    if isinstance(node, list):
        for item in node:
            _close(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict) and "additionalProperties" not in node:
        node["additionalProperties"] = False
        for schema_name, key in TOLERATED:
            if schema_name == name:
                properties.setdefault(key, {})
    for key, value in node.items():
        if key != "properties":
            _close(value)
    if isinstance(properties, dict):
        for value in properties.values():
            _close(value)


def _restrict_locales(node: object, locales: list[str]) -> None:
    """Localization maps (``name_localizations``, ``description_localizations``) take only Discord's locales."""
    if isinstance(node, list):
        for item in node:
            _restrict_locales(item, locales)
    elif isinstance(node, dict):
        for key, value in (node.get("properties") or {}).items():
            if key.endswith("_localizations") and isinstance(value, dict):
                value["propertyNames"] = {"enum": locales}
        for value in node.values():
            _restrict_locales(value, locales)


def _route_shape(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", template)


class _Spec:
    """The spec with closed objects, and the request schema of each (METHOD, route shape)."""

    def __init__(self) -> None:
        self.document: JsonDict = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
        self.schemas: JsonDict = self.document["components"]["schemas"]
        for name, values in ADDED_VALUES:
            self.schemas[name]["oneOf"].extend({"title": title, "const": value} for title, value in values)
        locales = [branch["const"] for branch in self.schemas["AvailableLocalesEnum"]["oneOf"]]
        for schema in self.schemas.values():
            _restrict_locales(schema, locales)
        for name in COMMAND_SCHEMAS:
            # The docs type it as a string of digits (discord.py sends one); the spec only as an integer.
            self.schemas[name]["properties"]["default_member_permissions"] = {
                "type": ["string", "integer", "null"],
                "pattern": "^[0-9]+$",
                "minimum": 0,
                "maximum": ALL_PERMISSIONS,
                "format": "permissions",
            }
        # Discord takes a snowflake as a JSON integer as well as a string (discord.py sends many as integers).
        self.schemas["SnowflakeType"] = {
            "type": ["string", "integer"],
            "pattern": SNOWFLAKE_PATTERN,
            "minimum": 0,
            "maximum": 2**64 - 1,
            "format": "snowflake",
        }
        for name, schema in self.schemas.items():
            _close(schema, name)
        self.requests: dict[tuple[str, str], JsonDict] = {}
        for template, operations in self.document["paths"].items():
            _close(operations)
            for method, operation in operations.items():
                body = operation.get("requestBody") if isinstance(operation, dict) else None
                if body and "application/json" in body.get("content", {}):
                    schema = body["content"]["application/json"]["schema"]
                    self.requests[(method.upper(), _route_shape(template))] = schema
        self._inlined: dict[str, JsonDict] = {}
        self._inlining: set[str] = set()

    def inline(self, node: Any) -> Any:
        """``node`` with references replaced by the schemas they name (shared, built once), and unions turned into
        what checks one branch: unions of objects told apart by their ``type`` field into :data:`BY_TYPE` (the
        branch for the value's type), "null or X" into :data:`NULL_OR`, named constants into an ``enum``."""
        if isinstance(node, list):
            return [self.inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[1]
            if name in self._inlining:
                raise ValueError(f"recursive schema {name} in the spec: inlining cannot express it")
            if name not in self._inlined:
                self._inlining.add(name)
                self._inlined[name] = self.inline(self.schemas[name])
                self._inlining.discard(name)
            if len(node) == 1:
                return {MEMO: self._inlined[name]} if name in MEMOIZED else self._inlined[name]
            node = {"allOf": [{"$ref": node["$ref"]}], **{k: v for k, v in node.items() if k != "$ref"}}
        out: JsonDict = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: self.inline(item) for name, item in value.items()}
            elif key in ("enum", "const", "required"):
                out[key] = value
            else:
                out[key] = self.inline(value)
        for key in ("oneOf", "anyOf"):
            consts = _constants(out.get(key))
            if consts is not None:
                del out[key]
                out["enum"] = consts
                continue
            branches = out.get(key)
            if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
                del out[key]
                out[NULL_OR] = next(branch for branch in branches if branch != {"type": "null"})
                continue
            keyed = _keyed_branches(out.get(key))
            if keyed is not None:
                del out[key]
                every = [kind for kinds, _ in keyed for kind in kinds]
                out.setdefault("allOf", []).append(
                    {"type": "object", "required": ["type"], "properties": {"type": {"enum": every}}}
                )
                out[BY_TYPE] = [{"kinds": kinds, "schema": branch} for kinds, branch in keyed]
        return out


def _constants(branches: object) -> list[object] | None:
    """The values of a union of named constants (how the spec writes enumerations), checked as one ``enum``."""
    if not isinstance(branches, list) or not branches:
        return None
    if not all(isinstance(b, dict) and "const" in b and set(b) <= {"const", "title", "description"} for b in branches):
        return None
    return [b["const"] for b in branches]


def _keyed_branches(branches: object) -> list[tuple[list[object], JsonDict]] | None:
    """The branches of a union with the ``type`` values each takes, when every branch is told by its own."""
    if not isinstance(branches, list) or len(branches) < 2:
        return None
    keyed: list[tuple[list[object], JsonDict]] = []
    for branch in branches:
        kind = (branch.get("properties") or {}).get("type") if isinstance(branch, dict) else None
        if not isinstance(kind, dict) or not ("const" in kind or "enum" in kind):
            return None
        keyed.append(([kind["const"]] if "const" in kind else list(kind["enum"]), branch))
    every = [kind for kinds, _ in keyed for kind in kinds]
    return keyed if len(every) == len(set(every)) else None


#: The emulator's keyword for a union told apart by ``type``: ``[{"kinds": [...], "schema": {...}}, ...]``.
BY_TYPE = "x-emulator-by-type"


def _by_type(validator: Any, branches: list[JsonDict], instance: object, schema: JsonDict) -> Iterator[ValidationError]:
    """Check ``instance`` against the one branch for its ``type`` (an unknown type is refused beside it)."""
    if not isinstance(instance, dict):
        return
    kind = instance.get("type")
    for index, branch in enumerate(branches):
        if kind in branch["kinds"] and not isinstance(kind, bool):
            yield from validator.descend(instance, branch["schema"], schema_path=index)
            return


#: The emulator's keyword for "null, or this schema" (how the spec writes optional objects): one check, not two.
NULL_OR = "x-emulator-null-or"


def _null_or(validator: Any, other: JsonDict, instance: object, schema: JsonDict) -> Iterator[ValidationError]:
    if instance is not None:
        yield from validator.descend(instance, other)


#: The emulator's keyword for a part whose validity is remembered: bots send the same embeds and buttons to many
#: channels and again in edits, and a part is valid or not whatever message holds it.
MEMO = "x-emulator-memo"
MEMOIZED = frozenset({"RichEmbed", "ActionRowComponentForMessageRequest"})
_MEMO_SIZE = 4096
_valid_parts: dict[tuple[int, str], None] = {}


def _memo(validator: Any, part: JsonDict, instance: object, schema: JsonDict) -> Iterator[ValidationError]:
    key = (id(part), json.dumps(instance, sort_keys=True, ensure_ascii=False, default=repr))
    if key in _valid_parts:
        return
    errors = list(validator.descend(instance, part))
    if errors:
        yield from errors
        return
    if len(_valid_parts) >= _MEMO_SIZE:
        _valid_parts.clear()
    _valid_parts[key] = None


def forget_valid_parts() -> None:
    """Forget which parts were found valid (benchmarks time the check of parts never seen)."""
    _valid_parts.clear()


#: Draft 2020-12 with the emulator's three keywords (jsonschema's stubs leave ``extend`` untyped).
_Validator: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {BY_TYPE: _by_type, NULL_OR: _null_or, MEMO: _memo}
)


@functools.cache
def _spec() -> _Spec:
    return _Spec()


@functools.cache
def _validator(method: str, shape: str, variant: str | None) -> Draft202012Validator | None:
    spec = _spec()
    if variant is not None:
        schema = spec.inline({"$ref": f"#/components/schemas/{variant}"})
    elif (method, shape) in spec.requests:
        schema = spec.inline(spec.requests[(method, shape)])
    else:
        return None
    return _Validator(schema, format_checker=_formats)


# --- errors in Discord's shape ------------------------------------------------------------------

_TYPE_CODES = {
    "string": ("BASE_TYPE_STRING", "Must be a string."),
    "integer": ("NUMBER_TYPE_COERCE", "Value is not int."),
    "number": ("NUMBER_TYPE_COERCE", "Value is not a number."),
    "boolean": ("BASE_TYPE_BOOLEAN", "Must be either true or false."),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
}
_FORMAT_CODES = {
    "uri": ("URL_TYPE_INVALID_URL", "Not a well formed URL."),
    "date-time": ("DATE_TIME_TYPE_PARSE", "Could not parse {value!r}. Should be ISO8601."),
    "snowflake": ("NUMBER_TYPE_COERCE", "Value {value!r} is not snowflake."),
    "int32": ("NUMBER_TYPE_COERCE", "Value {value!r} is not int32."),
    "int64": ("NUMBER_TYPE_COERCE", "Value {value!r} is not int64."),
    "permissions": ("NUMBER_TYPE_MAX", "Value {value!r} has bits outside the permissions."),
}


def _types(schema_type: object) -> list[str]:
    if isinstance(schema_type, list):
        return [str(t) for t in schema_type if t != "null"]
    return [str(schema_type)]


def _is_kind_mismatch(error: ValidationError) -> bool:
    """True when a union branch was for another kind of value (wrong JSON type, or another ``type`` field)."""
    path = list(error.relative_path)
    if not path and error.validator == "type":
        return True
    return path == ["type"] and error.validator in ("enum", "const", "type")


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors that explain ``error``: inside a union, those of the branch meant for this value."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    branches: dict[object, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.schema_path[0]].append(sub)
    meant = [errors for errors in branches.values() if not any(_is_kind_mismatch(e) for e in errors)]
    if not meant:
        yield error
        return
    for sub in min(meant, key=len):
        yield from _leaves(sub)


def _report(error: ValidationError, errors: FormErrors, prefix: tuple[str | int, ...]) -> None:
    path = (*prefix, *error.absolute_path)
    kind, value, instance = error.validator, cast(Any, error.validator_value), cast(Any, error.instance)
    schema = cast(Mapping[str, Any], error.schema)
    if "propertyNames" in error.schema_path:
        errors.add((*path, str(instance)), "LOCALE_INVALID", f"{instance!r} is not one of Discord's locales.")
    elif kind == "required":
        present = instance if isinstance(instance, dict) else {}
        for missing in (k for k in value if k not in present):
            errors.required((*path, missing))
    elif kind == "additionalProperties":
        known = schema.get("properties", {})
        for extra in sorted(k for k in instance if k not in known):
            errors.add((*path, extra), "UNKNOWN_FIELD", "This field is not part of Discord's API for this request")
    elif kind in ("maxLength", "maxItems", "maxProperties"):
        errors.max_length(path, int(value))
    elif kind in ("minLength", "minItems", "minProperties"):
        errors.min_length(path, int(value))
    elif kind in ("maximum", "exclusiveMaximum"):
        errors.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {value}.")
    elif kind in ("minimum", "exclusiveMinimum"):
        errors.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {value}.")
    elif kind == "type":
        code, message = _TYPE_CODES.get(_types(value)[0], ("BASE_TYPE_INVALID", "Invalid type."))
        errors.add(path, code, message)
    elif kind in ("enum", "const"):
        choices = value if kind == "enum" else [value]
        errors.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {choices}.")
    elif kind == "format":
        code, message = _FORMAT_CODES.get(str(value), ("BASE_TYPE_INVALID", "Invalid value."))
        errors.add(path, code, message.format(value=instance))
    elif kind == "pattern":
        what = "snowflake" if value == SNOWFLAKE_PATTERN else "a whole number"
        errors.add(path, "NUMBER_TYPE_COERCE", f"Value {instance!r} is not {what}.")
    elif kind == "uniqueItems":
        errors.add(path, "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value.")
    elif kind in ("oneOf", "anyOf"):
        errors.add(path, "UNION_TYPE_CHOICES", "Value does not match any of the allowed shapes.")
    else:
        errors.add(path, "BASE_TYPE_INVALID", error.message)


def validate_body(
    method: str,
    template: str,
    body: object,
    errors: FormErrors,
    *,
    variant: str | None = None,
    prefix: tuple[str | int, ...] = (),
) -> bool:
    """Add to ``errors`` what the spec refuses in ``body`` for this route; False when the route has no schema.

    ``variant`` names the component schema to use instead of the route's union (the handler knows which
    branch applies, e.g. a thread's PATCH).
    """
    validator = _validator(method, _route_shape(template), variant)
    if validator is None:
        return False
    _collect(validator, body, errors, prefix)
    return True


def _collect(validator: Draft202012Validator, value: object, errors: FormErrors, prefix: tuple[str | int, ...]) -> None:
    """Report each field once (its first error), in path order, as Discord does."""
    if validator.is_valid(value):
        return
    reported: set[tuple[str, ...]] = set()
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        for leaf in _leaves(error):
            key = tuple(str(p) for p in leaf.absolute_path)
            if leaf.validator in ("required", "additionalProperties") or key not in reported:
                reported.add(key)
                _report(leaf, errors, prefix)
