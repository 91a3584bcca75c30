"""Masking of personal data in text that leaves the monitor (alert emails).

Case data can carry an applicant's identity-card number or mobile number in free-text fields
(an item name, a department note). Anything that goes into an email passes through
:func:`mask` first, so the number is recognisable to the person who handles the case but not
readable in full by everyone the message is forwarded to.

What is masked, and only as a whole number (a digit run that is not part of a longer run of
letters or digits, so case ids such as ``SX3307260008224152`` are left alone):

- 18-digit resident identity-card numbers (GB 11643-1999: 6-digit region code, 8-digit birth
  date, 3-digit sequence, check digit ``0-9`` or ``X``) → first 6 + ``********`` + last 4;
- 15-digit identity-card numbers issued before 1999 (6-digit region, 6-digit birth date
  ``YYMMDD``, 3-digit sequence) → first 6 + ``******`` + last 3;
- 11-digit mainland mobile numbers (``13``–``19`` prefixes), also written ``138-1234-5678``,
  ``138 1234 5678`` or with ``+86`` / ``0086`` in front → first 3 + ``****`` + last 4,
  separators and prefix kept;
- landline numbers written with their area code and a separator or brackets:
  ``0574-65123456``, ``010 12345678``, ``(0574)65123456``, ``（0574）6512345`` → area code
  and last 4 kept, the rest of the local number starred (``0574-****3456``). A landline
  written as one run of digits cannot be told from other numbers and is left alone.

Identity numbers are recognised by shape plus a plausible birth date (month 01–12, day
01–31, an 18xx/19xx/20xx year for 18 digits); the check digit is not verified, so a mistyped
number is masked too. Masking keeps the length of the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from monitor.text import map_text

__all__ = ["mask", "mask_series"]

#: Not preceded or followed by an ASCII letter or digit: "whole numbers" only. CJK text next to
#: a number still counts as a boundary (身份证330225199001011234).
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"

_ID18 = re.compile(_BEFORE + rf"(\d{{6}})((?:18|19|20)\d\d{_MONTH}{_DAY})(\d{{3}}[\dXx])" + _AFTER)
_ID15 = re.compile(_BEFORE + rf"(\d{{6}})(\d\d{_MONTH}{_DAY})(\d{{3}})" + _AFTER)
_MOBILE = re.compile(_BEFORE + r"((?:\+86|0086)[- ]?)?(1[3-9]\d)([- ]?)(\d{4})\3(\d{4})" + _AFTER)
#: Area code 0 + 2–3 digits, then a 7- or 8-digit local number (which never starts with 0 or 1).
_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z-])"
    r"(0[1-9]\d{1,2}[- ]|[(（]0[1-9]\d{1,2}[)）] ?)([2-9]\d{2,3})(\d{4})" + _AFTER
)


def mask(text: str) -> str:
    """``text`` with identity-card and mobile numbers masked.

    >>> mask("身份证 330225199001011234,电话 13812345678")
    '身份证 330225********1234,电话 138****5678'
    >>> mask("办件 SX3307260008224152")
    '办件 SX3307260008224152'
    """
    text = _ID18.sub(lambda m: m[1] + "*" * 8 + m[3][-4:], text)
    text = _ID15.sub(lambda m: m[1] + "*" * 6 + m[3], text)
    text = _MOBILE.sub(lambda m: (m[1] or "") + m[2] + m[3] + "****" + m[3] + m[5], text)
    return _LANDLINE.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)


#: Text that may hold a number :func:`mask` masks: the same shapes between the same
#: boundaries, in RE2 syntax (no look-around) for Arrow's fast search over a whole column.
_EDGE, _END = "(?:^|[^0-9A-Za-z])", "(?:$|[^0-9A-Za-z])"
_CANDIDATE = "|".join(
    f"(?:{p})"
    for p in (
        _EDGE + "[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{5}[0-9Xx]" + _END,
        _EDGE + "[0-9]{8}(?:0[1-9]|1[0-2])[0-9]{5}" + _END,
        _EDGE + "(?:(?:\\+86|0086)[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}" + _END,
        "(?:0[1-9][0-9]{1,2}[- ]|[(（]0[1-9][0-9]{1,2}[)）] ?)[2-9][0-9]{6,7}" + _END,
    )
)


def mask_series(values: pd.Series) -> pd.Series:
    """:func:`mask` on every text value of a column, quickly on millions of rows: only the
    values that could hold a number to mask (a regular-expression search over the whole
    column) go through :func:`mask`. Missing values stay missing."""
    return map_text(values, mask, lambda text: text.str.contains(_CANDIDATE, regex=True))
