"""Logging for the long-running commands (``monitor daemon``, ``monitor run``).

Standard :mod:`logging` to stderr (which systemd's journal or cron's mail collects) and, with
``[logging] file``, also to a file rotated at 10 MB with 5 old files kept. ``text`` is one
readable line per record; ``json`` is one JSON object per line (time, level, logger,
message, and ``exc_info`` with the traceback when there is one) for log collectors.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import sys

from monitor.config import Settings

__all__ = ["JsonFormatter", "setup_logging"]

#: A log file is rotated at this size, and this many old files are kept.
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601 with offset), level, logger, message and,
    when the record carries an exception, ``exc_info`` (the formatted traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    settings: Settings, fmt_override: str | None = None, *, debug: bool = False
) -> None:
    """Send the root logger's records to stderr (and ``[logging] file``) in ``[logging]
    format`` or ``fmt_override`` ("text", "json"), at ``[logging] level`` (DEBUG with
    ``debug``). Handlers set up before by this function or by the CLI are replaced."""
    cfg = settings.logging
    fmt = fmt_override or cfg.format
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else _text_formatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if cfg.file:
        path = settings.resolve(cfg.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        )
    root = logging.getLogger()
    for old in root.handlers[:]:
        # Ours from an earlier call, and the CLI's plain stderr handler (basicConfig); not
        # handlers of other kinds (a test runner's capture, for one).
        if getattr(old, "_monitor", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
            old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._monitor = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else cfg.level)
    # Alembic says at INFO what it checked on every job's start; its warnings still show.
    logging.getLogger("alembic").setLevel(logging.DEBUG if debug else logging.WARNING)


def _text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT)
