"""The trend chart of the period reports: matplotlib, drawn as SVG for inline use in HTML.

Late-acceptance and late-completion rates on top, the online rate below (their scales differ
by four orders of magnitude: 0.005 % against 99 %), over up to 12 periods. matplotlib writes
the SVG with ``svg.fonttype = 'none'``, so every label stays text and Chinese shows in any
browser with the reader's own CJK font (the SVG names a list of them). The output is made
fit for an HTML page: no XML prolog, DOCTYPE, metadata, comments or namespace URLs, and
matplotlib's stylesheet is scoped to the chart. Warnings about fonts missing on the machine
that draws the chart are silenced: the fonts are needed where it is read, not here.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from markupsafe import Markup

from monitor.reports.format import format_rate
from monitor.reports.words import LABELS, WORDS

__all__ = ["CHART_FONTS", "trend_svg"]

#: Fonts the chart asks for, CJK first; the reader's browser picks the first it has.
CHART_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "SimHei",
    "DejaVu Sans",
]

_SERIES = (
    ("accepted_late_rate", "#c0392b", "o"),
    ("completed_late_rate", "#d68910", "s"),
    ("online_rate", "#1f618d", "o"),
)

_MARGINS = {"left": 0.1, "right": 0.9, "bottom": 0.13, "top": 0.94, "hspace": 0.3}


class _QuietFonts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("findfont")


@contextmanager
def _quiet_matplotlib() -> Iterator[None]:
    """No warnings about missing fonts: the SVG names them, the reader's browser has them."""
    logger = logging.getLogger("matplotlib.font_manager")
    quiet = _QuietFonts()
    logger.addFilter(quiet)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"(?s).*missing from font", category=Warning)
            warnings.filterwarnings("ignore", message=r"(?s).*findfont", category=Warning)
            yield
    finally:
        logger.removeFilter(quiet)


def _values(trend: list[dict[str, Any]], key: str) -> list[float]:
    return [math.nan if row.get(key) is None else float(row[key]) for row in trend]


def trend_svg(trend: list[dict[str, Any]], language: str = "zh") -> Markup:
    """The 12-period chart of the late rates (top) and the online rate (bottom), inline SVG.

    Empty when there is no period. The SVG has no XML prolog, DOCTYPE, metadata, comments
    or namespace URLs (the HTML parser puts ``<svg>`` in the SVG namespace by itself).
    """
    if not trend:
        return Markup("")
    import matplotlib  # heavy: only when a chart is drawn
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    words = WORDS["zh" if language == "zh" else "en"]
    labels = [str(row.get("period", "")) for row in trend]
    positions = list(range(len(trend)))
    settings = {
        "svg.fonttype": "none",
        "svg.hashsalt": "banjian-report",
        "font.family": ["sans-serif"],
        "font.sans-serif": CHART_FONTS,
        "font.size": 9,
        "text.parse_math": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with _quiet_matplotlib(), matplotlib.rc_context(settings):
        figure = Figure(figsize=(8, 5.2))
        # Fixed margins, room for the tick labels, the rotated periods and the last value's
        # label on the right: half the time of matplotlib's constrained layout.
        figure.subplots_adjust(**_MARGINS)
        late, online = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        for axes, keys in ((late, _SERIES[:2]), (online, _SERIES[2:])):
            top = _series(axes, keys, trend, language)
            if axes is late:
                axes.set_ylim(0, top * 1.25 if top > 0 else 0.0001)
            axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_rate(v)))
            axes.yaxis.set_major_locator(MaxNLocator(5))
            axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
            axes.legend(loc="upper left", frameon=False, ncols=2)
        online.set_xticks(positions, labels, rotation=45, ha="right")
        online.set_xlim(-0.5, len(positions) - 0.5)
        late.set_title(words["chart_late"], loc="left", fontsize=10)
        online.set_title(words["chart_online"], loc="left", fontsize=10)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return Markup(_clean_svg(buffer.getvalue(), words["chart_title"]))


def _series(
    axes: Any, keys: tuple[tuple[str, str, str], ...], trend: list[dict[str, Any]], language: str
) -> float:
    """Draw the rates of ``keys`` on ``axes``, the last value of each labelled; the highest
    value drawn (0.0 if none)."""
    positions = list(range(len(trend)))
    top = 0.0
    for key, colour, marker in keys:
        values = _values(trend, key)
        name = LABELS[language][key]
        axes.plot(positions, values, color=colour, marker=marker, ms=4, label=name)
        finite = [(x, v) for x, v in zip(positions, values, strict=True) if v == v]
        if finite:
            x, v = finite[-1]
            axes.annotate(
                format_rate(v),
                (x, v),
                xytext=(4, 4),
                textcoords="offset points",
                color=colour,
                fontsize=8,
            )
            top = max(top, *(v for _, v in finite))
    return top


def _clean_svg(svg: str, title: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", svg)
    # matplotlib's own stylesheet is "*{...}": scope it to the chart inside the page.
    svg = svg.replace("*{stroke-linejoin", "svg.trend *{stroke-linejoin", 1)
    label = Markup.escape(title)
    svg = svg.replace("<svg ", f'<svg class="trend" role="img" aria-label="{label}" ', 1)
    if re.search(r"(?i)https?://", svg):
        raise RuntimeError("matplotlib's SVG still holds a URL after cleaning")
    return svg.strip()
