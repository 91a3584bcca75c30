"""Terminal and plain-text widths (issue 10, item 13): columns stay aligned whatever the
characters of a department or item name."""

from __future__ import annotations

import pytest

from monitor.text import display_width, pad


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("县市场监督管理局", 16),
        ("ABC", 3),
        ("ＡＢＣ", 6),  # full-width letters, as some exports write codes
        ("（一）", 6),  # full-width brackets
        ("ｱｲｳ", 3),  # half-width katakana: one column each, not two
        ("e\u0301", 1),  # e + combining acute accent
        ("县\u200b局", 4),  # a zero-width space from a copied name
        ("阿依·买买提", 11),  # the middle dot of names is one column
        ("🏠", 2),
        ("", 0),
    ],
)
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


def test_padded_names_line_up() -> None:
    names = ["县市场监督管理局", "ｱｲｳ窗口", "e\u0301县局"]
    widths = {display_width(pad(n, 20)) for n in names}
    assert widths == {20}
