"""A robot message as one markdown text within a platform's size limit.

The header, then as many case lines as fit (most urgent first, as the message orders
them), then "及其他 N 件" ("and N more") for the cases left out with the link to the full
list when the message has one, then the footer and the lines the platform adds (mentions,
the keyword). Sizes are UTF-8 bytes, as the platforms count them. The header and the added
lines are kept whole; the footer goes before a single case line does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.notify.robots.message import RobotMessage

__all__ = ["Fitted", "coloured", "fit_markdown", "more_line"]

_PARAGRAPH = "\n\n"
#: A case line starts with its level in bold: "- **督办** …".
_LEVEL_PREFIX = re.compile(r"^- \*\*([^*]+)\*\* ")


@dataclass(frozen=True)
class Fitted:
    """The markdown ``text``, and how many case lines it ``shows`` and leaves out."""

    text: str
    shows: int
    left_out: int


def size(text: str) -> int:
    """``text``'s size in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def more_line(count: int, link: str | None, language: str) -> str:
    """The line that counts the ``count`` cases left out, with the full list's ``link``."""
    if language == "en":
        return f"and {count} more" + (f" — [see them all]({link})" if link else "")
    return f"及其他 {count} 件" + (f"，[在线查看全部]({link})" if link else "")


def coloured(line: str, colours: Mapping[str, str]) -> str:
    """``line`` with its bold level word wrapped as ``colours`` says (level word → the
    markup with ``{}`` for the word), unchanged when its level has no colour."""
    match = _LEVEL_PREFIX.match(line)
    if match is None or match.group(1) not in colours:
        return line
    return "- " + colours[match.group(1)].format(f"**{match.group(1)}**") + line[match.end() - 1 :]


def fit_markdown(
    message: RobotMessage,
    budget: int,
    *,
    colours: Mapping[str, str] | None = None,
    added: Sequence[str] = (),
) -> Fitted:
    """The message as one markdown text of at most ``budget`` bytes, with ``added`` lines
    at its end; ValueError when not even the header and ``added`` fit."""
    lines = [coloured(c, colours) if colours else c for c in message.cases]
    head = _PARAGRAPH.join(message.header)
    tail = _PARAGRAPH.join(added)
    for footer in (message.footer, ()):
        fixed = [head, _PARAGRAPH.join(footer), tail]
        shows = _how_many(lines, budget, fixed, message)
        if shows is not None:
            text = _join(head, lines[:shows], _more(message, len(lines) - shows), fixed[1:])
            return Fitted(text, shows, len(lines) - shows)
    raise ValueError(f"the message's header alone is over the platform's {budget} bytes")


def _how_many(lines: list[str], budget: int, fixed: list[str], message: RobotMessage) -> int | None:
    """The most case lines that fit with the ``fixed`` parts, or None when none fit but
    some had to (a footer to drop) or not even the fixed parts fit."""
    head, rest = fixed[0], fixed[1:]
    if size(_join(head, lines, "", rest)) <= budget:
        return len(lines)
    shown = 0
    for count in range(1, len(lines)):  # the longest prefix that fits with its "more" line
        if size(_join(head, lines[:count], _more(message, len(lines) - count), rest)) > budget:
            break
        shown = count
    if shown == 0 and size(_join(head, [], _more(message, len(lines)), rest)) > budget:
        return None
    if shown == 0 and any(rest[:1]):  # drop the footer before dropping every case
        return None
    return shown


def _more(message: RobotMessage, left_out: int) -> str:
    return more_line(left_out, message.more_link, message.language) if left_out else ""


def _join(head: str, cases: Sequence[str], more: str, rest: Sequence[str]) -> str:
    body = "\n".join(cases)
    return _PARAGRAPH.join(part for part in (head, body, more, *rest) if part)
