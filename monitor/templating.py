"""The one Jinja environment of every page and message the monitor renders: alert and
resolved mail (``mail/…``), reports and their index (``reports/…``), later the web pages.

Autoescaping is on for every ``.html.j2`` template (and for templates from strings);
undefined names are errors. The filters:

- ``mask``: any value as text, identity-card and mobile numbers masked
  (:func:`monitor.mask.mask`); ``None`` is empty;
- ``nolinks``: a URL in the text defanged (``http[:]//…``), for pages that must hold no
  external URL, not even as text a mail client or viewer might turn into a link;
- ``line``: one line, every control character a space (plain-text mail rows);
- ``pad``: padded to a terminal width, CJK characters counting two.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, PrefixLoader, StrictUndefined, select_autoescape

from monitor.mask import mask
from monitor.text import pad

__all__ = ["environment"]

#: Template folder of each prefix: ``mail/alert.html.j2`` is ``monitor/notify/mail/templates``.
_FOLDERS = {"mail": "monitor.notify.mail", "reports": "monitor.reports", "web": "monitor.web"}
_URL = re.compile(r"(?i)\b(https?):(?=//)")


def _mask(value: object) -> str:
    return "" if value is None else mask(str(value))


def _nolinks(value: str) -> str:
    return _URL.sub(r"\1[:]", value)


def _line(value: str) -> str:
    return "".join(c if c.isprintable() else " " for c in value)


@cache
def environment() -> Environment:
    """The shared environment (made once)."""
    env = Environment(
        loader=PrefixLoader(
            {prefix: PackageLoader(package, "templates") for prefix, package in _FOLDERS.items()}
        ),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(mask=_mask, nolinks=_nolinks, line=_line, pad=pad)
    return env
