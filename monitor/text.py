"""Text helpers shared by every output: terminal widths, one-line header text, URLs with
their password hidden."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "display_width",
    "has_breaks",
    "hide_password",
    "map_text",
    "one_line",
    "pad",
    "plural",
]

#: Everything str.splitlines() breaks on, plus the other C0 controls: none may reach a header.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a monospaced mail body: wide and full-width
    characters (CJK, full-width letters, emoji) take two, combining marks and zero-width
    characters none, everything else one (Unicode's East Asian Width, as wcwidth does)."""
    return sum(_width(ch) for ch in text)


@lru_cache(maxsize=4096)
def _width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def map_text(
    values: pd.Series, fn: Callable[[str], str], candidates: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """``fn`` on the text values of a column that ``candidates`` (a fast, vectorised test on
    the column as text) picks out, quickly on millions of rows; a categorical column is done
    on its categories. Missing values stay missing; ``fn`` must leave other values as they
    are."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        names = values.cat.categories.astype("str")
        mapped = names.map(fn)
        if mapped.equals(names):
            return values
        if mapped.is_unique:
            return values.cat.rename_categories(mapped)
        values = values.astype(object)
    text = values.astype("str")
    picked = candidates(text).fillna(False).to_numpy(dtype=bool)
    if not picked.any():
        return values
    out = values.astype(object).copy()
    out[picked] = text[picked].map(fn).to_numpy()
    return out


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the English noun in the number ``n`` asks for: ``1 case``, ``2,000 cases``
    (``many`` where adding an "s" is wrong). Chinese needs none: 件 is both."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def one_line(value: str) -> str:
    """``value`` with every run of line breaks and control characters turned into one space,
    and stripped: a mail header (a subject) is one line, and nothing may start another."""
    return _BREAKS.sub(" ", value).strip()


def has_breaks(value: str) -> bool:
    """Whether ``value`` holds a line break or another control character."""
    return _BREAKS.search(value) is not None


def hide_password(url: str) -> str:
    """A database URL with its password shown as ``***`` (``<unparseable url>`` when it is
    not a URL at all), for messages and printed settings."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable url>"
