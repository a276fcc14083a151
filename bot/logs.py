"""Logging for operators: one handler on stderr, plain text (coloured only on a terminal) or JSON lines.

``LOG_FORMAT=json`` writes one JSON object per line (``time``, ``level``, ``logger``, ``message`` and, for
errors, ``exc_info``) for log shippers. The scheduler's per-run lines and other libraries' chatter are
shown only at ``DEBUG``. The token is replaced wherever it would appear, and discord.py's
DEBUG lines keep their events and requests without their data or the tokens in their URLs.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Loggers that report routine work at INFO (two lines per scheduler run): shown only when LOG_LEVEL=DEBUG.
CHATTY = ("apscheduler",)
_COLOURS = {
    logging.DEBUG: "\x1b[2m",
    logging.INFO: "\x1b[34m",
    logging.WARNING: "\x1b[33m",
    logging.ERROR: "\x1b[31m",
    logging.CRITICAL: "\x1b[41m",
}
_RESET = "\x1b[0m"
#: discord.py's DEBUG lines that carry a payload: (logger, message) → the position of the payload argument.
_PAYLOAD_ARGS = {
    ("discord.gateway", "For Shard ID %s: WebSocket Event: %s"): 1,
    ("discord.http", "%s %s with %s has returned %s"): 2,
    ("discord.http", "%s %s has received %s"): 2,
}
#: An interaction's or a webhook's token in a REST URL (either answers as the bot while it lives).
_URL_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?]+")


class RedactToken(logging.Filter):
    """Replace the token wherever it would appear in a log record (message, arguments, traceback)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "[token]")
            record.args = None
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            if self.token in trace:
                record.exc_text = trace.replace(self.token, "[token]")
                record.exc_info = None
        return True


class HidePayloads(logging.Filter):
    """At DEBUG, discord.py logs every gateway event and HTTP body whole, and URLs carrying interaction and
    webhook tokens: those hold letter text, members' names and credentials to answer as the bot.

    Keep the lines (an operator debugging the connection wants the sequence of events and requests) but
    replace each payload by a short summary, and each token in a URL by ``[token]``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = _PAYLOAD_ARGS.get((record.name, str(record.msg)))
        if hidden is not None and isinstance(record.args, tuple) and len(record.args) > hidden:
            args = list(record.args)
            args[hidden] = _summary(args[hidden])
            record.args = tuple(args)
        message = record.getMessage()
        if _URL_TOKEN.search(message):
            record.msg, record.args = _URL_TOKEN.sub(r"\1[token]", message), None
        return True


def _summary(payload: object) -> str:
    if isinstance(payload, dict) and "op" in payload:
        return f"op={payload.get('op')} t={payload.get('t')} s={payload.get('s')} (data hidden)"
    size = len(payload) if isinstance(payload, str | bytes | dict | list) else 0
    return f"(data hidden, {size} long)" if payload is not None else "(no data)"


class ColourFormatter(logging.Formatter):
    """The text format with the level coloured (used only when the stream is a terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        colour = _COLOURS.get(record.levelno, "")
        return line.replace(record.levelname, f"{colour}{record.levelname}{_RESET}", 1) if colour else line


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def make_formatter(fmt: LogFormat, stream: TextIO) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    if wants_colour(stream):
        return ColourFormatter(TEXT_FORMAT, DATE_FORMAT)
    return logging.Formatter(TEXT_FORMAT, DATE_FORMAT)


def setup_logging(level: str, fmt: LogFormat, token: str = "", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record at ``level`` or above to ``stream`` (stderr) in ``fmt``; the handler installed."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(fmt, handler.stream))
    handler.addFilter(HidePayloads())
    handler.addFilter(RedactToken(token))
    root.addHandler(handler)
    numeric = logging.getLevelName(level)
    root.setLevel(numeric)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(max(numeric, logging.INFO))  # one line per query at DEBUG
    return handler
